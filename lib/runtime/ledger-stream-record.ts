import * as z from 'zod/mini';
import { hashRecord, sha256Hex } from '../crypto/core.js';
import { BlobRef, EnvelopeFields } from '../models/index.js';

/**
 * SIEM record schema, version 1 (docs/operations.md "SIEM record schema"): one JSON object per ledger event the
 * DynamoDB stream carries. Payloads are described (alg, keyId, digest, size, location), never included, so the SIEM
 * sees no plaintext unless decryption is configured (`decrypted`).
 */
export interface SiemRecordV1 {
  readonly schemaVersion: 1;
  readonly source: 'artana.ledger';
  /** INSERT for a new event; MODIFY or REMOVE of an event item is itself a tampering signal. */
  readonly change: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly streamSequenceNumber: string;
  readonly approximateCreationTime?: string;
  readonly runId: string;
  readonly seq: number;
  readonly tenantId?: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly timestamp?: string;
  readonly stepKey?: string;
  readonly parentStepKey?: string;
  readonly hash?: string;
  readonly prevHash?: string;
  /** The stored hash equals the recomputed one (and inline bytes match their digest). */
  readonly verified: boolean;
  readonly verificationError?: string;
  readonly payload?: { alg: string; keyId?: string; digest: string; bytes?: number; location: 'inline' | 's3'; ref?: BlobRef };
  readonly metering?: { model: string; costUsd: number; promptTokens: number; completionTokens: number };
  readonly decrypted?: unknown;
}

const EventImage = z.extend(EnvelopeFields, {
  hash: z.string(),
  payload: z.object({
    alg: z.enum(['none', 'A256GCM']), keyId: z.optional(z.string()), iv: z.optional(z.string()), digest: z.string(),
    data: z.optional(z.instanceof(Uint8Array)), ref: z.optional(BlobRef),
  }),
  model: z.optional(z.string()),
  costUsd: z.optional(z.number()),
  promptTokens: z.optional(z.int()),
  completionTokens: z.optional(z.int()),
});
export type EventImage = z.infer<typeof EventImage>;

export const EventKeys = z.object({ runId: z.string(), seq: z.number() });

/** Heads (seq 0), tenant registry / spend items and wrapped data keys are not ledger events. */
export const isLedgerEventKey = (keys: { runId: string; seq: number }): boolean =>
  keys.seq >= 1 && !keys.runId.startsWith('tenant#') && !keys.runId.startsWith('datakey#');

export interface StreamMeta {
  readonly change: SiemRecordV1['change'];
  readonly streamSequenceNumber: string;
  readonly approximateCreationTime?: string;
}

const opt = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

/** Recomputes the chain hash of an event image (and its inline payload digest); undefined when it verifies. */
export function verificationErrorOf(image: EventImage): string | undefined {
  const { model, costUsd, promptTokens, completionTokens, payload, hash, ...envelope } = image;
  const meter = model !== undefined && costUsd !== undefined && promptTokens !== undefined && completionTokens !== undefined
    ? { model, costUsd, promptTokens, completionTokens } : undefined;
  const recomputed = hashRecord({
    ...envelope, ...(meter ? { meter } : {}),
    payload: { alg: payload.alg, digest: payload.digest, ...opt('keyId', payload.keyId), ...opt('iv', payload.iv) },
  });
  if (recomputed !== hash) return 'hash mismatch: the event was modified';
  if (payload.data !== undefined && sha256Hex(payload.data) !== payload.digest) return 'payload bytes do not match their digest';
  return undefined;
}

/**
 * Builds the SIEM record of one event image (already unmarshalled). A malformed image still yields a record, with
 * `verified: false` and the reason, so the SIEM sees everything that reached the table.
 * @example toSiemRecord(image, { change: 'INSERT', streamSequenceNumber: '100' }, { runId: 'r1', seq: 3 })
 */
export function toSiemRecord(image: unknown, meta: StreamMeta, keys: { runId: string; seq: number }): SiemRecordV1 {
  const base = {
    schemaVersion: 1, source: 'artana.ledger', change: meta.change, streamSequenceNumber: meta.streamSequenceNumber,
    ...opt('approximateCreationTime', meta.approximateCreationTime), runId: keys.runId, seq: keys.seq,
  } as const;
  if (meta.change === 'REMOVE') return { ...base, verified: false, verificationError: 'event item deleted' };
  const parsed = EventImage.safeParse(image);
  if (!parsed.success) return { ...base, verified: false, verificationError: `malformed event item: ${z.prettifyError(parsed.error)}` };
  const e = parsed.data;
  const error = verificationErrorOf(e) ?? (meta.change === 'MODIFY' ? 'event item modified after it was written' : undefined);
  return {
    ...base, tenantId: e.tenantId, eventId: e.eventId, eventType: e.eventType, timestamp: e.timestamp,
    ...opt('stepKey', e.stepKey), ...opt('parentStepKey', e.parentStepKey), hash: e.hash, ...opt('prevHash', e.prevHash),
    verified: error === undefined, ...opt('verificationError', error),
    payload: {
      alg: e.payload.alg, digest: e.payload.digest, ...opt('keyId', e.payload.keyId),
      ...opt('bytes', e.payload.data?.byteLength ?? e.payload.ref?.bytes), location: e.payload.ref ? 's3' : 'inline', ...opt('ref', e.payload.ref),
    },
    ...(e.model !== undefined && e.costUsd !== undefined && e.promptTokens !== undefined && e.completionTokens !== undefined
      ? { metering: { model: e.model, costUsd: e.costUsd, promptTokens: e.promptTokens, completionTokens: e.completionTokens } } : {}),
  };
}

/** The parsed image, for optional decryption by the handler. */
export const parseEventImage = (image: unknown): EventImage | undefined => {
  const parsed = EventImage.safeParse(image);
  return parsed.success ? parsed.data : undefined;
};
