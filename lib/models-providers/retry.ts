import { ConfigurationError } from '../errors.js';
import { ProviderFailure } from './failure.js';
import type { FailureInfo } from './failure.js';

/** Waits `ms`; resolves early when `signal` aborts. Injected in tests so nothing really waits. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export interface RetrySettings {
  /** Retries after the first attempt; a call makes at most `maxRetries + 1` attempts. */
  readonly maxRetries: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Upper bound for a server-requested `Retry-After` delay. */
  readonly maxRetryAfterMs: number;
  readonly sleep: Sleep;
}

export function validateRetrySettings(settings: RetrySettings, timeoutMs: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(settings.maxRetries) || settings.maxRetries < 0) problems.push('maxRetries must be an integer >= 0');
  if (!(settings.initialBackoffMs > 0)) problems.push('initialBackoffMs must be > 0');
  if (!(settings.maxBackoffMs > 0)) problems.push('maxBackoffMs must be > 0');
  if (!(settings.maxRetryAfterMs >= 0)) problems.push('maxRetryAfterMs must be >= 0');
  if (!(timeoutMs > 0)) problems.push('timeoutMs must be > 0');
  if (problems.length > 0) throw new ConfigurationError(`Invalid model provider settings: ${problems.join('; ')}`, { problems });
}

/** Exponential backoff, `min(initial * 2^retry, max)`; a `Retry-After` wins, capped at `maxRetryAfterMs`. */
export function retryDelayMs(settings: RetrySettings, retryIndex: number, failure: FailureInfo): number {
  if (failure.retryAfterMs !== undefined) return Math.min(Math.max(failure.retryAfterMs, 0), settings.maxRetryAfterMs);
  return Math.min(settings.initialBackoffMs * 2 ** retryIndex, settings.maxBackoffMs);
}

/** Counts provider calls across retries and the repair attempt. */
export interface AttemptCounter {
  attempts: number;
}

const callerAborted = (): ProviderFailure =>
  new ProviderFailure({ kind: 'timeout', category: 'timeout', message: 'the caller aborted the model call' });

/**
 * Runs `attempt` until it succeeds, fails permanently, or `maxRetries` retries are spent. Only
 * `ProviderFailure`s are retried; a caller abort (the step deadline) stops immediately as a timeout.
 */
export async function withRetries<T>(
  settings: RetrySettings,
  counter: AttemptCounter,
  attempt: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let retry = 0; ; retry += 1) {
    if (signal?.aborted) throw callerAborted();
    counter.attempts += 1;
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof ProviderFailure) || error.info.kind === 'permanent') throw error;
      if (signal?.aborted) throw callerAborted();
      if (retry >= settings.maxRetries) throw error;
      await settings.sleep(retryDelayMs(settings, retry, error.info), signal);
    }
  }
}

/** One attempt's signal: aborts on the per-attempt timeout or when the caller's signal aborts. */
export function attemptSignal(timeoutMs: number, caller?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return caller ? AbortSignal.any([timeout, caller]) : timeout;
}
