import * as z from 'zod/mini';
import { ChatMessage } from './messages.js';
import type { ToolDefinition } from './tools.js';

export const ApiMode = z.enum(['auto', 'responses', 'chat']);
export const ReasoningEffort = z.enum(['low', 'medium', 'high', 'xhigh']);
export const Verbosity = z.enum(['low', 'medium', 'high']);

export const ModelCallOptions = z.object({
  apiMode: z.optional(ApiMode),
  reasoningEffort: z.optional(ReasoningEffort),
  verbosity: z.optional(Verbosity),
  previousResponseId: z.optional(z.string()),
  maxOutputTokens: z.optional(z.int().check(z.positive())),
  temperature: z.optional(z.number()),
});
export type ModelCallOptions = z.infer<typeof ModelCallOptions>;

export const ModelUsage = z.object({
  promptTokens: z.int().check(z.nonnegative()),
  completionTokens: z.int().check(z.nonnegative()),
  costUsd: z.number().check(z.nonnegative()),
});
export type ModelUsage = z.infer<typeof ModelUsage>;

export const ModelToolCall = z.object({
  toolName: z.string(),
  /** Canonical JSON object text. */
  argumentsJson: z.string(),
  toolCallId: z.optional(z.string()),
});
export type ModelToolCall = z.infer<typeof ModelToolCall>;

/** What the kernel sends to a `ModelPort`. */
export interface ModelRequest {
  readonly runId: string;
  readonly tenantId: string;
  readonly model: string;
  readonly prompt: string;
  readonly messages: readonly ChatMessage[];
  /** JSON Schema of the expected output object (from the step's zod schema). */
  readonly outputSchema: Readonly<Record<string, unknown>>;
  readonly allowedTools: readonly ToolDefinition[];
  readonly options: ModelCallOptions;
  /** Aborted when the step's deadline passes. */
  readonly signal?: AbortSignal;
  /**
   * Validates a candidate output against the step's zod schema. Providers that can ask the model again use it
   * for one repair attempt (reported as `repaired: true`); the kernel validates the final output regardless.
   */
  readonly validateOutput?: (output: unknown) => { ok: true } | { ok: false; error: string };
}

/** What a `ModelPort` returns. `output` is validated by the kernel against the step's schema. */
export interface ModelResult {
  readonly output: unknown;
  readonly usage: ModelUsage;
  readonly toolCalls: readonly ModelToolCall[];
  readonly apiModeUsed?: 'responses' | 'chat';
  readonly responseId?: string;
  readonly providerRequestId?: string;
  readonly httpStatus?: number;
  /** Provider calls made for this result (retries and repair included). */
  readonly attempts?: number;
  /** True when the first output was invalid and a repair attempt produced this one. */
  readonly repaired?: boolean;
  /** Wall-clock time spent in the provider, in ms. */
  readonly elapsedMs?: number;
}
