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
export function readTaskProgress(ctx: HarnessContext): TaskProgress {
  const parsed = TaskProgress.safeParse(ctx.readSummary(TASK_PROGRESS));
  if (!parsed.success) throw new TaskProgressValidationError('task_progress summary is missing or malformed.', { runId: ctx.runId });
  return parsed.data;
}

async function writeUnits(ctx: HarnessContext, current: TaskUnit[], next: TaskUnit[], o: { verified: ReadonlySet<string>; unit?: string }): Promise<void> {
  validateTransition(current, next, { doneThisSession: 0, verified: o.verified });
  await ctx.writeSummary(TASK_PROGRESS, { units: next, ...(o.unit !== undefined ? { session: ctx.session, sessionUnit: o.unit } : {}) });
}

/** The unit this session works on: its own unit if a redelivery finds one, else the first not done. */
function pickUnit(progress: TaskProgress, session: number): { task?: TaskUnit; alreadySettled: boolean } {
  const units = progress.units;
  if (progress.session === session && progress.sessionUnit !== undefined) {
    const own = units.find((u) => u.id === progress.sessionUnit);
    if (own && own.state !== 'in_progress') return { alreadySettled: true };
    if (own) return { task: own, alreadySettled: false };
  }
  return { task: units.find((u) => u.state === 'in_progress') ?? units.find((u) => u.state === 'pending'), alreadySettled: false };
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
      const progress = readTaskProgress(ctx);
      const units = progress.units;
      const { task, alreadySettled } = pickUnit(progress, ctx.session);
      const outcome = async (list: TaskUnit[]): Promise<StepOutcome> => (list.some((u) => u.state !== 'done')
        ? { workRemaining: true }
        : { workRemaining: false, result: await spec.finish?.(ctx, list) });
      if (alreadySettled || !task) return outcome(units);
      const started = task.state === 'in_progress' ? units : withState(units, task.id, 'in_progress');
      if (started !== units) await writeUnits(ctx, units, started, { verified: new Set(), unit: task.id });
      let verified: boolean;
      try {
        ({ verified } = await spec.workOn({ ...task, state: 'in_progress' }, ctx));
      } catch (error) {
        await writeUnits(ctx, started, withState(started, task.id, 'pending'), { verified: new Set() });
        throw error;
      }
      const next = withState(started, task.id, verified ? 'done' : 'pending');
      await writeUnits(ctx, started, next, { verified: new Set(verified ? [task.id] : []), unit: task.id });
      return outcome(next);
    },
    async beforeSleep(ctx) {
      const open = readTaskProgress(ctx).units.filter((u) => u.state === 'in_progress');
      if (open.length > 0) throw new TaskProgressValidationError('Cannot sleep with a TaskUnit in progress.', { ids: open.map((u) => u.id) });
    },
  };
}
