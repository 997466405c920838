import type { LedgerRecord } from '../models/index.js';
import { AppendConflictError, LeaseHeldError, RunAlreadyExistsError, RunNotFoundError, TenantMismatchError } from '../errors.js';
import type { EventStore, HeadCommit, NewRun, RunHead, RunPage, RunStatus } from './event-store-port.js';

interface RunEntry {
  head: RunHead;
  events: LedgerRecord[];
}

const clone = <T>(v: T): T => structuredClone(v);

/**
 * The in-memory twin of the DynamoDB store, with the same contract (see the shared contract suite in
 * `test/store/event-store-contract.ts`). Used by kernel tests and the demo; not durable.
 */
export class MemoryEventStore implements EventStore {
  readonly #runs = new Map<string, RunEntry>();

  async createRun(run: NewRun): Promise<RunHead> {
    const existing = this.#runs.get(run.runId);
    if (existing) {
      this.#owned(existing, run.tenantId, run.runId);
      throw new RunAlreadyExistsError(`run ${run.runId} already exists`, { runId: run.runId });
    }
    const head: RunHead = {
      runId: run.runId,
      tenantId: run.tenantId,
      status: 'active',
      createdAt: run.createdAt,
      updatedAt: run.createdAt,
      lastSeq: 0,
      spendUsd: 0,
      ...(run.harness !== undefined ? { harness: run.harness } : {}),
      ...(run.budgetUsdLimit !== undefined ? { budgetUsdLimit: run.budgetUsdLimit } : {}),
      ...(run.parentRunId !== undefined ? { parentRunId: run.parentRunId } : {}),
    };
    this.#runs.set(run.runId, { head, events: [] });
    return clone(head);
  }

  async append(tenantId: string, runId: string, records: readonly LedgerRecord[]): Promise<void> {
    const entry = this.#entry(tenantId, runId);
    for (const record of records) {
      const winner = entry.events[record.seq - 1];
      if (winner || record.seq !== entry.events.length + 1) {
        throw new AppendConflictError(`seq ${record.seq} of run ${runId} is already written`, {
          runId, seq: record.seq, ...(winner ? { winner: clone(winner) } : {}),
        });
      }
      entry.events.push(clone(record));
    }
  }

  async readRun(tenantId: string, runId: string, options: { head?: RunHead } = {}): Promise<{ head: RunHead; tail: LedgerRecord[] }> {
    const entry = this.#entry(tenantId, runId);
    const head = options.head && options.head.runId === runId ? options.head : entry.head;
    const from = head.snapshot?.seq ?? 0;
    return { head: clone(head), tail: clone(entry.events.slice(from)) };
  }

  async loadEvents(tenantId: string, runId: string, options: { afterSeq?: number; limit?: number } = {}): Promise<LedgerRecord[]> {
    const entry = this.#entry(tenantId, runId);
    const after = options.afterSeq ?? 0;
    return clone(entry.events.slice(after, options.limit !== undefined ? after + options.limit : undefined));
  }

  async getEvents(tenantId: string, runId: string, seqs: readonly number[]): Promise<LedgerRecord[]> {
    const entry = this.#entry(tenantId, runId);
    return clone(seqs.flatMap((s) => (entry.events[s - 1] ? [entry.events[s - 1]!] : [])));
  }

  async getHead(tenantId: string, runId: string): Promise<RunHead> {
    return clone(this.#entry(tenantId, runId).head);
  }

  async commitHead(tenantId: string, runId: string, commit: HeadCommit): Promise<boolean> {
    const entry = this.#entry(tenantId, runId);
    if (commit.lastSeq < entry.head.lastSeq) return false;
    const { releaseLeaseOwner, snapshot, ...fields } = commit;
    const keepLease = entry.head.lease && entry.head.lease.owner !== releaseLeaseOwner;
    const { lease: _lease, ...rest } = entry.head;
    entry.head = {
      ...rest,
      ...fields,
      ...(snapshot ? { snapshot: clone(snapshot) } : {}),
      ...(keepLease ? { lease: entry.head.lease! } : {}),
    };
    return true;
  }

  async acquireLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<RunHead> {
    const entry = this.#entry(tenantId, runId);
    const lease = entry.head.lease;
    if (lease && lease.owner !== owner && lease.expiresAt > nowMs) {
      throw new LeaseHeldError(`run ${runId} is leased by another worker`, { runId, expiresAt: lease.expiresAt });
    }
    entry.head = { ...entry.head, lease: { owner, expiresAt: nowMs + ttlMs } };
    return clone(entry.head);
  }

  async renewLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const entry = this.#entry(tenantId, runId);
    const lease = entry.head.lease;
    if (!lease || lease.owner !== owner || lease.expiresAt <= nowMs) return false;
    entry.head = { ...entry.head, lease: { owner, expiresAt: nowMs + ttlMs } };
    return true;
  }

  async releaseLease(tenantId: string, runId: string, owner: string): Promise<boolean> {
    const entry = this.#entry(tenantId, runId);
    if (entry.head.lease?.owner !== owner) return false;
    const { lease: _lease, ...rest } = entry.head;
    entry.head = rest;
    return true;
  }

  async listRuns(tenantId: string, options: { status?: RunStatus; limit?: number; cursor?: string } = {}): Promise<RunPage> {
    const all = [...this.#runs.values()]
      .map((e) => e.head)
      .filter((h) => h.tenantId === tenantId && (!options.status || h.status === options.status))
      .sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : a.runId.localeCompare(b.runId)));
    const start = options.cursor ? Number(options.cursor) : 0;
    const limit = options.limit ?? 100;
    const page = all.slice(start, start + limit).map(({ snapshot: _s, ...h }) => clone(h));
    return { runs: page, ...(start + limit < all.length ? { cursor: String(start + limit) } : {}) };
  }

  #entry(tenantId: string, runId: string): RunEntry {
    const entry = this.#runs.get(runId);
    if (!entry) throw new RunNotFoundError(`run ${runId} not found`, { runId });
    this.#owned(entry, tenantId, runId);
    return entry;
  }

  #owned(entry: RunEntry, tenantId: string, runId: string): void {
    if (entry.head.tenantId !== tenantId) throw new TenantMismatchError(`run ${runId} does not belong to tenant ${tenantId}`, { runId, tenantId });
  }
}
