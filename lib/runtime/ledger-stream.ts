import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { openPayload, type PayloadCipher } from '../crypto/index.js';
import { deliverToFirehose, FIREHOSE_LIMITS, type DeliveryEntry, type DeliveryOptions } from './ledger-stream-delivery.js';
import { fromImage } from './ledger-stream-image.js';
import { EventKeys, isLedgerEventKey, parseEventImage, toSiemRecord, type EventImage, type SiemRecordV1 } from './ledger-stream-record.js';
import type { WorkerLogger, WorkerMetrics } from './worker-deps.js';

export interface LedgerStreamDeps {
  readonly firehose: FirehoseClient;
  readonly deliveryStreamName: string;
  readonly logger: WorkerLogger;
  readonly metrics: WorkerMetrics;
  /** Only when configured (`ARTANA_KMS_KEY_ID` on the function): adds `decrypted` to verified inline events. */
  readonly decrypt?: (image: EventImage) => Promise<unknown>;
  readonly delivery?: DeliveryOptions;
}

/**
 * Decrypts an event image's inline payload with a cipher (bound to its tenant, run and seq).
 * @example createLedgerStreamHandler({ …, decrypt: decryptWith(kmsCipher) })
 */
export const decryptWith = (cipher: PayloadCipher) => (image: EventImage): Promise<unknown> => {
  const { data, ...payload } = image.payload;
  return openPayload(cipher, { ...payload, ...(data ? { data: Buffer.from(data).toString('base64') } : {}) },
    { tenantId: image.tenantId, runId: image.runId, seq: image.seq });
};

const encode = (record: SiemRecordV1 & { decryptError?: string; decryptedOmitted?: boolean }): Uint8Array => {
  let data = Buffer.from(`${JSON.stringify(record)}\n`);
  if (data.byteLength > FIREHOSE_LIMITS.maxRecordBytes && record.decrypted !== undefined) {
    const { decrypted: _dropped, ...rest } = record;
    data = Buffer.from(`${JSON.stringify({ ...rest, decryptedOmitted: true })}\n`);
  }
  return data;
};

/**
 * DynamoDB stream (NEW_IMAGE) → SIEM records (schema v1) → Kinesis Data Firehose. Every event's hash is recomputed:
 * a mismatch (or a MODIFY/REMOVE of an event) counts `LedgerVerificationFailed`, logs an error and is still forwarded
 * with `verified: false`. Records that Firehose keeps rejecting after retries are reported as `batchItemFailures`,
 * so Lambda retries from the first of them (delivery is at least once: deduplicate on `eventId` + `change`).
 * @example export const handler = createLedgerStreamHandler({ firehose, deliveryStreamName, logger, metrics });
 */
export function createLedgerStreamHandler(deps: LedgerStreamDeps): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  return async (event) => {
    const entries: DeliveryEntry[] = [];
    for (const record of event.Records) {
      const entry = await toEntry(deps, record);
      if (entry) entries.push(entry);
    }
    const failed = entries.length > 0 ? await deliverToFirehose(deps.firehose, deps.deliveryStreamName, entries, {
      ...deps.delivery,
      onRetry: (info) => deps.logger.warn('firehose rejected records; retrying', info),
    }) : [];
    deps.metrics.count('LedgerRecordsForwarded', entries.length - failed.length);
    if (failed.length > 0) {
      deps.metrics.count('LedgerDeliveryFailures', failed.length);
      deps.logger.error('records not delivered to firehose after retries', { failed: failed.length, firstSequenceNumber: failed[0] });
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

async function toEntry(deps: LedgerStreamDeps, record: DynamoDBRecord): Promise<DeliveryEntry | undefined> {
  const id = record.dynamodb?.SequenceNumber;
  const change = record.eventName;
  let keys: { runId: string; seq: number };
  try {
    const parsed = EventKeys.safeParse(fromImage(record.dynamodb?.Keys));
    if (!parsed.success || !id || !change) throw new TypeError('record without keys, sequence number or event name');
    keys = parsed.data;
  } catch (e) {
    deps.logger.error('unreadable stream record skipped', { eventID: record.eventID, error: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
  if (!isLedgerEventKey(keys)) return undefined;
  let image: Record<string, unknown> | undefined;
  try { image = change === 'REMOVE' ? undefined : fromImage(record.dynamodb?.NewImage); } catch { image = undefined; }
  const created = record.dynamodb?.ApproximateCreationDateTime;
  const siem = toSiemRecord(image, {
    change, streamSequenceNumber: id, ...(created !== undefined ? { approximateCreationTime: new Date(created * 1000).toISOString() } : {}),
  }, keys);
  if (!siem.verified) {
    deps.metrics.count('LedgerVerificationFailed');
    deps.logger.error('ledger verification failed', { runId: keys.runId, seq: keys.seq, tenantId: siem.tenantId, change, reason: siem.verificationError });
  }
  return { id, data: encode(await withDecryption(deps, siem, image)) };
}

async function withDecryption(deps: LedgerStreamDeps, siem: SiemRecordV1, image: Record<string, unknown> | undefined) {
  const parsed = deps.decrypt && siem.verified ? parseEventImage(image) : undefined;
  if (!deps.decrypt || !parsed) return siem;
  try {
    return { ...siem, decrypted: await deps.decrypt(parsed) };
  } catch (e) {
    return { ...siem, decryptError: e instanceof Error ? e.message : String(e) };
  }
}
