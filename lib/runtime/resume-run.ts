import { KernelError } from '../errors.js';
import type { ArtanaKernel } from '../kernel/index.js';
import type { TenantContext } from '../models/index.js';
import type { ContinueRunMessage } from '../queue/messages.js';
import { HUMAN_INPUT_SUMMARY } from '../harness/harness-context.js';

/**
 * Closes a paused run's latest pause, records the human input (the `human_input` summary a harness reads), and
 * returns the `continue_run` message that schedules its next session (send it with dedup id `runId:afterSeq`).
 * @example const next = await resumeRun(kernel, tenant, 'r1', { approved: true }); await queue.send(next, …);
 */
export async function resumeRun(kernel: ArtanaKernel, tenant: TenantContext, runId: string, input: unknown): Promise<ContinueRunMessage> {
  const run = await kernel.openRun(tenant, runId);
  if (run.state.openPauses.length === 0) throw new RunNotPausedError(`run ${runId} is not paused`, { runId });
  if (input !== undefined) await run.appendSummary(HUMAN_INPUT_SUMMARY, input, { stepKey: `human_input_${run.state.lastSeq + 1}` });
  await run.resume(input !== undefined ? { humanInput: input } : {});
  await run.commit();
  return { type: 'continue_run', version: 1, tenantId: tenant.tenantId, runId, afterSeq: run.state.lastSeq };
}

/** `resume` was asked for a run that has no open pause. */
export class RunNotPausedError extends KernelError {
  readonly name = 'RunNotPausedError';
  readonly code = 'run_not_paused';
  readonly disposition = 'domain';
}
