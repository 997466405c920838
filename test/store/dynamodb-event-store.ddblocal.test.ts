import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { verifyLedger } from '../../lib/crypto/ledger-hash.js';
import { makeChain, nextRecord } from '../helpers/records.js';
import { raceWriters } from '../helpers/concurrent-writers.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { localDynamoDbClient, uniqueTableName } from '../helpers/dynalite.js';
import { dynamoDbLocalEndpoint } from '../helpers/dynamodb-local-endpoint.js';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract('DynamoDbEventStore on DynamoDB Local', async () => {
  const client = localDynamoDbClient(dynamoDbLocalEndpoint());
  const tableName = uniqueTableName('ledger');
  await createLedgerTable(client, tableName, { stream: true });
  return { store: new DynamoDbEventStore({ client, tableName }), close: async () => { client.destroy(); } };
});

describe('DynamoDbEventStore on DynamoDB Local', () => {
  let client: DynamoDBClient;
  let tableName: string;
  beforeAll(async () => {
    client = localDynamoDbClient(dynamoDbLocalEndpoint());
    tableName = uniqueTableName('ledger-extra');
    await createLedgerTable(client, tableName, { stream: true });
    await createLedgerTable(client, tableName, { stream: true }); // idempotent
  });
  afterAll(() => { client?.destroy(); });

  describe('when an append loses the race for a seq', () => {
    it('returns the winning record in the conflict (ALL_OLD on condition failure)', async () => {
      const store = new DynamoDbEventStore({ client, tableName });
      await store.createRun({ runId: 'race', tenantId: 't1', createdAt: '2026-01-01T00:00:00.000Z' });
      const [r1, r2] = await makeChain('t1', 'race', 2);
      await store.append('t1', 'race', [r1!, r2!]);
      const rival = await nextRecord('t1', 'race', r1, { stepKey: 'rival' });
      await expect(store.append('t1', 'race', [rival])).rejects.toMatchObject({
        name: 'AppendConflictError', details: { runId: 'race', seq: 2, winner: r2 },
      });
    });

    it('refuses with TenantMismatchError when another tenant creates the same run id', async () => {
      const store = new DynamoDbEventStore({ client, tableName });
      await store.createRun({ runId: 'owned', tenantId: 't1', createdAt: '2026-01-01T00:00:00.000Z' });
      await expect(store.createRun({ runId: 'owned', tenantId: 't2', createdAt: 'x' })).rejects.toMatchObject({ name: 'TenantMismatchError' });
    });
  });

  describe('when 20 writers race on one run', () => {
    it('writes contiguous seqs with one winner each and a valid chain', async () => {
      const store = new DynamoDbEventStore({ client, tableName });
      await store.createRun({ runId: 'crowd', tenantId: 't1', createdAt: '2026-01-01T00:00:00.000Z' });
      const { wins } = await raceWriters(() => new DynamoDbEventStore({ client, tableName }), 't1', 'crowd', 20, 40);
      const events = await store.loadEvents('t1', 'crowd');
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      expect(wins.reduce((a, b) => a + b, 0)).toBe(40);
      expect(verifyLedger(events, { tenantId: 't1' }).valid).toBe(true);
    });
  });
});
