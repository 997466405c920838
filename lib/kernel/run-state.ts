import * as z from 'zod/mini';
import type { KernelEvent, EventOf } from '../models/index.js';
import { modelIndexKey, toolIndexKey } from './step-index.js';
import { StepBloom, bloomAdd } from './step-bloom.js';

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

export const SummaryRef = z.object({
  seq: seq(),
  stepKey: z.optional(z.string()),
  summaryJson: z.string(),
  /** Set in a stored snapshot when the summary was too large to keep inline: `summaryJson` is read from its event. */
  elided: z.optional(z.boolean()),
});
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
  /** Keys evicted from `steps` (bounded to MAX_STEP_INDEX entries): a hit is confirmed by reading the ledger. */
  evicted: z.optional(StepBloom),
});
export type RunState = z.infer<typeof RunState>;

export const initialRunState = (tenantId: string, runId: string): RunState => ({
  tenantId, runId, lastSeq: 0, status: 'active', spendUsd: 0, openPauses: [], driftCount: 0,
  summaries: {}, steps: {}, requests: {},
});

type Mutator<K extends KernelEvent['eventType']> = (s: RunState, e: EventOf<K>) => void;

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

/**
 * Entries kept in the snapshot's step index. Older completed steps move to the `evicted` Bloom filter, so the head
 * stays small and its write cost flat however long the run is.
 */
export const MAX_STEP_INDEX = 32;

/** Records a request under its index key, replacing the key's previous request, and bounds the index. */
function indexRequest(s: RunState, key: string, entry: StepIndexEntry): void {
  const prior = s.steps[key];
  if (prior) delete s.requests[prior.requestEventId];
  s.steps[key] = entry;
  s.requests[entry.requestEventId] = key;
  const keys = Object.keys(s.steps);
  if (keys.length <= MAX_STEP_INDEX) return;
  const oldest = keys
    .filter((k) => s.steps[k]?.completionSeq !== undefined)
    .sort((a, b) => (s.steps[a]?.requestSeq ?? 0) - (s.steps[b]?.requestSeq ?? 0))
    .slice(0, keys.length - MAX_STEP_INDEX);
  for (const k of oldest) {
    const evicted = s.steps[k];
    if (evicted) delete s.requests[evicted.requestEventId];
    delete s.steps[k];
    s.evicted ??= { filters: [] };
    bloomAdd(s.evicted, k);
  }
}

const onModelRequested: Mutator<'model_requested'> = (s, e) => {
  const p = e.payload;
  const key = modelIndexKey(p.model, e.stepKey, p);
  const prior = s.steps[key];
  indexRequest(s, key, { kind: 'model', requestSeq: e.seq, requestEventId: e.eventId, ...(prior?.driftMarks ? { driftMarks: prior.driftMarks } : {}) });
  if (s.status === 'failed') {
    s.status = activeUnlessPaused(s);
    delete s.failure;
  }
};

/** Points the step of `requestEventId` at its latest terminal / completion. */
function complete(s: RunState, requestEventId: string, seq: number): void {
  const key = s.requests[requestEventId];
  const entry = key ? s.steps[key] : undefined;
  if (key && entry && entry.requestEventId === requestEventId) s.steps[key] = { ...entry, completionSeq: seq };
}

const onModelTerminal: Mutator<'model_terminal'> = (s, e) => {
  const p = e.payload;
  complete(s, p.sourceModelRequestedEventId, e.seq);
  s.spendUsd += p.costUsd ?? 0;
  if (p.outcome === 'completed') {
    delete s.failure;
    if (s.status === 'failed') s.status = activeUnlessPaused(s);
    return;
  }
  s.failure = {
    reason: p.failureReason ?? p.errorCategory ?? p.outcome,
    ...(p.errorCategory !== undefined ? { category: p.errorCategory } : {}),
    ...(p.diagnosticsJson !== undefined ? { diagnosticsJson: p.diagnosticsJson } : {}),
    ...(e.stepKey !== undefined ? { stepKey: e.stepKey } : {}),
  };
  s.status = 'failed';
};

const onToolRequested: Mutator<'tool_requested'> = (s, e) => {
  const key = toolIndexKey(e.payload.toolName, e.payload.argumentsJson, e.stepKey);
  indexRequest(s, key, { kind: 'tool', requestSeq: e.seq, requestEventId: e.eventId });
};

