import { SqsFifoPartialProcessorAsync, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DependencyUnavailableError, isKernelError, type Disposition } from '../errors.js';
import { parseStepMessage } from '../queue/parse-message.js';
import type { StepMessage } from '../queue/messages.js';
import { failRunAfterRetries } from './fail-run.js';
import { processStepMessage, type DeliveryInfo, type StepReport } from './process-message.js';
import type { WorkerDeps } from './worker-deps.js';

/** A session does not start with less time than this left in the invocation (default; `WorkerDeps.minRemainingMs`). */
export const DEFAULT_MIN_REMAINING_MS = 15_000;

/** How the runtime treats an error: unknown errors are retried (and end in the DLQ if they persist). */
export const dispositionOf = (error: unknown): Disposition => (isKernelError(error) ? error.disposition : 'retry');

const describe = (error: unknown): Record<string, unknown> =>
  isKernelError(error)
    ? { error: error.name, code: error.code, disposition: error.disposition, message: error.message }
    : { error: error instanceof Error ? error.name : 'unknown', message: error instanceof Error ? error.message : String(error) };

/**
 * The SQS → Lambda handler: one harness session per record, partial batch failures reported through the Powertools
 * FIFO processor (`skipGroupOnError`: a failed run's later messages wait, other runs in the batch go on).
 *
 * @example export const handler = createStepHandler(defaultDeps);
 */
export function createStepHandler(deps: WorkerDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return async (event, context) => {
    const processor = new SqsFifoPartialProcessorAsync();
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(deps, record, context), processor, {
      skipGroupOnError: true,
      ...(context ? { context } : {}),
    });
  };
}

/** Processes one record; returns normally to acknowledge it, throws to have SQS redeliver it. */
export async function handleRecord(deps: WorkerDeps, record: SQSRecord, context?: Context): Promise<StepReport | undefined> {
  const started = deps.clock.now().getTime();
  const delivery: DeliveryInfo = {
    messageId: record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount ?? '1') || 1,
    ...(context ? { remainingMs: context.getRemainingTimeInMillis() } : {}),
  };
  let message: StepMessage;
  try {
    message = parseStepMessage(record.body);
  } catch (error) {
    deps.metrics.count('PoisonMessages');
    deps.logger.error('rejected message', { messageId: record.messageId, ...describe(error) });
    return undefined;
  }
  const where = { messageId: record.messageId, tenantId: message.tenantId, runId: message.runId, type: message.type };
  if (delivery.remainingMs !== undefined && delivery.remainingMs < (deps.minRemainingMs ?? DEFAULT_MIN_REMAINING_MS)) {
    // Earlier records of the batch used the invocation's time: leave this one for a fresh invocation rather than
    // start a session that would be cut off mid-way.
    deps.metrics.count('StepsDeferred');
    deps.logger.warn('step deferred: not enough time left in this invocation', { ...where, remainingMs: delivery.remainingMs });
    throw new DependencyUnavailableError('not enough time left in this invocation', { remainingMs: delivery.remainingMs });
  }
  try {
    const report = await processStepMessage(deps, message, delivery);
    deps.metrics.count('StepDurationMs', deps.clock.now().getTime() - started, 'Milliseconds');
    deps.logger.info('step processed', { ...where, runId: report.runId, decision: report.decision, reason: report.reason, status: report.session?.status });
    return report;
  } catch (error) {
    const disposition = dispositionOf(error);
    if (disposition === 'poison' || disposition === 'domain' || disposition === 'fail-run') {
      deps.metrics.count(disposition === 'poison' ? 'PoisonMessages' : 'RejectedSteps');
      if (isKernelError(error) && error.name === 'LedgerIntegrityError') deps.metrics.count('LedgerVerificationFailed');
      deps.logger.error('step rejected', { ...where, ...describe(error) });
      return undefined;
    }
    deps.metrics.count(disposition === 'conflict' ? 'AppendConflicts' : error instanceof Error && error.name === 'LeaseHeldError' ? 'LeaseContention' : 'StepRetries');
    if (deps.maxReceiveCount !== undefined && delivery.receiveCount >= deps.maxReceiveCount && await failRunAfterRetries(deps, message, delivery, error)) {
      deps.logger.error('retries exhausted: run failed', { ...where, ...describe(error) });
      return undefined;
    }
    deps.logger.warn('step will be retried', { ...where, receiveCount: delivery.receiveCount, ...describe(error) });
    throw error;
  }
}
