import * as z from 'zod/mini';
import { openPayload, sealPayload, type BlobStore, type PayloadCipher } from '../crypto/core.js';
import { DecryptionError, LedgerIntegrityError } from '../errors.js';
import { StoredPayload } from '../models/index.js';
import { parseSnapshot, type RunState } from './run-state.js';

/** The head's snapshot as stored: the folded state sealed like an event payload (it holds summaries and artifacts). */
export const SealedSnapshot = z.object({ sealed: StoredPayload });

/**
 * Cipher context of a snapshot: a negative position, so its ciphertext can never pass for an event's (seq ≥ 1),
 * and bound to the seq it was folded at.
 */
const snapshotContext = (tenantId: string, runId: string, seq: number) => ({ tenantId, runId, seq: -(seq + 1) });

/**
 * Seals a run state for the head.
 * @example const state = await sealSnapshot(cipher, runState); await store.commitHead(t, r, { …, snapshot: { seq, state } });
 */
export async function sealSnapshot(cipher: PayloadCipher, state: RunState): Promise<z.infer<typeof SealedSnapshot>> {
  return { sealed: await sealPayload(cipher, state, snapshotContext(state.tenantId, state.runId, state.lastSeq)) };
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
