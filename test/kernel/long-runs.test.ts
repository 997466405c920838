import * as z from 'zod/mini';
import { describe, expect, it, vi } from 'vitest';
import { MAX_STEP_INDEX } from '../../lib/kernel/index.js';
import { bloomAdd, bloomHas, type StepBloom } from '../../lib/kernel/step-bloom.js';
import { Answer, setup, tenant } from './helpers.js';

async function longRun(steps: number) {
  const env = setup({ port: { factory: (req) => ({ answer: req.prompt }) } });
  let calls = 0;
  env.tools.register({ name: 'echo', arguments: z.strictObject({ n: z.int() }), handler: async ({ n }) => { calls += 1; return { n }; } });
  const run = await env.kernel.startRun(tenant(), { runId: 'long' });
  for (let i = 1; i <= steps; i += 1) {
    await run.stepModel({ model: 'm', input: { prompt: `p${i}` }, outputSchema: Answer, stepKey: `k${i}` });
    if (i % 10 === 0) await run.stepTool({ toolName: 'echo', arguments: { n: i }, stepKey: `t${i}` });
    if (i % 25 === 0) await run.commit();
  }
  await run.commit();
  return { env, toolCalls: () => calls };
}

const snapshotBytes = async (env: ReturnType<typeof setup>) => JSON.stringify((await env.store.getHead('tenant_a', 'long')).snapshot).length;

describe('long runs', () => {
  describe('when a run records many more steps than the snapshot index holds', () => {
    it('keeps the snapshot small: from 300 to 600 steps it grows only by the evicted-keys filter (a few bytes per step)', async () => {
      const short = await longRun(300);
      const long = await longRun(600);
      const [a, b] = [await snapshotBytes(short.env), await snapshotBytes(long.env)];
      expect(Object.keys((await short.env.kernel.openRun(tenant(), 'long')).state.steps).length).toBeLessThanOrEqual(MAX_STEP_INDEX);
      // ~330 more steps (model + tool) between the two runs. The filter's bits (~2 bytes per key, allocated by doubling,
      // base64 inside the sealed base64 snapshot) are the only growth: far below the ~200 bytes of an index entry.
      expect((b - a) / 330).toBeLessThan(20);
      expect(b).toBeLessThan(30_000);
    });

    it('replays an evicted model step and an evicted tool step from the ledger, without calling anything again', async () => {
      const { env, toolCalls } = await longRun(300);
      const providerCalls = env.port.calls;
      const run = await env.newKernel().openRun(tenant(), 'long');
      expect(run.state.steps).not.toHaveProperty('model|m|k1');
      const model = await run.stepModel({ model: 'm', input: { prompt: 'p1' }, outputSchema: Answer, stepKey: 'k1' });
      const tool = await run.stepTool({ toolName: 'echo', arguments: { n: 10 }, stepKey: 't10' });
      expect(model).toMatchObject({ replayed: true, output: { answer: 'p1' } });
      expect(tool).toMatchObject({ replayed: true, resultJson: '{"n":10}' });
      expect(env.port.calls).toBe(providerCalls);
      expect(toolCalls()).toBe(30);
    });

    it('reads the ledger only when the evicted-keys filter matches, not for a new step', async () => {
      const { env } = await longRun(300);
      const run = await env.newKernel().openRun(tenant(), 'long');
      const scans = vi.spyOn(env.store, 'loadEvents');
      await run.stepModel({ model: 'm', input: { prompt: 'fresh' }, outputSchema: Answer, stepKey: 'brand-new' });
      expect(scans).not.toHaveBeenCalled();
      await run.stepModel({ model: 'm', input: { prompt: 'p2' }, outputSchema: Answer, stepKey: 'k2' });
      expect(scans).toHaveBeenCalledTimes(1);
    });
  });
});

describe('step bloom filter', () => {
  it('never forgets an added key and rarely claims an absent one', () => {
    const bloom: StepBloom = { filters: [] };
    for (let i = 0; i < 3000; i += 1) bloomAdd(bloom, `added-${i}`);
    expect(Array.from({ length: 3000 }, (_, i) => bloomHas(bloom, `added-${i}`)).every(Boolean)).toBe(true);
    const falsePositives = Array.from({ length: 3000 }, (_, i) => bloomHas(bloom, `absent-${i}`)).filter(Boolean).length;
    expect(falsePositives / 3000).toBeLessThan(0.005);
    expect(bloom.filters.length).toBeGreaterThan(1);
  });
});

describe('large summaries', () => {
  describe('when a run stores an artifact far larger than a head item should hold', () => {
    it('keeps it out of the snapshot and reads it back from its event when a session opens', async () => {
      const env = setup();
      const run = await env.kernel.startRun(tenant(), { runId: 'big' });
      const big = 'x'.repeat(350_000);
      await run.setArtifact('report', big);
      await run.setArtifact('note', 'small');
      await run.commit();
      const head = await env.store.getHead('tenant_a', 'big');
      expect(JSON.stringify(head.snapshot).length).toBeLessThan(20_000);
      const reopened = await env.newKernel().openRun(tenant(), 'big');
      expect(reopened.getArtifact('report')).toBe(big);
      expect(reopened.getArtifact('note')).toBe('small');
    });
  });
});
