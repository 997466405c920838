import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../lib/store/event-store-port.js';
import { makeChain } from '../helpers/records.js';

type NewRun = () => Promise<{ tenantId: string; runId: string }>;

const NOW = 1_000;
const TTL = 500;

/** Stored lease before the call: none, or `{ owner, expiresAt }`. `w` is the caller. */
const table: [string, { owner: string; expiresAt: number } | undefined, 'ok' | 'held', boolean, boolean][] = [
  // state,                 stored lease,                            acquire, renew, release
  ['no lease', undefined, 'ok', false, false],
  ['our unexpired lease', { owner: 'w', expiresAt: 2_000 }, 'ok', true, true],
  ['our expired lease', { owner: 'w', expiresAt: 900 }, 'ok', false, true],
  ['another unexpired lease', { owner: 'o', expiresAt: 2_000 }, 'held', false, false],
  ['another lease expiring now', { owner: 'o', expiresAt: NOW }, 'ok', false, false],
];

/** The lease truth table and lease release on commit, shared by every adapter. */
export function describeLeaseContract(store: () => EventStore, newRun: NewRun): void {
  describe('when leasing a run', () => {
    const prepare = async (stored: { owner: string; expiresAt: number } | undefined) => {
      const run = await newRun();
      if (stored) await store().acquireLease(run.tenantId, run.runId, stored.owner, stored.expiresAt, 0);
      return run;
    };

    it.each(table)('acquire gives %s the expected outcome', async (_state, stored, acquire) => {
      const { tenantId, runId } = await prepare(stored);
      const attempt = store().acquireLease(tenantId, runId, 'w', TTL, NOW);
      if (acquire === 'ok') {
        expect((await attempt).lease).toEqual({ owner: 'w', expiresAt: NOW + TTL });
        expect((await store().getHead(tenantId, runId)).lease).toEqual({ owner: 'w', expiresAt: NOW + TTL });
      } else {
        await expect(attempt).rejects.toMatchObject({ name: 'LeaseHeldError', disposition: 'retry' });
        expect((await store().getHead(tenantId, runId)).lease).toEqual(stored);
      }
    });

    it.each(table)('renew with %s', async (_state, stored, _acquire, renew) => {
      const { tenantId, runId } = await prepare(stored);
      expect(await store().renewLease(tenantId, runId, 'w', TTL, NOW)).toBe(renew);
      const expected = renew ? { owner: 'w', expiresAt: NOW + TTL } : stored;
      expect((await store().getHead(tenantId, runId)).lease).toEqual(expected);
    });

    it.each(table)('release with %s', async (_state, stored, _acquire, _renew, release) => {
      const { tenantId, runId } = await prepare(stored);
      expect(await store().releaseLease(tenantId, runId, 'w')).toBe(release);
      expect((await store().getHead(tenantId, runId)).lease).toEqual(release ? undefined : stored);
    });

    it('releases the lease in the commit when the committer holds it', async () => {
      const { tenantId, runId } = await newRun();
      const [r1] = await makeChain(tenantId, runId, 1);
      await store().append(tenantId, runId, [r1!]);
      await store().acquireLease(tenantId, runId, 'w', TTL, NOW);
      const commit = { lastSeq: 1, lastHash: r1!.hash, status: 'active' as const, updatedAt: '2026-01-02T00:00:00.000Z', spendUsd: 0 };
      expect(await store().commitHead(tenantId, runId, { ...commit, releaseLeaseOwner: 'other' })).toBe(true);
      expect((await store().getHead(tenantId, runId)).lease?.owner).toBe('w');
      expect(await store().commitHead(tenantId, runId, { ...commit, releaseLeaseOwner: 'w' })).toBe(true);
      expect((await store().getHead(tenantId, runId)).lease).toBeUndefined();
    });
  });
}
