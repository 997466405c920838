import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { PayloadTooLargeError } from '../errors.js';
import { MAX_MESSAGE_BYTES } from './messages.js';
import type { StepMessage } from './messages.js';
import type { StepQueue } from './step-queue-port.js';
import { toQueueError } from './sqs-errors.js';

/** Construction parameters of {@link SqsStepQueue}. */
export interface SqsStepQueueOptions {
  client: SQSClient;
  /** URL of the FIFO step queue (`….fifo`). */
  queueUrl: string;
}

/**
 * `StepQueue` on an SQS FIFO queue: `MessageGroupId` = groupId, `MessageDeduplicationId` =
 * deduplicationId, body = the JSON of the message. Throttling, 5xx and network failures become
 * `DependencyUnavailableError` (disposition `retry`); other SDK errors are typed (see `toQueueError`).
 * @example
 * const queue = new SqsStepQueue({ client: new SQSClient({}), queueUrl });
 * await queue.send({ type: 'continue_run', tenantId: 't1', runId: 'r1', afterSeq: 4 }, { groupId: 'r1', deduplicationId: 'r1:4' });
 */
export class SqsStepQueue implements StepQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsStepQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  async send(message: StepMessage, options: { groupId: string; deduplicationId: string }): Promise<void> {
    const body = encodeStepMessage(message);
    const command = new SendMessageCommand({
      QueueUrl: this.#queueUrl,
      MessageBody: body,
      MessageGroupId: options.groupId,
      MessageDeduplicationId: options.deduplicationId,
    });
    try {
      await this.#client.send(command);
    } catch (error) {
      throw toQueueError(error, { operation: 'SendMessage', queueUrl: this.#queueUrl, ...options });
    }
  }
}

/**
 * Serialises a step message as the SQS body; refuses bodies the worker would reject as poison.
 * @example encodeStepMessage({ type: 'continue_run', tenantId: 't1', runId: 'r1', afterSeq: 0 })
 */
export function encodeStepMessage(message: StepMessage): string {
  const body = JSON.stringify(message);
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new PayloadTooLargeError(`step message is ${bytes} bytes (limit ${MAX_MESSAGE_BYTES})`, {
      bytes,
      limit: MAX_MESSAGE_BYTES,
      type: message.type,
    });
  }
  return body;
}
