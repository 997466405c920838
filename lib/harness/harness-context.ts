import type { $ZodType } from 'zod/v4/core';
import { HarnessStateError, RunPausedError, ToolExecutionFailedError, ValidationError } from '../errors.js';
import type { RunSession } from '../kernel/index.js';
import type { ChildOutcome, HarnessContext, HarnessDefinition, HarnessModelRequest, ModelStepOutput, Reorientation, ToolStepOutput } from './harness.js';
import { SessionStepKeys } from './session-step-keys.js';

/** Summary type under which `artana run resume --input` records the human input a paused harness waits for. */
export const HUMAN_INPUT_SUMMARY = 'human_input';

export interface ContextOptions {
  readonly harness: HarnessDefinition;
  readonly session: number;
  readonly input: Readonly<Record<string, unknown>>;
  readonly reorientation: Reorientation;
  /** Timeout for the next provider call, asked per call (a session's later calls get what is left, not a fresh budget). */
  readonly modelTimeoutMs?: () => number;
  /** Opens or creates child runs (supervisors); absent where child runs are not supported. */
  readonly children?: ChildRunner;
}

/** Runs one session of a child harness on a child run (see `createChildRunner`). */
export type ChildRunner = (parent: RunSession, key: string, harness: HarnessDefinition, input: Readonly<Record<string, unknown>>) => Promise<ChildOutcome>;

/** Builds the `HarnessContext` of one session over a kernel `RunSession`. */
export function createHarnessContext(run: RunSession, o: ContextOptions): HarnessContext & { readonly keys: SessionStepKeys } {
  const keys = new SessionStepKeys(o.harness.name, o.session);
  const models = o.harness.models;

  async function model<T>(request: HarnessModelRequest<T>, fallbackModel: string): Promise<ModelStepOutput<T>> {
    if ((request.prompt === undefined) === (request.messages === undefined)) {
      throw new ValidationError('runModel takes exactly one of prompt or messages.');
    }
    const stepKey = request.stepKey ?? keys.next('model');
    const result = await run.stepModel({
      model: request.model ?? fallbackModel,
      input: request.messages !== undefined ? { messages: request.messages } : { prompt: request.prompt ?? '' },
      outputSchema: request.output as $ZodType<T>,
      stepKey,
      parentStepKey: keys.parent,
      // A transient failure recorded by a crashed or timed-out attempt is retried on redelivery, not replayed.
      retryFailedStep: true,
      replayPolicy: request.replayPolicy ?? o.harness.replayPolicy ?? 'strict',
      ...(request.visibleToolNames ? { visibleToolNames: request.visibleToolNames } : {}),
      ...(request.options ? { options: request.options } : {}),
      ...(o.modelTimeoutMs !== undefined ? { timeoutMs: o.modelTimeoutMs() } : {}),
    });
    return { output: result.output, usage: result.usage, toolCalls: result.toolCalls, replayed: result.replayed, stepKey };
  }

  return {
    keys,
    runId: run.runId,
    tenant: run.tenant,
    harnessName: o.harness.name,
    session: o.session,
    input: o.input,
    reorientation: o.reorientation,
    runModel: (r) => model(r, models.default),
    runDraftModel: (r) => model(r, models.draft ?? models.default),
    runVerifyModel: (r) => model(r, models.verify ?? models.default),
    async runTool(toolName, args, options = {}): Promise<ToolStepOutput> {
      return runToolWithRecovery(run, toolName, args, options.stepKey ?? keys.next(`tool_${toolName}`), keys.parent);
    },
    async setArtifact(key, value) {
      await run.setArtifact(key, value, { stepKey: keys.next(`artifact_${key}`), parentStepKey: keys.parent });
    },
    async getArtifact(key) {
      return run.getArtifact(key);
    },
    async writeSummary(summaryType, value) {
      await run.appendSummary(summaryType, value, { stepKey: keys.next(`summary_${summaryType}`), parentStepKey: keys.parent });
    },
    readSummary: (summaryType) => run.latestSummary(summaryType),
    async pause(reason, context) {
      await run.pause(reason, { stepKey: keys.next('pause'), parentStepKey: keys.parent, ...(context !== undefined ? { context } : {}) });
      throw new RunPausedError(`Run ${run.runId} paused: ${reason}`, { runId: run.runId });
    },
    async runChild(key, harness, input = {}) {
      if (!o.children) throw new HarnessStateError('This runtime does not run child harnesses.', { runId: run.runId });
      return o.children(run, key, harness, input);
    },
  };
}

/** Attempts of a tool step whose outcome was `transient_error` (each attempt has its own step key). */
export const TOOL_ATTEMPTS = 3;

/**
 * A tool step with the recovery the ledger makes safe:
 * - an unknown outcome (the process died after the call, or the tool's result was lost) is reconciled by
 *   re-invoking the tool with the ORIGINAL idempotency key, which a side-effect tool must honour;
 * - a transient failure is retried under a new step key (`<key>_retry_<n>`), at most `TOOL_ATTEMPTS` times; the
 *   attempts are deterministic, so a redelivered session walks the same keys and replays what was recorded.
 */
async function runToolWithRecovery(run: RunSession, toolName: string, args: unknown, baseKey: string, parentStepKey: string): Promise<ToolStepOutput> {
  for (let attempt = 1; ; attempt += 1) {
    const stepKey = attempt === 1 ? baseKey : `${baseKey}_retry_${attempt}`;
    const request = { toolName, arguments: args, stepKey, parentStepKey };
    try {
      const result = await run.stepTool(request);
      return { resultJson: result.resultJson, replayed: result.replayed, stepKey };
    } catch (error) {
      if (!(error instanceof ToolExecutionFailedError)) throw error;
      const outcome = error.details['outcome'];
      if (outcome === undefined || outcome === 'unknown_outcome') {
        const result = await run.reconcileTool(request);
        return { resultJson: result.resultJson, replayed: result.replayed, stepKey };
      }
      if (outcome !== 'transient_error' || attempt >= TOOL_ATTEMPTS) throw error;
    }
  }
}
