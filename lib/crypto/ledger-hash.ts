import type { LedgerRecord } from '../models/index.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';

/** The record fields the chain hash covers: the envelope, the meter, and the stored payload's digest. */
export type HashedFields = Omit<LedgerRecord, 'hash'>;

/**
 * `hash = sha256(JCS(envelope + meter + { alg, keyId, iv, digest }))`. The payload bytes are covered through
 * their digest, so the chain verifies without decrypt permission and whether the bytes are inline or in S3.
 */
export function hashRecord(record: HashedFields): string {
  const { payload } = record;
  return sha256Hex(
    canonicalJson({
      eventId: record.eventId,
      runId: record.runId,
      tenantId: record.tenantId,
      seq: record.seq,
      eventType: record.eventType,
      timestamp: record.timestamp,
      stepKey: record.stepKey ?? null,
      parentStepKey: record.parentStepKey ?? null,
      prevHash: record.prevHash ?? null,
      meter: record.meter ?? null,
      payload: { alg: payload.alg, keyId: payload.keyId ?? null, iv: payload.iv ?? null, digest: payload.digest },
    }),
  );
}

export interface LedgerVerification {
  readonly valid: boolean;
  readonly firstInvalidSeq?: number;
  readonly reason?: string;
  readonly checked: number;
}

export interface VerifyOptions {
  /** The run head's last committed seq and hash: a ledger that ends before it was truncated. */
  readonly head?: { readonly lastSeq: number; readonly lastHash?: string };
  /** Verify a suffix: the seq and hash of the event before `records[0]`. */
  readonly anchor?: { readonly seq: number; readonly hash: string };
  /** Expected owner of every event. */
  readonly tenantId?: string;
  /** Expected run of every event (default: the first record's). */
  readonly runId?: string;
}

const invalid = (seq: number, reason: string, checked: number): LedgerVerification => ({
  valid: false, firstInvalidSeq: seq, reason, checked,
});

/**
 * Verifies a run's ledger: contiguous seqs, one run and tenant, each `prevHash` linking to the previous
 * record's hash, each hash recomputed, each inline payload matching its digest, and no truncated tail.
 * Needs no key. Reports the first invalid seq.
 * @example const { valid, firstInvalidSeq } = verifyLedger(await store.loadEvents('t1', 'r1'));
 */
export function verifyLedger(records: readonly LedgerRecord[], options: VerifyOptions = {}): LedgerVerification {
  let prev = options.anchor;
  const first = records[0];
  const runId = options.runId ?? first?.runId;
  const tenantId = options.tenantId ?? first?.tenantId;
  for (const [i, r] of records.entries()) {
    const expectedSeq = (prev?.seq ?? 0) + 1;
    if (r.seq !== expectedSeq) return invalid(Math.min(r.seq, expectedSeq), `expected seq ${expectedSeq}, found ${r.seq}`, i);
    if (r.runId !== runId) return invalid(r.seq, 'event belongs to another run', i);
    if (r.tenantId !== tenantId) return invalid(r.seq, 'event belongs to another tenant', i);
    if ((r.prevHash ?? undefined) !== prev?.hash) return invalid(r.seq, 'prevHash does not link to the previous event', i);
    if (hashRecord(r) !== r.hash) return invalid(r.seq, 'hash mismatch: the event was modified', i);
    if (r.payload.data !== undefined && sha256Hex(Buffer.from(r.payload.data, 'base64')) !== r.payload.digest) {
      return invalid(r.seq, 'payload bytes do not match their digest', i);
    }
    prev = { seq: r.seq, hash: r.hash };
  }
  const head = options.head;
  if (head && head.lastSeq > (prev?.seq ?? 0)) {
    return invalid((prev?.seq ?? 0) + 1, `ledger truncated: head records seq ${head.lastSeq}`, records.length);
  }
  if (head?.lastHash && head.lastSeq > 0) {
    const atHead = records.find((r) => r.seq === head.lastSeq);
    if (atHead && atHead.hash !== head.lastHash) return invalid(head.lastSeq, 'event at head seq differs from the head hash', records.length);
  }
  return { valid: true, checked: records.length };
}
