import { encodeStepMessage } from './sqs-step-queue.js';
import type { StepMessage } from './messages.js';
import type { StepQueue } from './step-queue-port.js';

/** SQS FIFO deduplication interval. */
export const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

/** One accepted message of a {@link MemoryStepQueue}. */
export interface QueuedStepMessage {
  readonly message: StepMessage;
  readonly groupId: string;
  readonly deduplicationId: string;
  /** Increases by one per accepted message, like the FIFO `SequenceNumber`. */
  readonly sequenceNumber: number;
  readonly sentAt: number;
}

/** Construction parameters of {@link MemoryStepQueue}. */
export interface MemoryStepQueueOptions {
  /** Milliseconds clock for the deduplication window; `Date.now` by default. */
  now?: () => number;
}

/**
 * In-memory FIFO `StepQueue` for unit tests of the worker: a send whose deduplication id was accepted
 * in the last five minutes (by the injected clock) is dropped, as SQS FIFO does; the body goes through
 * the same encoding (size check) as the SQS adapter. `take()` hands the pending messages back in order.
 * @example
 * let t = 0; const queue = new MemoryStepQueue({ now: () => t });
 * await queue.send(msg, { groupId: 'r1', deduplicationId: 'r1:3' });
 * await queue.send(msg, { groupId: 'r1', deduplicationId: 'r1:3' }); // dropped
 * queue.take(); // [{ message: msg, groupId: 'r1', … }]
 */
export class MemoryStepQueue implements StepQueue {
  readonly #now: () => number;
  readonly #accepted: QueuedStepMessage[] = [];
  readonly #dedup = new Map<string, number>();
  #pending: QueuedStepMessage[] = [];
  #duplicates = 0;
  #failures: Error[] = [];

  constructor(options: MemoryStepQueueOptions = {}) {
    this.#now = options.now ?? (() => Date.now());
  }

  async send(message: StepMessage, options: { groupId: string; deduplicationId: string }): Promise<void> {
    const failure = this.#failures.shift();
    if (failure !== undefined) throw failure;
    encodeStepMessage(message); // same size limit as the SQS adapter
    const now = this.#now();
    const acceptedAt = this.#dedup.get(options.deduplicationId);
    if (acceptedAt !== undefined && now - acceptedAt < DEDUPLICATION_WINDOW_MS) {
      this.#duplicates += 1;
      return;
    }
    this.#dedup.set(options.deduplicationId, now);
    const queued: QueuedStepMessage = {
      message: structuredClone(message),
      groupId: options.groupId,
      deduplicationId: options.deduplicationId,
      sequenceNumber: this.#accepted.length + 1,
      sentAt: now,
    };
    this.#accepted.push(queued);
    this.#pending.push(queued);
  }

  /** Removes and returns the pending messages, oldest first. */
  take(): QueuedStepMessage[] {
    const pending = this.#pending;
    this.#pending = [];
    return pending;
  }

  /** Pending messages without removing them. */
  peek(): readonly QueuedStepMessage[] {
    return [...this.#pending];
  }

  /** Every message ever accepted (duplicates excluded), oldest first. */
  get sent(): readonly QueuedStepMessage[] {
    return [...this.#accepted];
  }

  /** How many sends were dropped as duplicates. */
  get duplicatesDropped(): number {
    return this.#duplicates;
  }

  /** Makes the next `send` reject with `error` (e.g. a `DependencyUnavailableError`) without enqueuing. */
  failNextSend(error: Error): void {
    this.#failures.push(error);
  }
}
