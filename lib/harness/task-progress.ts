import * as z from 'zod/mini';
import { TaskProgressValidationError } from '../errors.js';

export const TaskState = z.enum(['pending', 'in_progress', 'done']);
export type TaskState = z.infer<typeof TaskState>;

export const TaskUnit = z.strictObject({
  id: z.string().check(z.minLength(1)),
  description: z.string().check(z.minLength(1)),
  state: z._default(TaskState, 'pending'),
});
export type TaskUnit = z.infer<typeof TaskUnit>;

/**
 * Stored as the `task_progress` summary. `session` / `sessionUnit` record which unit the latest session took, so a
 * redelivered session that already finished its unit does not take a second one.
 */
export const TaskProgress = z.strictObject({
  units: z.array(TaskUnit),
  session: z.optional(z.int().check(z.nonnegative())),
  sessionUnit: z.optional(z.string()),
});
export type TaskProgress = z.infer<typeof TaskProgress>;

export const TASK_PROGRESS = 'task_progress';

/**
 * Checks a proposed task list against the current one, per the harness discipline: ids unique, no unit
 * deleted, at most one unit newly done per session, and every newly-done unit verified.
 * @example validateTransition(current, next, { doneThisSession: 0, verified: new Set(['t1']) });
 */
export function validateTransition(
  current: readonly TaskUnit[],
  next: readonly TaskUnit[],
  rules: { doneThisSession: number; verified: ReadonlySet<string> },
): { newlyDone: string[] } {
  const ids = new Set<string>();
  for (const unit of next) {
    if (ids.has(unit.id)) throw new TaskProgressValidationError(`Duplicate TaskUnit id '${unit.id}'.`, { id: unit.id });
    ids.add(unit.id);
  }
  for (const unit of current) {
    if (!ids.has(unit.id)) throw new TaskProgressValidationError('TaskUnit deletion is not allowed.', { id: unit.id });
  }
  const before = new Map(current.map((u) => [u.id, u.state]));
  const newlyDone = next.filter((u) => u.state === 'done' && before.get(u.id) !== 'done').map((u) => u.id);
  if (rules.doneThisSession + newlyDone.length > 1) {
    throw new TaskProgressValidationError('Only one TaskUnit can transition to done in a single harness session.', { newlyDone });
  }
  for (const id of newlyDone) {
    if (!rules.verified.has(id)) throw new TaskProgressValidationError(`TaskUnit '${id}' requires explicit verification before done.`, { id });
  }
  return { newlyDone };
}

export const withState = (units: readonly TaskUnit[], id: string, state: TaskState): TaskUnit[] =>
  units.map((u) => (u.id === id ? { ...u, state } : u));
