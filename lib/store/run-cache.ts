/** What this process has seen of a run: its owner (immutable) and the last event known to exist (immutable). */
export interface KnownRun {
  readonly tenantId: string;
  readonly lastSeq?: number;
  readonly lastHash?: string;
}

/**
 * A bounded cache of facts about runs that never change once true: "run r belongs to tenant t" and "event n
 * of run r exists with hash h". It lets `append` check ownership and contiguity without reading the head,
 * so a step costs two reads (head + tail) whatever the run length. A stale entry can only make a write fall
 * back to a read, never accept a wrong write.
 */
export class RunCache {
  readonly #runs = new Map<string, KnownRun>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  get(runId: string): KnownRun | undefined {
    return this.#runs.get(runId);
  }

  /** Records the owner and, when later than what is known, the last event. */
  remember(runId: string, tenantId: string, last?: { seq: number; hash: string | undefined }): void {
    const known = this.#runs.get(runId);
    this.#runs.delete(runId);
    const keepOld = known?.lastSeq !== undefined && (!last || known.lastSeq >= last.seq);
    this.#runs.set(runId, {
      tenantId,
      ...(keepOld ? { lastSeq: known.lastSeq, lastHash: known.lastHash } : last ? { lastSeq: last.seq, lastHash: last.hash } : {}),
    });
    if (this.#runs.size > this.#capacity) {
      const oldest = this.#runs.keys().next();
      if (!oldest.done) this.#runs.delete(oldest.value);
    }
  }
}
