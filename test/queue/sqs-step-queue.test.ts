import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, DependencyUnavailableError, PayloadTooLargeError } from '../../lib/errors.js';
import { SqsStepQueue, StepMessage } from '../../lib/queue/index.js';
import { countMessages, receiveAll, sqsClientFor, startFauxqsFixture } from './fauxqs-fixture.js';
import type { FauxqsFixture } from './fauxqs-fixture.js';

const step = (runId: string, afterSeq: number): StepMessage => ({ type: 'continue_run', tenantId: 't1', runId, afterSeq });

describe('SqsStepQueue', () => {
  let sqs: FauxqsFixture;
  let queueNo = 0;
  const newQueue = async () => {
    queueNo += 1;
    const { QueueUrl } = await sqs.client.send(
      new CreateQueueCommand({ QueueName: `steps-${queueNo}.fifo`, Attributes: { FifoQueue: 'true', VisibilityTimeout: '1' } }),
    );
    if (QueueUrl === undefined) throw new Error('no queue url');
    return QueueUrl;
  };

  beforeAll(async () => {
    sqs = await startFauxqsFixture();
  });
  afterAll(async () => {
    await sqs.close();
  });

  describe('when the same deduplication id is sent twice', () => {
    it('enqueues one message whose body parses as the step message', async () => {
      const queueUrl = await newQueue();
      const queue = new SqsStepQueue({ client: sqs.client, queueUrl });

      await queue.send(step('r1', 3), { groupId: 'r1', deduplicationId: 'r1:3' });
      await queue.send(step('r1', 3), { groupId: 'r1', deduplicationId: 'r1:3' });

      expect(await countMessages(sqs.client, queueUrl)).toBe(1);
      const [message] = await receiveAll(sqs.client, queueUrl, 1);
      expect(StepMessage.parse(JSON.parse(message?.Body ?? 'null'))).toEqual(step('r1', 3));
      expect(message?.Attributes?.['MessageGroupId']).toBe('r1');
      expect(message?.Attributes?.['MessageDeduplicationId']).toBe('r1:3');
    });
  });

  describe('when several runs enqueue interleaved steps', () => {
    it('delivers each run’s steps in send order', async () => {
      const queueUrl = await newQueue();
      const queue = new SqsStepQueue({ client: sqs.client, queueUrl });
      for (let seq = 0; seq < 4; seq++) {
        for (const runId of ['ra', 'rb']) await queue.send(step(runId, seq), { groupId: runId, deduplicationId: `${runId}:${seq}` });
      }

      const received = await receiveAll(sqs.client, queueUrl, 8);

      const order = (runId: string) =>
        received.map((m) => StepMessage.parse(JSON.parse(m.Body ?? 'null'))).filter((m) => m.runId === runId).map((m) => (m.type === 'continue_run' ? m.afterSeq : -1));
      expect(order('ra')).toEqual([0, 1, 2, 3]);
      expect(order('rb')).toEqual([0, 1, 2, 3]);
    });
  });

  describe('when the queue does not exist', () => {
    it('throws a ConfigurationError', async () => {
      const queue = new SqsStepQueue({ client: sqs.client, queueUrl: `${sqs.endpoint}/000000000000/missing.fifo` });

      await expect(queue.send(step('r1', 0), { groupId: 'r1', deduplicationId: 'r1:0' })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });

  describe('when the endpoint is unreachable', () => {
    it('throws a DependencyUnavailableError with disposition retry', async () => {
      const client = sqsClientFor('http://127.0.0.1:9', 1);
      const queue = new SqsStepQueue({ client, queueUrl: 'http://127.0.0.1:9/000000000000/steps.fifo' });

      const error: unknown = await queue.send(step('r1', 0), { groupId: 'r1', deduplicationId: 'r1:0' }).catch((e: unknown) => e);

      client.destroy();
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(error).toMatchObject({ disposition: 'retry' });
    });
  });

  describe('when the message is larger than the worker accepts', () => {
    it('throws a PayloadTooLargeError without calling SQS', async () => {
      const queue = new SqsStepQueue({ client: sqs.client, queueUrl: `${sqs.endpoint}/000000000000/never-called.fifo` });
      const big: StepMessage = { type: 'start_run', tenantId: 't1', harness: 'h', input: { text: 'x'.repeat(70_000) } };

      await expect(queue.send(big, { groupId: 'r1', deduplicationId: 'r1:0' })).rejects.toBeInstanceOf(PayloadTooLargeError);
    });
  });
});
