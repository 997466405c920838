import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lib/errors.js';
import { SqsEventSource } from '../../../lib/runtime/local/sqs-event-source.js';
import type { SqsBatchHandler, SqsEventSourceOptions } from '../../../lib/runtime/local/sqs-event-source.js';
import { createLocalQueues } from '../../../lib/runtime/local/servers.js';
import type { LocalQueues } from '../../../lib/runtime/local/servers.js';
import { countMessages, eventually, startFauxqsFixture } from '../../queue/fauxqs-fixture.js';
import type { FauxqsFixture } from '../../queue/fauxqs-fixture.js';

describe('SqsEventSource', () => {
  let sqs: FauxqsFixture;
  let queueNo = 0;
  const sources: SqsEventSource[] = [];

  beforeAll(async () => {
    sqs = await startFauxqsFixture();
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    await sqs.close();
  });

  const newQueues = (maxReceiveCount = 3): Promise<LocalQueues> => {
    queueNo += 1;
    return createLocalQueues(sqs.client, { name: `es-${queueNo}`, maxReceiveCount, visibilityTimeoutSec: 1 });
  };
  const send = (queueUrl: string, body: string, group: string) =>
    sqs.client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: `${group}-${body}` }));
  const startSource = (queues: LocalQueues, handler: SqsBatchHandler, options: Partial<SqsEventSourceOptions> = {}) => {
    const source = new SqsEventSource({ client: sqs.client, queueUrl: queues.queueUrl, queueArn: queues.queueArn, handler, waitTimeSeconds: 1, functionTimeoutMs: 5_000, ...options });
    sources.push(source);
    source.start();
    return source;
  };
  /** A handler that logs every record it sees and fails the ids `fail` picks. */
  const recordingHandler = (fail: (r: SQSRecord) => boolean = () => false) => {
    const seen: SQSRecord[] = [];
    const events: SQSEvent[] = [];
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      events.push(event);
      seen.push(...event.Records);
      return { batchItemFailures: event.Records.filter(fail).map((r) => ({ itemIdentifier: r.messageId })) };
    };
    return { seen, events, handler };
  };

  describe('when every record succeeds', () => {
    it('delivers Lambda-shaped records, deletes them all and drains', async () => {
      const queues = await newQueues();
      for (const [i, group] of ['g1', 'g2', 'g1', 'g3'].entries()) await send(queues.queueUrl, `m${i}`, group);
      const { seen, events, handler } = recordingHandler();

      const source = startSource(queues, handler);
      await source.drain({ idleMs: 200, timeoutMs: 20_000 });

      expect(seen.map((r) => r.body).sort()).toEqual(['m0', 'm1', 'm2', 'm3']);
      expect(seen[0]).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: queues.queueArn, awsRegion: 'us-east-1' });
      expect(seen[0]?.attributes).toMatchObject({ ApproximateReceiveCount: '1', MessageGroupId: expect.any(String), SequenceNumber: expect.any(String) });
      expect(events.length).toBeGreaterThan(0);
      expect(source.stats()).toMatchObject({ records: 4, deletes: 4, failures: 0 });
      expect(await countMessages(sqs.client, queues.queueUrl)).toBe(0);
    });
  });

  describe('when the handler reports one record as failed', () => {
    it('redelivers only that record, with ApproximateReceiveCount 2', async () => {
      const queues = await newQueues();
      await send(queues.queueUrl, 'bad', 'g1');
      await send(queues.queueUrl, 'good', 'g2');
      const { seen, handler } = recordingHandler((r) => r.body === 'bad' && r.attributes.ApproximateReceiveCount === '1');

      const source = startSource(queues, handler);
      await source.drain({ idleMs: 200, timeoutMs: 20_000 });

      expect(seen.map((r) => [r.body, r.attributes.ApproximateReceiveCount]).sort()).toEqual([['bad', '1'], ['bad', '2'], ['good', '1']]);
      expect(source.stats()).toMatchObject({ failures: 1, deletes: 2 });
    });
  });

  describe('when a record fails maxReceiveCount times', () => {
    it('ends in the dead-letter queue', async () => {
      const queues = await newQueues(2);
      await send(queues.queueUrl, 'poison', 'g1');
      const { seen, handler } = recordingHandler(() => true);

      const source = startSource(queues, handler);
      await source.drain({ idleMs: 200, timeoutMs: 20_000 });

      expect(seen.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
      const { Messages = [] } = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queues.dlqUrl, WaitTimeSeconds: 1 }));
      expect(Messages.map((m) => m.Body)).toEqual(['poison']);
    });
  });

  describe('when the handler throws', () => {
    it('deletes nothing and the batch is redelivered', async () => {
      const queues = await newQueues();
      await send(queues.queueUrl, 'a', 'g1');
      await send(queues.queueUrl, 'b', 'g2');
      let calls = 0;
      const seen: string[] = [];
      const handler = async (event: SQSEvent): Promise<void> => {
        calls += 1;
        seen.push(...event.Records.map((r) => `${r.body}${r.attributes.ApproximateReceiveCount}`));
        if (calls === 1) throw new Error('crash');
      };
      const errors: string[] = [];

      const source = startSource(queues, handler, { onError: (_e, site) => errors.push(site) });
      await source.drain({ idleMs: 200, timeoutMs: 20_000 });

      expect(seen.filter((s) => s.endsWith('2')).length).toBeGreaterThan(0);
      expect(source.stats()).toMatchObject({ handlerErrors: 1, deletes: 2 });
      expect(errors).toEqual(['handler']);
    });
  });

  describe('when the handler outlives the function timeout', () => {
    it('fails the batch and the record comes back', async () => {
      const queues = await newQueues();
      await send(queues.queueUrl, 'slow', 'g1');
      const counts: string[] = [];
      const handler = async (event: SQSEvent): Promise<void> => {
        const count = event.Records[0]?.attributes.ApproximateReceiveCount ?? '';
        counts.push(count);
        if (count === '1') await new Promise((resolve) => setTimeout(resolve, 300));
      };

      const source = startSource(queues, handler, { functionTimeoutMs: 100 });
      await source.drain({ idleMs: 200, timeoutMs: 20_000 });

      expect(counts).toEqual(['1', '2']);
      expect(source.stats().timeouts).toBe(1);
    });
  });

  describe('when several pollers share a queue', () => {
    it('processes different groups in parallel but one message per group at a time, in order', async () => {
      const queues = await newQueues();
      const groups = ['ga', 'gb', 'gc', 'gd'];
      for (let i = 0; i < 3; i++) for (const g of groups) await send(queues.queueUrl, `${g}:${i}`, g);
      const inFlight = new Map<string, number>();
      const order = new Map<string, string[]>();
      let overlapInGroup = 0;
      let maxGroupsInFlight = 0;
      const handler = async (event: SQSEvent): Promise<void> => {
        const record = event.Records[0];
        const group = record?.attributes.MessageGroupId ?? '?';
        inFlight.set(group, (inFlight.get(group) ?? 0) + 1);
        if ((inFlight.get(group) ?? 0) > 1) overlapInGroup += 1;
        maxGroupsInFlight = Math.max(maxGroupsInFlight, [...inFlight.values()].filter((n) => n > 0).length);
        order.set(group, [...(order.get(group) ?? []), record?.body ?? '']);
        await new Promise((resolve) => setTimeout(resolve, 40));
        inFlight.set(group, (inFlight.get(group) ?? 1) - 1);
      };

      const source = startSource(queues, handler, { pollers: 4, batchSize: 1 });
      await source.drain({ idleMs: 200, timeoutMs: 20_000 });

      expect(overlapInGroup).toBe(0);
      expect(maxGroupsInFlight).toBeGreaterThan(1);
      for (const g of groups) expect(order.get(g)).toEqual([`${g}:0`, `${g}:1`, `${g}:2`]);
      expect(source.stats()).toMatchObject({ records: 12, deletes: 12 });
    });
  });

  describe('when stopped while a batch is in flight', () => {
    it('finishes and settles the batch before resolving', async () => {
      const queues = await newQueues();
      await send(queues.queueUrl, 'm', 'g1');
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => { release = resolve; });
      let entered = false;
      const source = startSource(queues, async () => {
        entered = true;
        await gate;
      });
      await eventually(() => entered);

      const stopped = source.stop();
      release();
      await stopped;

      expect(source.stats()).toMatchObject({ deletes: 1, inFlight: 0 });
      expect(await countMessages(sqs.client, queues.queueUrl)).toBe(0);
    });
  });

  describe('when drain is called on a source that was not started', () => {
    it('rejects with a ConfigurationError', async () => {
      const queues = await newQueues();
      const source = new SqsEventSource({ client: sqs.client, queueUrl: queues.queueUrl, handler: async () => undefined });

      await expect(source.drain({ idleMs: 10 })).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});
