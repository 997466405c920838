import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ScanCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { LedgerRecord } from '../../lib/models/index.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { nextRecord } from '../helpers/records.js';
import { artana, linesOf } from './spawn-cli.js';

let server: LocalServer;
let client: DynamoDBClient;
let table: string;
let dir: string;
const aws = (...args: string[]) => artana(['--table', table, '--endpoint', server.endpoint, '--region', 'us-east-1', ...args]);

/** Writes a run: run_started, then model_terminal events with metering attributes at the given times and costs. */
async function writeRun(store: DynamoDbEventStore, tenantId: string, runId: string, calls: readonly { at: string; costUsd: number; model: string }[]): Promise<void> {
  await store.createRun({ runId, tenantId, createdAt: '2026-01-01T00:00:00.000Z' });
  let prev: LedgerRecord | undefined = await nextRecord(tenantId, runId, undefined, { eventType: 'run_started', payload: {} });
  const records = [prev];
  for (const call of calls) {
    prev = await nextRecord(tenantId, runId, prev, {
      eventType: 'model_terminal', timestamp: call.at, payload: { note: 'opaque' },
      meter: { model: call.model, costUsd: call.costUsd, promptTokens: 10, completionTokens: 5 },
    });
    records.push(prev);
  }
  await store.append(tenantId, runId, records);
  await store.commitHead(tenantId, runId, { lastSeq: prev.seq, lastHash: prev.hash, status: 'completed', updatedAt: prev.timestamp, spendUsd: 0 });
}

/** Plain JSON of a DynamoDB JSON item as an export writes it (binary as base64). */
const exportJson = (item: Record<string, AttributeValue>): string =>
  JSON.stringify({ Item: item }, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));

beforeAll(async () => {
  server = await startDynalite();
  client = localDynamoDbClient(server.endpoint);
  table = uniqueTableName('cli');
  dir = await mkdtemp(path.join(tmpdir(), 'artana-cli-aws-'));
  await createLedgerTable(client, table);
  const store = new DynamoDbEventStore({ client, tableName: table });
  await writeRun(store, 'acme', 'good', [
    { at: '2026-01-01T10:00:00.000Z', costUsd: 0.5, model: 'm1' }, { at: '2026-01-02T10:00:00.000Z', costUsd: 0.25, model: 'm1' },
  ]);
  await writeRun(store, 'beta', 'other', [{ at: '2026-01-01T12:00:00.000Z', costUsd: 1, model: 'm2' }]);
  await writeRun(store, 'acme', 'tampered', [{ at: '2026-01-03T10:00:00.000Z', costUsd: 0.1, model: 'm1' }, { at: '2026-01-03T11:00:00.000Z', costUsd: 0.1, model: 'm1' }]);
  await client.send(new UpdateItemCommand({
    TableName: table, Key: { runId: { S: 'tampered' }, seq: { N: '2' } },
    UpdateExpression: 'SET costUsd = :c', ExpressionAttributeValues: { ':c': { N: '0.0001' } },
  }));
});

