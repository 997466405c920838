import { TaskProgressValidationError } from '../errors.js';
import type { ReplayPolicy } from '../models/index.js';
import type { HarnessContext, HarnessDefinition, StepOutcome } from './harness.js';
import { TASK_PROGRESS, TaskProgress, type TaskUnit, validateTransition, withState } from './task-progress.js';

export interface TaskHarnessSpec {
  readonly name: string;
  readonly models: HarnessDefinition['models'];
  readonly replayPolicy?: ReplayPolicy;
  /** The plan, written once when the run starts. Every unit starts `pending`. */
  defineTasks(ctx: HarnessContext): Promise<ReadonlyArray<Pick<TaskUnit, 'id' | 'description'>>>;
  /** Works on one unit; returns whether its result was verified (only a verified unit becomes done). */
  workOn(task: TaskUnit, ctx: HarnessContext): Promise<{ verified: boolean; result?: unknown }>;
  /** The run's result once every unit is done. */
  finish?(ctx: HarnessContext, units: readonly TaskUnit[]): Promise<unknown>;
}

/** The current plan, from the latest `task_progress` summary. */
export function readTaskProgress(ctx: HarnessContext): TaskUnit[] {
  const parsed = TaskProgress.safeParse(ctx.readSummary(TASK_PROGRESS));
  if (!parsed.success) throw new TaskProgressValidationError('task_progress summary is missing or malformed.', { runId: ctx.runId });
  return parsed.data.units;
}

async function writeUnits(ctx: HarnessContext, current: TaskUnit[], next: TaskUnit[], verified: ReadonlySet<string>): Promise<void> {
  validateTransition(current, next, { doneThisSession: 0, verified });
  await ctx.writeSummary(TASK_PROGRESS, { units: next });
}

/**
 * An incremental task harness: a persisted plan of units; each session takes the first unit that is not done,
 * marks it `in_progress`, works on it, and marks it `done` only when verified — at most one unit per session, so
 * a crash loses at most one unit's work, and that work replays from the ledger.
 *
 * @example
 * defineTaskHarness({ name: 'report', models: { default: 'm' },
 *   defineTasks: async () => [{ id: 'collect', description: 'Collect data' }],
 *   workOn: async (task, ctx) => ({ verified: true }) });
 */
export function defineTaskHarness(spec: TaskHarnessSpec): HarnessDefinition {
  return {
    name: spec.name,
    models: spec.models,
    ...(spec.replayPolicy ? { replayPolicy: spec.replayPolicy } : {}),
    async initialize(ctx) {
      const units = (await spec.defineTasks(ctx)).map((u) => ({ id: u.id, description: u.description, state: 'pending' as const }));
      validateTransition([], units, { doneThisSession: 0, verified: new Set() });
      await ctx.writeSummary(TASK_PROGRESS, { units });
    },
    async step(ctx): Promise<StepOutcome> {
      const units = readTaskProgress(ctx);
      const task = units.find((u) => u.state === 'in_progress') ?? units.find((u) => u.state === 'pending');
      if (!task) return { workRemaining: false, result: await spec.finish?.(ctx, units) };
      const started = task.state === 'in_progress' ? units : withState(units, task.id, 'in_progress');
      if (started !== units) await writeUnits(ctx, units, started, new Set());
      let verified: boolean;
      try {
        ({ verified } = await spec.workOn({ ...task, state: 'in_progress' }, ctx));
      } catch (error) {
        await writeUnits(ctx, started, withState(started, task.id, 'pending'), new Set());
        throw error;
      }
      const next = withState(started, task.id, verified ? 'done' : 'pending');
      await writeUnits(ctx, started, next, new Set(verified ? [task.id] : []));
      const remaining = next.some((u) => u.state !== 'done');
      return remaining ? { workRemaining: true } : { workRemaining: false, result: await spec.finish?.(ctx, next) };
    },
    async beforeSleep(ctx) {
      const open = readTaskProgress(ctx).filter((u) => u.state === 'in_progress');
      if (open.length > 0) throw new TaskProgressValidationError('Cannot sleep with a TaskUnit in progress.', { ids: open.map((u) => u.id) });
    },
  };
}
