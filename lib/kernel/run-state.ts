import * as z from 'zod/mini';
import type { KernelEvent, EventOf } from '../models/index.js';
import { modelIndexKey, toolIndexKey } from './step-index.js';

const seq = () => z.int().check(z.nonnegative());

export const StepIndexEntry = z.object({
  kind: z.enum(['model', 'tool']),
  /** Newest request of this step. */
  requestSeq: seq(),
  requestEventId: z.string(),
  /** Latest terminal / completion of that request. */
  completionSeq: z.optional(seq()),
  /** Drift markers already written for this step (`allow_prompt_drift` or `fork:<runId>`). */
  driftMarks: z.optional(z.array(z.string())),
});
export type StepIndexEntry = z.infer<typeof StepIndexEntry>;

export const OpenPause = z.object({
  seq: seq(),
  reason: z.string(),
  blockedOn: z.optional(z.string()),
  unblockKey: z.optional(z.string()),
});
export type OpenPause = z.infer<typeof OpenPause>;

export const SummaryRef = z.object({ seq: seq(), stepKey: z.optional(z.string()), summaryJson: z.string() });
export type SummaryRef = z.infer<typeof SummaryRef>;

export const FailureInfo = z.object({
  reason: z.string(),
  category: z.optional(z.string()),
  diagnosticsJson: z.optional(z.string()),
  stepKey: z.optional(z.string()),
});

/**
 * Everything the kernel needs to serve a syscall without reading the whole ledger; stored as the head snapshot.
 * A pure fold of the events (`evolve`), so a snapshot plus the tail after it equals folding all events.
 */
export const RunState = z.object({
  tenantId: z.string(),
  runId: z.string(),
  lastSeq: seq(),
  lastHash: z.optional(z.string()),
  /** From `run_started`: the harness name, the run input and lineage. */
  harness: z.optional(z.string()),
  input: z.optional(z.unknown()),
  parentRunId: z.optional(z.string()),
  forkedFromRunId: z.optional(z.string()),
  lastEventType: z.optional(z.string()),
  startedAt: z.optional(z.string()),
  updatedAt: z.optional(z.string()),
  status: z.enum(['active', 'paused', 'failed', 'completed']),
  spendUsd: z.number(),
  openPauses: z.array(OpenPause),
  failure: z.optional(FailureInfo),
  driftCount: seq(),
  lastStage: z.optional(z.string()),
  lastTool: z.optional(z.string()),
  lastStepKey: z.optional(z.string()),
  /** Latest `run_summary` per summary type. */
  summaries: z.record(z.string(), SummaryRef),
  /** Step index: model / tool match key → request and completion seqs. */
  steps: z.record(z.string(), StepIndexEntry),
  /** Request event id → its step-index key (to attach terminals and completions). */
  requests: z.record(z.string(), z.string()),
});
export type RunState = z.infer<typeof RunState>;

export const initialRunState = (tenantId: string, runId: string): RunState => ({
  tenantId, runId, lastSeq: 0, status: 'active', spendUsd: 0, openPauses: [], driftCount: 0,
  summaries: {}, steps: {}, requests: {},
});

type Evolver<K extends KernelEvent['eventType']> = (s: RunState, e: EventOf<K>) => RunState;

const activeUnlessPaused = (s: RunState): RunState['status'] => (s.openPauses.length > 0 ? 'paused' : 'active');

