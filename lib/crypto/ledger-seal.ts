import { PayloadSchemas, type EventType } from '../models/events.js';
import { sealStatement, type SealVerifier } from './ledger-signer-port.js';

/**
 * What `verifySeal` reads of each event: the envelope and hash. Only the seal's payload is read, so callers that hold
 * raw (encrypted) records decode just the last one (see `run verify-ledger`); decoded `KernelEvent`s fit as they are.
 */
export interface SealCheckEvent {
  readonly seq: number;
  readonly runId: string;
  readonly tenantId: string;
  readonly eventType: EventType;
  readonly hash: string;
  readonly payload?: unknown;
}

export interface SealVerification {
  /** The ledger holds a `ledger_sealed` event. */
  readonly sealed: boolean;
  /** True for an unsealed ledger (nothing to check) and for a seal that verifies; false otherwise. */
  readonly valid: boolean;
  /** The first offending seq (the seal, or the first event after it). */
  readonly seq?: number;
  readonly reason?: string;
}

const broken = (seq: number, reason: string): SealVerification => ({ sealed: true, valid: false, seq, reason });

/**
 * Checks a run's seal: the `ledger_sealed` event must be the last event, its `headHash` must be the hash of the event
 * before it, and its signature must verify over `sealStatement({ runId, tenantId, seq, headHash })` with the
 * verifier's public key. Run `verifyLedger` too: the seal vouches for the head hash, the chain for everything
 * before it, so together an edited, reordered or re-hashed ledger fails even if the table was rewritten
 * consistently.
 * @example
 * const chain = verifyLedger(records, { head, tenantId });
 * const seal = await verifySeal([...records.slice(0, -1), lastDecoded], verifier); // { sealed: true, valid: true }
 */
export async function verifySeal(events: readonly SealCheckEvent[], verifier: SealVerifier): Promise<SealVerification> {
  const at = events.findIndex((e) => e.eventType === 'ledger_sealed');
  if (at < 0) return { sealed: false, valid: true };
  const seal = events[at]!;
  const after = events[at + 1];
  if (after) return broken(after.seq, `event appended after the seal at seq ${seal.seq}`);
  const prev = events[at - 1];
  if (!prev || prev.seq !== seal.seq - 1) return broken(seal.seq, 'the event before the seal is missing');
  if (prev.runId !== seal.runId || prev.tenantId !== seal.tenantId) return broken(seal.seq, 'the seal belongs to another run');
  const payload = PayloadSchemas.ledger_sealed.safeParse(seal.payload);
  if (!payload.success) return broken(seal.seq, 'the seal payload is unreadable');
  const { headHash, keyId, algorithm, signature } = payload.data;
  if (keyId === undefined || algorithm === undefined || signature === undefined) return broken(seal.seq, 'the seal is not signed');
  if (headHash !== prev.hash) return broken(seal.seq, 'the sealed head hash differs from the hash of the event before the seal');
  const statement = sealStatement({ runId: seal.runId, tenantId: seal.tenantId, seq: prev.seq, headHash });
  let ok = false;
  try {
    ok = await verifier.verify({ keyId, algorithm, signature, headHash, statement });
  } catch (error) {
    return broken(seal.seq, `the seal could not be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
  return ok ? { sealed: true, valid: true, seq: seal.seq } : broken(seal.seq, `the seal signature does not verify (key ${keyId}, ${algorithm})`);
}
