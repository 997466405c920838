import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { artana, linesOf } from './spawn-cli.js';

let dir: string;
let local: (...args: string[]) => ReturnType<typeof artana>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'artana-cli-'));
  local = (...args) => artana(['--data-dir', path.join(dir, '.artana'), ...args]);
  const put = await local('tenant', 'put', '--tenant', 'acme', '--capabilities', 'reports:publish', '--budget-usd', '2', '--tenant-budget-usd', '50');
  expect(put.code, put.stderr).toBe(0);
  const start = await local('run', 'start', '--tenant', 'acme', '--harness', 'report', '--run-id', 'r1', '--input', '{"topic":"ledgers"}');
  expect(start.code, start.stderr).toBe(0);
}, 60_000);

afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('artana CLI on the local data directory', () => {
  describe('when a run of the sample harness completed through the local runtime', () => {
    it('lists the run of the tenant', async () => {
      const r = await local('run', 'list', '--tenant', 'acme');
      expect(r.code).toBe(0);
      expect(linesOf(r)[0]).toMatch(/^r1\tcompleted\t\S+\treport$/);
    });

    it('reports status and progress as JSON', async () => {
      const r = await local('--json', 'run', 'status', 'r1', '--tenant', 'acme');
      const status = z.object({ status: z.string(), lastEventSeq: z.number(), progress: z.object({ percent: z.number() }) }).parse(JSON.parse(r.stdout));
      expect(status.status).toBe('completed');
      expect(status.progress.percent).toBe(100);
      expect(status.lastEventSeq).toBeGreaterThan(10);
    });

    it('tails events after a seq as tab-separated lines', async () => {
      const r = await local('run', 'tail', 'r1', '--tenant', 'acme', '--since-seq', '1');
      const lines = linesOf(r);
      expect(lines[0]).toMatch(/^2\t\d{4}-\d\d-\d\dT[^\t]+\trun_summary\t\S+$/);
      expect(lines.some((l) => l.includes('\tmodel_terminal\t'))).toBe(true);
      expect(lines.some((l) => l.startsWith('1\t'))).toBe(false);
    });

    it('follows the tail until the idle timeout', async () => {
      const r = await local('run', 'tail', 'r1', '--tenant', 'acme', '--since-seq', '30', '--follow', '--poll-ms', '100', '--idle-timeout', '1');
      expect(r.code).toBe(0);
      expect(linesOf(r)[0]).toMatch(/^31\t/);
    });

    it('verifies the ledger as valid', async () => {
      const r = await local('run', 'verify-ledger', 'r1', '--tenant', 'acme');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^valid\tchecked=\d+/);
    });

    it('shows summaries, artifacts and decrypted events', async () => {
      const summaries = await local('run', 'summaries', 'r1', '--tenant', 'acme', '--type', 'task_progress', '--limit', '1');
      expect(linesOf(summaries)).toHaveLength(1);
      expect(linesOf(summaries)[0]).toMatch(/^\d+\ttask_progress\t\S+\t\{.*"units":\[/);
      const artifacts = await local('--json', 'run', 'artifacts', 'r1', '--tenant', 'acme');
      expect(Object.keys(z.object({ artifacts: z.record(z.string(), z.unknown()) }).parse(JSON.parse(artifacts.stdout)).artifacts)).toContain('harness_result');
      const decrypted = await local('run', 'events', 'r1', '--tenant', 'acme', '--decrypt');
      expect(linesOf(decrypted)[0]).toContain('{"harness":"report","input":{"topic":"ledgers"}}');
    });

    it('shows events without decrypting: payload metadata only', async () => {
      const r = await local('--json', 'run', 'events', 'r1', '--tenant', 'acme');
      const events = z.object({ events: z.array(z.object({ seq: z.number(), payload: z.record(z.string(), z.unknown()) })) }).parse(JSON.parse(r.stdout)).events;
      expect(events[0]?.payload).toMatchObject({ alg: 'A256GCM' });
      expect(r.stdout).not.toContain('ledgers');
    });

    it('aggregates the cost of the run from the table by model', async () => {
      const r = await local('cost', '--tenant', 'acme', '--by', 'model', '--format', 'csv');
      const [header, ...rows] = linesOf(r);
      expect(header).toBe('model,cost_usd,prompt_tokens,completion_tokens,calls');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => /^demo-[a-z]+,\d+\.\d{6},\d+,\d+,\d+$/.test(row))).toBe(true);
    });
  });

  describe('when the readiness checklist is run', () => {
    it('passes the worker, tenant and ledger checks and leaves the judgement items manual', async () => {
      const r = await local('--json', 'doctor');
      expect(r.code, r.stderr).toBe(0);
      const out = z.object({ ok: z.boolean(), checks: z.array(z.object({ id: z.string(), status: z.string() })) }).parse(JSON.parse(r.stdout));
      const status = Object.fromEntries(out.checks.map((c) => [c.id, c.status]));
      expect(status).toMatchObject({
        'policy.enforced': 'pass', 'tools.idempotency': 'pass', 'tenants.budgets': 'pass', 'ledger.verification': 'pass', 'drift.strategy': 'manual',
      });
      expect(out.ok).toBe(true);
    });
  });

  describe('when the input is wrong', () => {
    it('exits 2 with an error line when a required option is missing', async () => {
      const r = await local('run', 'list');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("error: required option '--tenant <id>' not specified");
    });

    it('exits 1 naming the run when it does not exist', async () => {
      const r = await local('run', 'status', 'nope', '--tenant', 'acme');
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('error: run nope not found');
    });

    it('exits 2 when the tenant of run start is not registered', async () => {
      const r = await local('run', 'start', '--tenant', 'ghost', '--harness', 'report');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: tenant ghost is not registered/);
    });
  });
});
