import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../lib/crypto/index.js';
import { isKernelError } from '../../lib/errors.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import type { EventStore, RunHead } from '../../lib/store/index.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { Tally } from './record.js';
import { buildWorker, deliverAll } from './support.js';

const tally = new Tally('tampering');
let server: LocalServer;
beforeAll(async () => { server = await startDynalite(); });
afterAll(async () => { await tally.record(); await server.close(); });

const flipHex = (h: string): string => `${h.slice(0, -1)}${h.endsWith('0') ? '1' : '0'}`;
const flipBase64 = (b: string): string => { const bytes = Buffer.from(b, 'base64'); bytes[0] = (bytes[0] ?? 0) ^ 1; return bytes.toString('base64'); };

/** One edit of one field of a stored record (what an attacker with table write access could change). */
function fieldEdits(r: LedgerRecord): Array<readonly [string, LedgerRecord]> {
  const p = r.payload;
  const edits: Array<readonly [string, LedgerRecord]> = [
    ['eventId', { ...r, eventId: `${r.eventId}x` }],
    ['runId', { ...r, runId: `${r.runId}x` }],
    ['tenantId', { ...r, tenantId: 'globex' }],
    ['seq', { ...r, seq: r.seq + 1 }],
    ['eventType', { ...r, eventType: r.eventType === 'run_summary' ? 'harness_stage' : 'run_summary' }],
    ['timestamp', { ...r, timestamp: '2031-01-01T00:00:00.000Z' }],
    ['stepKey', { ...r, stepKey: `${r.stepKey ?? ''}forged` }],
    ['parentStepKey', { ...r, parentStepKey: `${r.parentStepKey ?? ''}forged` }],
    ['prevHash', { ...r, prevHash: r.prevHash !== undefined ? flipHex(r.prevHash) : 'a'.repeat(64) }],
    ['hash', { ...r, hash: flipHex(r.hash) }],
    ['payload.alg', { ...r, payload: { ...p, alg: p.alg === 'none' ? 'A256GCM' : 'none' } }],
    ['payload.keyId', { ...r, payload: { ...p, keyId: `${p.keyId ?? ''}other` } }],
    ['payload.iv', { ...r, payload: { ...p, iv: flipBase64(p.iv ?? 'AAAAAAAAAAAAAAAA') } }],
    ['payload.digest', { ...r, payload: { ...p, digest: flipHex(p.digest) } }],
  ];
  if (p.data !== undefined) edits.push(['payload.data', { ...r, payload: { ...p, data: flipBase64(p.data) } }]);
  if (r.meter) {
    edits.push(['meter.costUsd', { ...r, meter: { ...r.meter, costUsd: r.meter.costUsd + 0.5 } }]);
    edits.push(['meter.promptTokens', { ...r, meter: { ...r.meter, promptTokens: r.meter.promptTokens + 1 } }]);
    edits.push(['meter.model', { ...r, meter: { ...r.meter, model: 'free-model' } }]);
  }
  return edits;
}

const verify = (records: readonly LedgerRecord[], head: RunHead) =>
  verifyLedger(records, { tenantId: head.tenantId, head: { lastSeq: head.lastSeq, ...(head.lastHash !== undefined ? { lastHash: head.lastHash } : {}) } });

/** Two completed report runs of one tenant, encrypted with the local cipher. */
async function twoRuns(store?: EventStore) {
  const w = await buildWorker(store ? { store } : {});
  await deliverAll(w, [
    { type: 'start_run', tenantId: 'acme', runId: 'tamper-1', harness: 'report' },
    { type: 'start_run', tenantId: 'acme', runId: 'tamper-2', harness: 'report', input: { topic: 'other' } },
  ]);
  const load = async (runId: string) => ({ head: await w.store.getHead('acme', runId), records: await w.store.loadEvents('acme', runId) });
  return { w, one: await load('tamper-1'), two: await load('tamper-2') };
}

