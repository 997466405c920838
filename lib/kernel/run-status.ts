import * as z from 'zod/mini';
import type { RunState } from './run-state.js';

export interface RunStatusView {
  readonly runId: string;
  readonly tenantId: string;
  readonly status: RunState['status'];
  readonly lastEventSeq: number;
  readonly lastEventType?: string;
  readonly updatedAt?: string;
  readonly blockedOn?: string;
  readonly failureReason?: string;
  readonly errorCategory?: string;
  readonly openPauses: number;
  readonly spendUsd: number;
  readonly driftCount: number;
  readonly lastStage?: string;
  readonly lastTool?: string;
  /** Resume point: the newest step key (or parent step key) seen. */
  readonly lastStepKey?: string;
}

/** K-13 `getRunStatus` with snapshot semantics (S-5): counted pauses, failures cleared by later success. */
export function runStatus(s: RunState): RunStatusView {
  const blockedOn = s.openPauses.at(-1)?.blockedOn;
  return {
    runId: s.runId, tenantId: s.tenantId, status: s.status, lastEventSeq: s.lastSeq, openPauses: s.openPauses.length,
    spendUsd: s.spendUsd, driftCount: s.driftCount,
    ...(s.lastEventType !== undefined ? { lastEventType: s.lastEventType } : {}),
    ...(s.updatedAt !== undefined ? { updatedAt: s.updatedAt } : {}),
    ...(blockedOn !== undefined ? { blockedOn } : {}),
    ...(s.failure ? { failureReason: s.failure.reason, ...(s.failure.category !== undefined ? { errorCategory: s.failure.category } : {}) } : {}),
    ...(s.lastStage !== undefined ? { lastStage: s.lastStage } : {}),
    ...(s.lastTool !== undefined ? { lastTool: s.lastTool } : {}),
    ...(s.lastStepKey !== undefined ? { lastStepKey: s.lastStepKey } : {}),
  };
}

export interface RunProgress {
  readonly runId: string;
  readonly status: 'running' | 'completed' | 'failed';
  readonly percent: number;
  readonly currentStage?: string;
  readonly completedStages: readonly string[];
  readonly startedAt?: string;
  readonly updatedAt?: string;
  readonly etaSeconds?: number;
}

const Unit = z.object({ id: z.string().check(z.minLength(1)), description: z.optional(z.string()), state: z.enum(['pending', 'in_progress', 'done']) });
const Units = z.union([z.object({ units: z.array(Unit) }), z.array(Unit)]);
type Unit = z.infer<typeof Unit>;

function unitsOf(s: RunState): Unit[] | undefined {
  const ref = s.summaries['task_progress'];
  if (!ref) return undefined;
  let value: unknown;
  try { value = JSON.parse(ref.summaryJson); } catch { return undefined; }
  const parsed = Units.safeParse(value);
  if (!parsed.success) return undefined;
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.units;
}

/** K-13 `getRunProgress`: percent and stage from the latest `task_progress` units, else the last harness stage. */
export function runProgress(s: RunState, now: Date): RunProgress {
  const status = s.status === 'completed' ? 'completed' : s.status === 'failed' ? 'failed' : 'running';
  const base = { runId: s.runId, status, ...(s.startedAt ? { startedAt: s.startedAt } : {}), ...(s.updatedAt ? { updatedAt: s.updatedAt } : {}) } as const;
  const units = unitsOf(s);
  if (!units || units.length === 0) {
    const stage = s.lastStage !== undefined ? { currentStage: s.lastStage } : {};
    return status === 'completed' ? { ...base, percent: 100, etaSeconds: 0, completedStages: [], ...stage } : { ...base, percent: 0, completedStages: [], ...stage };
  }
  const done = units.filter((u) => u.state === 'done').map((u) => u.id);
  const stage = units.find((u) => u.state === 'in_progress')?.id ?? units.find((u) => u.state === 'pending')?.id ?? done.at(-1) ?? s.lastStage;
  const withStage = stage !== undefined ? { currentStage: stage } : {};
  if (status === 'completed') return { ...base, percent: 100, etaSeconds: 0, completedStages: done, ...(done.length > 0 ? { currentStage: done.at(-1)! } : withStage) };
  const percent = Math.floor((done.length * 100) / units.length);
  const elapsed = s.startedAt ? Math.max(0, (now.getTime() - Date.parse(s.startedAt)) / 1000) : 0;
  const eta = status === 'running' && done.length > 0 ? { etaSeconds: Math.floor((elapsed / done.length) * (units.length - done.length)) } : {};
  return { ...base, percent, completedStages: done, ...withStage, ...eta };
}
