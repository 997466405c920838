import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { z as zc } from 'zod';
import { ReplayConsistencyError } from '../../lib/errors.js';
import { Answer, setup, tenant, types } from './helpers.js';

describe('stepModel replay', () => {
  describe('when the same step runs twice', () => {
    it('replays the completed response without calling the provider again when inputs match', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      const first = await run.stepModel({ model: 'm1', input: { prompt: 'hello' }, outputSchema: Answer });
      const second = await run.stepModel({ model: 'm1', input: { prompt: 'hello' }, outputSchema: Answer });
      expect(first.replayed).toBe(false);
      expect(second.replayed).toBe(true);
      expect(second.output).toEqual({ answer: 'ok' });
      expect(second.seq).toBe(first.seq);
      expect(port.calls).toBe(1);
      expect(types(await kernel.loadEvents(tenant(), 'r1'))).toEqual(['run_started', 'model_requested', 'model_terminal', 'run_summary']);
    });

    it('never calls the provider twice across two kernel instances sharing one store', async () => {
      const env = setup();
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm1', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'plan' });
      const other = env.newKernel();
      const replay = await other.stepModel({ tenant: tenant(), runId: 'r1', model: 'm1', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'plan' });
      expect(replay.replayed).toBe(true);
      expect(env.port.calls).toBe(1);
    });

    it('executes a new cycle when the step key is new', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      const a = await run.stepModel({ model: 'm1', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'a' });
      const again = await run.stepModel({ model: 'm1', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'a' });
      const b = await run.stepModel({ model: 'm1', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'b' });
      expect(again.seq).toBe(a.seq);
      expect(b.seq).toBeGreaterThan(a.seq);
      expect(port.calls).toBe(2);
    });

    it('accepts a classic zod schema and validates the replayed output against it', async () => {
      const { kernel, port } = setup({ port: { output: { n: 3 } } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      const Classic = zc.object({ n: zc.number() });
      await run.stepModel({ model: 'm', input: { prompt: 'x' }, outputSchema: Classic, stepKey: 'k' });
      const replay = await run.stepModel({ model: 'm', input: { prompt: 'x' }, outputSchema: Classic, stepKey: 'k' });
      expect(replay.output.n).toBe(3);
      await expect(run.stepModel({ model: 'm', input: { prompt: 'x' }, outputSchema: z.object({ n: z.string() }), stepKey: 'k' }))
        .rejects.toBeInstanceOf(ReplayConsistencyError);
      expect(port.calls).toBe(1);
    });
  });

  describe('when the input is a message list', () => {
    it('derives the prompt from the last user message and forwards the messages', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      const messages = [
        { role: 'system' as const, content: 'be brief' },
        { role: 'user' as const, content: 'first' },
        { role: 'assistant' as const, content: 'ok' },
        { role: 'user' as const, content: 'second' },
      ];
      await run.stepModel({ model: 'm', input: { messages }, outputSchema: Answer });
      expect(port.requests[0]?.prompt).toBe('second');
      expect(port.requests[0]?.messages).toEqual(messages);
    });
  });

  describe('when options drift under the same step key', () => {
    it('raises ReplayConsistencyError under strict without a provider call when verbosity changes', async () => {
      const { kernel, port } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k', options: { verbosity: 'low' } });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 'k', options: { verbosity: 'high' } }))
        .rejects.toThrow(/changed model inputs\/options/);
      expect(port.calls).toBe(1);
    });
  });

  describe('when responses metadata is given', () => {
    it('persists api mode, reasoning, verbosity and previous response id on the request and the response id on the terminal', async () => {
      const { kernel } = setup({ port: { output: { answer: 'x' }, apiModeUsed: 'responses', responseId: 'resp_1' } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      const result = await run.stepModel({
        model: 'm', input: { prompt: 'p' }, outputSchema: Answer,
        options: { apiMode: 'responses', reasoningEffort: 'high', verbosity: 'low', previousResponseId: 'resp_0' },
      });
      const [req, term] = run.events().filter((e) => e.eventType.startsWith('model_'));
      expect(req?.eventType === 'model_requested' && req.payload).toMatchObject({ apiMode: 'responses', reasoningEffort: 'high', verbosity: 'low', previousResponseId: 'resp_0' });
      expect(term?.eventType === 'model_terminal' && term.payload).toMatchObject({ apiModeUsed: 'responses', responseId: 'resp_1' });
      expect(result.responseId).toBe('resp_1');
    });
  });
});
