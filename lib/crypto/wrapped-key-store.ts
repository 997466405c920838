import { DependencyUnavailableError } from '../errors.js';

/** A KMS-wrapped data key as stored once and referenced by every event sealed under it. */
export interface WrappedDataKey {
  readonly tenantId: string;
  /** The `CiphertextBlob` from `GenerateDataKey`: only KMS can unwrap it, with the same encryption context. */
  readonly wrappedKey: Uint8Array;
  /** ARN of the KMS key that wrapped it. */
  readonly kmsKeyId: string;
  /** ISO 8601 creation time. */
  readonly createdAt: string;
}

/**
 * Where `KmsPayloadCipher` keeps wrapped data keys, by key reference (`dk_<tenantId>_<n>`). Deleting a tenant's
 * wrapped keys makes every payload sealed under them unreadable: crypto-shredding.
 * @example
 * await store.put('dk_t1_42', { tenantId: 't1', wrappedKey, kmsKeyId, createdAt: new Date().toISOString() });
 * const entry = await store.get('dk_t1_42');
 * await store.deleteTenantKeys('t1'); // crypto-shred tenant t1
 */
export interface WrappedKeyStore {
  /** Stores a new wrapped key; a key reference is written once (a second put fails with `DependencyUnavailableError`). */
  put(keyRef: string, key: WrappedDataKey): Promise<void>;
  get(keyRef: string): Promise<WrappedDataKey | undefined>;
  /** Deletes every wrapped key of the tenant and returns how many were deleted. */
  deleteTenantKeys(tenantId: string): Promise<number>;
}

/**
 * In-memory `WrappedKeyStore` for tests and the embedded runtime.
 * @example const cipher = new KmsPayloadCipher({ client, keyId, keyStore: new MemoryWrappedKeyStore() });
 */
export class MemoryWrappedKeyStore implements WrappedKeyStore {
  readonly #keys = new Map<string, WrappedDataKey>();

  get size(): number {
    return this.#keys.size;
  }

  async put(keyRef: string, key: WrappedDataKey): Promise<void> {
    if (this.#keys.has(keyRef)) {
      throw new DependencyUnavailableError('Wrapped key reference already exists; seal again to generate a fresh data key.', { keyRef });
    }
    this.#keys.set(keyRef, { ...key, wrappedKey: Uint8Array.from(key.wrappedKey) });
  }

  async get(keyRef: string): Promise<WrappedDataKey | undefined> {
    return this.#keys.get(keyRef);
  }

  async deleteTenantKeys(tenantId: string): Promise<number> {
    let deleted = 0;
    for (const [keyRef, key] of this.#keys) {
      if (key.tenantId === tenantId && this.#keys.delete(keyRef)) deleted += 1;
    }
    return deleted;
  }
}
