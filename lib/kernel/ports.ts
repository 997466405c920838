import type { ModelRequest, ModelResult } from '../models/index.js';

/**
 * Time source. The kernel never reads `Date.now()` directly, so replay and tests are deterministic.
 * @example const clock: Clock = { now: () => new Date('2026-01-01T00:00:00Z') };
 */
export interface Clock {
  now(): Date;
}

/**
 * Identifier source for event ids, model cycle ids and generated run ids.
 * @example const ids: IdSource = { next: () => crypto.randomUUID().replaceAll('-', '') };
 */
export interface IdSource {
  next(): string;
}

/**
 * A model provider. The only method; the kernel validates `output` against the step's schema and records
 * everything in `model_requested` / `model_terminal`. Implementations map provider failures onto the model
 * errors in `lib/errors.ts` (`ModelTimeoutError`, `ModelTransientError`, `ModelPermanentError`) and may attach
 * `httpStatus` / `providerRequestId` to the thrown error's `details`.
 * @example const port: ModelPort = { complete: async (req) => ({ output: { ok: true }, usage: { promptTokens: 1, completionTokens: 1, costUsd: 0 }, toolCalls: [] }) };
 */
export interface ModelPort {
  complete(request: ModelRequest): Promise<ModelResult>;
}

export const systemClock: Clock = { now: () => new Date() };

export const randomIds: IdSource = { next: () => globalThis.crypto.randomUUID().replaceAll('-', '') };
