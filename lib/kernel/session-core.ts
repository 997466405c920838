import { AppendConflictError, LedgerIntegrityError } from '../errors.js';
import { hashRecord, verifyLedger } from '../crypto/core.js';
import type { BlobStore, PayloadCipher } from '../crypto/core.js';
import type { EventType, KernelEvent, LedgerRecord, TenantContext } from '../models/index.js';
import type { EventStore, RunHead } from '../store/index.js';
import type { KernelMiddleware } from '../middleware/middleware-port.js';
import type { Clock, IdSource, ModelPort } from './ports.js';
import type { ToolRegistry } from './tool-registry.js';
import { decodeRecord, encodeRecord, type EventDraft } from './record-codec.js';
import { evolveInPlace, initialRunState, type RunState, type StepIndexEntry } from './run-state.js';
import { bloomHas } from './step-bloom.js';
import { STEP_EVENT_TYPES, rebuildStepEntry } from './evicted-steps.js';
import { hydrateSummaries, openSnapshot } from './snapshot-codec.js';

/** Everything a session needs; built once by the kernel. */
export interface KernelDeps {
  readonly store: EventStore;
  readonly cipher: PayloadCipher;
  readonly modelPort: ModelPort;
  readonly tools: ToolRegistry;
  /** Sorted by priority (stable). */
  readonly middleware: readonly KernelMiddleware[];
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly blobs?: BlobStore | undefined;
}

/** Attempts of a syscall whose append lost a race (reload, re-decide). */
export const MAX_CONFLICT_ATTEMPTS = 3;

/**
 * The I/O core of a run session: folded state, decoded events in memory, and the conditional append.
 * One `readRun` on open; the tail after the snapshot is verified against the snapshot's hash and folded.
 */
export class SessionCore {
  readonly deps: KernelDeps;
  readonly tenant: TenantContext;
  readonly runId: string;
  #state: RunState;
  readonly #events = new Map<number, KernelEvent>();

  private constructor(deps: KernelDeps, tenant: TenantContext, runId: string, state: RunState) {
    this.deps = deps;
    this.tenant = tenant;
    this.runId = runId;
    this.#state = state;
  }

  /** Reads the head and the tail after its snapshot (TenantMismatchError / RunNotFoundError from the store). */
  static async open(deps: KernelDeps, tenant: TenantContext, runId: string, knownHead?: RunHead): Promise<SessionCore> {
    const { head, tail } = await deps.store.readRun(tenant.tenantId, runId, knownHead ? { head: knownHead } : {});
    const snapshot = head.snapshot ? await openSnapshot(deps.cipher, head.snapshot, tenant.tenantId, runId, deps.blobs) : undefined;
    if (head.snapshot && !snapshot) {
      // An unreadable snapshot is only a cache: fold everything instead.
      const all = await deps.store.loadEvents(tenant.tenantId, runId);
      return SessionCore.#fromRecords(deps, tenant, runId, initialRunState(tenant.tenantId, runId), all, head.lastSeq);
    }
    if (snapshot) await hydrateSummaries(snapshot, (seqs) => SessionCore.#decodeAt(deps, tenant, runId, seqs));
    return SessionCore.#fromRecords(deps, tenant, runId, snapshot ?? initialRunState(tenant.tenantId, runId), tail, head.lastSeq);
  }

  /** Point reads of events before the snapshot, each checked against its hash, decoded. */
  static async #decodeAt(deps: KernelDeps, tenant: TenantContext, runId: string, seqs: readonly number[]): Promise<KernelEvent[]> {
    const records = await deps.store.getEvents(tenant.tenantId, runId, seqs);
    for (const r of records) {
      if (hashRecord(r) !== r.hash || r.runId !== runId) throw new LedgerIntegrityError(`Event ${r.seq} of run ${runId} does not match its hash.`, { runId, seq: r.seq });
    }
    return Promise.all(records.map((r) => decodeRecord(deps.cipher, r, deps.blobs)));
  }

