import { describe, expect, it } from 'vitest';
import { ConfigurationError, BudgetExceededError, DependencyUnavailableError } from '../../lib/errors.js';
import type { KernelMiddleware } from '../../lib/middleware/middleware-port.js';
import { ArtanaKernel, evolve, initialRunState, MockModelPort, orderMiddleware, openSnapshot, parseSnapshot } from '../../lib/kernel/index.js';
import { PlaintextCipher } from '../../lib/crypto/index.js';
import { MemoryEventStore } from '../../lib/store/index.js';
import { Answer, setup, tenant, types } from './helpers.js';

function recorder(name: string, priority: number, log: string[]): KernelMiddleware {
  return {
    name, priority,
    prepareModel: async (inv) => { log.push(`${name}.prepare`); return inv; },
    beforeModel: async () => { log.push(`${name}.before`); },
    afterModel: async () => { log.push(`${name}.after`); },
  };
}

describe('kernel middleware pipeline', () => {
  describe('when middleware is supplied out of order', () => {
    it('runs it by priority, stable within a priority', () => {
      const log: string[] = [];
      const order = orderMiddleware([recorder('other', 4, log), recorder('quota', 1, log), recorder('pii', 0, log), recorder('other2', 4, log)]);
      expect(order.map((m) => m.name)).toEqual(['pii', 'quota', 'other', 'other2']);
    });
  });

  describe('when a step replays', () => {
    it('runs prepareModel on every step but before/after only around real provider calls', async () => {
      const log: string[] = [];
      const { kernel } = setup({ middleware: [recorder('b', 4, log), recorder('a', 0, log)] });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      expect(log).toEqual(['a.prepare', 'b.prepare', 'a.before', 'b.before', 'a.after', 'b.after', 'a.prepare', 'b.prepare']);
    });

    it('matches the prepared invocation, so a redacting prepareModel is what gets stored and sent', async () => {
      const redact: KernelMiddleware = { name: 'pii', priority: 0, prepareModel: async (inv) => ({ ...inv, prompt: inv.prompt.replace(/\S+@\S+/, '[EMAIL]'), messages: inv.messages.map((m) => ({ ...m, content: m.content.replace(/\S+@\S+/, '[EMAIL]') })) }) };
      const { kernel, port } = setup({ middleware: [redact] });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'mail bob@example.com' }, outputSchema: Answer });
      expect(port.requests[0]?.prompt).toBe('mail [EMAIL]');
      const req = run.events().find((e) => e.eventType === 'model_requested');
      expect(req?.eventType === 'model_requested' && req.payload.prompt).toBe('mail [EMAIL]');
    });
  });

  describe('when beforeModel refuses the call', () => {
    it('records a failed terminal, calls onModelError and never calls the provider', async () => {
      const errors: unknown[] = [];
      const quota: KernelMiddleware = {
        name: 'quota', priority: 1,
        beforeModel: async () => { throw new BudgetExceededError('budget exhausted'); },
        onModelError: async (_run, _usage, error) => { errors.push(error); },
      };
      const { kernel, port } = setup({ middleware: [quota] });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer })).rejects.toBeInstanceOf(BudgetExceededError);
      expect(port.calls).toBe(0);
      expect(errors).toHaveLength(1);
      const terminal = run.events().at(-1);
      expect(terminal?.eventType === 'model_terminal' && terminal.payload.errorCategory).toBe('budget');
    });
  });

  describe('when beforeModel fails for an infrastructure reason', () => {
    it('records no terminal, so the retry reuses the open request and calls the provider once', async () => {
      let throttled = true;
      const budget: KernelMiddleware = {
        name: 'quota', priority: 1,
        beforeModel: async () => {
          if (throttled) throw new DependencyUnavailableError('reservation throttled');
        },
      };
      const { kernel, port } = setup({ middleware: [budget] });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      const step = () => run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' });
      await expect(step()).rejects.toBeInstanceOf(DependencyUnavailableError);
      expect(types(run.events())).toEqual(['run_started', 'model_requested']);
      throttled = false;
      await expect(step()).resolves.toMatchObject({ replayed: false });
      expect(port.calls).toBe(1);
      expect(types(run.events()).filter((t) => t === 'model_requested')).toHaveLength(1);
      expect(types(run.events()).filter((t) => t === 'model_terminal')).toHaveLength(1);
    });
  });

  describe('when a policy validates the stack at construction', () => {
    it('fails construction naming the missing middleware', () => {
      const policy = { validate: (m: readonly KernelMiddleware[]) => { if (!m.some((x) => x.name === 'capability_guard')) throw new ConfigurationError('KernelPolicy enforced requires middleware capability_guard.'); } };
      const build = (middleware: KernelMiddleware[]) => new ArtanaKernel({ store: new MemoryEventStore(), modelPort: new MockModelPort({ output: {} }), cipher: new PlaintextCipher(), middleware, policy });
      expect(() => build([])).toThrow(/capability_guard/);
      expect(() => build([{ name: 'capability_guard', priority: 2 }])).not.toThrow();
    });
  });
});

describe('RunState fold', () => {
  describe('given a snapshot taken mid-run', () => {
    it('equals folding every event when the tail is folded onto it', async () => {
      const env = setup({ port: { output: { answer: 'a' }, usage: { promptTokens: 1, completionTokens: 1, costUsd: 0.5 } } });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'a' });
      await run.pause('wait');
      await run.commit();
      const head = await env.store.getHead('tenant_a', 'r1');
      const reopened = await env.newKernel().openRun(tenant(), 'r1');
      await reopened.resume();
      await reopened.stepModel({ model: 'm', input: { prompt: 'q' }, outputSchema: Answer, stepKey: 'b' });
      const all = await env.kernel.loadEvents(tenant(), 'r1');
      const full = all.reduce(evolve, initialRunState('tenant_a', 'r1'));
      expect(head.snapshot).toBeDefined();
      const snapshot = head.snapshot ? await openSnapshot(new PlaintextCipher(), head.snapshot, 'tenant_a', 'r1') : undefined;
      expect(snapshot?.lastSeq).toBe(head.lastSeq);
      expect(JSON.stringify(head.snapshot?.state)).not.toContain('"spendUsd"'); // sealed, not stored as plain state
      expect(JSON.parse(JSON.stringify(reopened.state))).toEqual(JSON.parse(JSON.stringify(full)));
      expect(full).toMatchObject({ status: 'active', spendUsd: 1, openPauses: [] });
    });
  });

  describe('given a failed terminal', () => {
    it('marks the run failed until a later request clears the failure', async () => {
      const env = setup({ port: { output: { answer: 'a' }, failures: { 1: new Error('x') } } });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'a' })).rejects.toThrow();
      expect(run.getRunStatus()).toMatchObject({ status: 'failed', failureReason: 'internal', errorCategory: 'internal' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'b' });
      expect(run.getRunStatus().status).toBe('active');
      expect(run.getRunStatus().failureReason).toBeUndefined();
    });

    it('refuses a snapshot of another run', () => {
      expect(parseSnapshot(initialRunState('t', 'other'), 't', 'r1')).toBeUndefined();
      expect(parseSnapshot({ junk: true }, 't', 'r1')).toBeUndefined();
    });
  });
});
