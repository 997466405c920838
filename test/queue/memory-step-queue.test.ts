import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, DependencyUnavailableError } from '../../lib/errors.js';
import { DEDUPLICATION_WINDOW_MS, MemoryStepQueue } from '../../lib/queue/index.js';
import type { StepMessage } from '../../lib/queue/index.js';

const step = (runId: string, afterSeq: number): StepMessage => ({ type: 'continue_run', tenantId: 't1', runId, afterSeq });

describe('MemoryStepQueue', () => {
  describe('when a deduplication id repeats inside the window', () => {
    it('drops the duplicate', async () => {
      const queue = new MemoryStepQueue({ now: () => 1_000 });

      await queue.send(step('r1', 1), { groupId: 'r1', deduplicationId: 'r1:1' });
      await queue.send(step('r1', 1), { groupId: 'r1', deduplicationId: 'r1:1' });

      expect(queue.take().map((q) => q.deduplicationId)).toEqual(['r1:1']);
      expect(queue.duplicatesDropped).toBe(1);
    });
  });

  describe('when a deduplication id repeats after the window', () => {
    it('accepts it again', async () => {
      let now = 0;
      const queue = new MemoryStepQueue({ now: () => now });
      await queue.send(step('r1', 1), { groupId: 'r1', deduplicationId: 'r1:1' });

      now = DEDUPLICATION_WINDOW_MS;
      await queue.send(step('r1', 1), { groupId: 'r1', deduplicationId: 'r1:1' });

      expect(queue.sent.map((q) => q.sequenceNumber)).toEqual([1, 2]);
    });
  });

  describe('when messages of several groups are sent', () => {
    it('hands them back in send order and empties the pending list', async () => {
      const queue = new MemoryStepQueue();
      await queue.send(step('ra', 0), { groupId: 'ra', deduplicationId: 'ra:0' });
      await queue.send(step('rb', 0), { groupId: 'rb', deduplicationId: 'rb:0' });
      await queue.send(step('ra', 1), { groupId: 'ra', deduplicationId: 'ra:1' });

      const taken = queue.take();

      expect(taken.map((q) => q.deduplicationId)).toEqual(['ra:0', 'rb:0', 'ra:1']);
      expect(queue.peek()).toEqual([]);
      expect(queue.sent).toHaveLength(3);
    });

    it('keeps its own copy of each message', async () => {
      const queue = new MemoryStepQueue();
      const message = { type: 'continue_run', tenantId: 't1', runId: 'r1', afterSeq: 0 } satisfies StepMessage;
      await queue.send(message, { groupId: 'r1', deduplicationId: 'r1:0' });

      message.afterSeq = 99;

      expect(queue.peek()[0]?.message).toEqual(step('r1', 0));
    });
  });

  describe('when a send failure is injected', () => {
    it('rejects the next send only and enqueues nothing for it', async () => {
      const queue = new MemoryStepQueue();
      queue.failNextSend(new DependencyUnavailableError('sqs down'));

      await expect(queue.send(step('r1', 0), { groupId: 'r1', deduplicationId: 'r1:0' })).rejects.toBeInstanceOf(DependencyUnavailableError);
      await queue.send(step('r1', 0), { groupId: 'r1', deduplicationId: 'r1:0' });

      expect(queue.sent).toHaveLength(1);
    });
  });

  describe('when the message is too large', () => {
    it('rejects it like the SQS adapter does', async () => {
      const queue = new MemoryStepQueue();
      const big: StepMessage = { type: 'start_run', tenantId: 't1', harness: 'h', input: { text: 'x'.repeat(70_000) } };

      await expect(queue.send(big, { groupId: 'r1', deduplicationId: 'r1:0' })).rejects.toBeInstanceOf(PayloadTooLargeError);
    });
  });
});
