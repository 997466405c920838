import * as z from 'zod/mini';
import {
  BudgetExceededError, KernelError, ModelFailedError, ModelPermanentError, ModelTimeoutError, ModelTransientError,
} from '../errors.js';
import { canonicalJson } from '../crypto/core.js';
import { ErrorCategory } from '../models/index.js';
import type { EventOf, ModelOutcome } from '../models/index.js';

export interface ClassifiedFailure {
  readonly outcome: Exclude<ModelOutcome, 'completed'>;
  readonly errorCategory: ErrorCategory;
  readonly failureReason: string;
  readonly errorClass: string;
  readonly httpStatus?: number;
  readonly providerRequestId?: string;
  readonly diagnosticsJson: string;
}

/** Request timeout, conflict and throttling: retryable although they are 4xx. */
const RETRYABLE_4XX = new Set([408, 409, 429]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH']);

const field = (error: unknown, name: string): unknown => {
  if (error === null || typeof error !== 'object') return undefined;
  if (error instanceof KernelError && name in error.details) return error.details[name];
  return name in error ? Reflect.get(error, name) : undefined;
};

const intField = (error: unknown, names: readonly string[]): number | undefined => {
  for (const n of names) { const v = field(error, n); if (typeof v === 'number' && Number.isInteger(v)) return v; }
  return undefined;
};

const stringField = (error: unknown, names: readonly string[]): string | undefined => {
  for (const n of names) { const v = field(error, n); if (typeof v === 'string') return v; }
  return undefined;
};

function categoryOf(error: unknown, cancelled: boolean, status: number | undefined): ErrorCategory {
  if (cancelled) return 'cancelled';
  if (error instanceof ModelTimeoutError) return 'timeout';
  // A provider port that classified its own failure knows best (e.g. a 429 it retried is transient, not a 4xx).
  const declared = ErrorCategory.safeParse(field(error, 'errorCategory'));
  if (declared.success) return declared.data;
  if (status !== undefined && RETRYABLE_4XX.has(status)) return 'transient';
  if (status !== undefined && status >= 400 && status < 500) return 'provider_4xx';
  if (status !== undefined && status >= 500) return 'provider_5xx';
  if (error instanceof ModelTransientError) return 'transient';
  if (error instanceof ModelPermanentError) return 'permanent';
  if (error instanceof BudgetExceededError) return 'budget';
  const code = field(error, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'network';
  return 'internal';
}

/**
 * K-8: the `model_terminal` outcome and category of a failed cycle. Deviation: a category declared by the provider
 * port (`details.errorCategory`) wins over the HTTP status, and 408/409/429 are transient, not `provider_4xx`.
 */
export function classifyModelFailure(error: unknown, cancelled: boolean): ClassifiedFailure {
  const httpStatus = intField(error, ['httpStatus', 'statusCode', 'status']);
  const providerRequestId = stringField(error, ['providerRequestId', 'requestId', 'xRequestId']);
  const errorCategory = categoryOf(error, cancelled, httpStatus);
  const outcome = errorCategory === 'cancelled' ? 'cancelled' : errorCategory === 'timeout' ? 'timeout' : 'failed';
  const errorClass = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return {
    outcome, errorCategory, failureReason: errorCategory, errorClass,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(providerRequestId !== undefined ? { providerRequestId } : {}),
    diagnosticsJson: canonicalJson({ message, errorClass }),
  };
}

const Diagnostics = z.object({ message: z.optional(z.string()) });

/** K-8 replay mapping: the typed error a replayed failed cycle raises again. */
export function replayedFailure(terminal: EventOf<'model_terminal'>): KernelError {
  const p = terminal.payload;
  const diag = Diagnostics.safeParse(safeJson(p.diagnosticsJson));
  const message = `Replayed model terminal outcome=${p.outcome} category=${p.errorCategory ?? 'none'} class=${p.errorClass ?? 'none'} reason=${p.failureReason ?? 'none'}${diag.success && diag.data.message ? `: ${diag.data.message}` : ''}`;
  const details = { replayed: true, seq: terminal.seq, outcome: p.outcome, errorCategory: p.errorCategory, stepKey: terminal.stepKey };
  switch (p.errorCategory) {
    case 'timeout': return new ModelTimeoutError(message, details);
    case 'provider_4xx': case 'permanent': case 'invalid_output': return new ModelPermanentError(message, details);
    case 'provider_5xx': case 'transient': case 'network': return new ModelTransientError(message, details);
    case 'budget': return new BudgetExceededError(message, details);
    default: return new ModelFailedError(message, details);
  }
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try { return JSON.parse(text); } catch { return undefined; }
}
