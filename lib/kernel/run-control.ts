import { ValidationError } from '../errors.js';
import { canonicalJson } from '../crypto/core.js';
import type { SessionCore } from './session-core.js';

export interface PauseTicket {
  readonly runId: string;
  /** The `pause_requested` event id. */
  readonly ticketId: string;
  readonly seq: number;
  readonly reason: string;
}

export interface PauseOptions {
  /** Any JSON value, stored as canonical JSON in `contextJson`. */
  readonly context?: unknown;
  readonly stepKey?: string;
  readonly parentStepKey?: string;
}

/** Appends `pause_requested`; the run refuses `stepModel` / `stepTool` until every open pause is resumed. */
export async function pause(core: SessionCore, reason: string, o: PauseOptions = {}): Promise<PauseTicket> {
  const event = await core.appendSettled({
    eventType: 'pause_requested', stepKey: o.stepKey, parentStepKey: o.parentStepKey,
    payload: { reason, ...(o.context !== undefined ? { contextJson: canonicalJson(o.context) } : {}) },
  });
  return { runId: core.runId, ticketId: event.eventId, seq: event.seq, reason };
}

/** Appends `resume_requested` (closes the most recent open pause). */
export async function resume(core: SessionCore, o: { humanInput?: unknown; parentStepKey?: string } = {}): Promise<number> {
  const event = await core.appendSettled({
    eventType: 'resume_requested', parentStepKey: o.parentStepKey,
    payload: o.humanInput !== undefined ? { humanInputJson: canonicalJson(o.humanInput) } : {},
  });
  return event.seq;
}

export interface BlockOptions {
  readonly unblockKey?: string;
  readonly metadata?: unknown;
  readonly stepKey?: string;
  readonly parentStepKey?: string;
}

/** A pause that waits for `unblock` with a key (`blockedOn` = `unblock:<key>`). */
export async function block(core: SessionCore, reason: string, o: BlockOptions = {}): Promise<PauseTicket> {
  const context = {
    ...(o.unblockKey !== undefined ? { unblockKey: o.unblockKey } : {}),
    ...(o.metadata !== undefined ? { metadataJson: canonicalJson(o.metadata) } : {}),
  };
  return pause(core, reason, { context, ...(o.stepKey !== undefined ? { stepKey: o.stepKey } : {}), ...(o.parentStepKey !== undefined ? { parentStepKey: o.parentStepKey } : {}) });
}

/** Ends the current block: checks the key, records `run_unblocked[::key]`, then resumes. */
export async function unblock(core: SessionCore, o: { unblockKey?: string; metadata?: unknown; parentStepKey?: string } = {}): Promise<number> {
  const open = core.state.openPauses.at(-1);
  if (!open) throw new ValidationError(`Run ${core.runId} is not currently blocked or paused.`, { runId: core.runId });
  if (o.unblockKey !== undefined && open.unblockKey !== o.unblockKey) {
    throw new ValidationError(`Unblock key does not match the block of run ${core.runId}.`, { runId: core.runId });
  }
  const human = o.unblockKey !== undefined || o.metadata !== undefined
    ? { unblockKey: o.unblockKey ?? null, metadataJson: o.metadata !== undefined ? canonicalJson(o.metadata) : null }
    : undefined;
  if (human) {
    const suffix = o.unblockKey !== undefined ? `::${o.unblockKey}` : '';
    await core.appendSettled({
      eventType: 'run_summary', stepKey: o.unblockKey !== undefined ? `unblock_${o.unblockKey}` : 'run_unblocked', parentStepKey: o.parentStepKey,
      payload: { summaryType: `run_unblocked${suffix}`, summaryJson: canonicalJson(human) },
    });
  }
  return resume(core, { ...(human ? { humanInput: human } : {}), ...(o.parentStepKey !== undefined ? { parentStepKey: o.parentStepKey } : {}) });
}
