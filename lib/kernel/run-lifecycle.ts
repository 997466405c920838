import { RunAlreadyExistsError } from '../errors.js';
import type { PayloadOf, TenantContext } from '../models/index.js';
import { SessionCore, type KernelDeps } from './session-core.js';

export interface StartRunOptions {
  readonly runId?: string;
  readonly harness?: string;
  readonly input?: unknown;
  readonly parentRunId?: string;
  readonly budgetUsdLimit?: number;
  /** Set on forks created by `fork_on_drift`. */
  readonly forkedFromRunId?: string;
}

/** Creates the head (atomic existence check: `RunAlreadyExistsError`) and appends `run_started`. */
export async function createRun(deps: KernelDeps, tenant: TenantContext, options: StartRunOptions): Promise<SessionCore> {
  const runId = options.runId ?? deps.ids.next();
  await deps.store.createRun({
    runId, tenantId: tenant.tenantId, createdAt: deps.clock.now().toISOString(),
    ...(options.harness !== undefined ? { harness: options.harness } : {}),
    ...(options.budgetUsdLimit !== undefined ? { budgetUsdLimit: options.budgetUsdLimit } : {}),
    ...(options.parentRunId !== undefined ? { parentRunId: options.parentRunId } : {}),
  });
  const core = await SessionCore.open(deps, tenant, runId);
  await core.appendSettled({ eventType: 'run_started', payload: runStartedPayload(options) });
  return core;
}

/** Opens a run, creating it first when missing (forks; concurrent creation is tolerated). */
export async function openOrCreateRun(deps: KernelDeps, tenant: TenantContext, options: StartRunOptions & { runId: string }): Promise<SessionCore> {
  try {
    return await createRun(deps, tenant, options);
  } catch (error) {
    if (!(error instanceof RunAlreadyExistsError)) throw error;
  }
  return completeRunStart(await SessionCore.open(deps, tenant, options.runId), options);
}

/**
 * A run whose head exists but has no events: its creator died (or was throttled) between creating the head and
 * appending `run_started`. Writes `run_started` with the given options (harness, input, lineage), once.
 */
export async function completeRunStart(core: SessionCore, options: StartRunOptions): Promise<SessionCore> {
  // Re-decide after a lost race instead of writing it twice.
  await core.retryOnConflict(async () => { if (core.state.lastSeq === 0) await core.append({ eventType: 'run_started', payload: runStartedPayload(options) }); });
  return core;
}

function runStartedPayload(options: StartRunOptions): PayloadOf<'run_started'> {
  return {
    ...(options.harness !== undefined ? { harness: options.harness } : {}),
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.forkedFromRunId !== undefined ? { forkedFromRunId: options.forkedFromRunId } : {}),
    ...(options.parentRunId !== undefined ? { parentRunId: options.parentRunId } : {}),
  };
}
