import * as z from 'zod/mini';
import { createLambdaContext } from '../../lib/runtime/local/lambda-context.js';
import { describe, expect, it } from 'vitest';
import type { HarnessDefinition } from '../../lib/harness/index.js';
import { RunNotPausedError, resumeRun } from '../../lib/runtime/resume-run.js';
import { verifyLedger } from '../../lib/crypto/index.js';
import { SimulatedCrash } from '../../lib/runtime/local/crash-injection.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import type { EventStore } from '../../lib/store/index.js';
import { hookedStore } from '../../lib/store/hooked-store.js';
import { drive, memoryWorker, sqsRecord, tenantRecord, type MemoryWorker } from '../helpers/memory-worker.js';
import { createStepHandler, handleRecord } from '../../lib/runtime/step-handler.js';

const start = (tenantId: string, runId: string) => ({ type: 'start_run' as const, tenantId, runId, harness: 'report', input: { topic: 'ledgers' } });

async function ledger(w: MemoryWorker, tenantId: string, runId: string): Promise<LedgerRecord[]> {
  return w.store.loadEvents(tenantId, runId);
}

async function expectCompletedAndValid(w: MemoryWorker, tenantId: string, runId: string): Promise<LedgerRecord[]> {
  const head = await w.store.getHead(tenantId, runId);
  const records = await ledger(w, tenantId, runId);
  expect(verifyLedger(records, { head, tenantId })).toMatchObject({ valid: true });
  expect(records.map((r) => r.seq)).toEqual(records.map((_, i) => i + 1));
  expect(head.status).toBe('completed');
  return records;
}

describe('step worker', () => {
  describe('when a run is started and driven to the end', () => {
    it('runs one harness session per message and completes the run with a valid ledger', async () => {
      const w = await memoryWorker();
      const { deliveries, failures } = await drive(w, [start('acme', 'r1')]);
      const records = await expectCompletedAndValid(w, 'acme', 'r1');
      expect(failures).toBe(0);
      expect(deliveries).toBe(3); // one session per task; the last one completes the run
      expect(records.filter((r) => r.eventType === 'harness_wake')).toHaveLength(3);
      expect(w.model.calls).toBe(3); // research, draft, review
      expect(await w.outbox.deliveries()).toBe(1);
    });

    it('keeps the report as a draft for a tenant without the publish capability', async () => {
      const w = await memoryWorker();
      await drive(w, [start('globex', 'r2')]);
      await expectCompletedAndValid(w, 'globex', 'r2');
      expect(await w.outbox.deliveries()).toBe(0);
      const run = await w.deps.kernel.openRun({ tenantId: 'globex', capabilities: [], budgetUsdLimit: 1 }, 'r2');
      expect(run.getArtifact('unpublished_draft')).toMatchObject({ title: expect.any(String) });
    });
  });

  describe('when a message is bad', () => {
    it.each([
      ['not JSON', '{'],
      ['an unknown tenant', JSON.stringify(start('nobody', 'r3'))],
      ['an unknown harness', JSON.stringify({ ...start('acme', 'r4'), harness: 'nope' })],
      ['an unknown field', JSON.stringify({ ...start('acme', 'r5'), admin: true })],
    ])('acknowledges %s without writing anything', async (_label, body) => {
      const w = await memoryWorker();
      await expect(handleRecord(w.deps, sqsRecord(body, 'bad-1'))).resolves.toBeUndefined();
      expect((await w.store.listRuns('acme')).runs).toHaveLength(0);
      expect(w.queue.take()).toHaveLength(0);
      expect(w.logs.some((l) => l.level === 'error')).toBe(true);
    });

    it('rejects a disabled tenant', async () => {
      const w = await memoryWorker();
      await w.tenants.disable('acme', '2026-12-02T00:00:00.000Z');
      await handleRecord(w.deps, sqsRecord(JSON.stringify(start('acme', 'r6')), 'm1'));
      expect((await w.store.listRuns('acme')).runs).toHaveLength(0);
    });

    it('refuses a start_run naming another tenant\'s run id', async () => {
      const w = await memoryWorker();
      await drive(w, [start('acme', 'shared')]);
      const before = (await ledger(w, 'acme', 'shared')).length;
      await handleRecord(w.deps, sqsRecord(JSON.stringify(start('globex', 'shared')), 'm2'));
      expect((await ledger(w, 'acme', 'shared')).length).toBe(before);
      expect((await w.store.listRuns('globex')).runs).toHaveLength(0);
    });
  });

  describe('when the same message is delivered again after its step', () => {
    it('only re-enqueues the follow-up and runs no second session', async () => {
      const w = await memoryWorker();
      const body = JSON.stringify(start('acme', 'r7'));
      await handleRecord(w.deps, sqsRecord(body, 'dup'));
      const after = (await ledger(w, 'acme', 'r7')).length;
      const report = await handleRecord(w.deps, sqsRecord(body, 'dup', 2));
      expect(report?.decision).toBe('reenqueue');
      expect((await ledger(w, 'acme', 'r7')).length).toBe(after);
      expect(w.queue.duplicatesDropped).toBe(1);
    });
  });
});

