import type { PipelineSettings } from './completion-pipeline.js';
import { DEFAULT_PRICES } from './prices.js';
import type { PriceTable } from './prices.js';
import { realSleep, validateRetrySettings } from './retry.js';
import type { Sleep } from './retry.js';

/** Settings shared by both ports; every field has a documented default (docs/models.md). */
export interface CommonPortOptions {
  /** Default `DEFAULT_PRICES`. */
  readonly prices?: PriceTable;
  /** Throw `ModelPermanentError` instead of reporting cost 0 for unpriced models. Default false. */
  readonly failOnUnknownCost?: boolean;
  /** Per-attempt timeout. Default 60 000 ms. */
  readonly timeoutMs?: number;
  /** Default 2 (three attempts). */
  readonly maxRetries?: number;
  /** Cap for a server-requested `Retry-After`. Default 20 000 ms. */
  readonly maxRetryAfterMs?: number;
  readonly sleep?: Sleep;
  /** Millisecond clock for elapsed time and HTTP-date `Retry-After`. Default `Date.now`. */
  readonly now?: () => number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_INITIAL_BACKOFF_MS = 250;
export const DEFAULT_MAX_BACKOFF_MS = 2_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 20_000;

export interface ResolvedSettings {
  readonly pipeline: PipelineSettings;
  readonly timeoutMs: number;
}

export function resolveSettings(
  options: CommonPortOptions,
  backoff: { readonly initialMs?: number; readonly maxMs?: number },
): ResolvedSettings {
  const retry = {
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    initialBackoffMs: backoff.initialMs ?? DEFAULT_INITIAL_BACKOFF_MS,
    maxBackoffMs: backoff.maxMs ?? DEFAULT_MAX_BACKOFF_MS,
    maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    sleep: options.sleep ?? realSleep,
  };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  validateRetrySettings(retry, timeoutMs);
  const pipeline: PipelineSettings = {
    retry,
    prices: options.prices ?? DEFAULT_PRICES,
    failOnUnknownCost: options.failOnUnknownCost ?? false,
    now: options.now ?? Date.now,
  };
  return { pipeline, timeoutMs };
}
