import * as z from 'zod/mini';
import { ChatMessage } from './messages.js';
import { ApiMode, ModelToolCall, ReasoningEffort, Verbosity } from './model-io.js';
import { ToolOutcome, ToolSignature } from './tools.js';

const nonNegInt = () => z.int().check(z.nonnegative());
const nonNegNum = () => z.number().check(z.nonnegative());

export const ContextVersion = z.object({
  systemPromptHash: z.optional(z.string()),
  contextBuilderVersion: z.optional(z.string()),
  compactionVersion: z.optional(z.string()),
});
export type ContextVersion = z.infer<typeof ContextVersion>;

export const ModelOutcome = z.enum(['completed', 'failed', 'timeout', 'cancelled', 'abandoned']);
export type ModelOutcome = z.infer<typeof ModelOutcome>;

export const ErrorCategory = z.enum([
  'cancelled', 'timeout', 'provider_4xx', 'provider_5xx', 'transient', 'permanent', 'network',
  'internal', 'abandoned', 'budget', 'invalid_output',
]);
export type ErrorCategory = z.infer<typeof ErrorCategory>;

export const ReplayPolicy = z.enum(['strict', 'allow_prompt_drift', 'fork_on_drift']);
export type ReplayPolicy = z.infer<typeof ReplayPolicy>;

/** Payload schemas keyed by event type. Names of event types are the reference's; never rename. */
export const PayloadSchemas = {
  run_started: z.object({
    harness: z.optional(z.string()),
    input: z.optional(z.unknown()),
    forkedFromRunId: z.optional(z.string()),
    parentRunId: z.optional(z.string()),
  }),
  resume_requested: z.object({ humanInputJson: z.optional(z.string()) }),
  harness_initialized: z.object({ harnessName: z.optional(z.string()), model: z.optional(z.string()) }),
  harness_wake: z.object({ runCreated: z.boolean(), reason: z.optional(z.enum(['initializing', 'resuming'])), session: z.optional(nonNegInt()) }),
  harness_sleep: z.object({
    status: z.enum(['completed', 'failed', 'sleeping']),
    executionErrorType: z.optional(z.string()),
    sleepErrorType: z.optional(z.string()),
    workRemaining: z.optional(z.boolean()),
  }),
  harness_failed: z.object({ errorType: z.string(), message: z.string(), lastStepKey: z.optional(z.string()) }),
  harness_stage: z.object({ stage: z.string(), round: z.optional(nonNegInt()), claimsCount: z.optional(nonNegInt()) }),
  model_requested: z.object({
    model: z.string(),
    prompt: z.string(),
    messages: z.array(ChatMessage),
    apiMode: ApiMode,
    reasoningEffort: z.optional(ReasoningEffort),
    verbosity: z.optional(Verbosity),
    previousResponseId: z.optional(z.string()),
    allowedTools: z.array(z.string()),
    allowedToolSignatures: z.array(ToolSignature),
    allowedToolsHash: z.string(),
    modelCycleId: z.string(),
    contextVersion: z.optional(ContextVersion),
  }),
  model_terminal: z.object({
    outcome: ModelOutcome,
    model: z.string(),
    modelCycleId: z.string(),
    sourceModelRequestedEventId: z.string(),
    failureReason: z.optional(z.string()),
    errorCategory: z.optional(ErrorCategory),
    errorClass: z.optional(z.string()),
    httpStatus: z.optional(z.int()),
    providerRequestId: z.optional(z.string()),
    elapsedMs: nonNegInt(),
    diagnosticsJson: z.optional(z.string()),
    outputJson: z.optional(z.string()),
    promptTokens: z.optional(nonNegInt()),
    completionTokens: z.optional(nonNegInt()),
    costUsd: z.optional(nonNegNum()),
    toolCalls: z.array(ModelToolCall),
    apiModeUsed: z.optional(z.enum(['responses', 'chat'])),
    responseId: z.optional(z.string()),
  }),
  replayed_with_drift: z.object({
    model: z.string(),
    driftFields: z.array(z.string()),
    sourceModelRequestedEventId: z.string(),
    sourceModelTerminalSeq: z.optional(nonNegInt()),
    replayPolicy: z.enum(['allow_prompt_drift', 'fork_on_drift']),
    forkRunId: z.optional(z.string()),
  }),
  tool_requested: z.object({
    toolName: z.string(),
    argumentsJson: z.string(),
    /** Derived from this event's committed seq: sha256(`${runId}:${toolName}:${seq}`). */
    idempotencyKey: z.string(),
    toolVersion: z.string(),
    schemaVersion: z.string(),
    semanticIdempotencyKey: z.optional(z.string()),
    intentId: z.optional(z.string()),
    amountUsd: z.optional(nonNegNum()),
  }),
  tool_completed: z.object({
    toolName: z.string(),
    resultJson: z.string(),
    outcome: ToolOutcome,
    /** eventId of the matching `tool_requested`. */
    requestId: z.string(),
    receivedIdempotencyKey: z.optional(z.string()),
    effectId: z.optional(z.string()),
    errorMessage: z.optional(z.string()),
  }),
  pause_requested: z.object({ reason: z.string(), contextJson: z.optional(z.string()) }),
  run_summary: z.object({ summaryType: z.string().check(z.minLength(1)), summaryJson: z.string() }),
  workflow_step_requested: z.object({ stepIndex: nonNegInt(), stepName: z.string() }),
  workflow_step_completed: z.object({ stepIndex: nonNegInt(), stepName: z.string(), resultJson: z.string() }),
  /** New in Artana for AWS: the run ended and its head hash was signed. */
  ledger_sealed: z.object({ headHash: z.string(), keyId: z.optional(z.string()), signature: z.optional(z.string()), algorithm: z.optional(z.string()) }),
} as const;

