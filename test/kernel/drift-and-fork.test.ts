import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { canonicalJson, sha256Hex } from '../../lib/crypto/index.js';
import type { KernelMiddleware } from '../../lib/middleware/middleware-port.js';
import { Answer, setup, tenant, types } from './helpers.js';

const noop = async () => '{}';

describe('replay policies and tool signatures', () => {
  describe('when the prompt drifts under allow_prompt_drift', () => {
    it('replays with drift, calls the provider once and writes one drift marker even on repeated replays', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'v1' }, outputSchema: Answer, stepKey: 'k' });
      const drifted = await run.stepModel({ model: 'm', input: { prompt: 'v2' }, outputSchema: Answer, stepKey: 'k', replayPolicy: 'allow_prompt_drift' });
      await run.stepModel({ model: 'm', input: { prompt: 'v2' }, outputSchema: Answer, stepKey: 'k', replayPolicy: 'allow_prompt_drift' });
      expect(drifted.replayed).toBe(true);
      expect(drifted.replayedWithDrift).toBe(true);
      expect(drifted.driftFields).toEqual(['prompt', 'messages']);
      expect(port.calls).toBe(1);
      const markers = run.events().filter((e) => e.eventType === 'replayed_with_drift');
      expect(markers).toHaveLength(1);
      expect(markers[0]?.eventType === 'replayed_with_drift' && markers[0].payload.replayPolicy).toBe('allow_prompt_drift');
      expect(run.getRunStatus().driftCount).toBe(1);
    });
  });

  describe('when the prompt drifts under fork_on_drift', () => {
    it('executes in a fork run named after the drift token and records lineage on the original', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'run_fork' });
      await run.stepModel({ model: 'm', input: { prompt: 'v1' }, outputSchema: Answer, stepKey: 'k' });
      const forked = await run.stepModel({ model: 'm', input: { prompt: 'v2' }, outputSchema: Answer, stepKey: 'k', replayPolicy: 'fork_on_drift' });
      const token = ['m', 'k', 'v2', canonicalJson([{ role: 'user', content: 'v2' }]), canonicalJson({ apiMode: 'auto', reasoningEffort: null, verbosity: null, previousResponseId: null }), 'null'].join('|');
      expect(forked.runId).toBe(`run_fork::fork::${sha256Hex(token).slice(0, 12)}`);
      expect(forked.forkedFromRunId).toBe('run_fork');
      expect(forked.replayed).toBe(false);
      expect(port.calls).toBe(2);
      const marker = run.events().find((e) => e.eventType === 'replayed_with_drift');
      expect(marker?.eventType === 'replayed_with_drift' && marker.payload.forkRunId).toBe(forked.runId);
      const forkEvents = await kernel.loadEvents(tenant(), forked.runId);
      expect(types(forkEvents).slice(0, 3)).toEqual(['run_started', 'model_requested', 'model_terminal']);
      const again = await run.stepModel({ model: 'm', input: { prompt: 'v2' }, outputSchema: Answer, stepKey: 'k', replayPolicy: 'fork_on_drift' });
      expect(again.replayed).toBe(true);
      expect(port.calls).toBe(2);
      expect(run.events().filter((e) => e.eventType === 'replayed_with_drift')).toHaveLength(1);
    });

    it('replays on the original run when there is no drift', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'v1' }, outputSchema: Answer, stepKey: 'k' });
      const same = await run.stepModel({ model: 'm', input: { prompt: 'v1' }, outputSchema: Answer, stepKey: 'k', replayPolicy: 'fork_on_drift' });
      expect(same.runId).toBe('r1');
      expect(same.replayed).toBe(true);
      expect(port.calls).toBe(1);
    });
  });

  describe('when registered tools change between runs of the same step', () => {
    it('replays regardless of registration order', async () => {
      const env = setup();
      env.tools.register({ name: 'b', arguments: z.strictObject({}), handler: noop });
      env.tools.register({ name: 'a', arguments: z.strictObject({}), handler: noop });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const first = await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      const req = run.events().find((e) => e.eventType === 'model_requested');
      expect(req?.eventType === 'model_requested' && req.payload.allowedTools).toEqual(['a', 'b']);
      const other = setup({ store: env.store });
      other.tools.register({ name: 'a', arguments: z.strictObject({}), handler: noop });
      other.tools.register({ name: 'b', arguments: z.strictObject({}), handler: noop });
      const replay = await other.kernel.stepModel({ tenant: tenant(), runId: 'r1', model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      expect(replay.seq).toBe(first.seq);
      expect(other.port.calls).toBe(0);
    });

    it.each([
      ['an added tool', (t: ReturnType<typeof setup>['tools']) => t.register({ name: 'extra', arguments: z.strictObject({}), handler: noop })],
      ['a changed schema', (t: ReturnType<typeof setup>['tools']) => t.register({ name: 'a', arguments: z.strictObject({ x: z.string() }), handler: noop })],
    ])('raises ReplayConsistencyError without a provider call for %s, whatever the policy', async (_label, change) => {
      const env = setup();
      env.tools.register({ name: 'a', arguments: z.strictObject({}), handler: noop });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      change(env.tools);
      for (const replayPolicy of ['strict', 'allow_prompt_drift', 'fork_on_drift'] as const) {
        await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k', replayPolicy }))
          .rejects.toThrow(/changed allowed tool signatures/);
      }
      expect(env.port.calls).toBe(1);
    });
  });

  describe('when the model step records its context', () => {
    it('writes a default context version hashing the prompt', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'hello' }, outputSchema: Answer });
      const req = run.events().find((e) => e.eventType === 'model_requested');
      expect(req?.eventType === 'model_requested' && req.payload.contextVersion).toEqual({
        systemPromptHash: sha256Hex('hello'), contextBuilderVersion: 'unknown', compactionVersion: 'unknown',
      });
    });

    it('writes parent step keys on model and tool events while keeping each step key', async () => {
      const env = setup();
      env.tools.register({ name: 't', arguments: z.strictObject({}), handler: async () => 'done' });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'model_1', parentStepKey: 'stage_1' });
      await run.stepTool({ toolName: 't', arguments: {}, stepKey: 'tool_1', parentStepKey: 'stage_1' });
      const keyed = run.events().filter((e) => ['model_requested', 'model_terminal', 'tool_requested', 'tool_completed'].includes(e.eventType));
      expect(keyed.map((e) => [e.stepKey, e.parentStepKey])).toEqual([
        ['model_1', 'stage_1'], ['model_1', 'stage_1'], ['tool_1', 'stage_1'], ['tool_1', 'stage_1'],
      ]);
    });
  });

  describe('when capabilities filter the tools offered to the model', () => {
    it('records a capability_decision summary on fresh execution only', async () => {
      const guard: KernelMiddleware = {
        name: 'guard', priority: 2,
        prepareModel: async (inv) => ({ ...inv, allowedTools: inv.allowedTools.filter((t) => !t.requiresCapability || inv.tenant.capabilities.includes(t.requiresCapability)) }),
      };
      const env = setup({ middleware: [guard] });
      env.tools.register({ name: 'get_balance', arguments: z.strictObject({}), requiresCapability: 'finance:read', handler: noop });
      env.tools.register({ name: 'send_wire', arguments: z.strictObject({}), requiresCapability: 'finance:write', handler: noop });
      env.tools.register({ name: 'echo', arguments: z.strictObject({}), handler: noop });
      const t = tenant({ capabilities: ['finance:read'] });
      const run = await env.kernel.startRun(t, { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k' });
      expect(env.port.requests[0]?.allowedTools.map((d) => d.name)).toEqual(['get_balance', 'echo']);
      const summaries = run.events().filter((e) => e.eventType === 'run_summary');
      expect(summaries).toHaveLength(1);
      const decision = z.object({ finalAllowedTools: z.array(z.string()), decisions: z.array(z.object({ toolName: z.string(), reason: z.string() })) })
        .parse(run.latestSummary('capability_decision'));
      expect(decision.finalAllowedTools).toEqual(['echo', 'get_balance']);
      expect(decision.decisions).toEqual([
        { toolName: 'echo', requiredCapability: null, decision: 'allowed', reason: 'allowed_no_capability_required' },
        { toolName: 'get_balance', requiredCapability: 'finance:read', decision: 'allowed', reason: 'allowed_tenant_has_capability' },
        { toolName: 'send_wire', requiredCapability: 'finance:write', decision: 'filtered', reason: 'filtered_missing_capability' },
      ].map(({ toolName, reason }) => ({ toolName, reason })));
    });
  });

  describe('when a keyless call repeats with different inputs', () => {
    it('executes each distinct input once and replays identical ones', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'one' }, outputSchema: Answer });
      await run.stepModel({ model: 'm', input: { prompt: 'two' }, outputSchema: Answer });
      const again = await run.stepModel({ model: 'm', input: { prompt: 'one' }, outputSchema: Answer });
      expect(again.replayed).toBe(true);
      expect(port.calls).toBe(2);
    });
  });
});
