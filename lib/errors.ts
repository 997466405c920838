/**
 * The error hierarchy. Every error the system raises on purpose is a `KernelError` with a
 * literal `name` (stable under minification), a machine-readable `code`, and a
 * `disposition` that tells the runtime what to do with the message that caused it:
 *
 * - `domain`   — a business outcome (policy denied, budget exceeded): recorded, message acknowledged.
 * - `conflict` — another writer won a race: reload, re-decide (bounded).
 * - `retry`    — transient infrastructure failure: let SQS redeliver with back-off.
 * - `poison`   — the input can never succeed (malformed message, unknown harness): acknowledge, log, never retry.
 * - `fail-run` — the run itself is broken (replay inconsistency, tampered ledger): mark it failed.
 */
export type Disposition = 'domain' | 'conflict' | 'retry' | 'poison' | 'fail-run';

export abstract class KernelError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
  abstract readonly disposition: Disposition;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

export const isKernelError = (e: unknown): e is KernelError => e instanceof KernelError;

// ---- input / contract -------------------------------------------------------------------------

export class ValidationError extends KernelError {
  readonly name = 'ValidationError';
  readonly code = 'validation_failed';
  readonly disposition = 'poison';
}

export class InvalidMessageError extends KernelError {
  readonly name = 'InvalidMessageError';
  readonly code = 'invalid_message';
  readonly disposition = 'poison';
}

export class UnknownHarnessError extends KernelError {
  readonly name = 'UnknownHarnessError';
  readonly code = 'unknown_harness';
  readonly disposition = 'poison';
}

export class UnknownTenantError extends KernelError {
  readonly name = 'UnknownTenantError';
  readonly code = 'unknown_tenant';
  readonly disposition = 'poison';
}

export class TenantDisabledError extends KernelError {
  readonly name = 'TenantDisabledError';
  readonly code = 'tenant_disabled';
  readonly disposition = 'poison';
}

export class PayloadTooLargeError extends KernelError {
  readonly name = 'PayloadTooLargeError';
  readonly code = 'payload_too_large';
  readonly disposition = 'poison';
}

// ---- runs / store -----------------------------------------------------------------------------

export class RunNotFoundError extends KernelError {
  readonly name = 'RunNotFoundError';
  readonly code = 'run_not_found';
  readonly disposition = 'poison';
}

export class RunAlreadyExistsError extends KernelError {
  readonly name = 'RunAlreadyExistsError';
  readonly code = 'run_already_exists';
  readonly disposition = 'domain';
}

/** A read or write named a tenant that does not own the run. Never reveals the owner. */
export class TenantMismatchError extends KernelError {
  readonly name = 'TenantMismatchError';
  readonly code = 'tenant_mismatch';
  readonly disposition = 'poison';
}

/** The conditional append lost: another writer already wrote this seq. */
export class AppendConflictError extends KernelError {
  readonly name = 'AppendConflictError';
  readonly code = 'append_conflict';
  readonly disposition = 'conflict';
}

export class LeaseHeldError extends KernelError {
  readonly name = 'LeaseHeldError';
  readonly code = 'lease_held';
  readonly disposition = 'retry';
}

/** Throttling, 5xx, timeouts of a dependency. */
export class DependencyUnavailableError extends KernelError {
  readonly name = 'DependencyUnavailableError';
  readonly code = 'dependency_unavailable';
  readonly disposition = 'retry';
}

export class LedgerIntegrityError extends KernelError {
  readonly name = 'LedgerIntegrityError';
  readonly code = 'ledger_integrity';
  readonly disposition = 'fail-run';
}

export class DecryptionError extends KernelError {
  readonly name = 'DecryptionError';
  readonly code = 'decryption_failed';
  readonly disposition = 'fail-run';
}

export class ConfigurationError extends KernelError {
  readonly name = 'ConfigurationError';
  readonly code = 'configuration';
  readonly disposition = 'poison';
}

// ---- kernel semantics -------------------------------------------------------------------------

export class ReplayConsistencyError extends KernelError {
  readonly name = 'ReplayConsistencyError';
  readonly code = 'replay_inconsistent';
  readonly disposition = 'fail-run';
}

export class CapabilityDeniedError extends KernelError {
  readonly name = 'CapabilityDeniedError';
  readonly code = 'capability_denied';
  readonly disposition = 'domain';
}

export class PolicyViolationError extends KernelError {
  readonly name = 'PolicyViolationError';
  readonly code = 'policy_violation';
  readonly disposition = 'domain';
}

export class BudgetExceededError extends KernelError {
  readonly name = 'BudgetExceededError';
  readonly code = 'budget_exceeded';
  readonly disposition = 'domain';
}

/** The run is paused or blocked: new steps are refused until it is resumed. */
export class RunPausedError extends KernelError {
  readonly name = 'RunPausedError';
  readonly code = 'run_paused';
  readonly disposition = 'domain';
}

export class ToolExecutionFailedError extends KernelError {
  readonly name = 'ToolExecutionFailedError';
  readonly code = 'tool_failed';
  readonly disposition = 'domain';
}

export class UnknownToolError extends KernelError {
  readonly name = 'UnknownToolError';
  readonly code = 'unknown_tool';
  readonly disposition = 'domain';
}

export class HarnessStateError extends KernelError {
  readonly name = 'HarnessStateError';
  readonly code = 'harness_state';
  readonly disposition = 'fail-run';
}

export class TaskProgressValidationError extends KernelError {
  readonly name = 'TaskProgressValidationError';
  readonly code = 'task_progress_invalid';
  readonly disposition = 'fail-run';
}

// ---- model failures (taxonomy of model_terminal outcomes) -------------------------------------

export class ModelTimeoutError extends KernelError {
  readonly name = 'ModelTimeoutError';
  readonly code = 'model_timeout';
  readonly disposition = 'retry';
}

export class ModelTransientError extends KernelError {
  readonly name = 'ModelTransientError';
  readonly code = 'model_transient';
  readonly disposition = 'retry';
}

export class ModelPermanentError extends KernelError {
  readonly name = 'ModelPermanentError';
  readonly code = 'model_permanent';
  readonly disposition = 'fail-run';
}

/** A replayed model cycle ended with a failure that maps to no specific model error. */
export class ModelFailedError extends KernelError {
  readonly name = 'ModelFailedError';
  readonly code = 'model_failed';
  readonly disposition = 'fail-run';
}

// ---- tool failures raised by tool implementations ---------------------------------------------

export class ToolTransientError extends KernelError {
  readonly name = 'ToolTransientError';
  readonly code = 'tool_transient';
  readonly disposition = 'retry';
}

export class ToolPermanentError extends KernelError {
  readonly name = 'ToolPermanentError';
  readonly code = 'tool_permanent';
  readonly disposition = 'domain';
}

export class ToolUnknownOutcomeError extends KernelError {
  readonly name = 'ToolUnknownOutcomeError';
  readonly code = 'tool_unknown_outcome';
  readonly disposition = 'domain';
}
