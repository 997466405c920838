import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { verifyLedger } from '../../lib/crypto/index.js';
import { LedgerIntegrityError } from '../../lib/errors.js';
import { MemoryEventStore } from '../../lib/store/index.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import { Answer, setup, tenant } from './helpers.js';

async function recordedRun(): Promise<{ records: LedgerRecord[]; env: ReturnType<typeof setup> }> {
  const env = setup({ port: { output: { answer: 'a' }, usage: { promptTokens: 2, completionTokens: 3, costUsd: 0.01 } } });
  env.tools.register({ name: 't', arguments: z.strictObject({ x: z.int() }), handler: async () => '{"y":1}' });
  const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
  await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k', parentStepKey: 'stage' });
  await run.stepTool({ toolName: 't', arguments: { x: 1 }, stepKey: 'tool' });
  await run.commit();
  return { records: await env.store.loadEvents('tenant_a', 'r1'), env };
}

type Path = readonly string[];

function leafPaths(value: unknown, prefix: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

function edit(value: unknown, leaf: string): unknown {
  if (leaf === 'eventType') return value === 'run_summary' ? 'harness_stage' : 'run_summary';
  if (leaf === 'data') return Buffer.from('{"tampered":true}').toString('base64');
  if (typeof value === 'number') return value + 100;
  if (typeof value === 'boolean') return !value;
  return `${String(value)}x`;
}

function setPath(node: unknown, path: Path): unknown {
  const [key, ...rest] = path;
  if (key === undefined) throw new Error('empty path');
  if (node === null || typeof node !== 'object') throw new Error('path leaves the record');
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k !== key ? v : rest.length === 0 ? edit(v, k) : setPath(v, rest)]));
}

function tamper(record: LedgerRecord, path: Path): LedgerRecord {
  // Deliberately malformed test data (e.g. an unknown alg): the verifier must reject it, so it is not re-parsed.
  return setPath(record, path) as LedgerRecord;
}

describe('ledger audit chain', () => {
  describe('when the run is untouched', () => {
    it('links each event to the previous hash and verifies', async () => {
      const { records, env } = await recordedRun();
      records.forEach((r, i) => expect(r.prevHash).toBe(i === 0 ? undefined : records[i - 1]!.hash));
      expect(await env.kernel.verifyRun(tenant(), 'r1')).toMatchObject({ valid: true, checked: records.length });
      expect(records.find((r) => r.eventType === 'model_terminal')?.meter).toEqual({ model: 'm', costUsd: 0.01, promptTokens: 2, completionTokens: 3 });
    });
  });

  describe('when any field of any stored event is edited', () => {
    it('reports the seq of the edited event', async () => {
      const { records, env } = await recordedRun();
      const head = await env.store.getHead('tenant_a', 'r1');
      let checked = 0;
      for (const [i, record] of records.entries()) {
        for (const path of leafPaths(record)) {
          const edited = records.map((r, j) => (j === i ? tamper(r, path) : r));
          const result = verifyLedger(edited, { tenantId: 'tenant_a', head: { lastSeq: head.lastSeq, lastHash: head.lastHash! } });
          expect({ path: path.join('.'), seq: result.firstInvalidSeq }).toEqual({ path: path.join('.'), seq: record.seq });
          checked += 1;
        }
      }
      expect(checked).toBeGreaterThan(records.length * 8);
    });

    it('refuses to open a session on a tampered tail', async () => {
      const { records } = await recordedRun();
      const store = new MemoryEventStore();
      await store.createRun({ runId: 'r1', tenantId: 'tenant_a', createdAt: '2026-01-01T00:00:00Z' });
      await store.append('tenant_a', 'r1', records.map((r) => (r.seq === 3 ? tamper(r, ['timestamp']) : r)));
      await expect(setup({ store }).kernel.openRun(tenant(), 'r1')).rejects.toBeInstanceOf(LedgerIntegrityError);
    });
  });

  describe('when the expected run id is given', () => {
    it('reports seq 1 for a ledger that belongs to another run', async () => {
      const { records } = await recordedRun();
      expect(verifyLedger(records, { runId: 'another-run' })).toMatchObject({ valid: false, firstInvalidSeq: 1 });
      expect(verifyLedger(records, { runId: 'r1' })).toMatchObject({ valid: true });
    });
  });
});