/** A store whose n-th append (0-based, over all runs) throws before writing: the process "dies" there. */
function crashOnAppend(n: number): (store: EventStore) => EventStore {
  let calls = 0;
  return (store) => hookedStore(store, {
    append: () => {
      if (calls++ === n) throw new SimulatedCrash(`crash before append #${n}`);
    },
  });
}

describe('crash-resume', () => {
  it('completes every run with a valid chain wherever an append crashes, paying no recorded model call twice', async () => {
    const baseline = await memoryWorker();
    await drive(baseline, [start('acme', 'run')]);
    const appends = (await ledger(baseline, 'acme', 'run')).length;
    expect(appends).toBeGreaterThan(20);
    for (let n = 1; n < appends; n += 1) {
      const w = await memoryWorker({ wrapStore: crashOnAppend(n) });
      const { failures } = await drive(w, [start('acme', 'run')]);
      expect(failures, `crash point ${n}`).toBe(1);
      const records = await expectCompletedAndValid(w, 'acme', 'run');
      const terminals = records.filter((r) => r.eventType === 'model_terminal').length;
      // A model call is repeated only when the crash hit its terminal, which was therefore never recorded.
      expect(w.model.calls, `crash point ${n}`).toBeLessThanOrEqual(terminals + 1);
      expect(w.model.calls - terminals, `crash point ${n}`).toBeGreaterThanOrEqual(0);
      expect(await w.outbox.deliveries(), `crash point ${n}`).toBe(1);
      // Discipline survives the crash: still one task per session, three sessions.
      expect(records.filter((r) => r.eventType === 'harness_sleep').length, `crash point ${n}`).toBe(3);
    }
  });

  it('resumes after a crash between the enqueue and the acknowledgement', async () => {
    const w = await memoryWorker({
      wrapQueue: (queue) => {
        let crashed = false;
        return {
          async send(message, options) {
            await queue.send(message, options);
            if (!crashed) {
              crashed = true;
              throw new SimulatedCrash('crash after enqueue');
            }
          },
        };
      },
    });
    const { failures } = await drive(w, [start('acme', 'r8')]);
    expect(failures).toBe(1);
    await expectCompletedAndValid(w, 'acme', 'r8');
    expect(w.queue.duplicatesDropped).toBeGreaterThanOrEqual(1);
    expect(w.model.calls).toBe(3);
  });
});

describe('createStepHandler', () => {
  describe('when one record of a batch fails with a retryable error', () => {
    it('reports only that record (and later records of its group) as batch item failures', async () => {
      const crashRun = 'r-bad';
      const w = await memoryWorker({
        wrapStore: (store) => hookedStore(store, {
          acquireLease: (_tenantId, runId) => {
            if (runId === crashRun) throw new SimulatedCrash('store unreachable');
          },
        }),
      });
      const handler = createStepHandler(w.deps);
      const record = (id: string, runId: string, group: string) => ({ ...sqsRecord(JSON.stringify(start('acme', runId)), id), attributes: { ...sqsRecord('', id).attributes, MessageGroupId: group } });
      const response = await handler({ Records: [record('m1', 'r-ok', 'g1'), record('m2', 'r-bad', 'g2'), record('m3', 'r-bad-2', 'g2'), record('m4', 'r-ok-2', 'g3')] });
      expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m2', 'm3']);
      expect((await w.store.getHead('acme', 'r-ok')).lastSeq).toBeGreaterThan(1);
      expect((await w.store.getHead('acme', 'r-ok-2')).lastSeq).toBeGreaterThan(1);
    });
  });
});

describe('pause and resume', () => {
  it('stops scheduling a paused run and continues it with the human input after resumeRun', async () => {
    const Approval = z.object({ approved: z.boolean() });
    const approval: HarnessDefinition = {
      name: 'approval', models: { default: 'm' },
      async step(ctx) {
        const input = Approval.safeParse(ctx.readSummary('human_input'));
        if (!input.success) return ctx.pause('needs a human decision', { question: 'publish?' });
        return { workRemaining: false, result: { approved: input.data.approved } };
      },
    };
    const w = await memoryWorker({ harnesses: () => [approval] });
    await drive(w, [{ type: 'start_run', tenantId: 'acme', runId: 'p1', harness: 'approval' }]);
    expect((await w.store.getHead('acme', 'p1')).status).toBe('paused');
    expect(w.queue.take()).toHaveLength(0);
    const tenant = { tenantId: 'acme', capabilities: [], budgetUsdLimit: 1 };
    const next = await resumeRun(w.deps.kernel, tenant, 'p1', { approved: true });
    await expect(resumeRun(w.deps.kernel, tenant, 'p1', undefined)).rejects.toThrow(RunNotPausedError);
    await drive(w, [next]);
    const run = await w.deps.kernel.openRun(tenant, 'p1');
    expect(run.getRunStatus().status).toBe('completed');
    expect(run.getArtifact('harness_result')).toEqual({ approved: true });
  });
});

