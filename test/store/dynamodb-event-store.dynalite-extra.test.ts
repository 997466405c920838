import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { verifyLedger } from '../../lib/crypto/ledger-hash.js';
import { eventToItem } from '../../lib/store/dynamodb-items.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { makeChain, nextRecord } from '../helpers/records.js';
import { raceWriters } from '../helpers/concurrent-writers.js';

let server: LocalServer;
let client: DynamoDBClient;
let doc: DynamoDBDocumentClient;
let tableName: string;
let store: DynamoDbEventStore;
let n = 0;
const newRun = async () => {
  const tenantId = `t${++n}`;
  const runId = `run-${n}-${Math.random().toString(36).slice(2, 7)}`;
  await store.createRun({ runId, tenantId, createdAt: '2026-01-01T00:00:00.000Z' });
  return { tenantId, runId };
};

beforeAll(async () => {
  server = await startDynalite();
  client = localDynamoDbClient(server.endpoint);
  doc = DynamoDBDocumentClient.from(client);
  tableName = uniqueTableName('extra');
  await createLedgerTable(client, tableName);
  await createLedgerTable(client, tableName); // idempotent
  store = new DynamoDbEventStore({ client, tableName });
});
afterAll(async () => { client?.destroy(); await server?.close(); });

describe('DynamoDbEventStore on dynalite', () => {
  describe('when 20 writers race on one run', () => {
    it('writes contiguous seqs with one winner each and a valid chain', async () => {
      const { tenantId, runId } = await newRun();
      const { wins, conflicts } = await raceWriters(() => new DynamoDbEventStore({ client, tableName }), tenantId, runId, 20, 60);
      const events = await store.loadEvents(tenantId, runId);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(wins.reduce((a, b) => a + b, 0)).toBe(60);
      expect(new Set(events.map((e) => e.eventId)).size).toBe(60);
      expect(conflicts).toBeGreaterThan(0);
      expect(verifyLedger(events, { tenantId })).toMatchObject({ valid: true, checked: 60 });
    });
  });

  describe('when a model_terminal event carries a meter', () => {
    it('stores the metering attributes in clear at the top level of the item', async () => {
      const { tenantId, runId } = await newRun();
      const meter = { model: 'anthropic.claude-sonnet', costUsd: 0.0123, promptTokens: 1200, completionTokens: 345 };
      const record = await nextRecord(tenantId, runId, undefined, { eventType: 'model_terminal', meter, payload: { secret: 'not in clear' } });
      await store.append(tenantId, runId, [record]);
      const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { runId, seq: 1 } }));
      expect(Item).toMatchObject({ ...meter, tenantId, timestamp: record.timestamp, eventType: 'model_terminal' });
      expect(Item?.['payload']?.data).toBeInstanceOf(Uint8Array);
      expect((await store.loadEvents(tenantId, runId))[0]).toEqual(record);
    });
  });

  describe('when an item was tampered with', () => {
    it('fails reads with LedgerIntegrityError naming the seq when a hashed field changed', async () => {
      const { tenantId, runId } = await newRun();
      await store.append(tenantId, runId, await makeChain(tenantId, runId, 3));
      await doc.send(new UpdateCommand({
        TableName: tableName, Key: { runId, seq: 2 }, UpdateExpression: 'SET stepKey = :k', ExpressionAttributeValues: { ':k': 'forged' },
      }));
      const fresh = new DynamoDbEventStore({ client, tableName });
      await expect(fresh.readRun(tenantId, runId)).rejects.toMatchObject({ name: 'LedgerIntegrityError', details: { runId, seq: 2 } });
      await expect(fresh.loadEvents(tenantId, runId)).rejects.toMatchObject({ name: 'LedgerIntegrityError', details: { seq: 2 } });
      await expect(fresh.getEvents(tenantId, runId, [2])).rejects.toMatchObject({ name: 'LedgerIntegrityError', details: { seq: 2 } });
    });

    it('lets verifyLedger name the seq when the payload bytes changed', async () => {
      const { tenantId, runId } = await newRun();
      await store.append(tenantId, runId, await makeChain(tenantId, runId, 3));
      await doc.send(new UpdateCommand({
        TableName: tableName, Key: { runId, seq: 2 }, UpdateExpression: 'SET payload.#d = :d',
        ExpressionAttributeNames: { '#d': 'data' }, ExpressionAttributeValues: { ':d': new TextEncoder().encode('{"forged":true}') },
      }));
      const result = verifyLedger(await store.loadEvents(tenantId, runId));
      expect(result).toMatchObject({ valid: false, firstInvalidSeq: 2 });
    });

    it('fails with LedgerIntegrityError when an item is malformed', async () => {
      const { tenantId, runId } = await newRun();
      await store.append(tenantId, runId, await makeChain(tenantId, runId, 2));
      await doc.send(new UpdateCommand({ TableName: tableName, Key: { runId, seq: 1 }, UpdateExpression: 'REMOVE #h', ExpressionAttributeNames: { '#h': 'hash' } }));
      await expect(store.loadEvents(tenantId, runId)).rejects.toMatchObject({ name: 'LedgerIntegrityError', details: { seq: 1 } });
    });

    it('fails with LedgerIntegrityError when the run holds an event of another tenant', async () => {
      const { tenantId, runId } = await newRun();
      await store.append(tenantId, runId, await makeChain(tenantId, runId, 1));
      const foreign = await makeChain('intruder', runId, 2);
      await doc.send(new PutCommand({ TableName: tableName, Item: eventToItem(foreign[1]!) }));
      await expect(store.loadEvents(tenantId, runId)).rejects.toMatchObject({ name: 'LedgerIntegrityError', details: { seq: 2 } });
    });

    it('fails readRun with LedgerIntegrityError when the tail was truncated below the head', async () => {
      const { tenantId, runId } = await newRun();
      const records = await makeChain(tenantId, runId, 3);
      await store.append(tenantId, runId, records);
      await store.commitHead(tenantId, runId, { lastSeq: 3, lastHash: records[2]!.hash, status: 'active', updatedAt: '2026-01-02T00:00:00.000Z', spendUsd: 0 });
      await doc.send(new DeleteCommand({ TableName: tableName, Key: { runId, seq: 3 } }));
      await expect(store.readRun(tenantId, runId)).rejects.toMatchObject({ name: 'LedgerIntegrityError', details: { seq: 3 } });
    });
  });

  describe('when appending across writers', () => {
    it('refuses a record whose prevHash does not link to the stored predecessor', async () => {
      const { tenantId, runId } = await newRun();
      const [r1] = await makeChain(tenantId, runId, 1);
      await store.append(tenantId, runId, [r1!]);
      const other = await makeChain(tenantId, runId, 1);
      const unlinked = await nextRecord(tenantId, runId, other[0]);
      await expect(new DynamoDbEventStore({ client, tableName }).append(tenantId, runId, [unlinked]))
        .rejects.toMatchObject({ name: 'AppendConflictError', details: { seq: 2, reason: 'prevHash' } });
    });

    it('refuses a record whose tenant differs from the named tenant', async () => {
      const { tenantId, runId } = await newRun();
      const foreign = await makeChain('someone-else', runId, 1);
      await expect(store.append(tenantId, runId, foreign)).rejects.toMatchObject({ name: 'TenantMismatchError' });
    });
  });

  describe('when a payload does not fit in an item and no blob store is configured', () => {
    it('raises PayloadTooLargeError and writes nothing', async () => {
      const { tenantId, runId } = await newRun();
      const [big] = await makeChain(tenantId, runId, 1, { payloadBytes: 320_000 });
      await expect(store.append(tenantId, runId, [big!])).rejects.toMatchObject({ name: 'PayloadTooLargeError', details: { runId, seq: 1 } });
      expect(await store.loadEvents(tenantId, runId)).toEqual([]);
    });
  });
});
