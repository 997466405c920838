import type { ArtanaKernel, RunSession } from '../kernel/index.js';
import type { ChildOutcome, HarnessDefinition } from './harness.js';
import type { ChildRunner } from './harness-context.js';
import { HARNESS_RESULT_ARTIFACT, lastSessionOf, runHarnessSession } from './session-runner.js';

/** Child run ids are derived from the parent, so a replayed supervisor session finds the same children. */
export const childRunId = (parentRunId: string, key: string): string => `${parentRunId}::child::${key}`;

async function openChild(kernel: ArtanaKernel, parent: RunSession, runId: string, harness: HarnessDefinition, input: Readonly<Record<string, unknown>>): Promise<RunSession> {
  return kernel.startOrOpenRun(parent.tenant, { runId, harness: harness.name, input, parentRunId: parent.runId, budgetUsdLimit: parent.tenant.budgetUsdLimit });
}

/**
 * Child runs for supervisors: each call advances the child by one harness session (inside the parent's session,
 * so one SQS message still does one bounded piece of work), committing the child's head like the worker does.
 */
export function createChildRunner(kernel: ArtanaKernel, options: { modelTimeoutMs?: () => number } = {}): ChildRunner {
  const runner: ChildRunner = async (parent, key, harness, input) => {
    const child = await openChild(kernel, parent, childRunId(parent.runId, key), harness, input);
    const last = lastSessionOf(child);
    if (last && !last.workRemaining) {
      // A crash between the child's last session and its commit left its head stale: commit again (monotonic).
      await child.commit();
      return outcome(child, child.getRunStatus().status === 'failed' ? 'failed' : 'completed');
    }
    const result = await runHarnessSession(child, harness, {
      session: (last?.session ?? 0) + 1, startedAfterSeq: child.state.lastSeq, input, children: runner,
      ...(options.modelTimeoutMs !== undefined ? { modelTimeoutMs: options.modelTimeoutMs } : {}),
    });
    await child.commit();
    return outcome(child, result.status);
  };
  return runner;
}

function outcome(child: RunSession, status: ChildOutcome['status']): ChildOutcome {
  const result = child.getArtifact(HARNESS_RESULT_ARTIFACT);
  return { runId: child.runId, status, finished: status !== 'sleeping', ...(result !== undefined ? { result } : {}) };
}
