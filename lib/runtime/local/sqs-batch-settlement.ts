import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** The handler Lambda would call for an SQS event source mapping with `ReportBatchItemFailures`. */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** How one invocation ended. */
export type Invocation =
  | { kind: 'returned'; response: SQSBatchResponse | void }
  | { kind: 'threw'; error: unknown }
  | { kind: 'timeout' };

/** What the event source concluded about a batch. */
export type BatchOutcome = 'ok' | 'partial' | 'handler_error' | 'timeout' | 'invalid_response';

/** Records to delete and records left for redelivery. */
export interface BatchSettlement {
  outcome: BatchOutcome;
  deletable: SQSRecord[];
  failed: SQSRecord[];
}

/**
 * Calls the handler and races it against the function timeout, as Lambda does; a synchronous throw
 * counts as a rejection. A timed-out handler is abandoned, not cancelled (a local process cannot kill it).
 * @example const invocation = await invokeHandler(handler, event, context, 60_000);
 */
export async function invokeHandler(handler: SqsBatchHandler, event: SQSEvent, context: Context, timeoutMs: number): Promise<Invocation> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Invocation>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const call = Promise.resolve()
    .then(() => handler(event, context))
    .then(
      (response): Invocation => ({ kind: 'returned', response }),
      (error: unknown): Invocation => ({ kind: 'threw', error }),
    );
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lambda's rules for a batch with `ReportBatchItemFailures`: a throw or a timeout fails the whole batch;
 * a response naming an id that is not in the batch (or an empty id) fails the whole batch; otherwise the
 * records not listed are deleted. FIFO: once a record of a group fails, the later records of that group
 * are kept too, so a group's order is never broken by deleting past a failure.
 * @example settleBatch(event.Records, { kind: 'returned', response: { batchItemFailures: [{ itemIdentifier: id }] } })
 */
export function settleBatch(records: readonly SQSRecord[], invocation: Invocation): BatchSettlement {
  const all = (outcome: BatchOutcome): BatchSettlement => ({ outcome, deletable: [], failed: [...records] });
  if (invocation.kind === 'threw') return all('handler_error');
  if (invocation.kind === 'timeout') return all('timeout');
  const reported = reportedFailures(invocation.response);
  const ids = new Set(records.map((r) => r.messageId));
  if (reported === undefined || [...reported].some((id) => !ids.has(id))) return all('invalid_response');
  const blockedGroups = new Set<string>();
  const deletable: SQSRecord[] = [];
  const failed: SQSRecord[] = [];
  for (const record of records) {
    const group = record.attributes.MessageGroupId;
    const blocked = group !== undefined && blockedGroups.has(group);
    if (reported.has(record.messageId) || blocked) {
      failed.push(record);
      if (group !== undefined) blockedGroups.add(group);
    } else {
      deletable.push(record);
    }
  }
  return { outcome: failed.length === 0 ? 'ok' : 'partial', deletable, failed };
}

/** The reported ids, or undefined when the response is malformed (Lambda then fails the whole batch). */
function reportedFailures(response: SQSBatchResponse | void): Set<string> | undefined {
  if (response === undefined || response === null) return new Set();
  const items: unknown = response.batchItemFailures;
  if (items === undefined || items === null) return new Set();
  if (!Array.isArray(items)) return undefined;
  const ids = new Set<string>();
  for (const item of items) {
    const id: unknown = typeof item === 'object' && item !== null ? Reflect.get(item, 'itemIdentifier') : undefined;
    if (typeof id !== 'string' || id === '') return undefined;
    ids.add(id);
  }
  return ids;
}