  static async #fromRecords(
    deps: KernelDeps, tenant: TenantContext, runId: string, state: RunState, records: LedgerRecord[], headSeq: number,
  ): Promise<SessionCore> {
    const core = new SessionCore(deps, tenant, runId, state);
    await core.#absorb(records);
    if (core.#state.lastSeq < headSeq) {
      throw new LedgerIntegrityError(`Run ${runId} is truncated: head records seq ${headSeq}, ledger ends at ${core.#state.lastSeq}.`, { runId, seq: core.#state.lastSeq + 1 });
    }
    return core;
  }

  /** The folded state; owned by the session and updated in place as events are appended (do not mutate). */
  get state(): RunState {
    return this.#state;
  }

  /** Decoded events held by this session (the tail after the snapshot, appended and fetched ones), by seq. */
  loadedEvents(): KernelEvent[] {
    return [...this.#events.values()].sort((a, b) => a.seq - b.seq);
  }

  /** The event at `seq`: from memory, else one point read (events before the snapshot). */
  async eventAt(seq: number): Promise<KernelEvent> {
    const cached = this.#events.get(seq);
    if (cached) return cached;
    const [record] = await this.deps.store.getEvents(this.tenant.tenantId, this.runId, [seq]);
    if (!record || record.seq !== seq || record.runId !== this.runId) {
      throw new LedgerIntegrityError(`Event ${seq} of run ${this.runId} is missing.`, { runId: this.runId, seq });
    }
    const event = await decodeRecord(this.deps.cipher, record, this.deps.blobs);
    this.#events.set(seq, event);
    return event;
  }

  /**
   * The step-index entry of `key`. The snapshot keeps only recent steps; when the evicted-keys filter says an older
   * step may have been recorded, the run's ledger is read (no decryption but of the step's own events), the entry is
   * rebuilt and kept in the index. A recorded step is therefore never executed twice, however old it is.
   */
  async stepEntry(key: string, stepKey: string | undefined): Promise<StepIndexEntry | undefined> {
    const known = this.#state.steps[key];
    if (known || !bloomHas(this.#state.evicted, key)) return known;
    const records = await this.deps.store.loadEvents(this.tenant.tenantId, this.runId);
    const events: KernelEvent[] = [];
    for (const r of records) {
      if (r.seq > this.#state.lastSeq || r.stepKey !== stepKey || !STEP_EVENT_TYPES.has(r.eventType)) continue;
      // Only the step's own events are used: check each one's hash (the chain is verified when sessions open).
      if (hashRecord(r) !== r.hash || r.runId !== this.runId || r.tenantId !== this.tenant.tenantId) {
        throw new LedgerIntegrityError(`Event ${r.seq} of run ${this.runId} does not match its hash.`, { runId: this.runId, seq: r.seq });
      }
      const event = this.#events.get(r.seq) ?? await decodeRecord(this.deps.cipher, r, this.deps.blobs);
      this.#events.set(r.seq, event);
      events.push(event);
    }
    const entry = rebuildStepEntry(key, events);
    if (entry) {
      this.#state.steps[key] = entry;
      this.#state.requests[entry.requestEventId] = key;
    }
    return entry;
  }

  /**
   * Appends one event at `lastSeq + 1`, conditional on the seq being free. On a lost race the session reloads the
   * tail and rethrows `AppendConflictError`, so the caller re-decides on fresh state (see `retryOnConflict`).
   */
  async append<K extends EventType>(draft: EventDraft<K>): Promise<KernelEvent> {
    const s = this.#state;
    const { record, event } = await encodeRecord(this.deps.cipher, {
      tenantId: this.tenant.tenantId, runId: this.runId, seq: s.lastSeq + 1, prevHash: s.lastHash,
      eventId: this.deps.ids.next(), timestamp: this.deps.clock.now().toISOString(),
    }, draft);
    try {
      await this.deps.store.append(this.tenant.tenantId, this.runId, [record]);
    } catch (error) {
      if (error instanceof AppendConflictError) await this.refresh();
      throw error;
    }
    this.#apply(event);
    return event;
  }

  /** Appends an event whose decision cannot change (a terminal for a request already written): retried on conflict. */
  async appendSettled<K extends EventType>(draft: EventDraft<K>): Promise<KernelEvent> {
    return this.retryOnConflict(() => this.append(draft));
  }

  /** Runs `decide` again after a lost append race, up to MAX_CONFLICT_ATTEMPTS times. */
  async retryOnConflict<T>(decide: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await decide();
      } catch (error) {
        if (!(error instanceof AppendConflictError) || attempt >= MAX_CONFLICT_ATTEMPTS) throw error;
      }
    }
  }

  /** Reads the events another writer appended after our last seq. */
  async refresh(): Promise<void> {
    const records = await this.deps.store.loadEvents(this.tenant.tenantId, this.runId, { afterSeq: this.#state.lastSeq });
    await this.#absorb(records);
  }

  async #absorb(records: LedgerRecord[]): Promise<void> {
    if (records.length === 0) return;
    const s = this.#state;
    const anchor = s.lastHash !== undefined ? { seq: s.lastSeq, hash: s.lastHash } : undefined;
    const check = verifyLedger(records, { tenantId: this.tenant.tenantId, runId: this.runId, ...(anchor ? { anchor } : {}) });
    if (!check.valid || records[0]?.runId !== this.runId) {
      throw new LedgerIntegrityError(`Ledger of run ${this.runId} failed verification at seq ${check.firstInvalidSeq ?? records[0]?.seq}: ${check.reason ?? 'wrong run'}.`, { runId: this.runId, seq: check.firstInvalidSeq });
    }
    for (const record of records) this.#apply(await decodeRecord(this.deps.cipher, record, this.deps.blobs));
  }

  #apply(event: KernelEvent): void {
    this.#events.set(event.seq, event);
    evolveInPlace(this.#state, event);
  }
}
