import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';

export type Category =
  | 'crash_points' | 'duplicate_delivery' | 'hostile_input' | 'tampering' | 'tenant_isolation' | 'budgets' | 'dependency_faults';

const here = path.dirname(fileURLToPath(import.meta.url));
export const RESULTS_FILE = path.join(here, 'results.json');
const LOCK_DIR = path.join(here, '.results.lock');

const Results = z.record(z.string(), z.object({ tried: z.int(), passed: z.int() }));

/**
 * Counts the cases of one category: `tried` before a case's assertions, `passed` after they all held.
 * `record()` (call it in `afterAll`) merges the counts into `results.json`.
 */
export class Tally {
  tried = 0;
  passed = 0;
  constructor(readonly category: Category) {}

  /** Runs one case: counts it tried, runs its assertions, counts it passed when none threw. */
  async check(body: () => Promise<void> | void): Promise<void> {
    this.tried += 1;
    await body();
    this.passed += 1;
  }

  async record(): Promise<void> {
    await withLock(async () => {
      const raw = await readFile(RESULTS_FILE, 'utf8').catch(() => '{}');
      const parsed = Results.safeParse(JSON.parse(raw));
      const current = parsed.success ? parsed.data : {};
      current[this.category] = { tried: this.tried, passed: this.passed };
      const sorted = Object.fromEntries(Object.entries(current).sort(([a], [b]) => a.localeCompare(b)));
      await writeFile(RESULTS_FILE, `${JSON.stringify(sorted, null, 2)}\n`);
    });
  }
}

/** Test files run in parallel processes: a directory lock keeps the read-merge-write of the JSON file whole. */
async function withLock(body: () => Promise<void>): Promise<void> {
  for (let attempt = 0; attempt < 200_000; attempt += 1) {
    try {
      await mkdir(LOCK_DIR);
    } catch {
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    try {
      await body();
    } finally {
      await rm(LOCK_DIR, { recursive: true, force: true });
    }
    return;
  }
  throw new Error(`could not lock ${LOCK_DIR}`);
}
