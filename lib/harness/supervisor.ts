import * as z from 'zod/mini';
import { HarnessStateError } from '../errors.js';
import type { ToolRegistry } from '../kernel/tool-registry.js';
import type { HarnessContext, HarnessDefinition, StepOutcome } from './harness.js';

export interface ChildSpec {
  /** Stable key: the child run id is `<parentRunId>::child::<key>`. */
  readonly key: string;
  readonly harness: HarnessDefinition;
  readonly input?: (ctx: HarnessContext) => Readonly<Record<string, unknown>>;
}

export interface SupervisorSpec {
  readonly name: string;
  readonly models: HarnessDefinition['models'];
  readonly children: readonly ChildSpec[];
  /** The supervisor's result from its children's results (default: the map of results). */
  combine?(results: Readonly<Record<string, unknown>>, ctx: HarnessContext): Promise<unknown>;
}

export const CHILD_RESULTS = 'supervisor_children';
const ChildResults = z.record(z.string(), z.object({ runId: z.string(), status: z.string(), result: z.optional(z.unknown()) }));

/**
 * A supervisor harness: runs its child harnesses one after another, each on its own run, advancing the current
 * child by one session per supervisor session, and collects their results (`supervisor_children` summary).
 * A child that fails fails the supervisor.
 * @example defineSupervisor({ name: 'review', models: { default: 'm' }, children: [{ key: 'draft', harness: drafter }, { key: 'check', harness: checker }] })
 */
export function defineSupervisor(spec: SupervisorSpec): HarnessDefinition {
  return {
    name: spec.name,
    models: spec.models,
    registerTools(tools: ToolRegistry) {
      for (const child of spec.children) child.harness.registerTools?.(tools);
    },
    async step(ctx): Promise<StepOutcome> {
      const parsed = ChildResults.safeParse(ctx.readSummary(CHILD_RESULTS) ?? {});
      const results = parsed.success ? { ...parsed.data } : {};
      const next = spec.children.find((c) => !(c.key in results));
      if (next) {
        const outcome = await ctx.runChild(next.key, next.harness, next.input?.(ctx) ?? {});
        if (!outcome.finished) return { workRemaining: true };
        results[next.key] = { runId: outcome.runId, status: outcome.status, ...(outcome.result !== undefined ? { result: outcome.result } : {}) };
        await ctx.writeSummary(CHILD_RESULTS, results);
        if (outcome.status === 'failed') throw new SupervisedChildFailed(next.key, outcome.runId);
        if (spec.children.some((c) => !(c.key in results))) return { workRemaining: true };
      }
      const plain = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.result]));
      return { workRemaining: false, result: spec.combine ? await spec.combine(plain, ctx) : plain };
    },
  };
}

class SupervisedChildFailed extends HarnessStateError {
  constructor(key: string, runId: string) {
    super(`Child '${key}' (${runId}) failed.`, { key, childRunId: runId });
  }
}
