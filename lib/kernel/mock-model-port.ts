import { ModelTimeoutError } from '../errors.js';
import type { ModelRequest, ModelResult, ModelToolCall, ModelUsage } from '../models/index.js';
import type { ModelPort } from './ports.js';

export interface MockModelPortOptions {
  /** Returned on every call (unless `outputs` or `factory` is given). */
  readonly output?: unknown;
  /** Returned in order; the last one repeats once the script runs out. */
  readonly outputs?: readonly unknown[];
  /** Computes the output; `call` is 1-based. */
  readonly factory?: (request: ModelRequest, call: number) => unknown;
  /** Usage per call (default 1 prompt token, 1 completion token, $0). */
  readonly usage?: ModelUsage | ((call: number) => ModelUsage);
  readonly toolCalls?: readonly ModelToolCall[];
  readonly apiModeUsed?: 'responses' | 'chat';
  readonly responseId?: string;
  /** 1-based call number → error thrown by that call. */
  readonly failures?: Readonly<Record<number, unknown>>;
  /** 1-based call numbers that never resolve (until `request.signal` aborts). */
  readonly timeouts?: readonly number[];
}

const DEFAULT_USAGE: ModelUsage = { promptTokens: 1, completionTokens: 1, costUsd: 0 };

/**
 * A deterministic model port for tests, demos and benchmarks. Counts `calls` and keeps every request.
 * @example const port = new MockModelPort({ output: { answer: 42 }, usage: { promptTokens: 3, completionTokens: 2, costUsd: 0.01 } });
 */
export class MockModelPort implements ModelPort {
  calls = 0;
  readonly requests: ModelRequest[] = [];
  readonly #options: MockModelPortOptions;

  constructor(options: MockModelPortOptions) {
    if (options.output === undefined && options.outputs === undefined && options.factory === undefined) {
      throw new TypeError('MockModelPort needs an output, outputs or a factory.');
    }
    this.#options = options;
  }

  async complete(request: ModelRequest): Promise<ModelResult> {
    this.calls += 1;
    const call = this.calls;
    this.requests.push(request);
    const o = this.#options;
    if (o.failures && call in o.failures) throw o.failures[call];
    if (o.timeouts?.includes(call)) return hang(request.signal);
    const usage = typeof o.usage === 'function' ? o.usage(call) : (o.usage ?? DEFAULT_USAGE);
    return {
      output: this.#output(request, call),
      usage,
      toolCalls: o.toolCalls ?? [],
      ...(o.apiModeUsed !== undefined ? { apiModeUsed: o.apiModeUsed } : {}),
      ...(o.responseId !== undefined ? { responseId: o.responseId } : {}),
    };
  }

  #output(request: ModelRequest, call: number): unknown {
    const o = this.#options;
    if (o.factory) return o.factory(request, call);
    if (o.outputs && o.outputs.length > 0) return o.outputs[Math.min(call, o.outputs.length) - 1];
    return o.output;
  }
}

function hang(signal: AbortSignal | undefined): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    const abort = () => reject(signal?.reason instanceof Error ? signal.reason : new ModelTimeoutError('Model call timed out.'));
    if (signal?.aborted) abort();
    else signal?.addEventListener('abort', abort, { once: true });
  });
}
