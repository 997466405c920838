/** Bounds of the in-memory data-key cache. */
export interface DataKeyCacheLimits {
  /** Most plaintext data keys held at once (least recently used evicted first). Default 100. */
  readonly maxEntries: number;
  /** A key seals only this long after it was generated, and is dropped this long after it entered the cache. Default 5 minutes. */
  readonly maxAgeMs: number;
  /** Payloads this cache seals under one data key before it uses another. Default 100,000. */
  readonly maxUses: number;
}

export const DEFAULT_CACHE_LIMITS: DataKeyCacheLimits = { maxEntries: 100, maxAgeMs: 5 * 60_000, maxUses: 100_000 };

/** A plaintext data key in the cache. */
export interface CachedDataKey {
  readonly keyRef: string;
  readonly tenantId: string;
  readonly key: Buffer;
  /** When KMS generated the key (from the wrapped key's `createdAt` for unwrapped keys): bounds sealing. */
  readonly createdAt: number;
  /** When this cache got the key: bounds how long the plaintext key stays in memory. */
  readonly cachedAt: number;
  uses: number;
}

/**
 * An LRU of plaintext data keys bounded by entries, age and (for sealing) uses, plus the current sealing key of
 * each tenant: the most recently generated key the cache holds, whether this process generated it or unwrapped it
 * to open another worker's payload. Adopting unwrapped keys is what keeps KMS requests flat when many workers
 * share a tenant: they converge on one data key per tenant and age window instead of one per worker. Evicted key buffers are zeroed (best effort) after the current microtasks, so a caller that took
 * a key and encrypts synchronously never sees it zeroed.
 * @example
 * const cache = new DataKeyCache(DEFAULT_CACHE_LIMITS, Date.now);
 * cache.add({ keyRef: 'dk_t1_1', tenantId: 't1', key, createdAt: Date.now(), cachedAt: Date.now(), uses: 0 });
 * cache.takeSealingKey('t1')?.keyRef // 'dk_t1_1'
 */
export class DataKeyCache {
  readonly #entries = new Map<string, CachedDataKey>();
  readonly #sealing = new Map<string, string>();

  constructor(private readonly limits: DataKeyCacheLimits, private readonly now: () => number) {}

  get size(): number {
    return this.#entries.size;
  }

  /** The tenant's current sealing key with one more use counted, or undefined when absent, aged or used up. */
  takeSealingKey(tenantId: string): CachedDataKey | undefined {
    const keyRef = this.#sealing.get(tenantId);
    const entry = keyRef === undefined ? undefined : this.#fresh(keyRef);
    if (!entry || entry.uses >= this.limits.maxUses || this.now() - entry.createdAt >= this.limits.maxAgeMs) {
      this.#sealing.delete(tenantId);
      return undefined;
    }
    entry.uses += 1;
    return entry;
  }

  /** The cached key for `keyRef` if it is still within its age. */
  get(keyRef: string): CachedDataKey | undefined {
    return this.#fresh(keyRef);
  }

  /**
   * Adds a key, makes it its tenant's sealing key when it is newer than the current one and still young enough
   * to seal, and evicts least recently used keys beyond the bound.
   */
  add(entry: CachedDataKey): void {
    const previous = this.#entries.get(entry.keyRef);
    this.#remove(entry.keyRef, previous !== undefined && previous.key !== entry.key);
    this.#entries.set(entry.keyRef, entry);
    const current = this.#entries.get(this.#sealing.get(entry.tenantId) ?? '');
    const young = this.now() - entry.createdAt < this.limits.maxAgeMs;
    if (young && (!current || current.createdAt <= entry.createdAt)) this.#sealing.set(entry.tenantId, entry.keyRef);
    while (this.#entries.size > Math.max(1, this.limits.maxEntries)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#remove(oldest.value, true);
    }
  }

  /** Drops every key, zeroing the buffers. */
  clear(): void {
    for (const keyRef of [...this.#entries.keys()]) this.#remove(keyRef, true);
  }

  #fresh(keyRef: string): CachedDataKey | undefined {
    const entry = this.#entries.get(keyRef);
    if (!entry) return undefined;
    if (this.now() - entry.cachedAt >= this.limits.maxAgeMs) {
      this.#remove(keyRef, true);
      return undefined;
    }
    this.#entries.delete(keyRef); // re-insert: Map order is the LRU order
    this.#entries.set(keyRef, entry);
    return entry;
  }

  #remove(keyRef: string, zero: boolean): void {
    const entry = this.#entries.get(keyRef);
    if (!entry) return;
    this.#entries.delete(keyRef);
    if (this.#sealing.get(entry.tenantId) === keyRef) this.#sealing.delete(entry.tenantId);
    if (zero) setImmediate(() => entry.key.fill(0));
  }
}
