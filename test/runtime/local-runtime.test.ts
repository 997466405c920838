import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../lib/crypto/index.js';
import { startLocalRuntime, type LocalRuntime } from '../../lib/runtime/local/local-runtime.js';
import type { HarnessDefinition } from '../../lib/harness/index.js';
import { tenantRecord } from '../helpers/memory-worker.js';

describe('local runtime (dynalite + fauxqs + the Lambda handler)', () => {
  let dir: string;
  let rt: LocalRuntime;
  const crashes: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'artana-local-'));
    rt = await startLocalRuntime({
      dataDir: dir, pollers: 2, visibilityTimeoutSec: 1,
      crashBefore: { eventType: 'tool_completed', stepKeyIncludes: 'tool_publish_report' }, onCrash: (runId) => crashes.push(runId),
    });
    await rt.deps.tenants.put(tenantRecord('acme'));
    await rt.deps.tenants.put(tenantRecord('globex', { capabilities: [] }));
  });

  afterAll(async () => {
    await rt?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('when runs are started by SQS messages and one worker crashes after a side effect', () => {
    it('completes every run through redelivery, with valid encrypted ledgers and the side effect done once', async () => {
      const runs = [['acme', 'a1'], ['globex', 'g1'], ['acme', 'a2']] as const;
      for (const [tenantId, runId] of runs) await rt.send({ type: 'start_run', tenantId, runId, harness: 'report', input: { topic: 'tests' } });
      await rt.drain({ idleMs: 500, timeoutMs: 60_000 });
      expect(crashes).toHaveLength(1);
      for (const [tenantId, runId] of runs) {
        const head = await rt.deps.store.getHead(tenantId, runId);
        const records = await rt.deps.store.loadEvents(tenantId, runId);
        expect(head.status, runId).toBe('completed');
        expect(verifyLedger(records, { head, tenantId }).valid, runId).toBe(true);
        expect(records.filter((r) => r.eventType !== 'ledger_sealed').every((r) => r.payload.alg === 'A256GCM'), runId).toBe(true);
        // The seal closes the ledger and is kept in clear: checking it needs the public key only.
        expect(records.at(-1)).toMatchObject({ eventType: 'ledger_sealed', payload: { alg: 'none' } });
      }
      expect(await rt.outbox.deliveries()).toBe(2);
      expect(rt.outbox.attempts()).toBe(3); // the crashed delivery was reconciled with the same idempotency key
      expect(rt.stats().failures).toBe(1);
    });
  });
});

describe('npm start', () => {
  it('exits 0 after every run completed and every ledger verified', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'artana-start-'));
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'lib/runtime/local/main.ts', '--runs', '2', '--data-dir', dir, '--quiet'], {
        encoding: 'utf8', timeout: 90_000, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/All 2 runs completed and all 2 ledgers verify and are sealed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('local runtime under duplicate concurrent delivery', () => {
  it('runs each step once when every start_run arrives three times in three FIFO groups, with 4 pollers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'artana-dup-'));
    const rt = await startLocalRuntime({ dataDir: dir, pollers: 4, visibilityTimeoutSec: 1 });
    try {
      await rt.deps.tenants.put(tenantRecord('acme'));
      const runs = ['d1', 'd2', 'd3', 'd4'];
      for (const runId of runs) {
        for (let copy = 0; copy < 3; copy += 1) {
          await rt.sqs.send(new SendMessageCommand({
            QueueUrl: rt.queueUrl, MessageGroupId: `${runId}-copy-${copy}`, MessageDeduplicationId: `${runId}-${copy}`,
            MessageBody: JSON.stringify({ type: 'start_run', tenantId: 'acme', runId, harness: 'report' }),
          }));
        }
      }
      await rt.drain({ idleMs: 1_500, timeoutMs: 90_000 });
      for (const runId of runs) {
        const head = await rt.deps.store.getHead('acme', runId);
        const records = await rt.deps.store.loadEvents('acme', runId);
        expect(head.status, runId).toBe('completed');
        expect(verifyLedger(records, { head, tenantId: 'acme' }).valid, runId).toBe(true);
        expect(records.filter((r) => r.eventType === 'harness_sleep'), runId).toHaveLength(3);
        expect(records.filter((r) => r.eventType === 'ledger_sealed'), runId).toHaveLength(1);
      }
      expect(await rt.outbox.deliveries()).toBe(runs.length);
      expect(z.object({ calls: z.number() }).parse(rt.modelPort).calls).toBe(3 * runs.length);
    } finally {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('local runtime with a payload larger than a DynamoDB item', () => {
  it('offloads it to the blob directory, keeps the head small and completes the run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'artana-big-'));
    const big = 'x'.repeat(350_000);
    const harness: HarnessDefinition = {
      name: 'big', models: { default: 'demo-small' }, replayPolicy: 'strict',
      async step(ctx) {
        if (ctx.session === 1) {
          await ctx.setArtifact('report', big);
          return { workRemaining: true };
        }
        return { workRemaining: false, result: { length: z.string().parse(await ctx.getArtifact('report')).length } };
      },
    };
    const rt = await startLocalRuntime({ dataDir: dir, pollers: 1, harnesses: [harness] });
    try {
      await rt.deps.tenants.put(tenantRecord('acme'));
      await rt.send({ type: 'start_run', tenantId: 'acme', runId: 'big-1', harness: 'big' });
      await rt.drain({ idleMs: 500, timeoutMs: 60_000 });
      const head = await rt.deps.store.getHead('acme', 'big-1');
      expect(head.status).toBe('completed');
      expect(JSON.stringify(head.snapshot ?? {}).length).toBeLessThan(50_000);
      const records = await rt.deps.store.loadEvents('acme', 'big-1');
      expect(records.some((r) => r.payload.ref !== undefined && r.payload.data === undefined)).toBe(true);
      const run = await rt.deps.kernel.openRun({ tenantId: 'acme', capabilities: [], budgetUsdLimit: 1 }, 'big-1');
      expect(run.getArtifact('harness_result')).toEqual({ length: 350_000 });
    } finally {
      await rt.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
