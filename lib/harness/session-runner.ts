import * as z from 'zod/mini';
import { HarnessStateError, RunPausedError, isKernelError } from '../errors.js';
import type { RunSession } from '../kernel/index.js';
import type { HarnessDefinition, Reorientation, StepOutcome } from './harness.js';
import { createHarnessContext, type ChildRunner } from './harness-context.js';

export const HARNESS_SLEEP_SUMMARY = 'harness_sleep';

/** The `harness_sleep` summary that closes every session; the worker reads it to recognise redeliveries. */
export const SleepSummary = z.object({
  session: z.int().check(z.nonnegative()),
  startedAfterSeq: z.int().check(z.nonnegative()),
  status: z.enum(['sleeping', 'completed', 'failed']),
  workRemaining: z.boolean(),
});
export const HARNESS_RESULT_ARTIFACT = 'harness_result';

/** What the previous harness session left behind (the latest `harness_sleep` summary and its seq). */
export interface LastSession {
  /** Seq of the `harness_sleep` summary event that closed the session. */
  readonly endSeq: number;
  readonly session: number;
  /** The message's `afterSeq` that started that session. */
  readonly startedAfterSeq: number;
  readonly workRemaining: boolean;
}

/** The latest closed session of a run, from its `harness_sleep` summary (none before the first one closes). */
export function lastSessionOf(run: RunSession): LastSession | undefined {
  const ref = run.state.summaries[HARNESS_SLEEP_SUMMARY];
  if (!ref) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(ref.summaryJson);
  } catch {
    return undefined;
  }
  const parsed = SleepSummary.safeParse(json);
  if (!parsed.success) return undefined;
  const { session, startedAfterSeq, workRemaining } = parsed.data;
  return { endSeq: ref.seq, session, startedAfterSeq, workRemaining };
}

export interface SessionRunOptions {
  readonly session: number;
  /** The delivered message's `afterSeq` (recorded so a redelivery after the step can be recognised). */
  readonly startedAfterSeq: number;
  readonly input: Readonly<Record<string, unknown>>;
  /** Timeout for the next provider call (what is left of the invocation, less a margin), asked per call. */
  readonly modelTimeoutMs?: () => number;
  readonly children?: ChildRunner;
}

export interface SessionRunResult {
  readonly session: number;
  readonly status: 'sleeping' | 'completed' | 'failed';
  readonly workRemaining: boolean;
  /** The error that failed the run (domain, fail-run or poison disposition). */
  readonly error?: Error;
}

/** Errors that end the run instead of asking SQS to redeliver. */
const endsRun = (error: unknown): boolean =>
  isKernelError(error) && error.disposition !== 'retry' && error.disposition !== 'conflict';

/**
 * Runs one harness session on a loaded run: initialize (first session) → wake → step → clean-state check → sleep.
 * Lifecycle events carry deterministic step keys and are written once per session, so a redelivered session
 * resumes where it crashed without duplicating them. Retryable errors propagate (SQS redelivers and the session
 * replays); errors that end the run are recorded as `harness_failed` + a failed sleep.
 */
