import { DescribeContinuousBackupsCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { KernelPolicy } from '../middleware/index.js';
import type { TenantRecord } from '../models/index.js';
import type { WorkerDeps } from '../runtime/worker-deps.js';
import type { EventStore } from '../store/index.js';
import { messageOf } from './cli-output.js';
import { verifyRunLedger } from './run-inspect.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'manual' | 'not-checked';

/** One item of the production readiness checklist (the seed's, plus the deployed stack's). */
export interface Check {
  readonly id: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

const check = (id: string, status: CheckStatus, detail: string): Check => ({ id, status, detail });

/**
 * Checks of the worker wiring: `KernelPolicy.enforced` satisfied by the kernel's middleware, side-effect tools receiving
 * idempotency keys, a replay policy chosen per harness.
 * @example workerChecks(buildWorkerDeps(setup))
 */
export function workerChecks(deps: Pick<WorkerDeps, 'kernel' | 'harnesses'>): Check[] {
  const checks: Check[] = [];
  try {
    KernelPolicy.enforced().validate(deps.kernel.middleware);
    checks.push(check('policy.enforced', 'pass', `worker middleware satisfies KernelPolicy.enforced (${deps.kernel.middleware.map((m) => m.name).join(', ')})`));
  } catch (e) {
    checks.push(check('policy.enforced', 'fail', messageOf(e)));
  }
  const tools = deps.kernel.tools.definitions();
  const sideEffects = tools.filter((t) => t.sideEffect).map((t) => t.name);
  // The registry refuses a side-effect tool whose handler does not take the execution context (and its idempotency key).
  checks.push(check('tools.idempotency', 'pass', sideEffects.length > 0
    ? `side-effect tools receive the idempotency key: ${sideEffects.join(', ')}; ${tools.length - sideEffects.length} read-only`
    : `${tools.length} tools, none with side effects`));
  const harnesses = deps.harnesses.names().map((name) => deps.harnesses.get(name));
  const implicit = harnesses.filter((h) => h.replayPolicy === undefined).map((h) => h.name);
  checks.push(implicit.length === 0
    ? check('harness.replay-policy', 'pass', harnesses.map((h) => `${h.name}=${h.replayPolicy ?? 'strict'}`).join(', '))
    : check('harness.replay-policy', 'warn', `no explicit replayPolicy (defaults to strict): ${implicit.join(', ')}`));
  return checks;
}

/** Budgets: every enabled tenant has a per-run budget (schema-enforced) and should have a tenant-wide one. */
export function tenantChecks(tenants: readonly TenantRecord[]): Check[] {
  const enabled = tenants.filter((t) => t.enabled);
  if (enabled.length === 0) return [check('tenants.budgets', 'warn', 'no enabled tenant is registered (artana tenant put)')];
  const missing = enabled.filter((t) => t.tenantBudgetUsdLimit === undefined).map((t) => t.tenantId);
  return [missing.length === 0
    ? check('tenants.budgets', 'pass', `${enabled.length} enabled tenants, each with per-run and tenant-wide budgets`)
    : check('tenants.budgets', 'warn', `per-run budget only (no --tenant-budget-usd): ${missing.join(', ')}`)];
}

/** Verifies the most recent runs of each tenant (no key needed). */
export async function ledgerChecks(store: EventStore, tenants: readonly TenantRecord[], perTenant: number): Promise<Check[]> {
  const invalid: string[] = [];
  let verified = 0;
  for (const t of tenants) {
    const { runs } = await store.listRuns(t.tenantId, { limit: perTenant });
    for (const run of runs) {
      const v = await verifyRunLedger(store, t.tenantId, run.runId);
      verified++;
      if (!v.valid) invalid.push(`${t.tenantId}/${run.runId} seq ${v.firstInvalidSeq ?? '?'}: ${v.reason ?? ''}`);
    }
  }
  if (invalid.length > 0) return [check('ledger.verification', 'fail', invalid.join('; '))];
  return [check('ledger.verification', verified > 0 ? 'pass' : 'warn', verified > 0 ? `${verified} recent runs verified` : 'no runs to verify yet')];
}

/** The seed's items a program cannot decide. */
export const manualChecks = (): Check[] => [
  check('step-keys.stable', 'manual', 'step keys derive from harness structure, not from time or randomness (auto keys are stable across sessions)'),
  check('drift.strategy', 'manual', 'decide per harness: strict, allow_prompt_drift or fork_on_drift (docs/deploy.md, rolling upgrade)'),
  check('artifacts.schema-versioned', 'manual', 'setArtifact(key, value, { schemaVersion }) for artifacts other systems read'),
];

const Redrive = z.object({ deadLetterTargetArn: z.string(), maxReceiveCount: z.coerce.number() });

/** The deployed table and queue: PITR, stream, customer-managed key; queue redrive to a DLQ (see `doctor-stack.ts` for CloudWatch). */
export async function stackChecks(dynamo: DynamoDBClient, tableName: string, sqs?: { client: SQSClient; queueUrl: string }): Promise<Check[]> {
  const checks: Check[] = [];
  try {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const stream = Table?.StreamSpecification;
    checks.push(stream?.StreamEnabled && stream.StreamViewType === 'NEW_IMAGE'
      ? check('table.stream', 'pass', `stream ${Table?.LatestStreamArn ?? ''} (NEW_IMAGE)`)
      : check('table.stream', 'fail', 'no NEW_IMAGE stream: the SIEM receives nothing'));
    const sse = Table?.SSEDescription;
    checks.push(sse?.SSEType === 'KMS' && sse.KMSMasterKeyArn
      ? check('table.customer-key', 'pass', `SSE-KMS with ${sse.KMSMasterKeyArn}`)
      : check('table.customer-key', 'fail', 'table is not encrypted with a customer-managed KMS key'));
  } catch (e) {
    checks.push(check('table.describe', 'fail', `DescribeTable ${tableName}: ${messageOf(e)}`));
  }
  try {
    const { ContinuousBackupsDescription: d } = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName: tableName }));
    checks.push(d?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED'
      ? check('table.pitr', 'pass', 'point-in-time recovery enabled (exports to S3 possible)')
      : check('table.pitr', 'fail', 'point-in-time recovery disabled'));
  } catch (e) {
    checks.push(check('table.pitr', 'fail', `DescribeContinuousBackups: ${messageOf(e)}`));
  }
  checks.push(sqs ? (await dlqCheck(sqs.client, sqs.queueUrl)).check : check('queue.dlq', 'not-checked', 'no --queue-url given'));
  return checks;
}

/** The step queue's redrive policy; `dlqName` is the dead-letter queue's name when there is one. */
export async function dlqCheck(client: SQSClient, queueUrl: string): Promise<{ check: Check; dlqName?: string }> {
  try {
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
    const raw = Attributes?.['RedrivePolicy'];
    const policy = raw ? Redrive.safeParse(JSON.parse(raw)) : undefined;
    return policy?.success
      ? { check: check('queue.dlq', 'pass', `redrive to ${policy.data.deadLetterTargetArn} after ${policy.data.maxReceiveCount} receives`), dlqName: policy.data.deadLetterTargetArn.split(':').at(-1) ?? '' }
      : { check: check('queue.dlq', 'fail', 'the step queue has no redrive policy (dead-letter queue)') };
  } catch (e) {
    return { check: check('queue.dlq', 'fail', `GetQueueAttributes: ${messageOf(e)}`) };
  }
}
