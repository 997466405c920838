import type { ChatMessage, ModelCallOptions, ModelUsage, TenantContext, ToolDefinition } from '../models/index.js';

/** What a model step is about to send; `prepareModel` hooks may rewrite it (its output is what replay matches). */
export interface ModelInvocation {
  readonly runId: string;
  readonly tenant: TenantContext;
  readonly model: string;
  readonly prompt: string;
  readonly messages: readonly ChatMessage[];
  readonly options: ModelCallOptions;
  readonly allowedTools: readonly ToolDefinition[];
  readonly stepKey?: string;
}

/** The run facts a middleware may consult, from the kernel's loaded run state (no extra store reads). */
export interface RunFacts {
  readonly runId: string;
  readonly tenant: TenantContext;
  /** Sum of `costUsd` of the run's `model_terminal` events so far. */
  readonly spendUsd: number;
  readonly stepKey?: string;
  readonly model: string;
}

export interface ToolRequestDraft {
  readonly runId: string;
  readonly tenant: TenantContext;
  readonly toolName: string;
  readonly argumentsJson: string;
  readonly stepKey?: string;
}

export interface PreparedToolRequest {
  readonly argumentsJson: string;
  readonly semanticIdempotencyKey?: string;
  readonly intentId?: string;
  readonly amountUsd?: number;
}

export interface ToolResultDraft {
  readonly runId: string;
  readonly tenant: TenantContext;
  readonly toolName: string;
  readonly resultJson: string;
}

/**
 * A policy hook set. Order is fixed by `priority` (0 PII scrubber, 1 quota, 2 capability guard, 3 safety, 4 other),
 * whatever the order supplied. Hooks are optional.
 *
 * - `prepareModel` runs on every model step, replays included (its output is what replay matches).
 * - `beforeModel` / `afterModel` / `onModelError` run only when the provider is actually called; a throw aborts
 *   the cycle and is recorded in `model_terminal`.
 * - `prepareToolRequest` / `prepareToolResult` run before anything is stored or sent.
 *
 * @example
 * const audit: KernelMiddleware = { name: 'audit', priority: 4, afterModel: async (run, usage) => log(run.runId, usage) };
 */
export interface KernelMiddleware {
  readonly name: string;
  readonly priority: number;
  prepareModel?(invocation: ModelInvocation): Promise<ModelInvocation>;
  beforeModel?(run: RunFacts): Promise<void>;
  afterModel?(run: RunFacts, usage: ModelUsage): Promise<void>;
  /** The provider call (or a later hook) failed; release anything reserved in `beforeModel`. */
  onModelError?(run: RunFacts, usage: ModelUsage | undefined, error: unknown): Promise<void>;
  prepareToolRequest?(draft: ToolRequestDraft): Promise<PreparedToolRequest>;
  prepareToolResult?(draft: ToolResultDraft): Promise<string>;
}
