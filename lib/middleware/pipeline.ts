import type { ModelUsage } from '../models/index.js';
import type {
  KernelMiddleware,
  ModelInvocation,
  PreparedToolRequest,
  RunFacts,
  ToolRequestDraft,
  ToolResultDraft,
} from './middleware-port.js';
import { MIDDLEWARE_PRIORITY } from './names.js';

const priorityOf = (m: KernelMiddleware): number =>
  Number.isFinite(m.priority) ? m.priority : MIDDLEWARE_PRIORITY.custom;

/**
 * Orders middleware by fixed priority (PII 0 → quota 1 → capability guard 2 → safety 3 → others 4), keeping the
 * supplied order within one priority. Returns a new array; the input is not modified. A non-finite priority
 * counts as 4.
 * @example orderMiddleware([new CapabilityGuardMiddleware(), new PiiScrubberMiddleware()]).map((m) => m.name)
 * // ['pii_scrubber', 'capability_guard']
 */
export function orderMiddleware(list: readonly KernelMiddleware[]): KernelMiddleware[] {
  // Array.prototype.sort is stable (ES2019), so equal priorities keep their supplied order.
  return [...list].sort((a, b) => priorityOf(a) - priorityOf(b));
}

/**
 * Runs every `prepareModel` hook in order, each output feeding the next. Call on every model step, replays too:
 * the result is what replay matches and what the provider sees.
 * @example const sent = await runPrepareModel(ordered, invocation);
 */
export async function runPrepareModel(
  ordered: readonly KernelMiddleware[],
  invocation: ModelInvocation,
): Promise<ModelInvocation> {
  let current = invocation;
  for (const m of ordered) {
    if (m.prepareModel) current = await m.prepareModel(current);
  }
  return current;
}

/**
 * Runs every `beforeModel` hook in order; the first throw aborts (nothing after it runs). Call only before a
 * real provider call. If it throws, call {@link runOnModelError} so earlier hooks can release reservations.
 * @example await runBeforeModel(ordered, facts); // may throw BudgetExceededError
 */
export async function runBeforeModel(ordered: readonly KernelMiddleware[], run: RunFacts): Promise<void> {
  for (const m of ordered) {
    if (m.beforeModel) await m.beforeModel(run);
  }
}

/**
 * Runs every `afterModel` hook in order with the provider's usage; the first throw aborts. If it throws, record
 * the failure (with the usage's cost) and call {@link runOnModelError}.
 * @example await runAfterModel(ordered, facts, result.usage);
 */
export async function runAfterModel(
  ordered: readonly KernelMiddleware[],
  run: RunFacts,
  usage: ModelUsage,
): Promise<void> {
  for (const m of ordered) {
    if (m.afterModel) await m.afterModel(run, usage);
  }
}

/**
 * Runs every `onModelError` hook, in order, even when one of them throws: each must get its chance to release
 * what it reserved. Never throws; returns what the hooks threw (empty when all succeeded) so the caller can log
 * it without masking the original error.
 * @example const cleanupErrors = await runOnModelError(ordered, facts, usage, error);
 */
export async function runOnModelError(
  ordered: readonly KernelMiddleware[],
  run: RunFacts,
  usage: ModelUsage | undefined,
  error: unknown,
): Promise<unknown[]> {
  const failures: unknown[] = [];
  for (const m of ordered) {
    if (!m.onModelError) continue;
    try {
      await m.onModelError(run, usage, error);
    } catch (hookError) {
      failures.push(hookError);
    }
  }
  return failures;
}

/**
 * Runs every `prepareToolRequest` hook in order (M-2): each sees the previous hook's `argumentsJson`; the
 * arguments are replaced by each result, and metadata fields (`semanticIdempotencyKey`, `intentId`, `amountUsd`)
 * are overridden only where a later hook returns a non-undefined value. Call before anything is stored or sent.
 * @example const prepared = await runPrepareToolRequest(ordered, { runId, tenant, toolName, argumentsJson });
 */
export async function runPrepareToolRequest(
  ordered: readonly KernelMiddleware[],
  draft: ToolRequestDraft,
): Promise<PreparedToolRequest> {
  let current: PreparedToolRequest = { argumentsJson: draft.argumentsJson };
  for (const m of ordered) {
    if (!m.prepareToolRequest) continue;
    const next = await m.prepareToolRequest({ ...draft, argumentsJson: current.argumentsJson });
    current = {
      argumentsJson: next.argumentsJson,
      ...definedOr('semanticIdempotencyKey', next.semanticIdempotencyKey, current.semanticIdempotencyKey),
      ...definedOr('intentId', next.intentId, current.intentId),
      ...definedOr('amountUsd', next.amountUsd, current.amountUsd),
    };
  }
  return current;
}

function definedOr<K extends string, V>(key: K, next: V | undefined, previous: V | undefined): Partial<Record<K, V>> {
  const value = next !== undefined ? next : previous;
  if (value === undefined) return {};
  const out: Partial<Record<K, V>> = {};
  out[key] = value;
  return out;
}

/**
 * Runs every `prepareToolResult` hook in order, each output feeding the next. Call before the result is stored
 * or returned.
 * @example const stored = await runPrepareToolResult(ordered, { runId, tenant, toolName, resultJson });
 */
export async function runPrepareToolResult(
  ordered: readonly KernelMiddleware[],
  draft: ToolResultDraft,
): Promise<string> {
  let current = draft.resultJson;
  for (const m of ordered) {
    if (m.prepareToolResult) current = await m.prepareToolResult({ ...draft, resultJson: current });
  }
  return current;
}
