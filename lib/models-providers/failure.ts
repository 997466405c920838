import { ModelPermanentError, ModelTimeoutError, ModelTransientError } from '../errors.js';
import type { KernelError } from '../errors.js';

/** `details.errorCategory` of a model error raised by a provider port (see docs/models.md). */
export type ErrorCategory =
  | 'timeout'
  | 'provider_4xx'
  | 'provider_5xx'
  | 'transient'
  | 'permanent'
  | 'network'
  | 'invalid_output';

/** What the retry loop does with a failure: retry `timeout`/`transient` (bounded), stop on `permanent`. */
export type FailureKind = 'timeout' | 'transient' | 'permanent';

export interface FailureInfo {
  readonly kind: FailureKind;
  readonly category: ErrorCategory;
  readonly message: string;
  readonly httpStatus?: number;
  readonly providerRequestId?: string;
  /** Server-requested delay before the next attempt (HTTP `Retry-After`). */
  readonly retryAfterMs?: number;
}

/**
 * A classified failure of one provider attempt. Internal to this module: ports convert it to a kernel
 * model error (`toModelError`) once, at their edge, with the call's elapsed time and attempt count.
 */
export class ProviderFailure extends Error {
  override readonly name = 'ProviderFailure';
  readonly info: FailureInfo;

  constructor(info: FailureInfo, options?: { cause?: unknown }) {
    super(info.message, options);
    this.info = info;
  }
}

export interface CallStats {
  readonly provider: 'bedrock' | 'openai';
  readonly model: string;
  readonly attempts: number;
  readonly elapsedMs: number;
}

function detailsOf(info: FailureInfo, stats: CallStats): Record<string, unknown> {
  const details: Record<string, unknown> = {
    provider: stats.provider,
    model: stats.model,
    errorCategory: info.category,
    attempts: stats.attempts,
    elapsedMs: stats.elapsedMs,
  };
  if (info.httpStatus !== undefined) details['httpStatus'] = info.httpStatus;
  if (info.providerRequestId !== undefined) details['providerRequestId'] = info.providerRequestId;
  return details;
}

/** Converts a classified failure into the kernel's model error taxonomy (K-8). */
export function toModelError(failure: ProviderFailure, stats: CallStats): KernelError {
  const { info } = failure;
  const details = detailsOf(info, stats);
  const options = { cause: failure.cause ?? failure };
  const where = `${stats.provider} model ${stats.model}`;
  switch (info.kind) {
    case 'timeout':
      return new ModelTimeoutError(
        `${where} timed out after ${stats.attempts} attempt(s): ${info.message}`,
        details,
        options,
      );
    case 'transient':
      return new ModelTransientError(
        `${where} failed after ${stats.attempts} attempt(s): ${info.message}`,
        details,
        options,
      );
    case 'permanent':
      return new ModelPermanentError(`${where} failed: ${info.message}`, details, options);
  }
}

/** Classified failures become kernel model errors; anything else (kernel errors, bugs) propagates unchanged. */
export function asModelError(error: unknown, stats: CallStats): unknown {
  return error instanceof ProviderFailure ? toModelError(error, stats) : error;
}
