import * as z from 'zod/mini';
import { openPayload, sealPayload, type BlobStore, type PayloadCipher } from '../crypto/core.js';
import { DecryptionError, LedgerIntegrityError } from '../errors.js';
import { StoredPayload, type KernelEvent } from '../models/index.js';
import { parseSnapshot, type RunState } from './run-state.js';

/** The head's snapshot as stored: the folded state sealed like an event payload (it holds summaries and artifacts). */
export const SealedSnapshot = z.object({ sealed: StoredPayload });

/**
 * Cipher context of a snapshot: a negative position, so its ciphertext can never pass for an event's (seq ≥ 1),
 * and bound to the seq it was folded at.
 */
const snapshotContext = (tenantId: string, runId: string, seq: number) => ({ tenantId, runId, seq: -(seq + 1) });

/** Summaries larger than this are not copied into the snapshot (the head item must stay far below 400 KB). */
export const INLINE_SUMMARY_MAX_CHARS = 4 * 1024;
/** Budget for all inline summaries together; the largest are elided first. */
export const INLINE_SUMMARIES_BUDGET_CHARS = 16 * 1024;

/**
 * The state as stored: large summaries (artifacts, results) are elided — kept as a reference to their event, whose
 * payload `hydrateSummaries` reads back when a session opens — so the head stays small whatever a harness stores.
 */
export function compactForSnapshot(state: RunState): RunState {
  const bySize = Object.entries(state.summaries).sort(([, a], [, b]) => b.summaryJson.length - a.summaryJson.length);
  let total = bySize.reduce((n, [, r]) => n + r.summaryJson.length, 0);
  const summaries: RunState['summaries'] = { ...state.summaries };
  for (const [type, ref] of bySize) {
    if (ref.summaryJson.length <= INLINE_SUMMARY_MAX_CHARS && total <= INLINE_SUMMARIES_BUDGET_CHARS) break;
    summaries[type] = { seq: ref.seq, ...(ref.stepKey !== undefined ? { stepKey: ref.stepKey } : {}), summaryJson: '', elided: true };
    total -= ref.summaryJson.length;
  }
  return { ...state, summaries };
}

/**
 * Seals a run state for the head (compacted: see `compactForSnapshot`).
 * @example const state = await sealSnapshot(cipher, runState); await store.commitHead(t, r, { …, snapshot: { seq, state } });
 */
export async function sealSnapshot(cipher: PayloadCipher, state: RunState): Promise<z.infer<typeof SealedSnapshot>> {
  return { sealed: await sealPayload(cipher, compactForSnapshot(state), snapshotContext(state.tenantId, state.runId, state.lastSeq)) };
}

/** Reads back the summaries a snapshot elided (one batched read of their events); mutates `state`. */
export async function hydrateSummaries(state: RunState, eventsAt: (seqs: number[]) => Promise<KernelEvent[]>): Promise<void> {
  const elided = Object.entries(state.summaries).filter(([, r]) => r.elided);
  if (elided.length === 0) return;
  const events = new Map((await eventsAt(elided.map(([, r]) => r.seq))).map((e) => [e.seq, e]));
  for (const [type, ref] of elided) {
    const event = events.get(ref.seq);
    if (event?.eventType !== 'run_summary' || event.payload.summaryType !== type) {
      throw new LedgerIntegrityError(`Summary ${type} at seq ${ref.seq} of run ${state.runId} is missing.`, { runId: state.runId, seq: ref.seq });
    }
    state.summaries[type] = { seq: ref.seq, ...(ref.stepKey !== undefined ? { stepKey: ref.stepKey } : {}), summaryJson: event.payload.summaryJson };
  }
}

/**
 * Opens a head snapshot; undefined when it cannot be used (malformed, another run's, or not decryptable): a
 * snapshot is only a cache, and the caller then folds the whole ledger instead.
 */
export async function openSnapshot(
  cipher: PayloadCipher, snapshot: { seq: number; state: unknown }, tenantId: string, runId: string, blobs?: BlobStore,
): Promise<RunState | undefined> {
  const sealed = SealedSnapshot.safeParse(snapshot.state);
  if (!sealed.success) return undefined;
  try {
    const state = await openPayload(cipher, sealed.data.sealed, snapshotContext(tenantId, runId, snapshot.seq), blobs);
    return parseSnapshot(state, tenantId, runId);
  } catch (error) {
    // Unusable snapshot (tampered, wrong key): fold the ledger instead. Anything else (throttling, a crash) propagates.
    if (error instanceof DecryptionError || error instanceof LedgerIntegrityError) return undefined;
    throw error;
  }
}