export type EventType = keyof typeof PayloadSchemas;
export const EVENT_TYPES = Object.keys(PayloadSchemas) as EventType[];
export const EventTypeSchema = z.enum(EVENT_TYPES as [EventType, ...EventType[]]);
export type PayloadOf<T extends EventType> = z.infer<(typeof PayloadSchemas)[T]>;

/** Fields every event has, whether its payload is decrypted or not. */
export const EnvelopeFields = z.object({
  eventId: z.string().check(z.minLength(1)),
  runId: z.string().check(z.minLength(1)),
  tenantId: z.string().check(z.minLength(1)),
  seq: z.int().check(z.positive()),
  eventType: EventTypeSchema,
  /** ISO 8601 UTC with millisecond precision, from the kernel's clock. */
  timestamp: z.string(),
  stepKey: z.optional(z.string()),
  parentStepKey: z.optional(z.string()),
  /** Hash of the previous event of the run; absent for seq 1. */
  prevHash: z.optional(z.string()),
});
export type EnvelopeFields = z.infer<typeof EnvelopeFields>;

/**
 * Metering attributes kept in clear beside the (encrypted) payload of `model_terminal` events so that
 * DynamoDB exports can be queried for cost without any key. Covered by the hash chain.
 */
export const Meter = z.object({
  model: z.string(),
  costUsd: nonNegNum(),
  promptTokens: nonNegInt(),
  completionTokens: nonNegInt(),
});
export type Meter = z.infer<typeof Meter>;

/** A decoded event: envelope plus its typed, decrypted payload. */
export type KernelEvent = {
  [K in EventType]: EnvelopeFields & { eventType: K; payload: PayloadOf<K>; hash: string; meter?: Meter };
}[EventType];

export type EventOf<K extends EventType> = Extract<KernelEvent, { eventType: K }>;

export const parsePayload = <K extends EventType>(type: K, value: unknown): PayloadOf<K> => {
  const schema: z.ZodMiniType = PayloadSchemas[type];
  return schema.parse(value) as PayloadOf<K>;
};
