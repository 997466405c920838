/**
 * `npm start`: the whole system on this machine, with no AWS account. See `npm start -- --help`.
 */
import { Command, Option } from 'commander';
import type { TenantRecord } from '../../models/index.js';
import type { StepMessage } from '../../queue/messages.js';
import { formatReport, reportRuns } from './local-report.js';
import { startLocalRuntime } from './local-runtime.js';
import { consoleProgress } from './console-progress.js';
import { LOCAL } from './local-config.js';

const program = new Command('npm start --')
  .description('Run Artana locally: embedded DynamoDB (dynalite) and SQS (fauxqs), the local cipher, and a Lambda-like poller calling the real step-worker handler.')
  .addOption(new Option('--runs <n>', 'runs to start, spread over the two sample tenants').default(4).argParser(positiveInt))
  .addOption(new Option('--pollers <n>', 'concurrent pollers (Lambda concurrency)').default(2).argParser(positiveInt))
  .option('--crash-at <toolName>', 'inject one crash after this tool\'s side effect, before its result is recorded', 'publish_report')
  .option('--no-crash', 'do not inject a crash')
  .option('--data-dir <dir>', 'data directory (DynamoDB files, cipher key, outbox)', LOCAL.dataDir)
  .option('--reset', 'delete the data directory first (default: keep it; new runs are added)', false)
  .option('--model <spec>', 'model: mock | bedrock:<modelId> | openai:<model>[@<baseUrl>]', 'mock')
  .option('--topic <text>', 'topic of the sample reports', 'serverless event sourcing')
  .option('--quiet', 'print only the final report', false);

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error(`expected an integer from 1 to 1000, got '${value}'`);
  return n;
}

const TENANTS: ReadonlyArray<Omit<TenantRecord, 'createdAt' | 'updatedAt'>> = [
  { tenantId: 'acme', capabilities: ['reports:publish'], budgetUsdLimit: 0.5, tenantBudgetUsdLimit: 5, enabled: true },
  { tenantId: 'globex', capabilities: [], budgetUsdLimit: 0.05, tenantBudgetUsdLimit: 1, enabled: true },
];

async function main(): Promise<number> {
  // The SDK warns about Node 20 on every client; the project pins SDK versions in package-lock.json (see README).
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const o = program.parse().opts<{ runs: number; pollers: number; crashAt: string; crash: boolean; dataDir: string; reset: boolean; model: string; topic: string; quiet: boolean }>();
  const progress = consoleProgress(o.quiet);
  const crashBefore = o.crash ? { eventType: 'tool_completed' as const, stepKeyIncludes: `tool_${o.crashAt}` } : undefined;
  const rt = await startLocalRuntime({
    dataDir: o.dataDir, reset: o.reset, pollers: o.pollers, model: o.model, logger: progress.logger,
    ...(crashBefore ? { crashBefore, onCrash: progress.crashed } : {}),
  });
  try {
    progress.banner(rt.persistent ? `${o.dataDir}/dynamodb` : 'memory (persistence unavailable)', o.model);
    const now = new Date().toISOString();
    for (const t of TENANTS) await rt.deps.tenants.put({ ...t, createdAt: now, updatedAt: now });
    progress.tenants(TENANTS);
    const stamp = now.replace(/[-:.TZ]/g, '').slice(0, 14);
    const runs = Array.from({ length: o.runs }, (_, i) => ({ tenantId: TENANTS[i % TENANTS.length]!.tenantId, runId: `report-${stamp}-${i + 1}` }));
    for (const run of runs) {
      const message: StepMessage = { type: 'start_run', tenantId: run.tenantId, runId: run.runId, harness: 'report', input: { topic: o.topic } };
      await rt.send(message);
    }
    progress.started(runs.length);
    await rt.drain();
    const reports = await reportRuns(rt, runs);
    const budgets = new Map(TENANTS.map((t) => [t.tenantId, t.tenantBudgetUsdLimit ?? t.budgetUsdLimit]));
    console.log(`\n${formatReport(reports, budgets)}`);
    const stats = rt.stats();
    console.log(`\nQueue: ${stats.batches} batches, ${stats.failures} failed record(s) redelivered; side effects: ${await rt.outbox.deliveries()} report(s) delivered in ${rt.outbox.attempts()} attempt(s) (duplicates suppressed by idempotency key).`);
    const ok = reports.every((r) => r.status === 'completed' && r.ledgerValid && r.seal === 'sealed');
    console.log(ok
      ? `All ${reports.length} runs completed and all ${reports.length} ledgers verify and are sealed. Inspect them: npx artana run list --tenant acme`
      : `Some runs did not complete, or a ledger or its seal failed verification.`);
    return ok ? 0 : 1;
  } finally {
    await rt.close();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
