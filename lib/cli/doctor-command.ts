import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { PlaintextCipher } from '../crypto/index.js';
import { MemoryOutbox } from '../harness/samples/outbox.js';
import { reportHarness } from '../harness/samples/report-harness.js';
import { buildWorkerDeps } from '../runtime/build-worker-deps.js';
import { noMetrics, silentLogger } from '../runtime/worker-deps.js';
import { EXIT, formatTable, toJson } from './cli-output.js';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { globalsOf, intOption, parseOptions, type CliContext } from './cli-context.js';
import { openTarget, type CliTarget, type GlobalOptions } from './cli-target.js';
import { dlqCheck, ledgerChecks, manualChecks, stackChecks, tenantChecks, workerChecks, type Check } from './doctor-checks.js';
import { cloudWatchChecks, discoverStack, type StackResources } from './doctor-stack.js';

const DoctorOptions = z.object({ stack: z.optional(z.string()), recentRuns: z._default(intOption(1, 100), 5) });

/** The worker wiring `npm start` and `functions/step-worker.ts` deploy (same builder, same sample harness set). */
function shippedWorker(target: CliTarget) {
  return buildWorkerDeps({
    dynamo: target.dynamo, tableName: target.tableName, sqs: new SQSClient({ region: target.region }), queueUrl: 'unused-by-doctor',
    cipher: new PlaintextCipher(), modelPort: { complete: async () => { throw new Error('doctor does not call models'); } },
    harnesses: [reportHarness({ outbox: new MemoryOutbox() })], workerId: 'doctor', logger: silentLogger, metrics: noMetrics,
  });
}

/**
 * `artana doctor`: the seed's production readiness checklist, checked where a program can (exit 1 when a check fails).
 * With `--table` it also checks the deployed table and queue.
 * @example artana doctor --table artana-ledger --queue-url https://sqs…/steps.fifo --json
 */
export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program.command('doctor').description('production readiness checklist (worker wiring, tenants, ledgers, deployed stack)')
    .option('--stack <name>', 'deployed stack name: finds its table, queue, DLQ and dashboard (CloudFormation) and checks the alarms (CloudWatch)')
    .option('--recent-runs <n>', 'runs per tenant to verify', '5')
    .action(async (_o, cmd: Command) => {
      const o = parseOptions(DoctorOptions, cmd.opts());
      const g = globalsOf(ctx, cmd);
      // A DynamoDB-compatible endpoint (local tests) has no CloudFormation or CloudWatch beside it: AWS only.
      const found = o.stack && g.endpoint === undefined ? await discoverStack(new CloudFormationClient({ ...(g.region ? { region: g.region } : {}) }), o.stack) : {};
      const globals = { ...g, ...(g.table === undefined && found.tableName ? { table: found.tableName } : {}), ...(g.queueUrl === undefined && found.queueUrl ? { queueUrl: found.queueUrl } : {}) };
      const target = await openTarget(globals);
      try {
        await runDoctor(ctx, target, globals, o, found);
      } finally {
        await target.close();
      }
    });
}

async function runDoctor(ctx: CliContext, target: CliTarget, g: GlobalOptions, o: z.infer<typeof DoctorOptions>, found: StackResources): Promise<void> {
  const tenants = await target.tenants.list();
  const checks: Check[] = [
    ...workerChecks(shippedWorker(target)), ...tenantChecks(tenants),
    ...await ledgerChecks(target.store, tenants, o.recentRuns), ...manualChecks(),
  ];
  if (o.stack && g.endpoint !== undefined) checks.push({ id: 'stack.resources', status: 'not-checked', detail: 'stack resources are read from CloudFormation on AWS only (not with --endpoint)' });
  else if (o.stack) checks.push({ id: 'stack.resources', status: found.tableName ? 'pass' : 'fail', detail: `stack ${o.stack}: table ${found.tableName ?? '?'}, queue ${found.queueUrl ?? '?'}, dashboard ${found.dashboardName ?? '?'}` });
  if (target.mode === 'aws') {
    const sqs = g.queueUrl ? { client: new SQSClient({ region: target.region }), queueUrl: g.queueUrl } : undefined;
    try {
      checks.push(...await stackChecks(target.dynamo, target.tableName, sqs));
      if (g.endpoint !== undefined) {
        checks.push({ id: 'alarms', status: 'not-checked', detail: 'CloudWatch alarms and dashboard are checked against AWS only (not with --endpoint)' });
      } else {
        const dlqName = found.dlqName ?? (sqs ? (await dlqCheck(sqs.client, sqs.queueUrl)).dlqName : undefined);
        checks.push(...await cloudWatch(target.region, { ...(dlqName ? { dlqName } : {}), ...(found.dashboardName ? { dashboardName: found.dashboardName } : {}) }));
      }
    } finally { sqs?.client.destroy(); }
  }
  const ok = checks.every((c) => c.status !== 'fail');
  if (!ok) ctx.exitCode = EXIT.failure;
  if (g.json) return ctx.io.out(toJson({ ok, target: target.mode, checks }));
  ctx.io.out(formatTable(['status', 'check', 'detail'], checks.map((c) => [c.status.toUpperCase(), c.id, c.detail])));
}

async function cloudWatch(region: string, o: { dlqName?: string; dashboardName?: string }): Promise<Check[]> {
  const cw = new CloudWatchClient({ region });
  try {
    return await cloudWatchChecks(cw, o);
  } catch (e) {
    return [{ id: 'alarms', status: 'fail', detail: `CloudWatch: ${e instanceof Error ? e.message : String(e)}` }];
  } finally {
    cw.destroy();
  }
}
