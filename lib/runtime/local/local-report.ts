import { verifyLedger } from '../../crypto/ledger-hash.js';
import { verifySeal } from '../../crypto/ledger-seal.js';
import { toTenantContext } from '../../models/index.js';
import type { LocalRuntime } from './local-runtime.js';

export interface RunReport {
  readonly runId: string;
  readonly tenantId: string;
  readonly status: string;
  readonly events: number;
  readonly costUsd: number;
  readonly sessions: number;
  readonly ledgerValid: boolean;
  readonly firstInvalidSeq?: number;
  /** `sealed`: the run's seal verifies; `unsealed`: no seal (not completed); `INVALID`: a bad seal. */
  readonly seal: 'sealed' | 'unsealed' | 'INVALID';
  readonly result?: unknown;
}

/** Reads back what the runs left in the ledger: status, cost, sessions, result, a full ledger verification and the seal check. */
export async function reportRuns(rt: LocalRuntime, runs: ReadonlyArray<{ tenantId: string; runId: string }>): Promise<RunReport[]> {
  const reports: RunReport[] = [];
  for (const { tenantId, runId } of runs) {
    const head = await rt.deps.store.getHead(tenantId, runId);
    const records = await rt.deps.store.loadEvents(tenantId, runId);
    const check = verifyLedger(records, { head, tenantId });
    const tenant = await rt.deps.tenants.get(tenantId);
    const session = tenant ? await rt.deps.kernel.openRun(toTenantContext(tenant), runId) : undefined;
    const events = tenant ? await rt.deps.kernel.loadEvents(toTenantContext(tenant), runId) : records;
    const seal = await verifySeal(events, rt.signer.verifier());
    reports.push({
      runId, tenantId,
      status: session?.getRunStatus().status ?? head.status,
      events: records.length,
      costUsd: records.reduce((sum, r) => sum + (r.meter?.costUsd ?? 0), 0),
      sessions: records.filter((r) => r.eventType === 'harness_wake').length,
      ledgerValid: check.valid,
      ...(check.firstInvalidSeq !== undefined ? { firstInvalidSeq: check.firstInvalidSeq } : {}),
      seal: !seal.sealed ? 'unsealed' : seal.valid ? 'sealed' : 'INVALID',
      result: session?.getArtifact('harness_result'),
    });
  }
  return reports;
}

const usd = (n: number): string => `$${n.toFixed(4)}`;

/** A fixed-width table of the runs, then cost per tenant. */
export function formatReport(reports: readonly RunReport[], budgets: ReadonlyMap<string, number>): string {
  const rows = reports.map((r) => [r.runId, r.tenantId, r.status, String(r.sessions), String(r.events), usd(r.costUsd),
    `${r.ledgerValid ? 'valid' : `INVALID at seq ${r.firstInvalidSeq}`}, ${r.seal === 'INVALID' ? 'seal INVALID' : r.seal}`]);
  const header = ['run', 'tenant', 'status', 'sessions', 'events', 'cost', 'ledger'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const tenants = [...new Set(reports.map((r) => r.tenantId))].sort();
  const costs = tenants.map((t) => {
    const mine = reports.filter((r) => r.tenantId === t);
    const total = mine.reduce((s, r) => s + r.costUsd, 0);
    const budget = budgets.get(t);
    return `  ${t.padEnd(10)} ${usd(total)} over ${mine.length} run(s)${budget !== undefined ? ` — tenant budget ${usd(budget)}` : ''}`;
  });
  return [line(header), ...rows.map(line), '', 'Cost per tenant:', ...costs].join('\n');
}