function blockedOnOf(contextJson: string | undefined): { blockedOn?: string; unblockKey?: string } {
  if (!contextJson) return {};
  const parsed = z.record(z.string(), z.unknown()).safeParse(safeJson(contextJson));
  if (!parsed.success) return {};
  const { approvalKey, unblockKey } = parsed.data;
  if (typeof approvalKey === 'string') return { blockedOn: `approval:${approvalKey}` };
  if (typeof unblockKey === 'string') return { blockedOn: `unblock:${unblockKey}`, unblockKey };
  return {};
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const onModelRequested: Evolver<'model_requested'> = (s, e) => {
  const p = e.payload;
  const key = modelIndexKey(p.model, e.stepKey, { ...p, apiMode: p.apiMode });
  const prior = s.steps[key];
  const entry: StepIndexEntry = { kind: 'model', requestSeq: e.seq, requestEventId: e.eventId, ...(prior?.driftMarks ? { driftMarks: prior.driftMarks } : {}) };
  const failed = s.status === 'failed';
  return {
    ...s,
    steps: { ...s.steps, [key]: entry },
    requests: { ...s.requests, [e.eventId]: key },
    ...(failed ? { status: activeUnlessPaused(s), failure: undefined } : {}),
  };
};

const onModelTerminal: Evolver<'model_terminal'> = (s, e) => {
  const p = e.payload;
  const key = s.requests[p.sourceModelRequestedEventId];
  const entry = key ? s.steps[key] : undefined;
  const steps = key && entry && entry.requestEventId === p.sourceModelRequestedEventId ? { ...s.steps, [key]: { ...entry, completionSeq: e.seq } } : s.steps;
  const spendUsd = s.spendUsd + (p.costUsd ?? 0);
  if (p.outcome === 'completed') {
    return { ...s, steps, spendUsd, failure: undefined, status: s.status === 'failed' ? activeUnlessPaused(s) : s.status };
  }
  const failure = {
    reason: p.failureReason ?? p.errorCategory ?? p.outcome,
    ...(p.errorCategory !== undefined ? { category: p.errorCategory } : {}),
    ...(p.diagnosticsJson !== undefined ? { diagnosticsJson: p.diagnosticsJson } : {}),
    ...(e.stepKey !== undefined ? { stepKey: e.stepKey } : {}),
  };
  return { ...s, steps, spendUsd, failure, status: 'failed' };
};

const onToolRequested: Evolver<'tool_requested'> = (s, e) => {
  const key = toolIndexKey(e.payload.toolName, e.payload.argumentsJson, e.stepKey);
  return {
    ...s,
    steps: { ...s.steps, [key]: { kind: 'tool', requestSeq: e.seq, requestEventId: e.eventId } },
    requests: { ...s.requests, [e.eventId]: key },
  };
};

const onToolCompleted: Evolver<'tool_completed'> = (s, e) => {
  const key = s.requests[e.payload.requestId];
  const entry = key ? s.steps[key] : undefined;
  const steps = key && entry && entry.requestEventId === e.payload.requestId ? { ...s.steps, [key]: { ...entry, completionSeq: e.seq } } : s.steps;
  return { ...s, steps, lastTool: e.payload.toolName };
};

const onDrift: Evolver<'replayed_with_drift'> = (s, e) => {
  const mark = e.payload.forkRunId ? `fork:${e.payload.forkRunId}` : e.payload.replayPolicy;
  const key = s.requests[e.payload.sourceModelRequestedEventId];
  const entry = key ? s.steps[key] : undefined;
  const steps = key && entry ? { ...s.steps, [key]: { ...entry, driftMarks: [...(entry.driftMarks ?? []), mark] } } : s.steps;
  return { ...s, steps, driftCount: s.driftCount + 1 };
};

const onPause: Evolver<'pause_requested'> = (s, e) => {
  const pause: OpenPause = { seq: e.seq, reason: e.payload.reason, ...blockedOnOf(e.payload.contextJson) };
  return { ...s, openPauses: [...s.openPauses, pause], status: 'paused', failure: undefined };
};

const onResume: Evolver<'resume_requested'> = (s) => {
  const openPauses = s.openPauses.slice(0, -1);
  const status = openPauses.length > 0 ? 'paused' : s.status === 'failed' || s.status === 'completed' ? s.status : 'active';
  return { ...s, openPauses, status };
};

const onSleep: Evolver<'harness_sleep'> = (s, e) => {
  const p = e.payload;
  if (p.status === 'failed') {
    return { ...s, status: 'failed', failure: { reason: p.executionErrorType ?? p.sleepErrorType ?? 'harness_sleep_failed', category: 'internal' } };
  }
  if (p.status === 'completed') return { ...s, status: s.openPauses.length > 0 ? 'paused' : 'completed', failure: undefined };
  return s;
};

const onSummary: Evolver<'run_summary'> = (s, e) => {
  const ref: SummaryRef = { seq: e.seq, summaryJson: e.payload.summaryJson, ...(e.stepKey !== undefined ? { stepKey: e.stepKey } : {}) };
  return { ...s, summaries: { ...s.summaries, [e.payload.summaryType]: ref } };
};

function applyType(s: RunState, e: KernelEvent): RunState {
  switch (e.eventType) {
    case 'run_started': return { ...s, ...e.payload, status: activeUnlessPaused(s), failure: undefined };
    case 'model_requested': return onModelRequested(s, e);
    case 'model_terminal': return onModelTerminal(s, e);
    case 'tool_requested': return onToolRequested(s, e);
    case 'tool_completed': return onToolCompleted(s, e);
    case 'replayed_with_drift': return onDrift(s, e);
    case 'pause_requested': return onPause(s, e);
    case 'resume_requested': return onResume(s, e);
    case 'harness_sleep': return onSleep(s, e);
    case 'harness_failed': return { ...s, status: 'failed', failure: { reason: e.payload.errorType, category: 'internal', ...(e.payload.lastStepKey !== undefined ? { stepKey: e.payload.lastStepKey } : {}) } };
    case 'harness_stage': return { ...s, lastStage: e.payload.stage };
    case 'run_summary': return onSummary(s, e);
    default: return s;
  }
}

/**
 * The fold: state after `event`. Pure and total; events of another run are a programming error upstream (the
 * session verifies the chain before folding).
 * @example const state = events.reduce(evolve, initialRunState('t1', 'r1'));
 */
export function evolve(state: RunState, event: KernelEvent): RunState {
  const next = applyType(state, event);
  const stepKey = stepKeyOf(event) ?? next.lastStepKey;
  return {
    ...next,
    lastSeq: event.seq,
    lastHash: event.hash,
    lastEventType: event.eventType,
    startedAt: state.startedAt ?? event.timestamp,
    updatedAt: event.timestamp,
    ...(stepKey !== undefined ? { lastStepKey: stepKey } : {}),
  };
}

const stepKeyOf = (e: KernelEvent): string | undefined => e.stepKey ?? e.parentStepKey;

/** Parses a head snapshot; undefined when it is missing or not a RunState of this run. */
export function parseSnapshot(value: unknown, tenantId: string, runId: string): RunState | undefined {
  const parsed = RunState.safeParse(value);
  if (!parsed.success || parsed.data.tenantId !== tenantId || parsed.data.runId !== runId) return undefined;
  return parsed.data;
}
