import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';

/** Firehose limits per `PutRecordBatch` call (docs: 500 records, 4 MiB) and per record (1,000 KiB). */
export const FIREHOSE_LIMITS = { maxRecords: 500, maxBatchBytes: 4 * 1024 * 1024, maxRecordBytes: 1000 * 1024 } as const;

export interface DeliveryEntry {
  /** The stream record's SequenceNumber: what a partial batch failure reports. */
  readonly id: string;
  readonly data: Uint8Array;
}

export interface DeliveryOptions {
  /** Attempts per record, the first included (default 4). */
  readonly maxAttempts?: number;
  /** Back-off before attempt n+1: base · 2^(n-1), capped at 2 s (default 100 ms). */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (info: { attempt: number; failed: number; error?: string }) => void;
}

/**
 * Splits entries into PutRecordBatch calls within the record and byte limits, keeping order.
 * @example chunkForFirehose(entries).length // number of calls
 */
export function chunkForFirehose(entries: readonly DeliveryEntry[]): DeliveryEntry[][] {
  const chunks: DeliveryEntry[][] = [];
  let current: DeliveryEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    if (current.length === FIREHOSE_LIMITS.maxRecords || (current.length > 0 && bytes + e.data.byteLength > FIREHOSE_LIMITS.maxBatchBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += e.data.byteLength;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Delivers entries to a Firehose stream, retrying the records Firehose rejected (`FailedPutCount`) or the whole call
 * when it throws, with bounded exponential back-off. Returns the ids that still failed after the last attempt.
 * @example const failed = await deliverToFirehose(firehose, 'artana-ledger', entries);
 */
export async function deliverToFirehose(client: FirehoseClient, streamName: string, entries: readonly DeliveryEntry[], o: DeliveryOptions = {}): Promise<string[]> {
  const maxAttempts = o.maxAttempts ?? 4;
  const sleep = o.sleep ?? defaultSleep;
  let pending = [...entries];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const failed: DeliveryEntry[] = [];
    let error: string | undefined;
    for (const chunk of chunkForFirehose(pending)) {
      try {
        const res = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: streamName, Records: chunk.map((e) => ({ Data: e.data })) }));
        if ((res.FailedPutCount ?? 0) === 0) continue;
        const responses = res.RequestResponses ?? [];
        chunk.forEach((e, i) => { if (responses[i]?.ErrorCode || !responses[i]) failed.push(e); });
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        failed.push(...chunk);
      }
    }
    pending = failed;
    if (pending.length === 0 || attempt >= maxAttempts) break;
    o.onRetry?.({ attempt, failed: pending.length, ...(error ? { error } : {}) });
    await sleep(Math.min(2000, (o.baseDelayMs ?? 100) * 2 ** (attempt - 1)));
  }
  return pending.map((e) => e.id);
}
