import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../../errors.js';
import { toQueueError } from '../../queue/sqs-errors.js';

/** Options of {@link createLocalQueues}. */
export interface LocalQueuesOptions {
  /** Base name: the queue is `<name>.fifo`, its dead-letter queue `<name>-dlq.fifo`. */
  name: string;
  /** Receives before a message moves to the DLQ; 3 by default. */
  maxReceiveCount?: number;
  /** Queue visibility timeout in seconds; 30 by default (≥ 6 × the function timeout on AWS). */
  visibilityTimeoutSec?: number;
}

/** URLs and ARNs of the step queue and its dead-letter queue. */
export interface LocalQueues {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
}

const EXISTS = new Set(['QueueNameExists', 'AWS.SimpleQueueService.QueueNameExists', 'QueueAlreadyExists']);

/**
 * Creates (or updates, if they exist with other attributes) a FIFO dead-letter queue and a FIFO queue
 * `<name>.fifo` whose RedrivePolicy points at it. Idempotent.
 * @example
 * const { queueUrl, dlqUrl } = await createLocalQueues(sqsClient, { name: 'artana-steps', maxReceiveCount: 3, visibilityTimeoutSec: 30 });
 */
export async function createLocalQueues(client: SQSClient, options: LocalQueuesOptions): Promise<LocalQueues> {
  if (!/^[A-Za-z0-9_-]{1,70}$/.test(options.name)) {
    throw new ConfigurationError(`invalid queue base name "${options.name}" (letters, digits, - and _, at most 70)`);
  }
  const dlqUrl = await ensureFifoQueue(client, `${options.name}-dlq.fifo`, {});
  const dlqArn = await queueArn(client, dlqUrl);
  const redrive = { deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount ?? 3 };
  const queueUrl = await ensureFifoQueue(client, `${options.name}.fifo`, {
    VisibilityTimeout: String(options.visibilityTimeoutSec ?? 30),
    RedrivePolicy: JSON.stringify(redrive),
  });
  return { queueUrl, queueArn: await queueArn(client, queueUrl), dlqUrl, dlqArn };
}

async function ensureFifoQueue(client: SQSClient, name: string, attributes: Record<string, string>): Promise<string> {
  const all = { FifoQueue: 'true', ContentBasedDeduplication: 'false', ...attributes };
  try {
    const created = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: all }));
    if (created.QueueUrl === undefined) throw new ConfigurationError(`CreateQueue returned no URL for ${name}`);
    return created.QueueUrl;
  } catch (error) {
    if (!(error instanceof Error) || !EXISTS.has(error.name)) throw toQueueError(error, { operation: 'CreateQueue', name });
  }
  // It exists with different attributes: align them (FifoQueue cannot be changed).
  try {
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl === undefined) throw new ConfigurationError(`GetQueueUrl returned no URL for ${name}`);
    const { FifoQueue: _fifo, ...settable } = all;
    await client.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: settable }));
    return QueueUrl;
  } catch (error) {
    throw toQueueError(error, { operation: 'SetQueueAttributes', name });
  }
}

async function queueArn(client: SQSClient, queueUrl: string): Promise<string> {
  try {
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const arn = Attributes?.['QueueArn'];
    if (arn === undefined) throw new ConfigurationError(`no QueueArn for ${queueUrl}`);
    return arn;
  } catch (error) {
    throw toQueueError(error, { operation: 'GetQueueAttributes', queueUrl });
  }
}