export async function runHarnessSession(run: RunSession, harness: HarnessDefinition, o: SessionRunOptions): Promise<SessionRunResult> {
  const ns = `${harness.name}_s${o.session}`;
  const ended = endedSession(run, ns);
  if (ended) {
    // The session already slept (a crash came before its summary): finish recording it, never run the step again.
    await sleep(run, o, ns, ended.status, ended.workRemaining);
    return { session: o.session, ...ended };
  }
  const recorded = new Set(run.events().flatMap((e) => (e.stepKey ? [e.stepKey] : [])));
  const reorientation = reorient(run, o.session);
  const ctx = createHarnessContext(run, {
    harness, session: o.session, input: o.input, reorientation,
    ...(o.modelTimeoutMs !== undefined ? { modelTimeoutMs: o.modelTimeoutMs } : {}),
    ...(o.children ? { children: o.children } : {}),
  });
  let outcome: StepOutcome;
  try {
    if (o.session === 1 && !recorded.has(`${harness.name}_initialized`)) {
      await harness.initialize?.(ctx);
      await run.appendEvent('harness_initialized', { harnessName: harness.name, model: harness.models.default }, { stepKey: `${harness.name}_initialized` });
    }
    if (!recorded.has(`${ns}_wake`)) {
      await run.appendEvent('harness_wake', { runCreated: o.session === 1, reason: o.session === 1 ? 'initializing' : 'resuming', session: o.session }, { stepKey: `${ns}_wake` });
    }
    await harness.wake?.(ctx);
    outcome = await harness.step(ctx);
    assertCleanState(run);
    await harness.beforeSleep?.(ctx);
    if (!outcome.workRemaining && outcome.result !== undefined) await ctx.setArtifact(HARNESS_RESULT_ARTIFACT, outcome.result);
  } catch (error) {
    if (error instanceof RunPausedError) {
      // Paused (or blocked) mid-session: sleep cleanly; a resume re-enqueues the run.
      await sleep(run, o, ns, 'sleeping', true);
      return { session: o.session, status: 'sleeping', workRemaining: true };
    }
    if (!endsRun(error)) throw error;
    return fail(run, o, ns, ctx.keys.parent, error instanceof Error ? error : new Error(String(error)));
  }
  const status = outcome.workRemaining ? 'sleeping' : 'completed';
  await sleep(run, o, ns, status, outcome.workRemaining);
  return { session: o.session, status, workRemaining: outcome.workRemaining };
}

function reorient(run: RunSession, session: number): Reorientation {
  const latestSleep = run.latestSummary(HARNESS_SLEEP_SUMMARY);
  return { runCreated: session === 1, session, ...(latestSleep !== undefined ? { latestSleep } : {}) };
}

/** Refuses to sleep with partial state: a tool request without a completion. */
function assertCleanState(run: RunSession): void {
  const open = Object.entries(run.state.steps).filter(([, s]) => s.kind === 'tool' && s.completionSeq === undefined);
  if (open.length > 0) {
    throw new HarnessStateError('Cannot sleep with unresolved tool requests.', { runId: run.runId, requestSeqs: open.map(([, s]) => s.requestSeq) });
  }
}

/** The outcome recorded by this session's `harness_sleep` event, if it has one. */
function endedSession(run: RunSession, ns: string): Pick<SessionRunResult, 'status' | 'workRemaining'> | undefined {
  const event = run.events().find((e) => e.eventType === 'harness_sleep' && e.stepKey === `${ns}_sleep`);
  if (event?.eventType !== 'harness_sleep') return undefined;
  return { status: event.payload.status, workRemaining: event.payload.workRemaining ?? event.payload.status === 'sleeping' };
}

/** Lifecycle writes are idempotent per session: a redelivery after a crash between them does not repeat them. */
const recordedKey = (run: RunSession, stepKey: string): boolean => run.events().some((e) => e.stepKey === stepKey);

async function sleep(run: RunSession, o: SessionRunOptions, ns: string, status: SessionRunResult['status'], workRemaining: boolean, error?: Error): Promise<void> {
  if (!recordedKey(run, `${ns}_sleep`)) {
    await run.appendEvent('harness_sleep', {
      status, workRemaining, ...(error ? { executionErrorType: error.name } : {}),
    }, { stepKey: `${ns}_sleep` });
  }
  if (recordedKey(run, `${ns}_sleep_summary`)) return;
  await run.appendSummary(HARNESS_SLEEP_SUMMARY, {
    session: o.session, startedAfterSeq: o.startedAfterSeq, status, workRemaining,
    ...(error ? { error: { type: error.name, message: error.message } } : {}),
  }, { stepKey: `${ns}_sleep_summary` });
}

async function fail(run: RunSession, o: SessionRunOptions, ns: string, lastStepKey: string, error: Error): Promise<SessionRunResult> {
  if (!recordedKey(run, `${ns}_failed`)) {
    await run.appendEvent('harness_failed', { errorType: error.name, message: error.message.slice(0, 2000), lastStepKey }, { stepKey: `${ns}_failed` });
  }
  await sleep(run, o, ns, 'failed', false, error);
  return { session: o.session, status: 'failed', workRemaining: false, error };
}
