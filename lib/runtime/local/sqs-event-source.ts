import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { Message, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { ConfigurationError, DependencyUnavailableError } from '../../errors.js';
import { toQueueError } from '../../queue/sqs-errors.js';
import { createLambdaContext } from './lambda-context.js';
import { invokeHandler, settleBatch } from './sqs-batch-settlement.js';
import type { BatchSettlement, SqsBatchHandler } from './sqs-batch-settlement.js';
import { emptyEventSourceStats } from './sqs-event-source-stats.js';
import type { BatchReport, EventSourceStats } from './sqs-event-source-stats.js';
import { queueArnFromUrl, toSqsEvent } from './sqs-lambda-event.js';

export type { SqsBatchHandler } from './sqs-batch-settlement.js';

/** Where an event-source problem happened (see `onError`). */
export type EventSourceErrorSite = 'receive' | 'handler' | 'delete' | 'on_batch';

/** Options of {@link SqsEventSource}. */
export interface SqsEventSourceOptions {
  client: SQSClient;
  queueUrl: string;
  handler: SqsBatchHandler;
  /** 1–10 (the Lambda limit for FIFO); 10 by default. */
  batchSize?: number;
  /** Passed on each receive; the queue's own visibility timeout applies when omitted. */
  visibilityTimeoutSec?: number;
  /** The "function timeout": `getRemainingTimeInMillis` counts down from it; a slower handler fails its batch. 30 s by default. */
  functionTimeoutMs?: number;
  /** Concurrent receive loops (Lambda scales these per active message group); 1 by default. */
  pollers?: number;
  /** Long-poll wait per receive, 0–20 s; 1 by default (it also bounds how long `stop()` takes). */
  waitTimeSeconds?: number;
  functionName?: string;
  region?: string;
  /** `eventSourceARN` of the records; derived from the queue URL when omitted. */
  queueArn?: string;
  onBatch?: (report: BatchReport) => void;
  onError?: (error: unknown, site: EventSourceErrorSite) => void;
}

/** Options of {@link SqsEventSource.drain}. */
export interface DrainOptions {
  /** How long the queue must stay empty, with no batch in flight, to count as drained. */
  idleMs: number;
  /** Give up (reject) after this long; 15 minutes by default. */
  timeoutMs?: number;
  /** How often the queue's counters are read; min(idleMs, 100) by default. */
  checkEveryMs?: number;
}

const MAX_BACKOFF_MS = 2_000;

/**
 * A local stand-in for the Lambda SQS event source mapping (FIFO, `ReportBatchItemFailures`): each poller
 * receives up to `batchSize` messages, calls the handler with a real-shaped `SQSEvent` and `Context`, and
 * deletes the records it may delete (see `settleBatch`). Failed records are left in flight, so — as with
 * Lambda — they come back after the visibility timeout, their group stays blocked meanwhile, and after
 * `maxReceiveCount` receives the queue's redrive policy moves them to the DLQ.
 * @example
 * const source = new SqsEventSource({ client, queueUrl, handler, pollers: 4, visibilityTimeoutSec: 30 });
 * source.start();
 * await source.drain({ idleMs: 500 });
 * await source.stop();
 * console.log(formatEventSourceStats(source.stats()));
 */
export class SqsEventSource {
  readonly #options: SqsEventSourceOptions;
  readonly #batchSize: number;
  readonly #waitTimeSeconds: number;
  readonly #queueArn: string;
  readonly #region: string;
  #stats: EventSourceStats = emptyEventSourceStats();
  #loops: Promise<void>[] = [];
  #abort: AbortController | undefined;

  constructor(options: SqsEventSourceOptions) {
    this.#batchSize = options.batchSize ?? 10;
    this.#waitTimeSeconds = options.waitTimeSeconds ?? 1;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > 10) {
      throw new ConfigurationError(`batchSize must be 1–10 for a FIFO queue, got ${this.#batchSize}`);
    }
    if (this.#waitTimeSeconds < 0 || this.#waitTimeSeconds > 20) {
      throw new ConfigurationError(`waitTimeSeconds must be 0–20, got ${this.#waitTimeSeconds}`);
    }
    this.#options = options;
    this.#region = options.region ?? process.env['AWS_REGION'] ?? 'us-east-1';
    this.#queueArn = options.queueArn ?? queueArnFromUrl(options.queueUrl, this.#region);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.#abort !== undefined;
  }

  /** Starts the pollers; a second call while running does nothing. */
  start(): void {
    if (this.#abort !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    const pollers = Math.max(1, this.#options.pollers ?? 1);
    this.#loops = Array.from({ length: pollers }, (_, i) => this.#poll(i, abort.signal));
  }

  /** Stops receiving and resolves once every in-flight receive and batch has finished (at most one long poll later). */
  async stop(): Promise<void> {
    this.#abort?.abort();
    this.#abort = undefined;
    const loops = this.#loops;
    this.#loops = [];
    await Promise.all(loops);
  }

  /** A snapshot of the running totals. */
  stats(): EventSourceStats {
    return { ...this.#stats };
  }

  /**
   * Resolves when the queue has had no visible, in-flight or delayed message and no batch has been in
   * flight for `idleMs` in a row; rejects after `timeoutMs` or if the source is not running.
   */
  async drain(options: DrainOptions): Promise<void> {
    const checkEveryMs = options.checkEveryMs ?? Math.min(options.idleMs, 100);
    const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
    let idleSince: number | undefined;
    while (Date.now() < deadline) {
      if (!this.running) throw new ConfigurationError('drain() needs a started event source');
      const idle = this.#stats.inFlight === 0 && (await this.#queueIsEmpty());
      const now = Date.now();
      idleSince = idle ? (idleSince ?? now) : undefined;
      if (idleSince !== undefined && now - idleSince >= options.idleMs) return;
      await sleep(checkEveryMs);
    }
    throw new DependencyUnavailableError(`queue did not drain within ${options.timeoutMs ?? 15 * 60_000} ms`, {
      queueUrl: this.#options.queueUrl,
    });
  }

  async #queueIsEmpty(): Promise<boolean> {
    const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
    const command = new GetQueueAttributesCommand({ QueueUrl: this.#options.queueUrl, AttributeNames: [...names] });
    let attributes: Partial<Record<string, string>>;
    try {
      attributes = (await this.#options.client.send(command)).Attributes ?? {};
    } catch (error) {
      throw toQueueError(error, { operation: 'GetQueueAttributes', queueUrl: this.#options.queueUrl });
    }
    return names.every((name) => Number(attributes[name] ?? '0') === 0);
  }

  async #poll(poller: number, signal: AbortSignal): Promise<void> {
    let backoffMs = 0;
    while (!signal.aborted) {
      const messages = await this.#receive();
      if (messages === undefined) {
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(100, backoffMs * 2));
        await pause(backoffMs, signal);
      } else if (messages.length === 0) {
        backoffMs = 0;
        if (this.#waitTimeSeconds === 0) await pause(50, signal); // no long poll: do not spin
      } else {
        backoffMs = 0;
        await this.#runBatch(poller, messages);
      }
    }
  }

  /** One ReceiveMessage; undefined when it failed (reported through `onError`). */
  async #receive(): Promise<Message[] | undefined> {
    this.#stats.receives += 1;
    try {
      const { Messages = [] } = await this.#options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#options.queueUrl,
          MaxNumberOfMessages: this.#batchSize,
          WaitTimeSeconds: this.#waitTimeSeconds,
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
          ...(this.#options.visibilityTimeoutSec === undefined ? {} : { VisibilityTimeout: this.#options.visibilityTimeoutSec }),
        }),
      );
      if (Messages.length === 0) this.#stats.emptyReceives += 1;
      return Messages;
    } catch (error) {
      this.#stats.receiveErrors += 1;
      this.#report(error, 'receive');
      return undefined;
    }
  }

  async #runBatch(poller: number, messages: Message[]): Promise<void> {
    this.#stats.inFlight += 1;
    const started = Date.now();
    try {
      const event = toSqsEvent(messages, { queueArn: this.#queueArn, region: this.#region });
      const timeoutMs = this.#options.functionTimeoutMs ?? 30_000;
      const context = createLambdaContext({ functionName: this.#options.functionName ?? 'step-worker', functionTimeoutMs: timeoutMs, region: this.#region });
      const invocation = await invokeHandler(this.#options.handler, event, context, timeoutMs);
      if (invocation.kind === 'threw') this.#report(invocation.error, 'handler');
      const settlement = settleBatch(event.Records, invocation);
      const deleted = await this.#delete(settlement.deletable);
      this.#count(settlement, event.Records.length, deleted);
      this.#notify({ poller, outcome: settlement.outcome, records: event.Records.length, failed: settlement.failed.length, deleted, durationMs: Date.now() - started, groups: groupsOf(event.Records) });
    } finally {
      this.#stats.inFlight -= 1;
    }
  }

  /** Deletes the settled records; returns how many were deleted. */
  async #delete(records: SQSRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    const Entries = records.map((r, i) => ({ Id: `m${i}`, ReceiptHandle: r.receiptHandle }));
    try {
      const { Failed = [] } = await this.#options.client.send(new DeleteMessageBatchCommand({ QueueUrl: this.#options.queueUrl, Entries }));
      if (Failed.length > 0) this.#report(new Error(`DeleteMessageBatch failed for ${Failed.length} entries: ${Failed.map((f) => f.Code).join(', ')}`), 'delete');
      this.#stats.deleteErrors += Failed.length;
      return records.length - Failed.length;
    } catch (error) {
      this.#stats.deleteErrors += records.length;
      this.#report(error, 'delete');
      return 0;
    }
  }

  #count(settlement: BatchSettlement, records: number, deleted: number): void {
    const s = this.#stats;
    s.batches += 1;
    s.records += records;
    s.failures += settlement.failed.length;
    s.deletes += deleted;
    if (settlement.outcome === 'handler_error') s.handlerErrors += 1;
    if (settlement.outcome === 'timeout') s.timeouts += 1;
    if (settlement.outcome === 'invalid_response') s.invalidResponses += 1;
  }

  #notify(report: BatchReport): void {
    try {
      this.#options.onBatch?.(report);
    } catch (error) {
      this.#report(error, 'on_batch');
    }
  }

  #report(error: unknown, site: EventSourceErrorSite): void {
    try {
      this.#options.onError?.(error, site);
    } catch {
      // An observer must not break the poller.
    }
  }
}

function groupsOf(records: SQSRecord[]): string[] {
  return [...new Set(records.map((r) => r.attributes.MessageGroupId ?? ''))].filter((g) => g !== '');
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    // Aborted by stop(): the loop condition ends the poller.
  }
}
