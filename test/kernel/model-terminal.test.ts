import { describe, expect, it } from 'vitest';
import { ModelPermanentError, ModelTimeoutError, ModelTransientError, ReplayConsistencyError } from '../../lib/errors.js';
import { Answer, setup, tenant, types } from './helpers.js';

describe('model_terminal events', () => {
  describe('when the provider succeeds', () => {
    it('writes exactly one request and one completed terminal linked by the request id', async () => {
      const { kernel } = setup({ port: { output: { answer: 'a' }, usage: { promptTokens: 5, completionTokens: 7, costUsd: 0.02 } } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' });
      const req = run.events().filter((e) => e.eventType === 'model_requested');
      const term = run.events().filter((e) => e.eventType === 'model_terminal');
      expect(req).toHaveLength(1);
      expect(term).toHaveLength(1);
      const t = term[0]!;
      if (t.eventType !== 'model_terminal') throw new Error('unexpected');
      expect(t.payload.sourceModelRequestedEventId).toBe(req[0]!.eventId);
      expect(t.payload.outcome).toBe('completed');
      expect(t.meter).toEqual({ model: 'm', costUsd: 0.02, promptTokens: 5, completionTokens: 7 });
      expect(run.getRunStatus().spendUsd).toBeCloseTo(0.02);
    });
  });

  describe('when the provider times out', () => {
    it('records a timeout terminal, fails the run and replays the failure without calling the provider', async () => {
      const { kernel, port } = setup({ port: { output: { answer: 'a' }, timeouts: [1] } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's', timeoutMs: 5 }))
        .rejects.toBeInstanceOf(ModelTimeoutError);
      const status = run.getRunStatus();
      expect(status.status).toBe('failed');
      expect(status.lastEventType).toBe('model_terminal');
      const terminal = run.events().at(-1);
      expect(terminal?.eventType === 'model_terminal' && terminal.payload.outcome).toBe('timeout');
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' }))
        .rejects.toThrow(/Replayed model terminal outcome=timeout/);
      expect(port.calls).toBe(1);
    });
  });

  describe('when the provider fails', () => {
    it.each([
      [new ModelTransientError('busy'), 'transient', ModelTransientError],
      [new ModelPermanentError('bad'), 'permanent', ModelPermanentError],
      [new ModelTransientError('rate', { httpStatus: 429 }), 'transient', ModelTransientError],
      [Object.assign(new Error('bad request'), { status: 400 }), 'provider_4xx', ModelPermanentError],
      [new ModelTransientError('retried', { httpStatus: 503, errorCategory: 'timeout' }), 'timeout', ModelTimeoutError],
      [Object.assign(new Error('boom'), { status: 503 }), 'provider_5xx', ModelTransientError],
      [Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'network', ModelTransientError],
    ])('records category %s and maps the replay back to a typed error when it is %s', async (error, category, replayType) => {
      const { kernel, port } = setup({ port: { output: { answer: 'a' }, failures: { 1: error } } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' })).rejects.toBe(error);
      const terminal = run.events().at(-1);
      expect(terminal?.eventType === 'model_terminal' && terminal.payload.errorCategory).toBe(category);
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' })).rejects.toBeInstanceOf(replayType);
      expect(port.calls).toBe(1);
    });

    it('records invalid_output when the output does not match the schema', async () => {
      const { kernel } = setup({ port: { output: { wrong: 1 } } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer })).rejects.toBeInstanceOf(ModelPermanentError);
      const terminal = run.events().at(-1);
      expect(terminal?.eventType === 'model_terminal' && terminal.payload.errorCategory).toBe('invalid_output');
    });

    it('starts a new cycle with its own request when retryFailedStep is set', async () => {
      const { kernel, port } = setup({ port: { output: { answer: 'a' }, failures: { 1: new ModelTransientError('busy') } } });
      const run = await kernel.startRun(tenant(), { runId: 'r1' });
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' })).rejects.toThrow();
      const ok = await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's', retryFailedStep: true });
      expect(ok.replayed).toBe(false);
      expect(port.calls).toBe(2);
      const events = run.events();
      const requests = events.filter((e) => e.eventType === 'model_requested');
      const terminals = events.filter((e) => e.eventType === 'model_terminal');
      expect(requests).toHaveLength(2);
      const cycleIds = requests.map((r) => (r.eventType === 'model_requested' ? r.payload.modelCycleId : ''));
      expect(new Set(cycleIds).size).toBe(2);
      terminals.forEach((t, i) => expect(t.eventType === 'model_terminal' && t.payload.sourceModelRequestedEventId).toBe(requests[i]!.eventId));
      expect(run.getRunStatus().status).toBe('active');
    });
  });

  describe('when a crash left a request without terminal', () => {
    it('reuses the request and calls the provider again', async () => {
      const env = setup({ port: { output: { answer: 'a' }, failures: { 1: new Error('crash') } } });
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      // Simulate the crash: the terminal write is lost by removing it from a copy of the ledger.
      await expect(run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' })).rejects.toThrow('crash');
      const records = await env.store.loadEvents('tenant_a', 'r1');
      const crashed = setup({ port: { output: { answer: 'b' } } });
      await crashed.store.createRun({ runId: 'r1', tenantId: 'tenant_a', createdAt: '2026-01-01T00:00:00Z' });
      await crashed.store.append('tenant_a', 'r1', records.slice(0, 2));
      const reopened = await crashed.kernel.openRun(tenant(), 'r1');
      const result = await reopened.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' });
      expect(result.output).toEqual({ answer: 'b' });
      expect(crashed.port.calls).toBe(1);
      const events = await crashed.kernel.loadEvents(tenant(), 'r1');
      expect(types(events)).toEqual(['run_started', 'model_requested', 'model_terminal', 'run_summary']);
      const terminal = events[2];
      expect(terminal?.eventType === 'model_terminal' && terminal.payload.sourceModelRequestedEventId).toBe(events[1]!.eventId);
    });
  });

  describe('when a completed terminal lacks usage', () => {
    it('refuses to replay it', async () => {
      const env = setup();
      const run = await env.kernel.startRun(tenant(), { runId: 'r1' });
      await run.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' });
      // Same seq, rewritten payload: valid chain (re-encoded by the kernel codec), missing usage.
      const { encodeRecord } = await import('../../lib/kernel/index.js');
      const { PlaintextCipher } = await import('../../lib/crypto/index.js');
      const events = await env.kernel.loadEvents(tenant(), 'r1');
      const copy = setup();
      await copy.store.createRun({ runId: 'r1', tenantId: 'tenant_a', createdAt: '2026-01-01T00:00:00Z' });
      const records = [];
      let prevHash: string | undefined;
      for (const e of events.slice(0, 3)) {
        const payload = e.eventType === 'model_terminal' ? { ...e.payload, costUsd: undefined } : e.payload;
        const { record } = await encodeRecord(new PlaintextCipher(), { ...e, prevHash }, { eventType: e.eventType, payload, stepKey: e.stepKey });
        records.push(record);
        prevHash = record.hash;
      }
      await copy.store.append('tenant_a', 'r1', records);
      const reopened = await copy.kernel.openRun(tenant(), 'r1');
      await expect(reopened.stepModel({ model: 'm', input: { prompt: 'p' }, outputSchema: Answer, stepKey: 's' })).rejects.toBeInstanceOf(ReplayConsistencyError);
      expect(copy.port.calls).toBe(0);
    });
  });
});
