import type { BatchOutcome } from './sqs-batch-settlement.js';

/** Running totals of an `SqsEventSource`. */
export interface EventSourceStats {
  /** ReceiveMessage calls, of which `emptyReceives` returned nothing and `receiveErrors` failed. */
  receives: number;
  emptyReceives: number;
  receiveErrors: number;
  /** Handler invocations and the records they carried. */
  batches: number;
  records: number;
  /** Records left for redelivery (reported, blocked behind a failure in their group, or whole-batch failures). */
  failures: number;
  /** Records deleted after success, and DeleteMessageBatch entries or calls that failed. */
  deletes: number;
  deleteErrors: number;
  /** Whole-batch failures by cause. */
  handlerErrors: number;
  timeouts: number;
  invalidResponses: number;
  /** Batches being processed right now. */
  inFlight: number;
}

/** What `onBatch` receives after each batch has been settled. */
export interface BatchReport {
  poller: number;
  outcome: BatchOutcome;
  records: number;
  failed: number;
  deleted: number;
  durationMs: number;
  /** Distinct MessageGroupIds of the batch, in first-seen order. */
  groups: string[];
}

/** All-zero stats. */
export function emptyEventSourceStats(): EventSourceStats {
  return {
    receives: 0,
    emptyReceives: 0,
    receiveErrors: 0,
    batches: 0,
    records: 0,
    failures: 0,
    deletes: 0,
    deleteErrors: 0,
    handlerErrors: 0,
    timeouts: 0,
    invalidResponses: 0,
    inFlight: 0,
  };
}

/**
 * One readable line for logs and progress output.
 * @example formatEventSourceStats(source.stats())
 * // 'batches 12 · records 30 (failed 2, deleted 28) · receives 40 (empty 9, errors 0) · whole-batch failures: threw 1, timed out 0, invalid 0 · delete errors 0 · in flight 1'
 */
export function formatEventSourceStats(s: EventSourceStats): string {
  return [
    `batches ${s.batches}`,
    `records ${s.records} (failed ${s.failures}, deleted ${s.deletes})`,
    `receives ${s.receives} (empty ${s.emptyReceives}, errors ${s.receiveErrors})`,
    `whole-batch failures: threw ${s.handlerErrors}, timed out ${s.timeouts}, invalid ${s.invalidResponses}`,
    `delete errors ${s.deleteErrors}`,
    `in flight ${s.inFlight}`,
  ].join(' · ');
}
