import type { KernelEvent } from '../models/index.js';
import type { SessionRunResult } from '../harness/session-runner.js';
import type { WorkerMetrics } from './worker-deps.js';

/**
 * Metrics derived from the events one session appended (EMF in Lambda): model cost, drift, forks, unknown tool
 * outcomes, budget refusals, clean-state violations, replay inconsistencies, and session outcomes.
 */
export function recordSessionMetrics(metrics: WorkerMetrics, events: readonly KernelEvent[], session: SessionRunResult): void {
  for (const e of events) {
    if (e.eventType === 'model_terminal') {
      metrics.count('ModelCalls');
      metrics.count('ModelCostUsd', e.payload.costUsd ?? 0, 'None');
      if (e.payload.outcome !== 'completed') metrics.count('ModelFailures');
    } else if (e.eventType === 'replayed_with_drift') {
      metrics.count('ReplayedWithDrift');
      if (e.payload.forkRunId) metrics.count('Forks');
    } else if (e.eventType === 'tool_completed') {
      metrics.count('ToolCalls');
      if (e.payload.outcome === 'unknown_outcome') metrics.count('UnknownToolOutcome');
      else if (e.payload.outcome !== 'success') metrics.count('ToolFailures');
    }
  }
  metrics.count(session.status === 'failed' ? 'RunsFailed' : session.workRemaining ? 'SessionsSlept' : 'RunsCompleted');
  const name = session.error?.name;
  if (name === 'BudgetExceededError') metrics.count('BudgetExceeded');
  if (name === 'ReplayConsistencyError') metrics.count('ReplayConsistencyError');
  if (name === 'HarnessStateError' || name === 'TaskProgressValidationError') metrics.count('CleanStateViolations');
  if (name === 'LedgerIntegrityError') metrics.count('LedgerVerificationFailed');
}
