import { runAfterModel, runBeforeModel, runOnModelError } from '../middleware/pipeline.js';
import { safeParse, toJSONSchema, type $ZodType, type output } from 'zod/v4/core';
import { KernelError, ModelPermanentError, ModelTimeoutError, ReplayConsistencyError } from '../errors.js';
import type { EventOf, KernelEvent, Meter, ModelRequest, ModelResult, ModelUsage } from '../models/index.js';
import type { RunFacts } from '../middleware/middleware-port.js';
import type { ModelPort } from './ports.js';
import type { SessionCore } from './session-core.js';
import { classifyModelFailure } from './model-failure.js';
import type { PreparedModelStep } from './model-prepare.js';

export interface CycleOutcome<T> {
  readonly terminal: EventOf<'model_terminal'>;
  readonly output: T;
}

/** Validates a model output against the step's schema (classic or mini zod 4). */
export function validateOutput<S extends $ZodType>(schema: S, value: unknown): { ok: true; data: output<S> } | { ok: false; error: string } {
  const result = safeParse(schema, value);
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, error: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

const jsonSchemas = new WeakMap<$ZodType, Record<string, unknown>>();

/** JSON Schema of an output schema, computed once per schema object. */
export function outputJsonSchema(schema: $ZodType): Record<string, unknown> {
  let json = jsonSchemas.get(schema);
  if (!json) {
    json = { ...toJSONSchema(schema, { unrepresentable: 'any' }) };
    jsonSchemas.set(schema, json);
  }
  return json;
}

const meterOf = (model: string, u: ModelUsage | undefined): Meter => ({
  model, costUsd: u?.costUsd ?? 0, promptTokens: u?.promptTokens ?? 0, completionTokens: u?.completionTokens ?? 0,
});

/** Calls the provider with a deadline; a timeout or the caller's abort rejects even if the port ignores the signal. */
async function callProvider(port: ModelPort, request: ModelRequest, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<ModelResult> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const timer = timeoutMs !== undefined ? setTimeout(() => controller.abort(new ModelTimeoutError(`Model call exceeded ${timeoutMs} ms.`)), timeoutMs) : undefined;
  const aborted = new Promise<never>((_r, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    return await Promise.race([port.complete({ ...request, signal: controller.signal }), aborted]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * One provider cycle for an already written `model_requested`: beforeModel hooks → provider → afterModel hooks →
 * output validation → exactly one `model_terminal` (completed, or classified failure, then the error is rethrown).
 */
export async function runModelCycle<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, request: EventOf<'model_requested'>,
): Promise<CycleOutcome<output<S>>> {
  const { clock, middleware, modelPort } = core.deps;
  const facts: RunFacts = { runId: core.runId, tenant: core.tenant, spendUsd: core.state.spendUsd, model: step.model, ...(step.stepKey !== undefined ? { stepKey: step.stepKey } : {}) };
  const started = clock.now().getTime();
  let result: ModelResult | undefined;
  let output: output<S>;
  let providerCalled = false;
  try {
    await runBeforeModel(middleware, facts);
    providerCalled = true;
    result = await callProvider(modelPort, modelRequest(core, step), step.timeoutMs, step.signal);
    await runAfterModel(middleware, facts, result.usage);
    const checked = validateOutput(step.outputSchema, result.output);
    if (!checked.ok) throw new ModelPermanentError(`Model output does not match the output schema: ${checked.error}`, { errorCategory: 'invalid_output' });
    output = checked.data;
  } catch (error) {
    await runOnModelError(middleware, facts, result?.usage, error);
    // An infrastructure failure before the provider was called (e.g. the tenant-budget reservation was throttled)
    // is not a model failure: leave the request open, so the retry reuses it and calls the provider.
    if (!providerCalled && !(error instanceof KernelError && error.disposition === 'domain')) throw error;
    const failure = classifyModelFailure(error, step.signal?.aborted === true);
    const elapsedMs = Math.max(0, clock.now().getTime() - started);
    await appendTerminal(core, step, request, { outcome: failure.outcome, elapsedMs, result, failure });
    throw error;
  }
  // Outside the try: a store failure here must not be recorded as a model failure (the request stays open).
  const elapsedMs = Math.max(0, clock.now().getTime() - started);
  const terminal = await appendTerminal(core, step, request, { outcome: 'completed', elapsedMs, result, outputJson: JSON.stringify(output) });
  return { terminal, output };
}

function modelRequest<S extends $ZodType>(core: SessionCore, step: PreparedModelStep<S>): ModelRequest {
  return {
    runId: core.runId, tenantId: core.tenant.tenantId, model: step.model, prompt: step.inputs.prompt,
    messages: step.inputs.messages, outputSchema: outputJsonSchema(step.outputSchema), allowedTools: step.allowedTools,
    options: step.options,
    validateOutput: (value) => { const r = validateOutput(step.outputSchema, value); return r.ok ? { ok: true } : r; },
  };
}

interface TerminalFacts {
  readonly outcome: EventOf<'model_terminal'>['payload']['outcome'];
  readonly elapsedMs: number;
  readonly result: ModelResult | undefined;
  readonly outputJson?: string;
  readonly failure?: ReturnType<typeof classifyModelFailure>;
}

async function appendTerminal<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, request: EventOf<'model_requested'>, t: TerminalFacts,
): Promise<EventOf<'model_terminal'>> {
  const r = t.result;
  const { outcome: _o, ...failure }: Partial<ReturnType<typeof classifyModelFailure>> = t.failure ?? {};
  const event: KernelEvent = await core.appendSettled({
    eventType: 'model_terminal',
    stepKey: step.stepKey,
    parentStepKey: step.parentStepKey,
    meter: meterOf(step.model, r?.usage),
    payload: {
      outcome: t.outcome, model: step.model, modelCycleId: request.payload.modelCycleId, sourceModelRequestedEventId: request.eventId,
      elapsedMs: Math.round(t.elapsedMs), toolCalls: r ? [...r.toolCalls] : [], ...failure,
      ...(t.outputJson !== undefined ? { outputJson: t.outputJson } : {}),
      ...(r ? { promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens, costUsd: r.usage.costUsd } : {}),
      ...(r?.apiModeUsed !== undefined ? { apiModeUsed: r.apiModeUsed } : {}),
      ...(r?.responseId !== undefined ? { responseId: r.responseId } : {}),
      ...(r?.providerRequestId !== undefined && failure.providerRequestId === undefined ? { providerRequestId: r.providerRequestId } : {}),
    },
  });
  if (event.eventType !== 'model_terminal') throw new ReplayConsistencyError('Appended terminal has the wrong type.');
  return event;
}
