import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { SqsStepQueue } from '../queue/sqs-step-queue.js';
import { LOCAL } from '../runtime/local/local-config.js';
import { startLocalRuntime } from '../runtime/local/local-runtime.js';
import { RunNotPausedError, resumeRun } from '../runtime/resume-run.js';
import { CliError, EXIT, toJson } from './cli-output.js';
import { globalsOf, parseOptions, type CliContext } from './cli-context.js';
import { openTarget } from './cli-target.js';
import { inspectionKernel, inspectionTenant } from './run-inspect.js';

const ResumeOptions = z.object({ tenant: z.string(), input: z.optional(z.string()) });

const parseInput = (json: string | undefined): unknown => {
  if (json === undefined) return undefined;
  try { return JSON.parse(json); } catch { throw new CliError('--input must be JSON', EXIT.usage); }
};

/**
 * `run resume`: closes a paused (or blocked) run's pause, records `--input` as the `human_input` summary the harness
 * reads, and enqueues the next session. Locally the session runs through the local runtime until the queue drains.
 * @example artana run resume report-42 --tenant acme --input '{"approved":true}'
 */
export function resumeCommand(run: Command, ctx: CliContext): void {
  run.command('resume <runId>').description('resume a paused run (records --input for the harness) and enqueue its next session')
    .requiredOption('--tenant <id>').option('--input <json>', 'human input (JSON) recorded as the human_input summary')
    .action(async (runId: string, _o, cmd: Command) => {
      const g = globalsOf(ctx, cmd);
      const o = parseOptions(ResumeOptions, cmd.opts());
      const input = parseInput(o.input);
      if (g.table) {
        if (!g.queueUrl) throw new CliError('run resume against AWS needs --queue-url or ARTANA_QUEUE_URL', EXIT.usage);
        const target = await openTarget(g);
        const sqs = new SQSClient({ region: g.region ?? LOCAL.region });
        try {
          const next = await notPausedIsFailure(resumeRun(await inspectionKernel(target), await inspectionTenant(target, o.tenant), runId, input));
          await new SqsStepQueue({ client: sqs, queueUrl: g.queueUrl }).send(next, { groupId: runId, deduplicationId: `${runId}:${next.afterSeq}` });
          ctx.io.out(g.json ? toJson({ runId, resumed: true, afterSeq: next.afterSeq }) : `${runId}\tresumed\tafter_seq=${next.afterSeq}`);
        } finally {
          sqs.destroy();
          await target.close();
        }
        return;
      }
      const rt = await startLocalRuntime({ dataDir: g.dataDir, pollers: 1 });
      try {
        const record = await rt.deps.tenants.get(o.tenant);
        if (!record) throw new CliError(`tenant ${o.tenant} is not registered`, EXIT.usage);
        const next = await notPausedIsFailure(resumeRun(rt.deps.kernel, { tenantId: record.tenantId, capabilities: record.capabilities, budgetUsdLimit: record.budgetUsdLimit }, runId, input));
        await rt.send(next);
        await rt.drain();
        const head = await rt.deps.store.getHead(o.tenant, runId);
        ctx.io.out(g.json ? toJson({ runId, resumed: true, status: head.status, lastSeq: head.lastSeq }) : `${runId}\t${head.status}\tlast_seq=${head.lastSeq}`);
      } finally {
        await rt.close();
      }
    });
}

async function notPausedIsFailure<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (error) {
    if (error instanceof RunNotPausedError) throw new CliError(error.message, EXIT.failure);
    throw error;
  }
}
