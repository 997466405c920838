import type { LastSession } from '../harness/session-runner.js';

export interface RunFactsForDecision {
  /** A pause or block is open: no session runs until it is resumed. */
  readonly paused: boolean;
  readonly lastSession?: LastSession;
}

export type StepDecision =
  | { readonly action: 'run_session'; readonly session: number }
  | { readonly action: 'reenqueue'; readonly afterSeq: number }
  | { readonly action: 'drop'; readonly reason: 'stale_message' | 'run_finished' | 'run_paused' };

/**
 * Decides what a delivered message means for a run, so that redelivery after a crash at any point is safe:
 *
 * - the message that started the latest completed session is a redelivery after the step finished (crash
 *   between the commit and the acknowledgement, or before the enqueue): only re-enqueue the follow-up;
 * - a message older than the latest session is stale (a duplicate beyond the FIFO dedup window): drop it;
 * - a run whose latest session left no work (completed or failed) is finished;
 * - otherwise run the next session. A session that crashed midway has no `harness_sleep`, so it keeps its
 *   number and its step keys, and its recorded model and tool calls replay from the ledger.
 *
 * `afterSeq` is the message's `afterSeq`, or 1 (the `run_started` event) for `start_run`.
 */
export function decideStep(afterSeq: number, run: RunFactsForDecision): StepDecision {
  const last = run.lastSession;
  if (last && afterSeq === last.startedAfterSeq) {
    return last.workRemaining && !run.paused
      ? { action: 'reenqueue', afterSeq: last.endSeq }
      : { action: 'drop', reason: 'run_finished' };
  }
  if (last && afterSeq < last.endSeq) return { action: 'drop', reason: 'stale_message' };
  if (last && !last.workRemaining) return { action: 'drop', reason: 'run_finished' };
  if (run.paused) return { action: 'drop', reason: 'run_paused' };
  return { action: 'run_session', session: (last?.session ?? 0) + 1 };
}
