import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { PlaintextCipher } from '../crypto/index.js';
import { MemoryOutbox } from '../harness/samples/outbox.js';
import { reportHarness } from '../harness/samples/report-harness.js';
import { buildWorkerDeps } from '../runtime/build-worker-deps.js';
import { noMetrics, silentLogger } from '../runtime/worker-deps.js';
import { EXIT, formatTable, toJson } from './cli-output.js';
import { intOption, parseOptions, withTarget, type CliContext } from './cli-context.js';
import type { CliTarget } from './cli-target.js';
import { ledgerChecks, manualChecks, stackChecks, tenantChecks, workerChecks, type Check } from './doctor-checks.js';

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
    .option('--stack <name>', 'deployed stack name (resource discovery needs the CloudFormation client: not installed)')
    .option('--recent-runs <n>', 'runs per tenant to verify', '5')
    .action((_o, cmd: Command) => withTarget(ctx, cmd, async (target, g) => {
      const o = parseOptions(DoctorOptions, cmd.opts());
      const tenants = await target.tenants.list();
      const checks: Check[] = [
        ...workerChecks(shippedWorker(target)), ...tenantChecks(tenants),
        ...await ledgerChecks(target.store, tenants, o.recentRuns), ...manualChecks(),
      ];
      if (o.stack) checks.push({ id: 'stack.resources', status: 'not-checked', detail: `stack ${o.stack}: client not installed (@aws-sdk/client-cloudformation); checks use --table/--queue-url` });
      if (target.mode === 'aws') {
        const sqs = g.queueUrl ? { client: new SQSClient({ region: target.region }), queueUrl: g.queueUrl } : undefined;
        try { checks.push(...await stackChecks(target.dynamo, target.tableName, sqs)); } finally { sqs?.client.destroy(); }
      }
      const ok = checks.every((c) => c.status !== 'fail');
      if (!ok) ctx.exitCode = EXIT.failure;
      if (g.json) return ctx.io.out(toJson({ ok, target: target.mode, checks }));
      ctx.io.out(formatTable(['status', 'check', 'detail'], checks.map((c) => [c.status.toUpperCase(), c.id, c.detail])));
    }));
}