afterAll(async () => {
  client.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('artana CLI against a DynamoDB endpoint (--table --endpoint)', () => {
  describe('when an event item was modified after it was written', () => {
    it('exits 1 and names the first invalid seq', async () => {
      const r = await aws('run', 'verify-ledger', 'tampered', '--tenant', 'acme');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^invalid\tseq=2\t.*hash mismatch/);
    });

    it('exits 0 for an untouched run of the same table', async () => {
      const r = await aws('--json', 'run', 'verify-ledger', 'good', '--tenant', 'acme');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ runId: 'good', valid: true, checked: 3 });
    });
  });

  describe('when doctor checks the table', () => {
    it('exits 1 naming the tampered run and the missing stream and point-in-time recovery', async () => {
      expect((await aws('tenant', 'put', '--tenant', 'acme', '--budget-usd', '1')).code).toBe(0);
      const r = await aws('--json', 'doctor', '--stack', 'Artana');
      expect(r.code).toBe(1);
      const out = z.object({ ok: z.boolean(), checks: z.array(z.object({ id: z.string(), status: z.string(), detail: z.string() })) }).parse(JSON.parse(r.stdout));
      const byId = new Map(out.checks.map((c) => [c.id, c]));
      expect(byId.get('ledger.verification')).toMatchObject({ status: 'fail', detail: expect.stringContaining('acme/tampered seq 2') });
      expect(byId.get('table.stream')?.status).toBe('fail');
      expect(byId.get('table.customer-key')?.status).toBe('fail');
      expect(byId.get('alarms')).toMatchObject({ status: 'not-checked', detail: expect.stringContaining('AWS only') });
      expect(byId.get('stack.resources')?.status).toBe('not-checked');
    });
  });

  describe('when cost is read from a DynamoDB export of the table', () => {
    it('aggregates the metering attributes by tenant and day', async () => {
      const { Items = [] } = await client.send(new ScanCommand({ TableName: table }));
      const exportDir = path.join(dir, 'AWSDynamoDB', '01700000000000-abcdef');
      await mkdir(path.join(exportDir, 'data'), { recursive: true });
      const half = Math.ceil(Items.length / 2);
      const files = [Items.slice(0, half), Items.slice(half)].map((items, i) => ({ key: `exports/AWSDynamoDB/01700000000000-abcdef/data/part${i}.json.gz`, items }));
      for (const f of files) await writeFile(path.join(exportDir, 'data', path.basename(f.key)), gzipSync(f.items.map(exportJson).join('\n')));
      await writeFile(path.join(exportDir, 'manifest-files.json'), files.map((f) => JSON.stringify({ itemCount: f.items.length, dataFileS3Key: f.key })).join('\n'));
      await writeFile(path.join(exportDir, 'manifest-summary.json'), JSON.stringify({ outputFormat: 'DYNAMODB_JSON', itemCount: Items.length }));

      const r = await artana(['--json', 'cost', '--export', exportDir, '--by', 'tenant', '--by', 'day', '--to', '2026-01-03']);

      expect(r.code, r.stderr).toBe(0);
      const out = z.object({ groups: z.array(z.unknown()), totalCostUsd: z.number() }).parse(JSON.parse(r.stdout));
      expect(out.groups).toEqual([
        { tenant: 'acme', day: '2026-01-01', costUsd: 0.5, promptTokens: 10, completionTokens: 5, calls: 1 },
        { tenant: 'acme', day: '2026-01-02', costUsd: 0.25, promptTokens: 10, completionTokens: 5, calls: 1 },
        { tenant: 'beta', day: '2026-01-01', costUsd: 1, promptTokens: 10, completionTokens: 5, calls: 1 },
      ]);
      expect(out.totalCostUsd).toBe(1.75);
    });

    it('exits 2 when the directory is not an export', async () => {
      const r = await artana(['cost', '--export', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: .* is not a DynamoDB export/);
    });
  });

  describe('when tenants are administered', () => {
    it('puts, gets, lists and disables a tenant', async () => {
      expect((await aws('tenant', 'put', '--tenant', 'gamma', '--capabilities', 'b,a', '--budget-usd', '3')).code).toBe(0);
      expect((await aws('tenant', 'disable', '--tenant', 'gamma')).code).toBe(0);
      const got = await aws('--json', 'tenant', 'get', '--tenant', 'gamma');
      expect(JSON.parse(got.stdout)).toMatchObject({ tenantId: 'gamma', capabilities: ['a', 'b'], budgetUsdLimit: 3, enabled: false });
      expect(linesOf(await aws('tenant', 'list'))).toContainEqual(expect.stringMatching(/^gamma\tdisabled\tbudget_usd=3\t/));
    });

    it('exits 2 on a non-positive budget', async () => {
      const r = await aws('tenant', 'put', '--tenant', 'delta', '--budget-usd', '0');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: invalid options/);
    });
  });
});
