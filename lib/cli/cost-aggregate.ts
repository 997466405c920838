import * as z from 'zod/mini';

/** One metered model call: the clear-text attributes of a `model_terminal` item. */
export const MeterRow = z.object({
  tenantId: z.string(),
  model: z.string(),
  timestamp: z.string().check(z.minLength(10)),
  costUsd: z.number().check(z.nonnegative()),
  promptTokens: z.int().check(z.nonnegative()),
  completionTokens: z.int().check(z.nonnegative()),
});
export type MeterRow = z.infer<typeof MeterRow>;

export const COST_DIMENSIONS = ['tenant', 'model', 'day'] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];

export interface CostFilter {
  readonly tenant?: string;
  /** Inclusive ISO lower bound on the event timestamp. */
  readonly from?: string;
  /** Exclusive ISO upper bound. */
  readonly to?: string;
}

export interface CostGroup {
  readonly tenant?: string;
  readonly model?: string;
  readonly day?: string;
  readonly costUsd: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly calls: number;
}

/**
 * Parses `--by` values (repeatable, comma lists) into distinct dimensions in the given order.
 * @example parseDimensions(['tenant,day']) // ['tenant', 'day']
 */
export function parseDimensions(values: readonly string[]): CostDimension[] | string {
  const dims: CostDimension[] = [];
  for (const v of values.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)) {
    const dim = COST_DIMENSIONS.find((d) => d === v);
    if (!dim) return `unknown --by dimension '${v}' (tenant, model, day)`;
    if (!dims.includes(dim)) dims.push(dim);
  }
  return dims.length > 0 ? dims : [...COST_DIMENSIONS];
}

export const matchesFilter = (row: MeterRow, f: CostFilter): boolean =>
  (f.tenant === undefined || row.tenantId === f.tenant) && (f.from === undefined || row.timestamp >= f.from) && (f.to === undefined || row.timestamp < f.to);

const keyOf = (row: MeterRow, dim: CostDimension): string => (dim === 'tenant' ? row.tenantId : dim === 'model' ? row.model : row.timestamp.slice(0, 10));

/** Float sums drift in the last digits (0.1 + 0.2); rounding to 1e-9 USD keeps output stable. */
const round = (n: number): number => Math.round(n * 1e9) / 1e9;

/**
 * Aggregates metered calls by the chosen dimensions (UTC day = the timestamp's date), sorted by the keys.
 * @example aggregateCost(rows, ['tenant', 'day'], { from: '2026-01-01' })
 */
export function aggregateCost(rows: Iterable<MeterRow>, dims: readonly CostDimension[], filter: CostFilter = {}): CostGroup[] {
  const groups = new Map<string, { keys: string[]; costUsd: number; promptTokens: number; completionTokens: number; calls: number }>();
  for (const row of rows) {
    if (!matchesFilter(row, filter)) continue;
    const keys = dims.map((d) => keyOf(row, d));
    const id = JSON.stringify(keys);
    const g = groups.get(id) ?? { keys, costUsd: 0, promptTokens: 0, completionTokens: 0, calls: 0 };
    g.costUsd += row.costUsd;
    g.promptTokens += row.promptTokens;
    g.completionTokens += row.completionTokens;
    g.calls += 1;
    groups.set(id, g);
  }
  return [...groups.values()]
    .sort((a, b) => compareKeys(a.keys, b.keys))
    .map((g) => ({
      ...Object.fromEntries(dims.map((d, i) => [d, g.keys[i] ?? ''])),
      costUsd: round(g.costUsd), promptTokens: g.promptTokens, completionTokens: g.completionTokens, calls: g.calls,
    }));
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Header and string cells of the groups, for table and CSV output. */
export function costRows(groups: readonly CostGroup[], dims: readonly CostDimension[]): { header: string[]; rows: string[][] } {
  const header = [...dims, 'cost_usd', 'prompt_tokens', 'completion_tokens', 'calls'];
  const rows = groups.map((g) => [...dims.map((d) => g[d] ?? ''), g.costUsd.toFixed(6), String(g.promptTokens), String(g.completionTokens), String(g.calls)]);
  return { header, rows };
}
