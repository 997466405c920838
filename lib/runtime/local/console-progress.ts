import type { TenantRecord } from '../../models/index.js';
import type { WorkerLogger } from '../worker-deps.js';

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

/** Human-readable progress for `npm start` (the worker's structured log lines, condensed). */
export function consoleProgress(quiet: boolean) {
  const out = (line: string) => {
    if (!quiet) console.log(line);
  };
  const logger: WorkerLogger = {
    info(message, extra = {}) {
      if (message !== 'step processed') return;
      const status = extra['status'] ? ` session ${str(extra['status'])}` : '';
      out(`  [${str(extra['tenantId']).padEnd(6)}] ${str(extra['runId'])} ${str(extra['decision'])}${status}${extra['reason'] ? ` (${str(extra['reason'])})` : ''}`);
    },
    warn(message, extra = {}) {
      out(`  [${str(extra['tenantId']).padEnd(6)}] ${str(extra['runId'])} ${message}: ${str(extra['error'])} — ${str(extra['message'])}`);
    },
    error(message, extra = {}) {
      out(`  [${str(extra['tenantId']).padEnd(6)}] ${str(extra['runId'])} ${message}: ${str(extra['error'])} — ${str(extra['message'])}`);
    },
  };
  return {
    logger,
    crashed: (runId: string) => out(`  !! injected crash in ${runId} (process "dies" before recording the tool result; SQS will redeliver)`),
    banner: (dynamo: string, model: string) => out(`Artana local runtime — DynamoDB: dynalite (${dynamo}); SQS: fauxqs FIFO + DLQ; payloads: AES-256-GCM (local key); model: ${model}`),
    tenants: (tenants: ReadonlyArray<Pick<TenantRecord, 'tenantId' | 'capabilities' | 'budgetUsdLimit' | 'tenantBudgetUsdLimit'>>) => {
      for (const t of tenants) out(`Tenant ${t.tenantId}: capabilities [${t.capabilities.join(', ')}], budget $${t.budgetUsdLimit}/run, $${t.tenantBudgetUsdLimit ?? '—'} total`);
    },
    started: (n: number) => out(`Started ${n} runs; one harness session per SQS message:`),
  };
}
