import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { PlaintextCipher } from '../../lib/crypto/index.js';
import { BudgetExceededError, ModelTransientError, TaskProgressValidationError, ToolTransientError } from '../../lib/errors.js';
import {
  createChildRunner, defineSupervisor, defineTaskHarness, lastSessionOf, runHarnessSession, validateTransition,
  type HarnessDefinition, type TaskUnit,
} from '../../lib/harness/index.js';
import { ArtanaKernel, MockModelPort, ToolRegistry } from '../../lib/kernel/index.js';
import type { TenantContext } from '../../lib/models/index.js';
import { MemoryEventStore } from '../../lib/store/index.js';
import { testClock } from '../helpers/memory-worker.js';

const tenant: TenantContext = { tenantId: 't1', capabilities: [], budgetUsdLimit: 10 };
const Answer = z.object({ text: z.string() });

function setup(harness: HarnessDefinition, model = new MockModelPort({ output: { text: 'ok' } })) {
  const tools = new ToolRegistry();
  harness.registerTools?.(tools);
  const store = new MemoryEventStore();
  const kernel = new ArtanaKernel({ store, tools, modelPort: model, cipher: new PlaintextCipher(), clock: testClock });
  const session = async (runId: string, n: number) => {
    const run = await kernel.openRun(tenant, runId).catch(() => kernel.startRun(tenant, { runId, harness: harness.name }));
    const result = await runHarnessSession(run, harness, { session: n, startedAfterSeq: run.state.lastSeq, input: {}, children: createChildRunner(kernel) });
    await run.commit();
    return { result, run };
  };
  return { kernel, store, model, session };
}

const threeTasks = (work: (task: TaskUnit) => Promise<{ verified: boolean }> = async () => ({ verified: true })) => defineTaskHarness({
  name: 'tasks', models: { default: 'm' },
  defineTasks: async () => [{ id: 'a', description: 'A' }, { id: 'b', description: 'B' }, { id: 'c', description: 'C' }],
  workOn: async (task, ctx) => {
    await ctx.runModel({ prompt: `work on ${task.id}`, output: Answer });
    return work(task);
  },
  finish: async (_ctx, units) => ({ done: units.map((u) => u.id) }),
});

const states = (run: { latestSummary(t: string): unknown }) => z.object({ units: z.array(z.object({ state: z.string() })) })
  .parse(run.latestSummary('task_progress')).units.map((u) => u.state);

describe('incremental task harness', () => {
  describe('when driven one session at a time', () => {
    it('marks exactly one unit done per session and completes with a result', async () => {
      const { session } = setup(threeTasks());
      expect(states((await session('r', 1)).run)).toEqual(['done', 'pending', 'pending']);
      expect(states((await session('r', 2)).run)).toEqual(['done', 'done', 'pending']);
      const last = await session('r', 3);
      expect(states(last.run)).toEqual(['done', 'done', 'done']);
      expect(last.result).toMatchObject({ status: 'completed', workRemaining: false });
      expect(last.run.getArtifact('harness_result')).toEqual({ done: ['a', 'b', 'c'] });
      expect(last.run.getRunStatus().status).toBe('completed');
    });

    it('records lifecycle events once per session with session numbers, and a sleep summary', async () => {
      const { session, kernel } = setup(threeTasks());
      await session('r', 1);
      await session('r', 2);
      const events = await kernel.loadEvents(tenant, 'r');
      expect(events.filter((e) => e.eventType === 'harness_initialized')).toHaveLength(1);
      expect(events.flatMap((e) => (e.eventType === 'harness_wake' ? [e.payload.session] : []))).toEqual([1, 2]);
      const run = await kernel.openRun(tenant, 'r');
      expect(lastSessionOf(run)).toMatchObject({ session: 2, workRemaining: true });
    });

    it('keeps a unit pending when its work is not verified', async () => {
      const { session } = setup(threeTasks(async (t) => ({ verified: t.id !== 'a' })));
      expect(states((await session('r', 1)).run)).toEqual(['pending', 'pending', 'pending']);
    });
  });

  describe('when a session is redelivered after a crash', () => {
    it('reuses its step keys, replays recorded model calls and writes no second wake', async () => {
      let crash = true;
      const harness = threeTasks(async () => {
        if (crash) {
          crash = false;
          throw new ModelTransientError('provider hiccup');
        }
        return { verified: true };
      });
      const { session, model, kernel } = setup(harness);
      await expect(session('r', 1)).rejects.toThrow(ModelTransientError);
      expect(model.calls).toBe(1);
      const again = await session('r', 1);
      expect(model.calls).toBe(1);
      expect(states(again.run)).toEqual(['done', 'pending', 'pending']);
      const wakes = (await kernel.loadEvents(tenant, 'r')).filter((e) => e.eventType === 'harness_wake');
      expect(wakes).toHaveLength(1);
    });
  });

  describe('when work fails with a domain error', () => {
    it('fails the run with harness_failed and a failed sleep', async () => {
      const { session, kernel } = setup(threeTasks(async () => {
        throw new BudgetExceededError('budget exhausted');
      }));
      const { result } = await session('r', 1);
      expect(result).toMatchObject({ status: 'failed', workRemaining: false });
      const events = await kernel.loadEvents(tenant, 'r');
      expect(events.find((e) => e.eventType === 'harness_failed')?.payload).toMatchObject({ errorType: 'BudgetExceededError' });
      const run = await kernel.openRun(tenant, 'r');
      expect(run.getRunStatus().status).toBe('failed');
      expect(states(run)).toEqual(['pending', 'pending', 'pending']);
    });
  });
});

