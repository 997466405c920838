import * as z from 'zod/mini';
import { ProviderFailure } from './failure.js';
import type { FailureInfo } from './failure.js';
import { parseJson } from './json.js';
import { redactSecret } from './redact.js';
import { attemptSignal } from './retry.js';

export interface HttpAttempt {
  readonly url: string;
  readonly apiKey: string;
  readonly body: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly fetch: typeof fetch;
  readonly now: () => number;
}

export interface HttpReply {
  readonly status: number;
  readonly requestId?: string;
  readonly body: unknown;
}

type Meta = Pick<FailureInfo, 'httpStatus' | 'providerRequestId'>;

/** Statuses worth another attempt (P-3): request timeout, conflict, rate limit; 5xx is added below. */
const RETRYABLE_4XX = new Set([408, 409, 429]);

/** `Retry-After` as seconds or an HTTP date; OpenAI's `retry-after-ms` wins when present. */
export function parseRetryAfterMs(headers: Headers, nowMs: number): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.round(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const ErrorBody = z.object({
  error: z.union([z.string(), z.object({ message: z.optional(z.string()), type: z.optional(z.nullable(z.string())) })]),
});

function providerMessage(text: string): string {
  const parsed = parseJson(text);
  const body = parsed.ok ? ErrorBody.safeParse(parsed.value) : undefined;
  if (body?.success) {
    const { error } = body.data;
    return typeof error === 'string' ? error : (error.message ?? error.type ?? 'no message');
  }
  return text.slice(0, 300) || 'empty body';
}

function statusFailure(status: number, text: string, meta: Meta, retryAfterMs: number | undefined, apiKey: string): ProviderFailure {
  const message = `HTTP ${status}: ${redactSecret(providerMessage(text), apiKey)}`;
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (RETRYABLE_4XX.has(status)) return new ProviderFailure({ kind: 'transient', category: 'transient', message, ...meta, ...retry });
  if (status >= 500) return new ProviderFailure({ kind: 'transient', category: 'provider_5xx', message, ...meta, ...retry });
  if (status >= 400) return new ProviderFailure({ kind: 'permanent', category: 'provider_4xx', message, ...meta });
  return new ProviderFailure({ kind: 'permanent', category: 'permanent', message, ...meta });
}

function transportFailure(error: unknown, timedOut: boolean, meta: Meta): ProviderFailure {
  if (timedOut) {
    return new ProviderFailure({ kind: 'timeout', category: 'timeout', message: 'no complete response before the timeout', ...meta }, { cause: error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ProviderFailure({ kind: 'transient', category: 'network', message: `network error: ${reason}`, ...meta }, { cause: error });
}

/**
 * One POST with a per-attempt timeout (covering headers and body). A 2xx body that is not JSON is
 * treated as transient: it is almost always a proxy or gateway cutting the response short.
 */
export async function postJson(attempt: HttpAttempt): Promise<HttpReply> {
  const signal = attemptSignal(attempt.timeoutMs, attempt.signal);
  const headers = { authorization: `Bearer ${attempt.apiKey}`, 'content-type': 'application/json', accept: 'application/json' };
  let response: Response;
  try {
    response = await attempt.fetch(attempt.url, { method: 'POST', headers, body: attempt.body, signal });
  } catch (error) {
    throw transportFailure(error, signal.aborted, {});
  }
  const requestId = response.headers.get('x-request-id') ?? undefined;
  const meta: Meta = { httpStatus: response.status, ...(requestId === undefined ? {} : { providerRequestId: requestId }) };
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw transportFailure(error, signal.aborted, meta);
  }
  if (!response.ok) {
    throw statusFailure(response.status, text, meta, parseRetryAfterMs(response.headers, attempt.now()), attempt.apiKey);
  }
  const parsed = parseJson(text);
  if (!parsed.ok) {
    throw new ProviderFailure({ kind: 'transient', category: 'transient', message: `malformed response body: ${parsed.error}`, ...meta });
  }
  return { status: response.status, body: parsed.value, ...(requestId === undefined ? {} : { requestId }) };
}
