import type { $ZodType } from 'zod/v4/core';
import type { ContextVersion, ModelCallOptions, ReplayPolicy, ToolDefinition, ToolSignature } from '../models/index.js';
import type { ModelInvocation } from '../middleware/middleware-port.js';
import type { SessionCore } from './session-core.js';
import { runPrepareModel } from '../middleware/pipeline.js';
import { normalizeModelInput, toolSignatures, type ModelInput } from './model-input.js';
import type { ModelStepInputs } from './step-index.js';

/** Arguments of `stepModel`. */
export interface StepModelRequest<S extends $ZodType> {
  readonly model: string;
  readonly input: ModelInput;
  /** Any zod 4 schema (classic or mini); the output is validated against it, fresh and on replay. */
  readonly outputSchema: S;
  readonly stepKey?: string;
  readonly parentStepKey?: string;
  /** Restricts the registered tools offered to the model (before middleware). */
  readonly visibleToolNames?: readonly string[];
  readonly options?: ModelCallOptions;
  /** `strict` (default), `allow_prompt_drift` or `fork_on_drift` (K-5..K-7). */
  readonly replayPolicy?: ReplayPolicy;
  readonly contextVersion?: ContextVersion;
  /** Re-execute a step whose recorded terminal failed instead of replaying the failure. */
  readonly retryFailedStep?: boolean;
  /** Deadline of the provider call; on expiry the cycle ends with a `timeout` terminal. */
  readonly timeoutMs?: number;
  /** Aborting cancels the provider call (`cancelled` terminal). */
  readonly signal?: AbortSignal;
}

/** A model step after input normalization and `prepareModel` middleware: what replay compares and the provider sees. */
export interface PreparedModelStep<S extends $ZodType> {
  readonly model: string;
  readonly outputSchema: S;
  readonly stepKey?: string | undefined;
  readonly parentStepKey?: string | undefined;
  readonly inputs: ModelStepInputs;
  readonly options: ModelCallOptions;
  readonly allowedTools: readonly ToolDefinition[];
  readonly signatures: ToolSignature[];
  readonly signaturesHash: string;
  readonly visibleToolNames?: readonly string[] | undefined;
  readonly replayPolicy: ReplayPolicy;
  readonly contextVersion?: ContextVersion | undefined;
  readonly retryFailedStep: boolean;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/** K-4 steps 2–6: normalize, filter tools by visibility, run every `prepareModel` hook (replays included), sign tools. */
export async function prepareModelStep<S extends $ZodType>(core: SessionCore, req: StepModelRequest<S>): Promise<PreparedModelStep<S>> {
  const { prompt, messages } = normalizeModelInput(req.input);
  const visible = req.visibleToolNames;
  const tools = core.deps.tools.definitions().filter((t) => !visible || visible.includes(t.name));
  let invocation: ModelInvocation = {
    runId: core.runId, tenant: core.tenant, model: req.model, prompt, messages, options: req.options ?? {}, allowedTools: tools,
    ...(req.stepKey !== undefined ? { stepKey: req.stepKey } : {}),
  };
  invocation = await runPrepareModel(core.deps.middleware, invocation);
  const { signatures, hash } = toolSignatures(invocation.allowedTools);
  const o = invocation.options;
  return {
    model: req.model, outputSchema: req.outputSchema, stepKey: req.stepKey, parentStepKey: req.parentStepKey,
    inputs: {
      prompt: invocation.prompt, messages: [...invocation.messages], apiMode: o.apiMode ?? 'auto',
      ...(o.reasoningEffort !== undefined ? { reasoningEffort: o.reasoningEffort } : {}),
      ...(o.verbosity !== undefined ? { verbosity: o.verbosity } : {}),
      ...(o.previousResponseId !== undefined ? { previousResponseId: o.previousResponseId } : {}),
    },
    options: o, allowedTools: invocation.allowedTools, signatures, signaturesHash: hash, visibleToolNames: visible,
    replayPolicy: req.replayPolicy ?? 'strict', contextVersion: req.contextVersion, retryFailedStep: req.retryFailedStep ?? false,
    timeoutMs: req.timeoutMs, signal: req.signal,
  };
}
