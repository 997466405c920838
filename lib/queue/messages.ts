import * as z from 'zod/mini';
import { Identifier } from '../models/index.js';

/** Largest SQS body the worker accepts (bytes of UTF-8). Larger bodies are poison. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Public contract, version 1: what users send to start a run.
 * `{ "type": "start_run", "tenantId": "t1", "harness": "sample", "runId"?: "r1", "input"?: {…}, "budgetUsdLimit"?: 2 }`
 * `budgetUsdLimit` can only lower the tenant's registered per-run budget, never raise it.
 */
export const StartRunMessage = z.strictObject({
  type: z.literal('start_run'),
  version: z.optional(z.literal(1)),
  tenantId: Identifier,
  runId: z.optional(Identifier),
  harness: Identifier,
  input: z.optional(z.record(z.string(), z.unknown())),
  budgetUsdLimit: z.optional(z.number().check(z.positive(), z.maximum(1_000_000))),
});
export type StartRunMessage = z.infer<typeof StartRunMessage>;

/** Internal: the worker re-enqueues this after each step while work remains. */
export const ContinueRunMessage = z.strictObject({
  type: z.literal('continue_run'),
  version: z.optional(z.literal(1)),
  tenantId: Identifier,
  runId: Identifier,
  /** The last seq the previous step committed; used for deduplication (`runId:afterSeq`). */
  afterSeq: z.int().check(z.nonnegative()),
});
export type ContinueRunMessage = z.infer<typeof ContinueRunMessage>;

export const StepMessage = z.discriminatedUnion('type', [StartRunMessage, ContinueRunMessage]);
export type StepMessage = z.infer<typeof StepMessage>;
