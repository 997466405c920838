import { createHash } from 'node:crypto';
import { RunAlreadyExistsError, UnknownTenantError, TenantDisabledError } from '../errors.js';
import type { RunSession } from '../kernel/index.js';
import { toTenantContext, type TenantContext } from '../models/index.js';
import * as z from 'zod/mini';
import { createChildRunner } from '../harness/child-runs.js';
import { lastSessionOf, runHarnessSession, type SessionRunResult } from '../harness/session-runner.js';
import type { StepMessage } from '../queue/messages.js';
import { decideStep, type StepDecision } from './step-decision.js';
import type { WorkerDeps } from './worker-deps.js';
import { recordSessionMetrics } from './session-metrics.js';
import { sealRun } from './seal-run.js';

export interface DeliveryInfo {
  /** SQS message id: stable across redeliveries, so a `start_run` without a runId always names the same run. */
  readonly messageId: string;
  readonly receiveCount: number;
  /** Time left in the invocation (Lambda context), if known. */
  readonly remainingMs?: number;
}

export interface StepReport {
  readonly runId: string;
  readonly tenantId: string;
  readonly decision: StepDecision['action'];
  readonly reason?: string;
  readonly session?: SessionRunResult;
  readonly enqueuedAfterSeq?: number;
}

/** The run id of a `start_run`: given, or derived from the SQS message id (stable across redeliveries). */
export const runIdFor = (message: StepMessage, delivery: DeliveryInfo): string =>
  message.runId ?? `run_${createHash('sha256').update(delivery.messageId).digest('hex').slice(0, 24)}`;

/**
 * One message, one harness session: tenant → run → lease → decide → session → commit → enqueue.
 * Throws for the runtime to classify (see `dispositionOf`); returns a report when the message is done.
 */
export async function processStepMessage(deps: WorkerDeps, message: StepMessage, delivery: DeliveryInfo): Promise<StepReport> {
  const record = await deps.tenants.get(message.tenantId);
  if (!record) throw new UnknownTenantError(`tenant '${message.tenantId}' is not registered`, { tenantId: message.tenantId });
  if (!record.enabled && message.type === 'continue_run') return blockDisabledTenantRun(deps, toTenantContext(record), message, delivery);
  if (!record.enabled) throw new TenantDisabledError(`tenant '${message.tenantId}' is disabled`, { tenantId: message.tenantId });
  const tenant = toTenantContext(record, message.type === 'start_run' ? message.budgetUsdLimit : undefined);
  const runId = runIdFor(message, delivery);
  if (message.type === 'start_run') await ensureRun(deps, tenant, runId, message);
  const ttl = Math.min(deps.leaseTtlMs ?? 300_000, delivery.remainingMs ?? Number.POSITIVE_INFINITY);
  const head = await deps.store.acquireLease(tenant.tenantId, runId, deps.workerId, ttl, deps.clock.now().getTime());
  try {
    const runTenant = head.budgetUsdLimit !== undefined ? { ...tenant, budgetUsdLimit: Math.min(tenant.budgetUsdLimit, head.budgetUsdLimit) } : tenant;
    const run = await deps.kernel.openRun(runTenant, runId, { head });
    const afterSeq = message.type === 'start_run' ? 1 : message.afterSeq;
    const last = lastSessionOf(run);
    const decision = decideStep(afterSeq, { paused: run.state.openPauses.length > 0, ...(last ? { lastSession: last } : {}) });
    const report = await act(deps, run, decision, { harnessName: head.harness ?? '', headLastSeq: head.lastSeq, afterSeq, delivery });
    return report;
  } catch (error) {
    await deps.store.releaseLease(tenant.tenantId, runId, deps.workerId).catch(() => false);
    throw error;
  }
}

async function act(
  deps: WorkerDeps, run: RunSession, decision: StepDecision,
  o: { harnessName: string; headLastSeq: number; afterSeq: number; delivery: DeliveryInfo },
): Promise<StepReport> {
  const base = { runId: run.runId, tenantId: run.tenant.tenantId, decision: decision.action };
  if (decision.action === 'drop') {
    // A crash between a run's last session and its seal: the redelivery finds the run finished, so seal it now.
    if (decision.reason === 'run_finished') await sealIfCompleted(deps, run);
    await releaseOrRepairHead(deps, run, o.headLastSeq);
    return { ...base, reason: decision.reason };
  }
  if (decision.action === 'reenqueue') {
    await releaseOrRepairHead(deps, run, o.headLastSeq);
    await enqueueNext(deps, run, decision.afterSeq);
    return { ...base, enqueuedAfterSeq: decision.afterSeq };
  }
  const harness = deps.harnesses.get(o.harnessName);
  const startSeq = run.state.lastSeq;
  const input = inputOf(run);
  // Every provider call gets what is left of the invocation less a margin, so the last call of a session cannot run
  // past the Lambda timeout (a killed call leaves a request without terminal and an unsettled reservation).
  const remaining = o.delivery.remainingMs;
  const deadline = remaining !== undefined ? deps.clock.now().getTime() + remaining : undefined;
  const timeout = deadline !== undefined ? { modelTimeoutMs: () => Math.max(1_000, deadline - deps.clock.now().getTime() - 10_000) } : {};
  const session = await runHarnessSession(run, harness, {
    session: decision.session, startedAfterSeq: o.afterSeq, input, children: createChildRunner(deps.kernel, timeout), ...timeout,
  });
  if (!session.workRemaining) await sealIfCompleted(deps, run);
  await run.commit({ releaseLeaseOwner: deps.workerId });
  recordSessionMetrics(deps.metrics, run.events().filter((e) => e.seq > startSeq), session);
  const paused = run.state.openPauses.length > 0;
  if (!session.workRemaining || paused) return { ...base, session };
  await enqueueNext(deps, run, run.state.lastSeq);
  return { ...base, session, enqueuedAfterSeq: run.state.lastSeq };
}