describe('task progress validation', () => {
  const units = (...s: TaskUnit['state'][]): TaskUnit[] => s.map((state, i) => ({ id: `u${i}`, description: `U${i}`, state }));
  it('refuses two units done in one session', () => {
    expect(() => validateTransition(units('pending', 'pending'), units('done', 'done'), { doneThisSession: 0, verified: new Set(['u0', 'u1']) }))
      .toThrow(/Only one TaskUnit/);
  });
  it('refuses an unverified done unit', () => {
    expect(() => validateTransition(units('pending'), units('done'), { doneThisSession: 0, verified: new Set() })).toThrow(TaskProgressValidationError);
  });
  it('refuses deleting a unit and duplicate ids', () => {
    expect(() => validateTransition(units('pending', 'pending'), units('pending'), { doneThisSession: 0, verified: new Set() })).toThrow(/deletion/);
    expect(() => validateTransition([], [...units('pending'), ...units('pending')], { doneThisSession: 0, verified: new Set() })).toThrow(/Duplicate/);
  });
  it('allows adding units and moving done back to pending', () => {
    expect(validateTransition(units('done'), units('pending', 'pending'), { doneThisSession: 0, verified: new Set() }).newlyDone).toEqual([]);
  });
});

describe('harness tools', () => {
  it('retries a transient tool failure under a new step key and succeeds', async () => {
    let failures = 1;
    const harness: HarnessDefinition = {
      name: 'flaky', models: { default: 'm' },
      registerTools(tools) {
        tools.register({
          name: 'ping', description: 'ping', arguments: z.strictObject({}),
          handler: async () => {
            if (failures-- > 0) throw new ToolTransientError('try again');
            return { pong: true };
          },
        });
      },
      async step(ctx) {
        const r = await ctx.runTool('ping', {});
        return { workRemaining: false, result: { stepKey: r.stepKey, json: r.resultJson } };
      },
    };
    const { session } = setup(harness);
    const { run } = await session('r', 1);
    expect(run.getArtifact('harness_result')).toEqual({ stepKey: 'flaky_s1_tool_ping_1_retry_2', json: '{"pong":true}' });
  });
});

describe('supervisor harness', () => {
  it('runs children on derived run ids, one child session per supervisor session, and collects results', async () => {
    const child = (name: string): HarnessDefinition => ({
      name, models: { default: 'm' },
      async step(ctx) {
        const { output } = await ctx.runModel({ prompt: `child ${name} session ${ctx.session}`, output: Answer });
        return ctx.session < 2 ? { workRemaining: true } : { workRemaining: false, result: { from: name, text: output.text } };
      },
    });
    const sup = defineSupervisor({ name: 'sup', models: { default: 'm' }, children: [{ key: 'draft', harness: child('drafter') }, { key: 'review', harness: child('reviewer') }] });
    const { session, kernel } = setup(sup);
    const outcomes = [];
    for (let n = 1; n <= 4; n += 1) outcomes.push((await session('p', n)).result.workRemaining);
    expect(outcomes).toEqual([true, true, true, false]);
    const run = await kernel.openRun(tenant, 'p');
    expect(run.getArtifact('harness_result')).toEqual({ draft: { from: 'drafter', text: 'ok' }, review: { from: 'reviewer', text: 'ok' } });
    const childRun = await kernel.openRun(tenant, 'p::child::draft');
    expect(childRun.getRunStatus().status).toBe('completed');
  });
});
