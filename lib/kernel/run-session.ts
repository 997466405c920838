import type { $ZodType, output } from 'zod/v4/core';
import { sealSnapshot } from './snapshot-codec.js';
import { ValidationError } from '../errors.js';
import type { EventType, KernelEvent, PayloadOf, TenantContext } from '../models/index.js';
import type { SessionCore } from './session-core.js';
import type { RunState, SummaryRef } from './run-state.js';
import { stepModel, type StepModelResult } from './model-step.js';
import type { StepModelRequest } from './model-prepare.js';
import { reconcileTool, stepTool, type StepToolRequest, type StepToolResult } from './tool-step.js';
import { block, pause, resume, unblock, type BlockOptions, type PauseOptions, type PauseTicket } from './run-control.js';
import { appendSummary, checkpoint, getArtifact, listArtifacts, setArtifact, type SummaryOptions } from './run-records.js';
import { runProgress, runStatus, type RunProgress, type RunStatusView } from './run-status.js';

/** Event types a harness or workflow may append directly; kernel-owned types go through their syscalls. */
export const APPENDABLE_EVENT_TYPES = [
  'harness_initialized', 'harness_wake', 'harness_sleep', 'harness_failed', 'harness_stage',
  'workflow_step_requested', 'workflow_step_completed', 'ledger_sealed',
] as const satisfies readonly EventType[];
export type AppendableEventType = (typeof APPENDABLE_EVENT_TYPES)[number];

const isAppendable = (t: EventType): t is AppendableEventType => (APPENDABLE_EVENT_TYPES as readonly string[]).includes(t);

/**
 * The unit of work on one run: one `readRun` when opened, then every syscall is served from the folded state in
 * memory and appends with a conditional write. Call `commit()` at a step boundary to write the head snapshot.
 * @example
 * const run = await kernel.openRun(tenant, 'r1');
 * const { output } = await run.stepModel({ model: 'm', input: { prompt: 'hi' }, outputSchema: Answer, stepKey: 'answer' });
 * await run.commit();
 */
export class RunSession {
  readonly #core: SessionCore;

  constructor(core: SessionCore) {
    this.#core = core;
  }

  get runId(): string { return this.#core.runId; }
  get tenant(): TenantContext { return this.#core.tenant; }
  /** The folded run state (read-only view). */
  get state(): RunState { return this.#core.state; }

  /** Model step with replay (K-4..K-8). @example await run.stepModel({ model, input: { prompt }, outputSchema, stepKey: 'plan' }) */
  stepModel<S extends $ZodType>(request: StepModelRequest<S>): Promise<StepModelResult<output<S>>> {
    return stepModel(this.#core, request);
  }

  /** Two-phase tool step (K-9). @example await run.stepTool({ toolName: 'get_balance', arguments: { accountId: 'a1' }, stepKey: 'bal' }) */
  stepTool(request: StepToolRequest): Promise<StepToolResult> {
    return stepTool(this.#core, request);
  }

  /** Settles an `unknown_outcome` tool step (K-10). */
  reconcileTool(request: StepToolRequest): Promise<StepToolResult> {
    return reconcileTool(this.#core, request);
  }

  pause(reason: string, options?: PauseOptions): Promise<PauseTicket> { return pause(this.#core, reason, options); }
  /** @returns the seq of `resume_requested`. */
  resume(options?: { humanInput?: unknown; parentStepKey?: string }): Promise<number> { return resume(this.#core, options); }
  block(reason: string, options?: BlockOptions): Promise<PauseTicket> { return block(this.#core, reason, options); }
  unblock(options?: { unblockKey?: string; metadata?: unknown; parentStepKey?: string }): Promise<number> { return unblock(this.#core, options); }

  /** @returns the seq of the `run_summary`. */
  appendSummary(summaryType: string, summary: unknown, options?: SummaryOptions): Promise<number> {
    return appendSummary(this.#core, summaryType, summary, options);
  }

  /** Appends a harness / workflow event (payload validated by its schema). @example await run.appendEvent('harness_stage', { stage: 'draft' }) */
  async appendEvent<K extends AppendableEventType>(type: K, payload: PayloadOf<K>, keys: SummaryOptions = {}): Promise<KernelEvent> {
    if (!isAppendable(type)) throw new ValidationError(`Event type ${type} is written by the kernel, not appended directly.`, { type });
    return this.#core.appendSettled({ eventType: type, payload, stepKey: keys.stepKey, parentStepKey: keys.parentStepKey });
  }

  checkpoint(name: string, payload: unknown, options?: SummaryOptions): Promise<number> { return checkpoint(this.#core, name, payload, options); }
  setArtifact(key: string, value: unknown, options?: SummaryOptions & { schemaVersion?: string }): Promise<number> { return setArtifact(this.#core, key, value, options); }
  getArtifact(key: string): unknown { return getArtifact(this.#core, key); }
  listArtifacts(): Record<string, unknown> { return listArtifacts(this.#core); }

  /** The latest summary of a type, parsed from JSON (the raw string when it is not JSON); undefined when none. */
  latestSummary(summaryType: string): unknown {
    const ref = this.#core.state.summaries[summaryType];
    if (!ref) return undefined;
    try { return JSON.parse(ref.summaryJson); } catch { return ref.summaryJson; }
  }

  /** The latest summary of a type as recorded: `{ seq, stepKey?, summaryJson }`. */
  latestSummaryRecord(summaryType: string): SummaryRef | undefined {
    return this.#core.state.summaries[summaryType];
  }

  getRunStatus(): RunStatusView { return runStatus(this.#core.state); }
  getRunProgress(): RunProgress { return runProgress(this.#core.state, this.#core.deps.clock.now()); }

  /** Decoded events this session holds: the tail after the snapshot, events it appended and any it fetched. */
  events(): KernelEvent[] { return this.#core.loadedEvents(); }

  /**
   * Writes the run head at a step boundary: last seq/hash, status, spend and the folded state as snapshot, so the
   * next session reads only the events after it. Returns false when a newer head was already committed.
   */
  async commit(options: { releaseLeaseOwner?: string } = {}): Promise<boolean> {
    const s = this.#core.state;
    if (s.lastHash === undefined) return false;
    const state = await sealSnapshot(this.#core.deps.cipher, s);
    return this.#core.deps.store.commitHead(this.tenant.tenantId, this.runId, {
      lastSeq: s.lastSeq, lastHash: s.lastHash, status: s.status, spendUsd: s.spendUsd,
      updatedAt: this.#core.deps.clock.now().toISOString(), snapshot: { seq: s.lastSeq, state },
      ...(options.releaseLeaseOwner !== undefined ? { releaseLeaseOwner: options.releaseLeaseOwner } : {}),
    });
  }
}
