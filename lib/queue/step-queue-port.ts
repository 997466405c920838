import type { StepMessage } from './messages.js';

/**
 * Where the worker enqueues the next step of a run. FIFO semantics: `groupId` = runId (one in-flight message per
 * run), `deduplicationId` = `${runId}:${afterSeq}` (a re-enqueue after a crash is dropped as a duplicate).
 * @example await queue.send({ type: 'continue_run', tenantId: 't1', runId: 'r1', afterSeq: 12 }, { groupId: 'r1', deduplicationId: 'r1:12' });
 */
export interface StepQueue {
  send(message: StepMessage, options: { groupId: string; deduplicationId: string }): Promise<void>;
}
