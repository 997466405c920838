import type * as zc from 'zod/v4/core';
import type { ToolRegistry } from '../kernel/tool-registry.js';
import type { ChatMessage, ModelCallOptions, ModelToolCall, ModelUsage, ReplayPolicy, TenantContext } from '../models/index.js';

/** A model step requested by a harness. Exactly one of `prompt` / `messages`. */
export interface HarnessModelRequest<T> {
  readonly output: zc.$ZodType<T>;
  readonly prompt?: string;
  readonly messages?: readonly ChatMessage[];
  /** Defaults to the harness's model (or its draft / verify model for `runDraftModel` / `runVerifyModel`). */
  readonly model?: string;
  /** Defaults to an automatic key, stable across redeliveries of the same session. */
  readonly stepKey?: string;
  readonly visibleToolNames?: readonly string[];
  readonly options?: ModelCallOptions;
  readonly replayPolicy?: ReplayPolicy;
}

export interface ModelStepOutput<T> {
  readonly output: T;
  readonly usage: ModelUsage;
  readonly toolCalls: readonly ModelToolCall[];
  readonly replayed: boolean;
  readonly stepKey: string;
}

export interface ToolStepOutput {
  readonly resultJson: string;
  readonly replayed: boolean;
  readonly stepKey: string;
}

/** What the previous sessions left for this one (computed before this session writes anything). */
export interface Reorientation {
  readonly runCreated: boolean;
  readonly session: number;
  readonly latestSleep?: unknown;
  readonly latestSummary?: { readonly summaryType: string; readonly stepKey?: string; readonly summary: unknown };
}

/**
 * The API a harness step uses. Every call goes through the kernel, so it is recorded, replayed after a crash, and
 * subject to the middleware (PII, budgets, capabilities). Automatic step keys are `<harness>_s<session>_<prefix>_<n>`:
 * a redelivered session gets the same keys and replays; the next session gets new ones.
 */
export interface HarnessContext {
  readonly runId: string;
  readonly tenant: TenantContext;
  readonly harnessName: string;
  /** 1 for the first session of the run. */
  readonly session: number;
  /** The `start_run` input. */
  readonly input: Readonly<Record<string, unknown>>;
  readonly reorientation: Reorientation;
  runModel<T>(request: HarnessModelRequest<T>): Promise<ModelStepOutput<T>>;
  runDraftModel<T>(request: HarnessModelRequest<T>): Promise<ModelStepOutput<T>>;
  runVerifyModel<T>(request: HarnessModelRequest<T>): Promise<ModelStepOutput<T>>;
  runTool(toolName: string, args: unknown, options?: { stepKey?: string }): Promise<ToolStepOutput>;
  setArtifact(key: string, value: unknown): Promise<void>;
  getArtifact(key: string): Promise<unknown>;
  writeSummary(summaryType: string, value: unknown): Promise<void>;
  readSummary(summaryType: string): unknown;
  /**
   * Pauses the run and ends this session cleanly: no session runs until an operator resumes it
   * (`artana run resume <runId> --input …`); the next session reads the input with `readSummary('human_input')`.
   */
  pause(reason: string, context?: unknown): Promise<never>;
  /**
   * Advances a child run (`<runId>::child::<key>`, same tenant) by one session of `harness`, creating it on first
   * use; a child that already finished only reports its result.
   */
  runChild(key: string, harness: HarnessDefinition, input?: Readonly<Record<string, unknown>>): Promise<ChildOutcome>;
}

export interface ChildOutcome {
  readonly runId: string;
  readonly status: 'sleeping' | 'completed' | 'failed';
  readonly finished: boolean;
  readonly result?: unknown;
}

export interface StepOutcome {
  /** False when the run has nothing left to do: the worker stops re-enqueueing it and it completes. */
  readonly workRemaining: boolean;
  /** Recorded as the `harness_result` artifact when the run completes. */
  readonly result?: unknown;
}

/**
 * A harness: the discipline of a long-running job, one step per session. The worker runs, per message:
 * `initialize` (first session only) → `wake` → `step` → clean-state check → sleep.
 *
 * @example
 * const hello: HarnessDefinition = {
 *   name: 'hello',
 *   models: { default: 'demo-model' },
 *   async step(ctx) {
 *     const { output } = await ctx.runModel({ prompt: 'Say hi', output: z.object({ text: z.string() }) });
 *     await ctx.setArtifact('greeting', output.text);
 *     return { workRemaining: false, result: output };
 *   },
 * };
 */
export interface HarnessDefinition {
  readonly name: string;
  readonly models: { readonly default: string; readonly draft?: string; readonly verify?: string };
  /** Default replay policy of this harness's model steps (default `strict`). */
  readonly replayPolicy?: ReplayPolicy;
  initialize?(ctx: HarnessContext): Promise<void>;
  wake?(ctx: HarnessContext): Promise<void>;
  step(ctx: HarnessContext): Promise<StepOutcome>;
  /** Extra clean-state checks before sleep; throw `HarnessStateError` to refuse. */
  beforeSleep?(ctx: HarnessContext): Promise<void>;
  /** Registers the tools this harness uses on the kernel's registry (once, when the worker is built). */
  registerTools?(tools: ToolRegistry): void;
}