/** With a signer, seals a completed run (once: `sealRun` skips a run whose last event is its seal). */
async function sealIfCompleted(deps: WorkerDeps, run: RunSession): Promise<void> {
  if (!deps.signer || run.state.status !== 'completed') return;
  const result = await sealRun(run, deps.signer, deps.store);
  if (result.sealed) deps.metrics.count('LedgerSealed');
}

/**
 * Ends a message that runs no session. A crash after a session's last append but before its commit left the head
 * behind the ledger (stale status, lastSeq and hash): commit it now, releasing the lease in the same write.
 */
async function releaseOrRepairHead(deps: WorkerDeps, run: RunSession, headLastSeq: number): Promise<void> {
  if (headLastSeq < run.state.lastSeq) await run.commit({ releaseLeaseOwner: deps.workerId });
  else await deps.store.releaseLease(run.tenant.tenantId, run.runId, deps.workerId);
}

async function enqueueNext(deps: WorkerDeps, run: RunSession, afterSeq: number): Promise<void> {
  await deps.queue.send(
    { type: 'continue_run', tenantId: run.tenant.tenantId, runId: run.runId, afterSeq },
    { groupId: run.runId, deduplicationId: `${run.runId}:${afterSeq}` },
  );
}

/** Unblock key of runs blocked because their tenant was disabled (resume with `artana run resume` once re-enabled). */
export const TENANT_DISABLED_UNBLOCK_KEY = 'tenant_disabled';

/**
 * A disabled tenant's running work stops, visibly: the run is blocked (status `paused`, blocked on
 * `unblock:tenant_disabled`) instead of silently dropping its next message, so re-enabling the tenant and
 * `artana run resume` continue it where it stopped.
 */
async function blockDisabledTenantRun(deps: WorkerDeps, tenant: TenantContext, message: Extract<StepMessage, { type: 'continue_run' }>, delivery: DeliveryInfo): Promise<StepReport> {
  const ttl = Math.min(deps.leaseTtlMs ?? 300_000, delivery.remainingMs ?? Number.POSITIVE_INFINITY);
  const head = await deps.store.acquireLease(tenant.tenantId, message.runId, deps.workerId, ttl, deps.clock.now().getTime());
  try {
    const run = await deps.kernel.openRun(tenant, message.runId, { head });
    if (run.state.openPauses.length === 0) await run.block('tenant disabled', { unblockKey: TENANT_DISABLED_UNBLOCK_KEY });
    await run.commit({ releaseLeaseOwner: deps.workerId });
    deps.metrics.count('RunsBlockedTenantDisabled');
    return { runId: run.runId, tenantId: tenant.tenantId, decision: 'drop', reason: 'tenant_disabled' };
  } catch (error) {
    await deps.store.releaseLease(tenant.tenantId, message.runId, deps.workerId).catch(() => false);
    throw error;
  }
}

/** Creates the run for a `start_run`; a redelivered `start_run` finds it (same tenant, same harness). */
async function ensureRun(deps: WorkerDeps, tenant: TenantContext, runId: string, message: Extract<StepMessage, { type: 'start_run' }>): Promise<void> {
  deps.harnesses.get(message.harness); // unknown harness: poison, before anything is written
  // A redelivered start_run finds the run; one whose creator died before `run_started` is completed here.
  const run = await deps.kernel.startOrOpenRun(tenant, {
    runId, harness: message.harness, input: message.input ?? {}, budgetUsdLimit: tenant.budgetUsdLimit,
  });
  if (run.state.harness !== message.harness) {
    throw new RunAlreadyExistsError(`run ${runId} already exists with another harness`, { runId });
  }
}

function inputOf(run: RunSession): Record<string, unknown> {
  const parsed = z.record(z.string(), z.unknown()).safeParse(run.state.input);
  return parsed.success ? parsed.data : {};
}
