import { randomUUID } from 'node:crypto';
import type { EventType, LedgerRecord, Meter } from '../../lib/models/index.js';
import { hashRecord } from '../../lib/crypto/ledger-hash.js';
import { PlaintextCipher } from '../../lib/crypto/plaintext-cipher.js';
import { sealPayload } from '../../lib/crypto/payload-codec.js';

const cipher = new PlaintextCipher();

export interface NextRecordOptions {
  readonly eventType?: EventType;
  readonly payload?: unknown;
  readonly meter?: Meter;
  readonly timestamp?: string;
  readonly stepKey?: string;
}

/**
 * Builds the record that follows `prev` (or seq 1 when `prev` is undefined) with a valid chain hash.
 * @example const r2 = await nextRecord('t1', 'r1', r1, { eventType: 'model_requested' });
 */
export async function nextRecord(
  tenantId: string, runId: string, prev: Pick<LedgerRecord, 'seq' | 'hash'> | undefined, options: NextRecordOptions = {},
): Promise<LedgerRecord> {
  const seq = (prev?.seq ?? 0) + 1;
  const base = {
    eventId: randomUUID(),
    runId,
    tenantId,
    seq,
    eventType: options.eventType ?? 'run_summary',
    timestamp: options.timestamp ?? new Date(Date.UTC(2026, 0, 1, 0, 0, 0, seq)).toISOString(),
    ...(options.stepKey !== undefined ? { stepKey: options.stepKey } : {}),
    ...(prev ? { prevHash: prev.hash } : {}),
    ...(options.meter ? { meter: options.meter } : {}),
    payload: await sealPayload(cipher, options.payload ?? { summaryType: 'test', summaryJson: JSON.stringify({ seq }) }, { tenantId, runId, seq }),
  };
  return { ...base, hash: hashRecord(base) };
}

/**
 * A valid chain of `n` records (seq 1..n), each hashed and linked, payloads sealed with `PlaintextCipher`.
 * @example const records = await makeChain('t1', 'r1', 5);
 */
export async function makeChain(
  tenantId: string, runId: string, n: number, options: { payloadBytes?: number; after?: LedgerRecord } = {},
): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let prev: LedgerRecord | undefined = options.after;
  for (let i = 0; i < n; i++) {
    const payload = options.payloadBytes ? { summaryType: 'pad', summaryJson: 'x'.repeat(options.payloadBytes) } : undefined;
    prev = await nextRecord(tenantId, runId, prev, payload ? { payload } : {});
    records.push(prev);
  }
  return records;
}
