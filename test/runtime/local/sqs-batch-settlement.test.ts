import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { invokeHandler, settleBatch } from '../../../lib/runtime/local/sqs-batch-settlement.js';
import { createLambdaContext } from '../../../lib/runtime/local/lambda-context.js';

const record = (messageId: string, group: string): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: '{}',
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
  awsRegion: 'us-east-1',
});
const ids = (records: SQSRecord[]) => records.map((r) => r.messageId);
const batch = [record('a1', 'A'), record('b1', 'B'), record('a2', 'A'), record('b2', 'B')];

describe('settleBatch', () => {
  describe('when the handler reports no failures', () => {
    it('deletes every record', () => {
      const settled = settleBatch(batch, { kind: 'returned', response: { batchItemFailures: [] } });

      expect(settled.outcome).toBe('ok');
      expect(ids(settled.deletable)).toEqual(['a1', 'b1', 'a2', 'b2']);
    });

    it('treats an undefined response as success', () => {
      expect(settleBatch(batch, { kind: 'returned', response: undefined }).outcome).toBe('ok');
    });
  });

  describe('when a record of a FIFO group fails', () => {
    it('keeps that record and every later record of its group, and deletes the other groups', () => {
      const settled = settleBatch(batch, { kind: 'returned', response: { batchItemFailures: [{ itemIdentifier: 'a1' }] } });

      expect(settled.outcome).toBe('partial');
      expect(ids(settled.failed)).toEqual(['a1', 'a2']);
      expect(ids(settled.deletable)).toEqual(['b1', 'b2']);
    });
  });

  describe('when the response is not valid', () => {
    it('fails the whole batch when an identifier is not in the batch', () => {
      const settled = settleBatch(batch, { kind: 'returned', response: { batchItemFailures: [{ itemIdentifier: 'zz' }] } });

      expect(settled.outcome).toBe('invalid_response');
      expect(settled.deletable).toEqual([]);
    });

    it('fails the whole batch when an identifier is empty', () => {
      expect(settleBatch(batch, { kind: 'returned', response: { batchItemFailures: [{ itemIdentifier: '' }] } }).outcome).toBe('invalid_response');
    });
  });

  describe('when the handler threw or timed out', () => {
    it('fails the whole batch', () => {
      expect(ids(settleBatch(batch, { kind: 'threw', error: new Error('x') }).failed)).toHaveLength(4);
      expect(settleBatch(batch, { kind: 'timeout' }).outcome).toBe('timeout');
    });
  });
});

describe('invokeHandler', () => {
  const context = createLambdaContext({ functionName: 'f', functionTimeoutMs: 50, region: 'us-east-1' });

  describe('when the handler throws synchronously', () => {
    it('reports a throw instead of rejecting', async () => {
      const invocation = await invokeHandler(() => { throw new Error('boom'); }, { Records: [] }, context, 1_000);

      expect(invocation.kind).toBe('threw');
    });
  });

  describe('when the handler outlives the function timeout', () => {
    it('reports a timeout', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => { release = resolve; });

      const invocation = await invokeHandler(() => gate, { Records: [] }, context, 20);

      release();
      expect(invocation.kind).toBe('timeout');
    });
  });
});

describe('createLambdaContext', () => {
  describe('when created', () => {
    it('counts the remaining time down from the function timeout', () => {
      let now = 1_000;
      const context = createLambdaContext({ functionName: 'f', functionTimeoutMs: 5_000, region: 'eu-west-1', now: () => now });

      now = 2_500;

      expect(context.getRemainingTimeInMillis()).toBe(3_500);
      expect(context.invokedFunctionArn).toBe('arn:aws:lambda:eu-west-1:000000000000:function:f');
      now = 99_000;
      expect(context.getRemainingTimeInMillis()).toBe(0);
    });
  });
});
