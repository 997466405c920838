import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CapabilityDeniedError, ToolExecutionFailedError, ToolPermanentError, ToolTransientError, UnknownToolError, ValidationError } from '../../lib/errors.js';
import type { KernelMiddleware } from '../../lib/middleware/middleware-port.js';
import type { ToolExecutionContext } from '../../lib/models/index.js';
import { deriveIdempotencyKey, ToolRegistry } from '../../lib/kernel/index.js';
import { setup, tenant, types } from './helpers.js';

const Transfer = z.strictObject({ accountId: z.string(), amount: z.int() });

function counterTool(tools: ToolRegistry, behaviour: (call: number) => Promise<string> = async () => '{"ok":true}') {
  const seen: { args: unknown; ctx: ToolExecutionContext }[] = [];
  tools.register({
    name: 'transfer', arguments: Transfer, sideEffect: true,
    handler: async (args, ctx) => { seen.push({ args, ctx }); return behaviour(seen.length); },
  });
  return seen;
}

describe('stepTool', () => {
  describe('when a tool completes', () => {
    it('replays the stored result without re-executing, with the same seq', async () => {
      const env = setup();
      const seen = counterTool(env.tools);
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const first = await run.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 5 }, stepKey: 't1' });
      const again = await env.newKernel().stepTool({ tenant: tenant(), runId: 'r1', toolName: 'transfer', arguments: { amount: 5, accountId: 'a' }, stepKey: 't1' });
      expect(first.replayed).toBe(false);
      expect(again).toMatchObject({ replayed: true, seq: first.seq, resultJson: '{"ok":true}' });
      expect(seen).toHaveLength(1);
      expect(types(await env.kernel.loadEvents(tenant(), 'r1'))).toEqual(['run_started', 'tool_requested', 'tool_completed']);
    });

    it('derives the idempotency key from the committed seq of the request', async () => {
      const env = setup();
      const seen = counterTool(env.tools);
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const result = await run.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } });
      expect(result.idempotencyKey).toBe(deriveIdempotencyKey('r1', 'transfer', 2));
      expect(seen[0]?.ctx.idempotencyKey).toBe(result.idempotencyKey);
      expect(deriveIdempotencyKey('r1', 'transfer', 2)).toBe(deriveIdempotencyKey('r1', 'transfer', 2));
      expect(deriveIdempotencyKey('r1', 'transfer', 3)).not.toBe(deriveIdempotencyKey('r1', 'transfer', 2));
    });

    it('recomputes the key for the new seq when another writer wins the append race', async () => {
      const env = setup();
      const seen = counterTool(env.tools);
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const rival = await env.newKernel().openRun(tenant(), 'r1');
      await rival.appendSummary('note', { by: 'rival' });
      const result = await run.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } });
      const request = (await env.kernel.loadEvents(tenant(), 'r1')).find((e) => e.eventType === 'tool_requested');
      expect(request?.seq).toBe(3);
      expect(result.idempotencyKey).toBe(deriveIdempotencyKey('r1', 'transfer', 3));
      expect(seen[0]?.ctx.idempotencyKey).toBe(result.idempotencyKey);
    });
  });

  describe('when a tool throws an unexpected error', () => {
    it('records unknown_outcome, refuses re-execution after restart and replays the failure without new events', async () => {
      const env = setup();
      const seen = counterTool(env.tools, async () => { throw new Error('socket closed'); });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 }, stepKey: 's' }))
        .rejects.toThrow(/unknown outcome and requires reconciliation/);
      const completed = run.events().at(-1);
      expect(completed?.eventType === 'tool_completed' && completed.payload.outcome).toBe('unknown_outcome');
      const restarted = await env.newKernel().openRun(tenant(), 'r1');
      await expect(restarted.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 }, stepKey: 's' }))
        .rejects.toThrow(/outcome='unknown_outcome'/);
      expect(seen).toHaveLength(1);
      expect(await env.kernel.loadEvents(tenant(), 'r1')).toHaveLength(3);
    });

    it('reconciles once with the original idempotency key and then replays the success', async () => {
      const env = setup();
      const seen = counterTool(env.tools, async (call) => { if (call === 1) throw new Error('lost'); return '{"ok":true}'; });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const args = { accountId: 'a', amount: 1 };
      await expect(run.stepTool({ toolName: 'transfer', arguments: args })).rejects.toBeInstanceOf(ToolExecutionFailedError);
      const reconciled = await run.reconcileTool({ toolName: 'transfer', arguments: args });
      expect(reconciled.resultJson).toBe('{"ok":true}');
      expect(seen[1]?.ctx.idempotencyKey).toBe(seen[0]?.ctx.idempotencyKey);
      const replay = await run.stepTool({ toolName: 'transfer', arguments: args });
      expect(replay.replayed).toBe(true);
      expect(seen).toHaveLength(2);
      expect(types(run.events())).toEqual(['run_started', 'tool_requested', 'tool_completed', 'tool_completed']);
    });
  });

  describe('when a request has no completion (crash during the tool call)', () => {
    it('appends an unknown_outcome completion and requires reconciliation', async () => {
      const env = setup();
      const seen = counterTool(env.tools);
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } });
      const records = await env.store.loadEvents('tenant_a', 'r1');
      const crashed = setup({ tools: env.tools });
      await crashed.store.createRun({ runId: 'r1', tenantId: 'tenant_a', createdAt: '2026-01-01T00:00:00Z' });
      await crashed.store.append('tenant_a', 'r1', records.slice(0, 2));
      const reopened = await crashed.kernel.openRun(tenant(), 'r1');
      await expect(reopened.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } })).rejects.toThrow(/requires reconciliation/);
      const last = reopened.events().at(-1);
      expect(last?.eventType === 'tool_completed' && last.payload.outcome).toBe('unknown_outcome');
      await expect(reopened.reconcileTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } })).resolves.toMatchObject({ resultJson: '{"ok":true}' });
      expect(seen).toHaveLength(2);
    });
  });

  describe('when a tool reports a typed failure', () => {
    it.each([
      [new ToolTransientError('later'), 'transient_error'],
      [new ToolPermanentError('never'), 'permanent_error'],
    ])('records %s as %s and refuses to reconcile it', async (error, outcome) => {
      const env = setup();
      counterTool(env.tools, async () => { throw error; });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } })).rejects.toThrow(`outcome='${outcome}'`);
      await expect(run.reconcileTool({ toolName: 'transfer', arguments: { accountId: 'a', amount: 1 } })).rejects.toThrow(`cannot be reconciled from outcome=${outcome}`);
    });
  });

  describe('when the call is refused before anything is written', () => {
    it('raises UnknownToolError for an unregistered tool', async () => {
      const { kernel } = setup();
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepTool({ toolName: 'nope', arguments: {} })).rejects.toBeInstanceOf(UnknownToolError);
      expect(run.events()).toHaveLength(1);
    });

    it.each([
      [{ accountId: 'a' }, /amount/],
      [{ accountId: 'a', amount: 1, extra: true }, /extra/i],
      [{ accountId: 'a', amount: '1' }, /amount/],
    ])('rejects invalid arguments %j without calling the tool', async (args, message) => {
      const env = setup();
      const seen = counterTool(env.tools);
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepTool({ toolName: 'transfer', arguments: args })).rejects.toThrow(message);
      await expect(run.stepTool({ toolName: 'transfer', arguments: args })).rejects.toBeInstanceOf(ValidationError);
      expect(seen).toHaveLength(0);
      expect(run.events()).toHaveLength(1);
    });

    it('raises CapabilityDeniedError when the tenant lacks the capability, without middleware', async () => {
      const env = setup();
      env.tools.register({ name: 'wire', arguments: z.strictObject({}), requiresCapability: 'finance:write', handler: async () => 'x' });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepTool({ toolName: 'wire', arguments: {} })).rejects.toBeInstanceOf(CapabilityDeniedError);
      expect(run.events()).toHaveLength(1);
    });
  });

  describe('when middleware rewrites tool arguments and results', () => {
    it('stores and sends the rewritten arguments and stores and returns the rewritten result', async () => {
      const redact: KernelMiddleware = {
        name: 'redact', priority: 0,
        prepareToolRequest: async (d) => ({ argumentsJson: d.argumentsJson.replace('secret', 'XXX') }),
        prepareToolResult: async (d) => d.resultJson.replace('secret', 'XXX'),
      };
      const env = setup({ middleware: [redact] });
      const seen: unknown[] = [];
      env.tools.register({ name: 'echo', arguments: z.strictObject({ text: z.string() }), handler: async (args) => { seen.push(args); return '{"text":"secret"}'; } });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const result = await run.stepTool({ toolName: 'echo', arguments: { text: 'my secret' } });
      expect(seen).toEqual([{ text: 'my XXX' }]);
      expect(result.resultJson).toBe('{"text":"XXX"}');
      const req = run.events().find((e) => e.eventType === 'tool_requested');
      expect(req?.eventType === 'tool_requested' && req.payload.argumentsJson).toBe('{"text":"my XXX"}');
    });
  });

  describe('when the model returns tool calls', () => {
    it('never executes them inside stepModel', async () => {
      const env = setup({ port: { output: { answer: 'x' }, toolCalls: [{ toolName: 'transfer', argumentsJson: '{"accountId":"a","amount":1}' }] } });
      const seen = counterTool(env.tools);
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      const result = await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: z.object({ answer: z.string() }) });
      expect(result.toolCalls).toHaveLength(1);
      expect(seen).toHaveLength(0);
      expect(types(run.events())).toEqual(['run_started', 'model_requested', 'model_terminal', 'run_summary']);
    });
  });
});
