import type { LedgerRecord } from '../models/index.js';

export type RunStatus = 'active' | 'paused' | 'failed' | 'completed';

export interface Lease {
  readonly owner: string;
  /** Epoch milliseconds. A lease with `expiresAt <= now` is free. */
  readonly expiresAt: number;
}

/**
 * The run head (item at seq 0 in DynamoDB): an index and a cache, written at step boundaries. Events are the
 * truth: every reader tolerates a stale head by reading the tail past `snapshot.seq`.
 */
export interface RunHead {
  readonly runId: string;
  readonly tenantId: string;
  readonly harness?: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Last seq and hash as of the last commit; a ledger shorter than this has been truncated. */
  readonly lastSeq: number;
  readonly lastHash?: string;
  readonly spendUsd: number;
  readonly budgetUsdLimit?: number;
  readonly parentRunId?: string;
  readonly lease?: Lease;
  /** Folded run state at `seq` (opaque to the store; the kernel parses it). */
  readonly snapshot?: { readonly seq: number; readonly state: unknown };
}

export interface NewRun {
  readonly runId: string;
  readonly tenantId: string;
  readonly harness?: string;
  readonly createdAt: string;
  readonly budgetUsdLimit?: number;
  readonly parentRunId?: string;
}

export interface HeadCommit {
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly status: RunStatus;
  readonly updatedAt: string;
  readonly spendUsd: number;
  readonly snapshot?: { readonly seq: number; readonly state: unknown };
  /** Release the lease in the same write when this worker holds it. */
  readonly releaseLeaseOwner?: string;
}

export interface RunPage {
  readonly runs: readonly RunHead[];
  readonly cursor?: string;
}

/**
 * The ledger. Every call names the tenant; a run owned by another tenant is refused with
 * `TenantMismatchError`, an unknown run with `RunNotFoundError`.
 *
 * @example
 * await store.createRun({ runId: 'r1', tenantId: 't1', createdAt: now });
 * await store.append('t1', 'r1', [record1]);           // conditional on (runId, seq)
 * const { head, tail } = await store.readRun('t1', 'r1'); // head + events after the snapshot
 */
export interface EventStore {
  /** Creates the head. `RunAlreadyExistsError` if the run exists for this tenant, `TenantMismatchError` for another. */
  createRun(run: NewRun): Promise<RunHead>;
  /**
   * Appends records in seq order, each conditional on its (runId, seq) being free: `AppendConflictError`
   * (details: `runId`, `seq`, and `winner` when the backend returns it) when another writer holds the seq.
   * Records before the conflicting one stay written.
   */
  append(tenantId: string, runId: string, records: readonly LedgerRecord[]): Promise<void>;
  /**
   * Head plus the events after `head.snapshot.seq` (all events when there is no snapshot). Consistent read. A caller
   * that already holds a fresh head of this tenant's run (e.g. returned by `acquireLease`) passes it to skip the
   * head read.
   */
  readRun(tenantId: string, runId: string, options?: { head?: RunHead }): Promise<{ head: RunHead; tail: LedgerRecord[] }>;
  /** Events with `seq > afterSeq` (default 0), ascending, up to `limit`. */
  loadEvents(tenantId: string, runId: string, options?: { afterSeq?: number; limit?: number }): Promise<LedgerRecord[]>;
  /** Point reads of given seqs (missing ones are omitted). */
  getEvents(tenantId: string, runId: string, seqs: readonly number[]): Promise<LedgerRecord[]>;
  getHead(tenantId: string, runId: string): Promise<RunHead>;
  /** Monotonic head update: applied only when `lastSeq >=` the stored one; returns whether it was applied. */
  commitHead(tenantId: string, runId: string, commit: HeadCommit): Promise<boolean>;
  /** Returns the head with the lease when acquired (free, expired, or already ours); `LeaseHeldError` otherwise. */
  acquireLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<RunHead>;
  /** Extends our unexpired lease; false when it is not ours or has expired. */
  renewLease(tenantId: string, runId: string, owner: string, ttlMs: number, nowMs: number): Promise<boolean>;
  /** Releases our lease; false when it is not ours. */
  releaseLease(tenantId: string, runId: string, owner: string): Promise<boolean>;
  /** The tenant's runs, most recently updated first. */
  listRuns(tenantId: string, options?: { status?: RunStatus; limit?: number; cursor?: string }): Promise<RunPage>;
}
