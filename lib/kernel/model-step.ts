import type { $ZodType, output } from 'zod/v4/core';
import { ReplayConsistencyError, RunPausedError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../crypto/core.js';
import type { EventOf, ModelToolCall, ModelUsage } from '../models/index.js';
import type { SessionCore } from './session-core.js';
import type { StepIndexEntry } from './run-state.js';
import { modelIndexKey, driftFields, optionsOf } from './step-index.js';
import { capabilityDecisions, defaultContextVersion, signatureToken } from './model-input.js';
import { prepareModelStep, type PreparedModelStep, type StepModelRequest } from './model-prepare.js';
import { runModelCycle, validateOutput } from './model-cycle.js';
import { replayedFailure } from './model-failure.js';
import { openOrCreateRun } from './run-lifecycle.js';

export interface StepModelResult<T> {
  /** The run the step was recorded in (the fork's id after `fork_on_drift` drift). */
  readonly runId: string;
  /** Seq of the `model_terminal` used. */
  readonly seq: number;
  readonly output: T;
  readonly usage: ModelUsage;
  /** Tool calls the model asked for; never executed by `stepModel` (call `stepTool`). */
  readonly toolCalls: readonly ModelToolCall[];
  readonly replayed: boolean;
  readonly replayedWithDrift: boolean;
  readonly driftFields: readonly string[];
  readonly forkedFromRunId?: string;
  readonly modelCycleId: string;
  readonly apiModeUsed?: 'responses' | 'chat';
  readonly responseId?: string;
}

/** Refuses new steps on a paused or blocked run (pause is enforced, not advisory). */
export function assertRunnable(core: SessionCore): void {
  const pause = core.state.openPauses.at(-1);
  if (pause) throw new RunPausedError(`Run ${core.runId} is paused (${pause.blockedOn ?? pause.reason}); resume it before new steps.`, { runId: core.runId, blockedOn: pause.blockedOn });
}

/** `stepModel`: normalize and prepare, then replay a matching cycle or execute a new one (K-4..K-7). */
export async function stepModel<S extends $ZodType>(core: SessionCore, req: StepModelRequest<S>): Promise<StepModelResult<output<S>>> {
  assertRunnable(core);
  const step = await prepareModelStep(core, req);
  return core.retryOnConflict(() => decideModelStep(core, step));
}

async function decideModelStep<S extends $ZodType>(core: SessionCore, step: PreparedModelStep<S>): Promise<StepModelResult<output<S>>> {
  assertRunnable(core);
  const entry = await core.stepEntry(modelIndexKey(step.model, step.stepKey, step.inputs), step.stepKey);
  if (!entry) return executeFresh(core, step);
  const request = await modelEventAt(core, entry.requestSeq, 'model_requested');
  assertSameToolSignatures(request, step);
  const drift = driftFields({ ...request.payload }, step.inputs);
  if (drift.length > 0) return onDrift(core, step, entry, request, drift);
  if (entry.completionSeq === undefined) return executeCycle(core, step, request);
  const terminal = await modelEventAt(core, entry.completionSeq, 'model_terminal');
  if (terminal.payload.outcome !== 'completed' && step.retryFailedStep) return executeFresh(core, step);
  return replayTerminal(core, step, terminal, { drift: [] });
}

async function onDrift<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, entry: StepIndexEntry, request: EventOf<'model_requested'>, drift: string[],
): Promise<StepModelResult<output<S>>> {
  if (step.replayPolicy === 'strict') {
    throw new ReplayConsistencyError(`Cannot resume run with changed model inputs/options for the same model step. Drift fields: ${drift.join(', ')}.`, { runId: core.runId, stepKey: step.stepKey, driftFields: drift });
  }
  if (step.replayPolicy === 'fork_on_drift') return forkOnDrift(core, step, entry, request, drift);
  if (entry.completionSeq === undefined) return executeFresh(core, step);
  const terminal = await modelEventAt(core, entry.completionSeq, 'model_terminal');
  await markDrift(core, step, entry, request, drift, { policy: 'allow_prompt_drift', terminalSeq: terminal.seq });
  return replayTerminal(core, step, terminal, { drift });
}

/** K-6: record lineage on this run (once per fork), then run the step strictly inside the fork. */
async function forkOnDrift<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, entry: StepIndexEntry, request: EventOf<'model_requested'>, drift: string[],
): Promise<StepModelResult<output<S>>> {
  const i = step.inputs;
  const token = [step.model, step.stepKey ?? '', i.prompt, canonicalJson(i.messages), canonicalJson(optionsOf(i)), 'null'].join('|');
  const forkRunId = `${core.runId}::fork::${sha256Hex(token).slice(0, 12)}`;
  const fork = await openOrCreateRun(core.deps, core.tenant, { runId: forkRunId, forkedFromRunId: core.runId });
  await markDrift(core, step, entry, request, drift, { policy: 'fork_on_drift', forkRunId, ...(entry.completionSeq !== undefined ? { terminalSeq: entry.completionSeq } : {}) });
  const result = await fork.retryOnConflict(() => decideModelStep(fork, { ...step, replayPolicy: 'strict' }));
  return { ...result, forkedFromRunId: core.runId, driftFields: drift };
}

interface DriftMark { readonly policy: 'allow_prompt_drift' | 'fork_on_drift'; readonly terminalSeq?: number; readonly forkRunId?: string }

