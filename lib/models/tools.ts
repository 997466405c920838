import * as z from 'zod/mini';

export const RiskLevel = z.enum(['low', 'medium', 'high', 'critical']);
export type RiskLevel = z.infer<typeof RiskLevel>;

/** What a model and the replay matcher see of a tool. */
export const ToolDefinition = z.object({
  name: z.string(),
  description: z.string(),
  /** Canonical JSON of the tool's JSON Schema. */
  argumentsSchemaJson: z.string(),
  toolVersion: z.string(),
  schemaVersion: z.string(),
  /** sha256 hex of `argumentsSchemaJson`. */
  schemaHash: z.string(),
  riskLevel: RiskLevel,
  sandboxProfile: z.optional(z.string()),
  requiresCapability: z.optional(z.string()),
  sideEffect: z.boolean(),
});
export type ToolDefinition = z.infer<typeof ToolDefinition>;

export const ToolSignature = z.object({
  name: z.string(),
  toolVersion: z.string(),
  schemaVersion: z.string(),
  schemaHash: z.string(),
});
export type ToolSignature = z.infer<typeof ToolSignature>;

export const ToolOutcome = z.enum(['success', 'transient_error', 'permanent_error', 'unknown_outcome']);
export type ToolOutcome = z.infer<typeof ToolOutcome>;

/** Passed to every tool that declares it wants it; required for side-effect tools. */
export interface ToolExecutionContext {
  readonly runId: string;
  readonly tenantId: string;
  /** Derived from the committed seq of the `tool_requested` event: stable across retries and reconciliation. */
  readonly idempotencyKey: string;
  readonly requestEventId: string;
  readonly toolVersion: string;
  readonly schemaVersion: string;
  readonly tenantCapabilities: readonly string[];
  readonly tenantBudgetUsdLimit: number;
}

export interface ToolExecutionResult {
  outcome: ToolOutcome;
  resultJson: string;
  receivedIdempotencyKey?: string;
  effectId?: string;
  errorMessage?: string;
}