describe('tamper detection', () => {
  describe('when stored records of a MemoryEventStore run are edited, deleted, reordered, truncated or swapped', () => {
    it('verifyLedger detects every change and names the seq', async () => {
      const { one, two } = await twoRuns();
      const { head, records } = one;
      expect(verify(records, head)).toMatchObject({ valid: true });
      expect(records.length).toBeGreaterThan(20);
      const cases: Array<readonly [string, LedgerRecord[], number]> = [];
      const at = (k: number, r: LedgerRecord) => records.map((x, i) => (i === k ? r : x));
      for (const [k, r] of records.entries()) {
        for (const [field, edited] of fieldEdits(r)) cases.push([`seq ${r.seq} ${field}`, at(k, edited), r.seq]);
        cases.push([`delete seq ${r.seq}`, records.filter((_, i) => i !== k), r.seq]);
        const other = records[(k + 5) % records.length]!;
        if (other.seq !== r.seq) {
          cases.push([`ciphertext of seq ${other.seq} into seq ${r.seq}`, at(k, { ...r, payload: { ...r.payload, ...(other.payload.data !== undefined ? { data: other.payload.data } : {}) } }), r.seq]);
          cases.push([`whole payload of seq ${other.seq} into seq ${r.seq}`, at(k, { ...r, payload: other.payload }), r.seq]);
        }
        const twin = two.records[k];
        if (twin) {
          cases.push([`ciphertext of run 2 into seq ${r.seq}`, at(k, { ...r, payload: { ...r.payload, ...(twin.payload.data !== undefined ? { data: twin.payload.data } : {}) } }), r.seq]);
          cases.push([`whole payload of run 2 into seq ${r.seq}`, at(k, { ...r, payload: twin.payload }), r.seq]);
          // At seq 1 the foreign record sets the run id, so the mismatch shows at seq 2.
          cases.push([`record of run 2 at seq ${r.seq}`, at(k, twin), Math.max(2, r.seq)]);
        }
      }
      for (let i = 0; i + 3 < records.length; i += 3) {
        const swapped = [...records];
        [swapped[i], swapped[i + 3]] = [swapped[i + 3]!, swapped[i]!];
        cases.push([`reorder seq ${i + 1} and ${i + 4}`, swapped, i + 1]);
      }
      for (const t of [1, 2, 10]) cases.push([`truncate the last ${t}`, records.slice(0, -t), records.length - t + 1]);
      for (const [label, tampered, seq] of cases) {
        await tally.check(() => {
          const result = verify(tampered, head);
          expect(result.valid, label).toBe(false);
          expect(result.firstInvalidSeq, label).toBe(seq);
        });
      }
    });
  });

  describe('when items of a DynamoDbEventStore run are changed with raw UpdateItem, PutItem and DeleteItem', () => {
    it('reading and verifying the run detects every change and names the seq', async () => {
      const client = localDynamoDbClient(server.endpoint);
      const tableName = uniqueTableName('tamper');
      await createLedgerTable(client, tableName);
      const store = new DynamoDbEventStore({ client, tableName });
      const doc = DynamoDBDocumentClient.from(client);
      const { one } = await twoRuns(store);
      const { head, records } = one;
      const runId = head.runId;
      const rawItem = async (runIdOf: string, seq: number): Promise<Record<string, unknown>> => {
        const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { runId: runIdOf, seq } }));
        expect(Item).toBeDefined();
        return Item ?? {};
      };
      const originals = new Map<number, Record<string, unknown>>();
      for (const r of records) originals.set(r.seq, await rawItem(runId, r.seq));
      const restore = async (...seqs: number[]) => {
        for (const seq of seqs) await doc.send(new PutCommand({ TableName: tableName, Item: originals.get(seq) }));
      };
      /** The seq the store or the verifier names: a typed integrity error at read time, or the verifier's first invalid seq. */
      const detectedSeq = async (): Promise<unknown> => {
        try {
          const result = verify(await store.loadEvents('acme', runId), await store.getHead('acme', runId));
          return result.valid ? 'undetected' : result.firstInvalidSeq;
        } catch (error) {
          return isKernelError(error) && error.name === 'LedgerIntegrityError' ? error.details['seq'] : `untyped: ${String(error)}`;
        }
      };
      const set = (seq: number, path: string, value: unknown) => {
        const parts = path.split('.');
        const names = Object.fromEntries(parts.map((p, i) => [`#f${i}`, p]));
        return doc.send(new UpdateCommand({
          TableName: tableName, Key: { runId, seq }, UpdateExpression: `SET ${parts.map((_, i) => `#f${i}`).join('.')} = :v`,
          ExpressionAttributeNames: names, ExpressionAttributeValues: { ':v': value },
        }));
      };
      for (const r of records.filter((_, i) => i % 2 === 0 || i === records.length - 1)) {
        const edits: Array<readonly [string, unknown]> = [
          ['eventId', `${r.eventId}x`], ['tenantId', 'globex'], ['eventType', r.eventType === 'run_summary' ? 'harness_stage' : 'run_summary'],
          ['timestamp', '2031-01-01T00:00:00.000Z'], ['stepKey', 'forged'], ['prevHash', flipHex(r.prevHash ?? 'a'.repeat(64))],
          ['hash', flipHex(r.hash)], ['payload.digest', flipHex(r.payload.digest)], ['payload.iv', flipBase64(r.payload.iv ?? 'AAAA')],
          ['payload.data', Buffer.from(flipBase64(r.payload.data ?? 'AAAA'), 'base64')],
        ];
        if (r.meter) edits.push(['costUsd', r.meter.costUsd + 0.5]);
        for (const [field, value] of edits) {
          await tally.check(async () => {
            await set(r.seq, field, value);
            expect(await detectedSeq(), `seq ${r.seq} ${field}`).toBe(r.seq);
            await restore(r.seq);
          });
        }
      }
      for (const k of [1, 4, records.length]) {
        await tally.check(async () => {
          await doc.send(new DeleteCommand({ TableName: tableName, Key: { runId, seq: k } }));
          expect(await detectedSeq(), `delete seq ${k}`).toBe(k);
          await restore(k);
        });
      }
      for (const [i, j] of [[2, 3], [5, 9], [records.length - 1, records.length]] as const) {
        await tally.check(async () => {
          await doc.send(new PutCommand({ TableName: tableName, Item: { ...originals.get(j), seq: i } }));
          await doc.send(new PutCommand({ TableName: tableName, Item: { ...originals.get(i), seq: j } }));
          expect(await detectedSeq(), `swap ${i} and ${j}`).toBe(i);
          await restore(i, j);
        });
      }
      for (const [i, j] of [[3, 7], [8, 12]] as const) {
        await tally.check(async () => {
          const source = originals.get(j) ?? {};
          await set(i, 'payload', source['payload']);
          expect(await detectedSeq(), `payload of ${j} into ${i}`).toBe(i);
          await restore(i);
        });
      }
      for (const seq of [3, 6]) {
        await tally.check(async () => {
          const foreign = await rawItem('tamper-2', seq);
          await set(seq, 'payload', foreign['payload']);
          expect(await detectedSeq(), `payload of run 2 into ${seq}`).toBe(seq);
          await restore(seq);
        });
      }
      await tally.check(async () => {
        const n = records.length;
        for (const seq of [n, n - 1, n - 2]) await doc.send(new DeleteCommand({ TableName: tableName, Key: { runId, seq } }));
        expect(await detectedSeq(), 'truncate the last 3').toBe(n - 2);
        await restore(n - 2, n - 1, n);
      });
      expect(await detectedSeq()).toBe('undetected');
      client.destroy();
    });
  });
});