describe('when the invocation is almost out of time', () => {
  it('defers the record (retry) without starting a session', async () => {
    const w = await memoryWorker();
    const context = createLambdaContext({ functionName: 'worker', functionTimeoutMs: 5_000, region: 'us-east-1' });
    await expect(handleRecord(w.deps, sqsRecord(JSON.stringify(start('acme', 'late')), 'm-late'), context)).rejects.toThrow(/not enough time/);
    await expect(w.store.getHead('acme', 'late')).rejects.toMatchObject({ name: 'RunNotFoundError' });
  });
});

describe('when the run_started append fails after the head was created', () => {
  it('completes the half-created run with the message input on redelivery', async () => {
    let failed = false;
    const w = await memoryWorker({
      wrapStore: (store) => hookedStore(store, {
        append: (_tenantId, _runId, records) => {
          if (!failed && records.some((r) => r.eventType === 'run_started')) {
            failed = true;
            throw new SimulatedCrash('throttled after createRun');
          }
        },
      }),
    });
    const { failures } = await drive(w, [start('acme', 'half')]);
    expect(failures).toBe(1);
    const records = await expectCompletedAndValid(w, 'acme', 'half');
    expect(records[0]?.eventType).toBe('run_started');
    const run = await w.deps.kernel.openRun({ tenantId: 'acme', capabilities: [], budgetUsdLimit: 1 }, 'half');
    expect(run.state.input).toEqual({ topic: 'ledgers' });
  });
});

describe('when retries run out', () => {
  it('leaves a run that finished as it is when only its last commit kept failing', async () => {
    let failCommit = true;
    const w = await memoryWorker({
      maxReceiveCount: 3,
      wrapStore: (store) => hookedStore(store, {
        commitHead: (_tenantId, _runId, commit) => {
          if (failCommit && commit.status === 'completed') {
            failCommit = false;
            throw new SimulatedCrash('throttled commit');
          }
        },
      }),
    });
    // The message that completes the run arrives for the last time (receive count 3 of 3).
    await drive(w, [start('acme', 'done')], 2);
    const last = w.queue.take()[0];
    expect(last?.message.type).toBe('continue_run');
    await expect(handleRecord(w.deps, sqsRecord(JSON.stringify(last?.message), 'last', 3))).resolves.toBeUndefined();
    const records = await w.store.loadEvents('acme', 'done');
    expect(records.some((r) => r.eventType === 'harness_failed')).toBe(false);
    expect((await w.store.getHead('acme', 'done')).status).toBe('completed');
  });

  it('fails a run that still had work when its provider keeps failing', async () => {
    const broken = await memoryWorker({
      maxReceiveCount: 2,
      wrapModel: () => ({ complete: async () => { throw new SimulatedCrash('provider unreachable'); } }),
    });
    await expect(handleRecord(broken.deps, sqsRecord(JSON.stringify(start('acme', 'stuck')), 'm1', 1))).rejects.toThrow();
    await expect(handleRecord(broken.deps, sqsRecord(JSON.stringify(start('acme', 'stuck')), 'm1', 2))).resolves.toBeUndefined();
    expect((await broken.store.getHead('acme', 'stuck')).status).toBe('failed');
  });
});

describe('when a tenant is disabled while its run is in progress', () => {
  it('blocks the run visibly, and re-enabling plus resume completes it', async () => {
    const w = await memoryWorker();
    await drive(w, [start('acme', 'paused-by-admin')], 1);
    const pending = w.queue.take();
    expect(pending).toHaveLength(1);
    const record = tenantRecord('acme');
    await w.tenants.put({ ...record, enabled: false });
    await drive(w, pending.map((q) => q.message));
    const tenant = { tenantId: 'acme', capabilities: ['reports:publish'], budgetUsdLimit: 1 };
    const blocked = await w.deps.kernel.openRun(tenant, 'paused-by-admin');
    expect(blocked.getRunStatus()).toMatchObject({ status: 'paused', blockedOn: 'unblock:tenant_disabled' });
    await w.tenants.put(record);
    await drive(w, [await resumeRun(w.deps.kernel, tenant, 'paused-by-admin', undefined)]);
    await expectCompletedAndValid(w, 'acme', 'paused-by-admin');
  });
});
