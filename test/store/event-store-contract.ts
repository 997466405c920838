import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../lib/store/event-store-port.js';
import { verifyLedger } from '../../lib/crypto/ledger-hash.js';
import { makeChain, nextRecord } from '../helpers/records.js';
import { describeLeaseContract } from './lease-contract.js';
import { describeListRunsContract } from './list-runs-contract.js';

export interface StoreUnderTest {
  readonly store: EventStore;
  close?(): Promise<void>;
}

export type MakeStore = () => Promise<StoreUnderTest>;

let counter = 0;
/** Ids unique within a suite, so the cases can share one store (and one table). */
export const uniqueId = (prefix: string): string => `${prefix}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;
export const at = (ms: number): string => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();

/**
 * The `EventStore` contract, run against every adapter (in-memory, dynalite, DynamoDB Local).
 * @example describeEventStoreContract('MemoryEventStore', async () => ({ store: new MemoryEventStore() }));
 */
export function describeEventStoreContract(name: string, makeStore: MakeStore): void {
  describe(`${name} (EventStore contract)`, () => {
    let subject: StoreUnderTest;
    const store = (): EventStore => subject.store;
    beforeAll(async () => { subject = await makeStore(); });
    afterAll(async () => { await subject?.close?.(); });

    const newRun = async (tenantId = uniqueId('t'), runId = uniqueId('r'), createdAt = at(0)) => {
      await store().createRun({ runId, tenantId, createdAt });
      return { tenantId, runId };
    };

    describe('when creating a run', () => {
      it('returns an active head at seq 0 when the run is new', async () => {
        const head = await store().createRun({ runId: uniqueId('r'), tenantId: 'tA', createdAt: at(1), harness: 'h', budgetUsdLimit: 2 });
        expect(head).toMatchObject({ tenantId: 'tA', status: 'active', lastSeq: 0, spendUsd: 0, harness: 'h', budgetUsdLimit: 2 });
        expect(head.lease).toBeUndefined();
      });

      it('refuses with RunAlreadyExistsError when the tenant already has the run', async () => {
        const { tenantId, runId } = await newRun();
        await expect(store().createRun({ runId, tenantId, createdAt: at(2) })).rejects.toMatchObject({ name: 'RunAlreadyExistsError' });
      });

      it('refuses with TenantMismatchError when another tenant owns the run id', async () => {
        const { runId } = await newRun();
        await expect(store().createRun({ runId, tenantId: uniqueId('other'), createdAt: at(2) })).rejects.toMatchObject({ name: 'TenantMismatchError' });
      });
    });

    describe('when appending', () => {
      it('stores the records in order and loads them back equal when the chain is valid', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 5);
        await store().append(tenantId, runId, records);
        const loaded = await store().loadEvents(tenantId, runId);
        expect(loaded).toEqual(records);
        expect(verifyLedger(loaded, { tenantId }).valid).toBe(true);
      });

      it('raises AppendConflictError naming the seq when another writer holds it', async () => {
        const { tenantId, runId } = await newRun();
        const [r1, r2] = await makeChain(tenantId, runId, 2);
        await store().append(tenantId, runId, [r1!, r2!]);
        const rival = await nextRecord(tenantId, runId, r1, { eventType: 'harness_stage', payload: { stage: 'rival' } });
        const error = await store().append(tenantId, runId, [rival]).catch((e: unknown) => e);
        expect(error).toMatchObject({ name: 'AppendConflictError', disposition: 'conflict', details: { runId, seq: 2 } });
        const details = (error as { details: { winner?: unknown } }).details;
        if (details.winner !== undefined) expect(details.winner).toEqual(r2);
      });

      it('raises AppendConflictError when the record would leave a gap', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 3);
        await store().append(tenantId, runId, [records[0]!]);
        await expect(store().append(tenantId, runId, [records[2]!])).rejects.toMatchObject({ name: 'AppendConflictError', details: { seq: 3 } });
        expect(await store().loadEvents(tenantId, runId)).toHaveLength(1);
      });

      it('keeps the records before the conflicting one when a batch conflicts midway', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 4);
        await store().append(tenantId, runId, records.slice(0, 2));
        const duplicate = records[3]!;
        await expect(store().append(tenantId, runId, [records[2]!, records[3]!, duplicate]))
          .rejects.toMatchObject({ name: 'AppendConflictError', details: { seq: 4 } });
        expect(await store().loadEvents(tenantId, runId)).toEqual(records);
      });
    });

    describe('when reading a run', () => {
      it('returns every event as the tail when there is no snapshot', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 3);
        await store().append(tenantId, runId, records);
        const { head, tail } = await store().readRun(tenantId, runId);
        expect(head.runId).toBe(runId);
        expect(tail).toEqual(records);
      });

      it('returns only the events after the snapshot when the head carries one', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 6);
        await store().append(tenantId, runId, records.slice(0, 4));
        const state = { messages: ['a', 'b'], nested: { n: 4, flag: true, none: null } };
        await store().commitHead(tenantId, runId, {
          lastSeq: 4, lastHash: records[3]!.hash, status: 'active', updatedAt: at(10), spendUsd: 0.25, snapshot: { seq: 4, state },
        });
        await store().append(tenantId, runId, records.slice(4));
        const { head, tail } = await store().readRun(tenantId, runId);
        expect(head).toMatchObject({ lastSeq: 4, lastHash: records[3]!.hash, spendUsd: 0.25, snapshot: { seq: 4, state } });
        expect(tail.map((r) => r.seq)).toEqual([5, 6]);
        expect(verifyLedger(tail, { anchor: { seq: 4, hash: records[3]!.hash } }).valid).toBe(true);
      });

      it('reads only the tail after the snapshot of a head the caller already holds (e.g. from acquireLease)', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 5);
        await store().append(tenantId, runId, records.slice(0, 3));
        await store().commitHead(tenantId, runId, {
          lastSeq: 3, lastHash: records[2]!.hash, status: 'active', updatedAt: at(11), spendUsd: 0, snapshot: { seq: 3, state: { s: 3 } },
        });
        await store().append(tenantId, runId, records.slice(3));
        const leased = await store().acquireLease(tenantId, runId, 'w1', 60_000, 1_000);
        const { head, tail } = await store().readRun(tenantId, runId, { head: leased });
        expect(head).toMatchObject({ lastSeq: 3, snapshot: { seq: 3 }, lease: { owner: 'w1' } });
        expect(tail.map((r) => r.seq)).toEqual([4, 5]);
        await expect(store().readRun('someone-else', runId, { head: leased })).rejects.toMatchObject({ name: 'TenantMismatchError' });
      });
    });

    describe('when loading events', () => {
      it('returns the events after afterSeq up to limit', async () => {
        const { tenantId, runId } = await newRun();
        await store().append(tenantId, runId, await makeChain(tenantId, runId, 10));
        const page = await store().loadEvents(tenantId, runId, { afterSeq: 3, limit: 4 });
        expect(page.map((r) => r.seq)).toEqual([4, 5, 6, 7]);
      });

      it('returns the whole history in order when it spans several DynamoDB pages (over 1 MB)', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 150, { payloadBytes: 10_000 });
        await store().append(tenantId, runId, records);
        const loaded = await store().loadEvents(tenantId, runId);
        expect(loaded.map((r) => r.seq)).toEqual(records.map((r) => r.seq));
        expect(verifyLedger(loaded, { tenantId }).valid).toBe(true);
        const { tail } = await store().readRun(tenantId, runId);
        expect(tail).toHaveLength(150);
      });
    });

    describe('when getting events by seq', () => {
      it('returns the requested events in request order and omits missing seqs', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 5);
        await store().append(tenantId, runId, records);
        const got = await store().getEvents(tenantId, runId, [4, 2, 99]);
        expect(got).toEqual([records[3], records[1]]);
      });
    });

    describe('when committing the head', () => {
      it('applies a commit at or after the stored seq and refuses an older one', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 3);
        await store().append(tenantId, runId, records);
        const commit = (seq: number, status: 'active' | 'completed') =>
          store().commitHead(tenantId, runId, { lastSeq: seq, lastHash: records[seq - 1]!.hash, status, updatedAt: at(seq), spendUsd: seq });
        expect(await commit(3, 'active')).toBe(true);
        expect(await commit(3, 'completed')).toBe(true);
        expect(await commit(2, 'active')).toBe(false);
        expect(await store().getHead(tenantId, runId)).toMatchObject({ lastSeq: 3, status: 'completed', spendUsd: 3 });
      });

      it('keeps the previous snapshot when the commit carries none', async () => {
        const { tenantId, runId } = await newRun();
        const records = await makeChain(tenantId, runId, 2);
        await store().append(tenantId, runId, records);
        const base = { lastHash: records[0]!.hash, status: 'active' as const, updatedAt: at(5), spendUsd: 0 };
        await store().commitHead(tenantId, runId, { ...base, lastSeq: 1, snapshot: { seq: 1, state: { k: 1 } } });
        await store().commitHead(tenantId, runId, { ...base, lastSeq: 2, lastHash: records[1]!.hash });
        expect((await store().getHead(tenantId, runId)).snapshot).toEqual({ seq: 1, state: { k: 1 } });
      });
    });

    describeLeaseContract(store, newRun);
    describeListRunsContract(store);

    describe('when a call names a tenant that does not own the run', () => {
      const calls: [string, (s: EventStore, t: string, r: string) => Promise<unknown>][] = [
        ['append', async (s, t, r) => s.append(t, r, await makeChain(t, r, 1))],
        ['readRun', (s, t, r) => s.readRun(t, r)],
        ['loadEvents', (s, t, r) => s.loadEvents(t, r)],
        ['getEvents', (s, t, r) => s.getEvents(t, r, [1])],
        ['getHead', (s, t, r) => s.getHead(t, r)],
        ['commitHead', (s, t, r) => s.commitHead(t, r, { lastSeq: 9, lastHash: 'x'.repeat(64), status: 'active', updatedAt: at(9), spendUsd: 0 })],
        ['acquireLease', (s, t, r) => s.acquireLease(t, r, 'w', 1000, 0)],
        ['renewLease', (s, t, r) => s.renewLease(t, r, 'w', 1000, 0)],
        ['releaseLease', (s, t, r) => s.releaseLease(t, r, 'w')],
      ];

      it.each(calls)('refuses %s with TenantMismatchError', async (_name, call) => {
        const { runId } = await newRun();
        await expect(call(store(), uniqueId('intruder'), runId)).rejects.toMatchObject({ name: 'TenantMismatchError' });
      });

      it.each(calls)('refuses %s with RunNotFoundError when the run does not exist', async (_name, call) => {
        await expect(call(store(), uniqueId('t'), uniqueId('missing'))).rejects.toMatchObject({ name: 'RunNotFoundError' });
      });
    });
  });
}
