import type { ModelRequest, ModelResult } from '../models/index.js';
import { ProviderFailure, asModelError } from './failure.js';
import type { CallStats } from './failure.js';
import { costOf } from './prices.js';
import type { PriceTable } from './prices.js';
import { withRetries } from './retry.js';
import type { AttemptCounter, RetrySettings } from './retry.js';
import { interpretTurn } from './structured-output.js';
import type { ProviderTurn, RepairRequest } from './structured-output.js';

/** A `ModelResult` plus provider bookkeeping the kernel may record. */
export interface ProviderModelResult extends ModelResult {
  /** Tokens were used but the model has no entry in the price table: `usage.costUsd` is 0. */
  readonly costUnknown: boolean;
}

export interface PipelineSettings {
  readonly retry: RetrySettings;
  readonly prices: PriceTable;
  readonly failOnUnknownCost: boolean;
  /** Milliseconds, for elapsed time only. */
  readonly now: () => number;
}

export interface Completion {
  readonly provider: CallStats['provider'];
  readonly model: string;
  readonly request: ModelRequest;
  readonly apiModeUsed?: 'chat' | 'responses';
  /** One provider call; throws `ProviderFailure` on failures it has classified. */
  readonly callOnce: (repair: RepairRequest | undefined) => Promise<ProviderTurn>;
}

/**
 * The shared narrative of both ports: call (with bounded retries) → interpret → repair once if the
 * output is invalid → price → result. Failures leave as kernel model errors with elapsed time and attempts.
 */
export async function runCompletion(settings: PipelineSettings, completion: Completion): Promise<ProviderModelResult> {
  const started = settings.now();
  const counter: AttemptCounter = { attempts: 0 };
  const call = (repair?: RepairRequest): Promise<ProviderTurn> =>
    withRetries(settings.retry, counter, () => completion.callOnce(repair), completion.request.signal);
  const finish = (turns: readonly ProviderTurn[], output: unknown): ProviderModelResult =>
    buildResult(settings, completion, { turns, output, attempts: counter.attempts, elapsedMs: settings.now() - started });
  try {
    const first = await call();
    const firstVerdict = interpretTurn(first, completion.request.validateOutput);
    if (firstVerdict.ok) return finish([first], firstVerdict.output);
    const second = await call({ invalidText: first.text, error: firstVerdict.error });
    const secondVerdict = interpretTurn(second, completion.request.validateOutput);
    if (secondVerdict.ok) return finish([first, second], secondVerdict.output);
    throw invalidAfterRepair(second, secondVerdict.error);
  } catch (error) {
    const stats = { provider: completion.provider, model: completion.model, attempts: counter.attempts };
    throw asModelError(error, { ...stats, elapsedMs: settings.now() - started });
  }
}

function invalidAfterRepair(turn: ProviderTurn, error: string): ProviderFailure {
  return new ProviderFailure({
    kind: 'permanent',
    category: 'invalid_output',
    message: `output still invalid after one repair attempt: ${error}`,
    ...(turn.httpStatus === undefined ? {} : { httpStatus: turn.httpStatus }),
    ...(turn.providerRequestId === undefined ? {} : { providerRequestId: turn.providerRequestId }),
  });
}

interface Outcome {
  readonly turns: readonly ProviderTurn[];
  readonly output: unknown;
  readonly attempts: number;
  readonly elapsedMs: number;
}

function buildResult(settings: PipelineSettings, completion: Completion, outcome: Outcome): ProviderModelResult {
  const last = outcome.turns[outcome.turns.length - 1];
  if (!last) throw new Error('buildResult needs at least one turn');
  const promptTokens = sum(outcome.turns.map((t) => t.promptTokens));
  const completionTokens = sum(outcome.turns.map((t) => t.completionTokens));
  const cost = costOf(settings.prices, completion.model, { promptTokens, completionTokens });
  if (cost.costUnknown && settings.failOnUnknownCost) {
    throw new ProviderFailure({
      kind: 'permanent',
      category: 'permanent',
      message: `cost is unknown for model ${completion.model} (no price table entry; failOnUnknownCost is set)`,
    });
  }
  return {
    output: outcome.output,
    usage: { promptTokens, completionTokens, costUsd: cost.costUsd },
    costUnknown: cost.costUnknown,
    toolCalls: last.toolCalls,
    attempts: outcome.attempts,
    repaired: outcome.turns.length > 1,
    elapsedMs: outcome.elapsedMs,
    ...(completion.apiModeUsed === undefined ? {} : { apiModeUsed: completion.apiModeUsed }),
    ...(last.responseId === undefined ? {} : { responseId: last.responseId }),
    ...(last.providerRequestId === undefined ? {} : { providerRequestId: last.providerRequestId }),
    ...(last.httpStatus === undefined ? {} : { httpStatus: last.httpStatus }),
  };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
