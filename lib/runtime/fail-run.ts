import { toTenantContext } from '../models/index.js';
import type { StepMessage } from '../queue/messages.js';
import { HARNESS_SLEEP_SUMMARY, lastSessionOf } from '../harness/session-runner.js';
import { LeaseHeldError } from '../errors.js';
import { runIdFor, type DeliveryInfo } from './process-message.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * On the last delivery of a message whose failure kept being retryable, record the run as failed (so it does not
 * stay "active" forever behind a dead-lettered message). Best effort: returns false when the ledger cannot be
 * written either, and the message then goes to the DLQ.
 */
export async function failRunAfterRetries(deps: WorkerDeps, message: StepMessage, delivery: DeliveryInfo, error: unknown): Promise<boolean> {
  // Another worker holds the run: it is alive, not stuck; let the message take its course.
  if (error instanceof LeaseHeldError) return false;
  try {
    const record = await deps.tenants.get(message.tenantId);
    if (!record) return false;
    const runId = runIdFor(message, delivery);
    const run = await deps.kernel.openRun(toTenantContext(record), runId);
    // A run that already finished (e.g. the commit or enqueue after its last session was throttled) stays as it is.
    const last = lastSessionOf(run);
    if ((last && !last.workRemaining) || run.state.lastEventType === 'ledger_sealed') {
      await run.commit({ releaseLeaseOwner: deps.workerId });
      return true;
    }
    const errorType = error instanceof Error ? error.name : 'UnknownError';
    await run.appendEvent('harness_failed', { errorType: 'RetriesExhausted', message: `${errorType} after ${delivery.receiveCount} deliveries` }, {});
    await run.appendEvent('harness_sleep', { status: 'failed', executionErrorType: errorType, workRemaining: false }, {});
    await run.appendSummary(HARNESS_SLEEP_SUMMARY, { session: 0, startedAfterSeq: 0, status: 'failed', workRemaining: false }, {});
    await run.commit({ releaseLeaseOwner: deps.workerId });
    deps.metrics.count('RunsFailed');
    return true;
  } catch {
    return false;
  }
}