const onToolCompleted: Mutator<'tool_completed'> = (s, e) => {
  complete(s, e.payload.requestId, e.seq);
  s.lastTool = e.payload.toolName;
};

const onDrift: Mutator<'replayed_with_drift'> = (s, e) => {
  const mark = e.payload.forkRunId ? `fork:${e.payload.forkRunId}` : e.payload.replayPolicy;
  const key = s.requests[e.payload.sourceModelRequestedEventId];
  const entry = key ? s.steps[key] : undefined;
  if (key && entry) s.steps[key] = { ...entry, driftMarks: [...(entry.driftMarks ?? []), mark] };
  s.driftCount += 1;
};

const onPause: Mutator<'pause_requested'> = (s, e) => {
  s.openPauses.push({ seq: e.seq, reason: e.payload.reason, ...blockedOnOf(e.payload.contextJson) });
  s.status = 'paused';
  delete s.failure;
};

const onResume: Mutator<'resume_requested'> = (s) => {
  s.openPauses.pop();
  if (s.openPauses.length > 0) s.status = 'paused';
  else if (s.status !== 'failed' && s.status !== 'completed') s.status = 'active';
};

const onSleep: Mutator<'harness_sleep'> = (s, e) => {
  const p = e.payload;
  if (p.status === 'failed') {
    s.status = 'failed';
    s.failure = { reason: p.executionErrorType ?? p.sleepErrorType ?? 'harness_sleep_failed', category: 'internal' };
  } else if (p.status === 'completed') {
    s.status = s.openPauses.length > 0 ? 'paused' : 'completed';
    delete s.failure;
  }
};

const onHarnessFailed: Mutator<'harness_failed'> = (s, e) => {
  s.status = 'failed';
  s.failure = { reason: e.payload.errorType, category: 'internal', ...(e.payload.lastStepKey !== undefined ? { stepKey: e.payload.lastStepKey } : {}) };
};

const onRunStarted: Mutator<'run_started'> = (s, e) => {
  Object.assign(s, e.payload);
  s.status = activeUnlessPaused(s);
  delete s.failure;
};

function applyType(s: RunState, e: KernelEvent): void {
  switch (e.eventType) {
    case 'run_started': return onRunStarted(s, e);
    case 'model_requested': return onModelRequested(s, e);
    case 'model_terminal': return onModelTerminal(s, e);
    case 'tool_requested': return onToolRequested(s, e);
    case 'tool_completed': return onToolCompleted(s, e);
    case 'replayed_with_drift': return onDrift(s, e);
    case 'pause_requested': return onPause(s, e);
    case 'resume_requested': return onResume(s, e);
    case 'harness_sleep': return onSleep(s, e);
    case 'harness_failed': return onHarnessFailed(s, e);
    case 'harness_stage': { s.lastStage = e.payload.stage; return; }
    case 'run_summary': {
      s.summaries[e.payload.summaryType] = { seq: e.seq, summaryJson: e.payload.summaryJson, ...(e.stepKey !== undefined ? { stepKey: e.stepKey } : {}) };
      return;
    }
    default: return;
  }
}

/**
 * Folds `event` into a state the caller owns, in place: O(1) per event whatever the run length. Sessions use it
 * on their private state; everything else uses the pure `evolve`.
 */
export function evolveInPlace(state: RunState, event: KernelEvent): void {
  applyType(state, event);
  const stepKey = event.stepKey ?? event.parentStepKey;
  state.lastSeq = event.seq;
  state.lastHash = event.hash;
  state.lastEventType = event.eventType;
  state.startedAt ??= event.timestamp;
  state.updatedAt = event.timestamp;
  if (stepKey !== undefined) state.lastStepKey = stepKey;
}

/**
 * The fold: state after `event`, without touching `state` (decider style, given/when/then testable).
 * @example const state = events.reduce(evolve, initialRunState('t1', 'r1'));
 */
export function evolve(state: RunState, event: KernelEvent): RunState {
  const next = structuredClone(state);
  evolveInPlace(next, event);
  return next;
}

/** Parses a head snapshot; undefined when it is missing or not a RunState of this run. */
export function parseSnapshot(value: unknown, tenantId: string, runId: string): RunState | undefined {
  const parsed = RunState.safeParse(value);
  if (!parsed.success || parsed.data.tenantId !== tenantId || parsed.data.runId !== runId) return undefined;
  return parsed.data;
}
