import * as z from 'zod/mini';
import { BlobRef, EnvelopeFields, LedgerRecord } from '../models/index.js';
import { hashRecord } from '../crypto/ledger-hash.js';
import { LedgerIntegrityError } from '../errors.js';
import type { Lease, RunHead, RunStatus } from './event-store-port.js';

/**
 * Item codecs of the ledger table: every item read from DynamoDB is parsed here, so a malformed or tampered
 * item fails closed with `LedgerIntegrityError` naming the run and seq.
 */

const Bytes = z.instanceof(Uint8Array);
const nonNegInt = () => z.int().check(z.nonnegative());

/** An event item (seq ≥ 1): the envelope, the stored payload as a map, metering attributes at top level. */
const EventItem = z.extend(EnvelopeFields, {
  hash: z.string(),
  payload: z.strictObject({
    alg: z.enum(['none', 'A256GCM']),
    keyId: z.optional(z.string()),
    iv: z.optional(z.string()),
    digest: z.string(),
    /** Stored as DynamoDB binary (a third smaller than base64); the record carries base64. */
    data: z.optional(Bytes),
    ref: z.optional(BlobRef),
  }),
  model: z.optional(z.string()),
  costUsd: z.optional(z.number()),
  promptTokens: z.optional(nonNegInt()),
  completionTokens: z.optional(nonNegInt()),
});

const LeaseItem = z.object({ owner: z.string(), expiresAt: z.number() });

/** The run head item (seq 0). `snapshot.stateJson` keeps the opaque state out of DynamoDB's type system. */
const HeadItem = z.object({
  runId: z.string(),
  seq: z.literal(0),
  tenantId: z.string(),
  harness: z.optional(z.string()),
  status: z.enum(['active', 'paused', 'failed', 'completed']),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastSeq: nonNegInt(),
  lastHash: z.optional(z.string()),
  spendUsd: z.number(),
  budgetUsdLimit: z.optional(z.number()),
  parentRunId: z.optional(z.string()),
  lease: z.optional(LeaseItem),
  snapshot: z.optional(z.object({ seq: nonNegInt(), stateJson: z.string() })),
});

const omitUndefined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The DynamoDB item of an event; `payload.data` becomes binary. */
export function eventToItem(record: LedgerRecord): Record<string, unknown> {
  const { meter, payload, ...envelope } = record;
  return omitUndefined({
    ...envelope,
    payload: omitUndefined({
      ...payload,
      data: payload.data !== undefined ? Buffer.from(payload.data, 'base64') : undefined,
    }),
    // In clear at top level so exports can be queried for cost without keys; covered by the chain hash.
    ...(meter ?? {}),
  });
}

/**
 * Parses an event item and checks its chain hash, so a modified field is caught at read time.
 * @example const record = itemToEvent(item, 'r1'); // throws LedgerIntegrityError when tampered
 */
export function itemToEvent(item: unknown, runId: string): LedgerRecord {
  const seq = seqOf(item);
  const parsed = EventItem.safeParse(item);
  if (!parsed.success) throw integrity(runId, seq, `malformed event item: ${z.prettifyError(parsed.error)}`);
  const { model, costUsd, promptTokens, completionTokens, payload, ...envelope } = parsed.data;
  const metered = [model, costUsd, promptTokens, completionTokens].filter((v) => v !== undefined).length;
  if (metered !== 0 && metered !== 4) throw integrity(runId, seq, 'incomplete metering attributes');
  const candidate = {
    ...envelope,
    payload: omitUndefined({ ...payload, data: payload.data ? Buffer.from(payload.data).toString('base64') : undefined }),
    ...(model !== undefined ? { meter: { model, costUsd, promptTokens, completionTokens } } : {}),
  };
  const record = LedgerRecord.safeParse(candidate);
  if (!record.success) throw integrity(runId, seq, `malformed event: ${z.prettifyError(record.error)}`);
  if (record.data.runId !== runId) throw integrity(runId, seq, 'event item names another run');
  if (hashRecord(record.data) !== record.data.hash) throw integrity(runId, seq, 'hash mismatch: the event was modified');
  return record.data;
}

export interface HeadFields {
  readonly status: RunStatus;
  readonly updatedAt: string;
  readonly snapshot?: { readonly seq: number; readonly state: unknown };
}

/** The DynamoDB item of a run head, with the sparse-GSI key `gsi1pk` = tenantId. */
export function headToItem(head: RunHead): Record<string, unknown> {
  const { snapshot, ...rest } = head;
  return omitUndefined({
    ...rest,
    seq: 0,
    gsi1pk: head.tenantId,
    snapshot: snapshot ? snapshotToItem(snapshot) : undefined,
  });
}

export const snapshotToItem = (s: { seq: number; state: unknown }): { seq: number; stateJson: string } => ({
  seq: s.seq, stateJson: JSON.stringify(s.state ?? null),
});

/** Parses a head item; `LedgerIntegrityError` when malformed. */
export function itemToHead(item: unknown, runId: string): RunHead {
  const parsed = HeadItem.safeParse(item);
  if (!parsed.success) throw integrity(runId, 0, `malformed run head: ${z.prettifyError(parsed.error)}`);
  const { seq: _seq, snapshot, lease, ...head } = parsed.data;
  if (head.runId !== runId) throw integrity(runId, 0, 'head item names another run');
  let state: unknown;
  if (snapshot) {
    try {
      state = JSON.parse(snapshot.stateJson);
    } catch {
      throw integrity(runId, 0, 'snapshot state is not JSON');
    }
  }
  const typedLease: Lease | undefined = lease ? { owner: lease.owner, expiresAt: lease.expiresAt } : undefined;
  return omitUndefined({ ...head, lease: typedLease, snapshot: snapshot ? { seq: snapshot.seq, state } : undefined });
}

const seqOf = (item: unknown): number | undefined => {
  const r = z.object({ seq: z.number() }).safeParse(item);
  return r.success ? r.data.seq : undefined;
};

const integrity = (runId: string, seq: number | undefined, reason: string): LedgerIntegrityError =>
  new LedgerIntegrityError(`run ${runId}${seq !== undefined ? ` seq ${seq}` : ''}: ${reason}`, { runId, seq, reason });

export { integrity as integrityError };

/** Approximate DynamoDB item size in bytes (names + values), used to decide S3 offload before the put. */
export function approximateItemSize(item: Record<string, unknown>): number {
  return sizeOf(item);
}

function sizeOf(v: unknown): number {
  if (v instanceof Uint8Array) return v.byteLength;
  if (typeof v === 'string') return Buffer.byteLength(v);
  if (typeof v === 'number') return 21;
  if (typeof v === 'boolean' || v === null || v === undefined) return 1;
  if (Array.isArray(v)) return 3 + v.reduce<number>((n, x) => n + 1 + sizeOf(x), 0);
  if (typeof v === 'object') {
    return 3 + Object.entries(v).reduce<number>((n, [k, x]) => n + 1 + Buffer.byteLength(k) + sizeOf(x), 0);
  }
  return 0;
}
