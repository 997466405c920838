import { PlaintextCipher, hashRecord, openPayload, sealPayload } from '../crypto/core.js';
import type { BlobStore, PayloadCipher } from '../crypto/core.js';
import { parsePayload } from '../models/index.js';
import type { EventType, KernelEvent, LedgerRecord, Meter, PayloadOf } from '../models/index.js';

/** What a syscall decides to append; the session supplies seq, ids, time and the chain link. */
export interface EventDraft<K extends EventType = EventType> {
  readonly eventType: K;
  /** The payload, or a function of the seq the event will be committed at (idempotency keys). */
  readonly payload: PayloadOf<K> | ((seq: number) => PayloadOf<K>);
  readonly stepKey?: string | undefined;
  readonly parentStepKey?: string | undefined;
  readonly meter?: Meter | undefined;
}

export interface RecordPosition {
  readonly tenantId: string;
  readonly runId: string;
  readonly seq: number;
  readonly prevHash?: string | undefined;
  readonly eventId: string;
  readonly timestamp: string;
}

/**
 * Event types stored in clear: a ledger seal holds only hashes, a key id and a signature, and an auditor must be
 * able to check it with the signing key's public key alone (no decrypt permission).
 */
const CLEAR_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['ledger_sealed']);
const clear = new PlaintextCipher();
const cipherFor = (cipher: PayloadCipher, eventType: EventType): PayloadCipher => (CLEAR_EVENT_TYPES.has(eventType) ? clear : cipher);

/** Builds the stored record (payload sealed with the cipher, hash over the envelope) and its decoded event. */
export async function encodeRecord<K extends EventType>(
  cipher: PayloadCipher, at: RecordPosition, draft: EventDraft<K>,
): Promise<{ record: LedgerRecord; event: KernelEvent }> {
  const raw = typeof draft.payload === 'function' ? draft.payload(at.seq) : draft.payload;
  const payload = parsePayload(draft.eventType, raw);
  const envelope = {
    eventId: at.eventId,
    runId: at.runId,
    tenantId: at.tenantId,
    seq: at.seq,
    eventType: draft.eventType,
    timestamp: at.timestamp,
    ...(draft.stepKey !== undefined ? { stepKey: draft.stepKey } : {}),
    ...(draft.parentStepKey !== undefined ? { parentStepKey: draft.parentStepKey } : {}),
    ...(at.prevHash !== undefined ? { prevHash: at.prevHash } : {}),
  };
  const stored = await sealPayload(cipherFor(cipher, draft.eventType), payload, { tenantId: at.tenantId, runId: at.runId, seq: at.seq });
  const unhashed = { ...envelope, payload: stored, ...(draft.meter ? { meter: draft.meter } : {}) };
  const hash = hashRecord(unhashed);
  return { record: { ...unhashed, hash }, event: toEvent({ ...unhashed, hash }, payload) };
}

/** Opens and validates a stored record's payload. */
export async function decodeRecord(cipher: PayloadCipher, record: LedgerRecord, blobs?: BlobStore): Promise<KernelEvent> {
  const value = await openPayload(cipherFor(cipher, record.eventType), record.payload, { tenantId: record.tenantId, runId: record.runId, seq: record.seq }, blobs);
  return toEvent(record, parsePayload(record.eventType, value));
}

function toEvent(record: LedgerRecord, payload: unknown): KernelEvent {
  const { payload: _stored, ...envelope } = record;
  // `payload` was parsed with the schema of `record.eventType` just above, so the pair is a valid union member.
  return { ...envelope, payload } as KernelEvent;
}
