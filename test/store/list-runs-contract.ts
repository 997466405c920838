import { describe, expect, it } from 'vitest';
import type { EventStore, RunHead } from '../../lib/store/event-store-port.js';
import { makeChain } from '../helpers/records.js';

let counter = 0;
const id = (p: string) => `${p}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
const at = (ms: number) => new Date(Date.UTC(2026, 1, 1) + ms).toISOString();

/** Listing a tenant's runs: newest first, status filter, tenant isolation, cursor paging. */
export function describeListRunsContract(store: () => EventStore): void {
  describe('when listing runs', () => {
    const seed = async (tenantId: string, n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const runId = id('run');
        await store().createRun({ runId, tenantId, createdAt: at(i * 1000) });
        ids.push(runId);
      }
      return ids;
    };
    const listAll = async (tenantId: string, options: { status?: 'completed'; limit?: number } = {}) => {
      const runs: RunHead[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store().listRuns(tenantId, { ...options, ...(cursor ? { cursor } : {}) });
        runs.push(...page.runs);
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 50);
      return { runs, pages };
    };

    it('returns the tenant runs most recently updated first', async () => {
      const tenantId = id('lt');
      const ids = await seed(tenantId, 3);
      const { runs } = await store().listRuns(tenantId);
      expect(runs.map((r) => r.runId)).toEqual([...ids].reverse());
      expect(runs.every((r) => r.tenantId === tenantId && r.snapshot === undefined)).toBe(true);
    });

    it('moves a run to the front when its head is committed later', async () => {
      const tenantId = id('lt');
      const ids = await seed(tenantId, 3);
      const [r1] = await makeChain(tenantId, ids[0]!, 1);
      await store().append(tenantId, ids[0]!, [r1!]);
      await store().commitHead(tenantId, ids[0]!, {
        lastSeq: 1, lastHash: r1!.hash, status: 'completed', updatedAt: at(60_000), spendUsd: 0, snapshot: { seq: 1, state: {} },
      });
      const { runs } = await store().listRuns(tenantId);
      expect(runs.map((r) => r.runId)).toEqual([ids[0], ids[2], ids[1]]);
      expect(runs[0]!.snapshot).toBeUndefined();
    });

    it('returns only runs with the status when filtered', async () => {
      const tenantId = id('lt');
      const ids = await seed(tenantId, 5);
      for (const runId of [ids[1]!, ids[3]!]) {
        const [r1] = await makeChain(tenantId, runId, 1);
        await store().append(tenantId, runId, [r1!]);
        await store().commitHead(tenantId, runId, { lastSeq: 1, lastHash: r1!.hash, status: 'completed', updatedAt: at(5_000 + counter), spendUsd: 0 });
      }
      const { runs } = await listAll(tenantId, { status: 'completed', limit: 1 });
      expect(runs.map((r) => r.runId).sort()).toEqual([ids[1], ids[3]].sort());
    });

    it('never returns another tenant runs', async () => {
      const [mine, theirs] = [id('lt'), id('lt')];
      await seed(mine, 2);
      await seed(theirs, 2);
      const { runs } = await store().listRuns(mine);
      expect(runs).toHaveLength(2);
      expect(runs.every((r) => r.tenantId === mine)).toBe(true);
    });

    it('pages through every run exactly once when a limit is given', async () => {
      const tenantId = id('lt');
      const ids = await seed(tenantId, 7);
      const first = await store().listRuns(tenantId, { limit: 3 });
      expect(first.runs).toHaveLength(3);
      expect(first.cursor).toBeDefined();
      const { runs, pages } = await listAll(tenantId, { limit: 3 });
      expect(runs.map((r) => r.runId)).toEqual([...ids].reverse());
      expect(pages).toBeGreaterThanOrEqual(3);
    });
  });
}