/** Appends `replayed_with_drift` once per drifted step (and per fork), not on every replay. */
async function markDrift<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, entry: StepIndexEntry, request: EventOf<'model_requested'>, drift: string[], mark: DriftMark,
): Promise<void> {
  const id = mark.forkRunId !== undefined ? `fork:${mark.forkRunId}` : mark.policy;
  if (entry.driftMarks?.includes(id)) return;
  await core.append({
    eventType: 'replayed_with_drift', stepKey: step.stepKey, parentStepKey: step.parentStepKey,
    payload: {
      model: step.model, driftFields: drift, sourceModelRequestedEventId: request.eventId, replayPolicy: mark.policy,
      ...(mark.terminalSeq !== undefined ? { sourceModelTerminalSeq: mark.terminalSeq } : {}),
      ...(mark.forkRunId !== undefined ? { forkRunId: mark.forkRunId } : {}),
    },
  });
}

function assertSameToolSignatures<S extends $ZodType>(request: EventOf<'model_requested'>, step: PreparedModelStep<S>): void {
  const stored = request.payload.allowedToolSignatures.map(signatureToken).join(',');
  const current = step.signatures.map(signatureToken).join(',');
  if (request.payload.allowedToolsHash !== step.signaturesHash || stored !== current) {
    throw new ReplayConsistencyError('Cannot resume run with changed allowed tool signatures for the same model step.', { stepKey: step.stepKey, model: step.model });
  }
}

async function executeFresh<S extends $ZodType>(core: SessionCore, step: PreparedModelStep<S>): Promise<StepModelResult<output<S>>> {
  const i = step.inputs;
  const event = await core.append({
    eventType: 'model_requested', stepKey: step.stepKey, parentStepKey: step.parentStepKey,
    payload: {
      model: step.model, prompt: i.prompt, messages: [...i.messages], apiMode: i.apiMode,
      ...(i.reasoningEffort !== undefined ? { reasoningEffort: i.reasoningEffort } : {}),
      ...(i.verbosity !== undefined ? { verbosity: i.verbosity } : {}),
      ...(i.previousResponseId !== undefined ? { previousResponseId: i.previousResponseId } : {}),
      allowedTools: step.allowedTools.map((t) => t.name).sort(), allowedToolSignatures: step.signatures,
      allowedToolsHash: step.signaturesHash, modelCycleId: core.deps.ids.next(),
      contextVersion: step.contextVersion ?? defaultContextVersion(i.prompt, i.messages),
    },
  });
  if (event.eventType !== 'model_requested') throw new ReplayConsistencyError('Appended request has the wrong type.');
  return executeCycle(core, step, event);
}

async function executeCycle<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, request: EventOf<'model_requested'>,
): Promise<StepModelResult<output<S>>> {
  const { terminal, output } = await runModelCycle(core, step, request);
  await appendCapabilityDecision(core, step);
  return resultOf(core, terminal, output, { replayed: false, drift: [] });
}

async function appendCapabilityDecision<S extends $ZodType>(core: SessionCore, step: PreparedModelStep<S>): Promise<void> {
  const finalNames = step.allowedTools.map((t) => t.name).sort();
  const summary = {
    model: step.model, stepKey: step.stepKey ?? null, tenantCapabilities: [...core.tenant.capabilities].sort(),
    visibleToolNamesApplied: step.visibleToolNames ? [...step.visibleToolNames].sort() : null, finalAllowedTools: finalNames,
    decisions: capabilityDecisions(core.deps.tools.definitions(), core.tenant, step.visibleToolNames, finalNames),
  };
  await core.appendSettled({
    eventType: 'run_summary', stepKey: step.stepKey, parentStepKey: step.parentStepKey,
    payload: { summaryType: 'capability_decision', summaryJson: canonicalJson(summary) },
  });
}

function replayTerminal<S extends $ZodType>(
  core: SessionCore, step: PreparedModelStep<S>, terminal: EventOf<'model_terminal'>, o: { drift: string[] },
): StepModelResult<output<S>> {
  const p = terminal.payload;
  if (p.outcome !== 'completed') throw replayedFailure(terminal);
  if (p.outputJson === undefined || p.promptTokens === undefined || p.completionTokens === undefined || p.costUsd === undefined) {
    throw new ReplayConsistencyError(`Completed model terminal at seq ${terminal.seq} is missing output or usage.`, { seq: terminal.seq });
  }
  const checked = validateOutput(step.outputSchema, parseJson(p.outputJson));
  if (!checked.ok) throw new ReplayConsistencyError(`Recorded output at seq ${terminal.seq} no longer matches the output schema: ${checked.error}`, { seq: terminal.seq });
  return resultOf(core, terminal, checked.data, { replayed: true, drift: o.drift });
}

function resultOf<T>(core: SessionCore, t: EventOf<'model_terminal'>, output: T, o: { replayed: boolean; drift: string[] }): StepModelResult<T> {
  const p = t.payload;
  return {
    runId: core.runId, seq: t.seq, output, replayed: o.replayed, replayedWithDrift: o.drift.length > 0, driftFields: o.drift,
    usage: { promptTokens: p.promptTokens ?? 0, completionTokens: p.completionTokens ?? 0, costUsd: p.costUsd ?? 0 },
    toolCalls: p.toolCalls, modelCycleId: p.modelCycleId,
    ...(p.apiModeUsed !== undefined ? { apiModeUsed: p.apiModeUsed } : {}),
    ...(p.responseId !== undefined ? { responseId: p.responseId } : {}),
  };
}

async function modelEventAt<K extends 'model_requested' | 'model_terminal'>(core: SessionCore, seq: number, type: K): Promise<EventOf<K>> {
  const event = await core.eventAt(seq);
  if (!isType(event, type)) throw new ReplayConsistencyError(`Event ${seq} is not a ${type}.`, { seq });
  return event;
}

const isType = <K extends 'model_requested' | 'model_terminal'>(e: { eventType: string }, type: K): e is EventOf<K> => e.eventType === type;

function parseJson(text: string): unknown {
  try { return JSON.parse(text); } catch { throw new ReplayConsistencyError('Recorded output is not valid JSON.'); }
}
