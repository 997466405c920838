import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import * as z from 'zod/mini';
import { StartRunMessage } from '../queue/messages.js';
import { SqsStepQueue } from '../queue/sqs-step-queue.js';
import { LOCAL } from '../runtime/local/local-config.js';
import { startLocalRuntime } from '../runtime/local/local-runtime.js';
import { CliError, EXIT, toJson } from './cli-output.js';
import { globalsOf, parseOptions, type CliContext } from './cli-context.js';

const StartOptions = z.object({
  tenant: z.string(),
  harness: z.string(),
  runId: z.optional(z.string()),
  input: z.optional(z.string()),
  budgetUsd: z.optional(z.coerce.number()),
});

const LocalModelOption = z.object({ model: z._default(z.string(), 'mock') });

const parseInput = (json: string | undefined): unknown => {
  if (json === undefined) return undefined;
  try { return JSON.parse(json); } catch { throw new CliError('--input must be a JSON object', EXIT.usage); }
};

/** Builds the public `start_run` message from the flags (validated by the queue contract). */
export function startMessage(raw: unknown): StartRunMessage {
  const o = parseOptions(StartOptions, raw);
  const input = parseInput(o.input);
  const parsed = StartRunMessage.safeParse({
    type: 'start_run', version: 1, tenantId: o.tenant, harness: o.harness, runId: o.runId ?? `run-${randomUUID()}`,
    ...(input !== undefined ? { input } : {}), ...(o.budgetUsd !== undefined ? { budgetUsdLimit: o.budgetUsd } : {}),
  });
  if (!parsed.success) throw new CliError(`invalid start_run message: ${z.prettifyError(parsed.error)}`, EXIT.usage);
  return parsed.data;
}

/**
 * `run start`: with `--queue-url` (or `ARTANA_QUEUE_URL`) sends a `start_run` message to the FIFO queue; locally it
 * runs the message through the local runtime (the Lambda handler on dynalite + fauxqs) until the queue drains.
 * @example artana run start --tenant acme --harness report --input '{"topic":"ledgers"}'
 */
export function startRun(run: Command, ctx: CliContext): void {
  run.command('start').description('start a run (send a start_run message)')
    .requiredOption('--tenant <id>').requiredOption('--harness <name>').option('--run-id <id>')
    .option('--input <json>', 'harness input (JSON object)').option('--budget-usd <n>', 'per-run budget (can only lower the tenant\'s)')
    .option('--model <spec>', 'local only: model of the local worker (mock | bedrock:<id> | openai:<model>[@<baseUrl>]); deployed workers use ARTANA_MODEL', 'mock')
    .action(async (_o, cmd: Command) => {
      const g = globalsOf(ctx, cmd);
      const message = startMessage(cmd.opts());
      const runId = message.runId ?? '';
      if (g.queueUrl) {
        const sqs = new SQSClient({ region: g.region ?? LOCAL.region });
        try {
          await new SqsStepQueue({ client: sqs, queueUrl: g.queueUrl }).send(message, { groupId: runId, deduplicationId: `${runId}:start` });
        } finally { sqs.destroy(); }
        ctx.io.out(g.json ? toJson({ runId, tenantId: message.tenantId, sent: true }) : `${runId}\tsent`);
        return;
      }
      if (g.table) throw new CliError('run start against AWS needs --queue-url or ARTANA_QUEUE_URL', EXIT.usage);
      const { model } = parseOptions(LocalModelOption, cmd.opts());
      await runLocally(ctx, { dataDir: g.dataDir, model }, message, runId, g.json);
    });
}

async function runLocally(ctx: CliContext, local: { dataDir: string; model: string }, message: StartRunMessage, runId: string, json: boolean): Promise<void> {
  const dataDir = local.dataDir;
  const rt = await startLocalRuntime({ dataDir, pollers: 1, model: local.model });
  try {
    if (!rt.persistent) throw new CliError(`cannot open the local data directory ${dataDir} (is \`npm start\` running on it?)`, EXIT.usage);
    if (!(await rt.deps.tenants.get(message.tenantId))) {
      throw new CliError(`tenant ${message.tenantId} is not registered: artana tenant put --tenant ${message.tenantId} --capabilities … --budget-usd …`, EXIT.usage);
    }
    if (!rt.deps.harnesses.has(message.harness)) {
      throw new CliError(`unknown harness '${message.harness}' (known: ${rt.deps.harnesses.names().join(', ')})`, EXIT.usage);
    }
    await rt.send(message);
    await rt.drain();
    const head = await rt.deps.store.getHead(message.tenantId, runId);
    if (head.status === 'failed') ctx.exitCode = EXIT.failure;
    ctx.io.out(json ? toJson({ runId, tenantId: message.tenantId, status: head.status, lastSeq: head.lastSeq, spendUsd: head.spendUsd })
      : `${runId}\t${head.status}\tlast_seq=${head.lastSeq}`);
  } finally {
    await rt.close();
  }
}
