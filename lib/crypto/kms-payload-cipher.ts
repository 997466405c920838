import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { randomInt } from 'node:crypto';
import { ConfigurationError, DecryptionError, DependencyUnavailableError } from '../errors.js';
import { checkSealed, ENVELOPE, openWithKey, sealWithKey } from './aes-gcm-envelope.js';
import { DataKeyCache, DEFAULT_CACHE_LIMITS, type CachedDataKey, type DataKeyCacheLimits } from './data-key-cache.js';
import { kmsFailure } from './kms-errors.js';
import type { CipherContext, PayloadCipher, SealedBytes } from './payload-cipher-port.js';
import type { WrappedKeyStore } from './wrapped-key-store.js';

export interface KmsPayloadCipherOptions {
  readonly client: KMSClient;
  /** KMS key ARN or alias that wraps the data keys. */
  readonly keyId: string;
  readonly keyStore: WrappedKeyStore;
  readonly cache?: Partial<DataKeyCacheLimits>;
  /** Milliseconds since the epoch; defaults to `Date.now`. */
  readonly clock?: () => number;
}

/**
 * Envelope encryption under KMS data keys. A tenant's data key comes from `GenerateDataKey` (AES_256) with
 * encryption context `{ tenantId }`, is cached in memory (bounded by entries, age and uses) and seals many
 * payloads (a key unwrapped to open another worker's payload is adopted for sealing when it is newer, so workers
 * converge on one key per tenant); its wrapped form is stored once in the `WrappedKeyStore` and events carry only its reference
 * (`keyId = dk_<tenantId>_<n>`). Opening a payload whose key is not cached costs one `Decrypt`, then it is cached.
 * @example
 * const cipher = new KmsPayloadCipher({ client: new KMSClient({}), keyId: 'alias/artana', keyStore });
 * const stored = await sealPayload(cipher, { prompt: 'hi' }, { tenantId: 't1', runId: 'r1', seq: 1 });
 */
export class KmsPayloadCipher implements PayloadCipher {
  readonly #client: KMSClient;
  readonly #kmsKeyId: string;
  readonly #keyStore: WrappedKeyStore;
  readonly #cache: DataKeyCache;
  readonly #clock: () => number;
  /** One in-flight KMS request per tenant (seal) or key reference (open): concurrent callers share it. */
  readonly #pending = new Map<string, Promise<CachedDataKey>>();

  constructor(options: KmsPayloadCipherOptions) {
    this.#client = options.client;
    this.#kmsKeyId = options.keyId;
    this.#keyStore = options.keyStore;
    this.#clock = options.clock ?? Date.now;
    this.#cache = new DataKeyCache(cacheLimits(options.cache), this.#clock);
  }

  async seal(plaintext: Uint8Array, context: CipherContext): Promise<SealedBytes> {
    let entry = this.#cache.takeSealingKey(context.tenantId);
    while (!entry) {
      await this.#shared(`seal:${context.tenantId}`, () => this.#generate(context.tenantId));
      entry = this.#cache.takeSealingKey(context.tenantId);
    }
    return sealWithKey(entry.key, entry.keyRef, plaintext, context);
  }

  async open(sealed: SealedBytes, context: CipherContext): Promise<Uint8Array> {
    const checked = checkSealed(sealed, context);
    const cached = this.#cache.get(checked.keyId);
    const entry = cached ?? (await this.#shared(`open:${checked.keyId}`, () => this.#unwrap(checked.keyId, context)));
    if (entry.tenantId !== context.tenantId) throw wrongTenant(context, checked.keyId);
    return openWithKey(entry.key, checked, context);
  }

  /** Drops every cached data key (zeroing them). */
  clearCache(): void {
    this.#cache.clear();
  }

  #shared(slot: string, load: () => Promise<CachedDataKey>): Promise<CachedDataKey> {
    const inFlight = this.#pending.get(slot);
    if (inFlight) return inFlight;
    const loading = load().finally(() => this.#pending.delete(slot));
    this.#pending.set(slot, loading);
    return loading;
  }

  /** 1. GenerateDataKey → 2. store the wrapped key once → 3. cache the plaintext key as the tenant's sealing key. */
  async #generate(tenantId: string): Promise<CachedDataKey> {
    const command = new GenerateDataKeyCommand({ KeyId: this.#kmsKeyId, KeySpec: 'AES_256', EncryptionContext: { tenantId } });
    const response = await callKms(() => this.#client.send(command), 'GenerateDataKey', { tenantId });
    const key = dataKeyBytes(response.Plaintext, 'GenerateDataKey');
    if (!response.CiphertextBlob) throw new DependencyUnavailableError('KMS GenerateDataKey returned no CiphertextBlob.');
    const keyRef = `dk_${tenantId}_${randomInt(1, 2 ** 48 - 1)}`;
    const kmsKeyId = response.KeyId ?? this.#kmsKeyId;
    await this.#keyStore.put(keyRef, {
      tenantId, wrappedKey: response.CiphertextBlob, kmsKeyId, createdAt: new Date(this.#clock()).toISOString(),
    });
    const now = this.#clock();
    const entry: CachedDataKey = { keyRef, tenantId, key, createdAt: now, cachedAt: now, uses: 0 };
    this.#cache.add(entry);
    return entry;
  }

  /** 1. look up the wrapped key → 2. refuse another tenant's key before asking KMS → 3. Decrypt → 4. cache. */
  async #unwrap(keyRef: string, context: CipherContext): Promise<CachedDataKey> {
    const stored = await this.#keyStore.get(keyRef);
    if (!stored) {
      throw new DecryptionError('The data key of this payload is unknown or was deleted (crypto-shredded).', {
        tenantId: context.tenantId, runId: context.runId, seq: context.seq, keyId: keyRef,
      });
    }
    if (stored.tenantId !== context.tenantId) throw wrongTenant(context, keyRef);
    const command = new DecryptCommand({
      CiphertextBlob: stored.wrappedKey, KeyId: stored.kmsKeyId, EncryptionContext: { tenantId: stored.tenantId },
    });
    const response = await callKms(() => this.#client.send(command), 'Decrypt', { tenantId: context.tenantId, keyId: keyRef });
    const entry: CachedDataKey = {
      keyRef, tenantId: stored.tenantId, key: dataKeyBytes(response.Plaintext, 'Decrypt'),
      createdAt: createdAtMs(stored.createdAt), cachedAt: this.#clock(), uses: 0,
    };
    this.#cache.add(entry);
    return entry;
  }
}

async function callKms<T>(
  send: () => Promise<T>, operation: 'GenerateDataKey' | 'Decrypt', details: Record<string, unknown>,
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw kmsFailure(error, operation, details);
  }
}

/** An unparseable creation time never makes a key eligible for sealing. */
const createdAtMs = (iso: string): number => {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
};

function dataKeyBytes(plaintext: Uint8Array | undefined, operation: string): Buffer {
  if (!plaintext || plaintext.length !== ENVELOPE.keyBytes) {
    throw new DependencyUnavailableError(`KMS ${operation} returned no 256-bit data key.`, { operation });
  }
  const key = Buffer.from(plaintext);
  plaintext.fill(0); // best effort: leave one copy of the key in memory, the cached one
  return key;
}

function cacheLimits(overrides: Partial<DataKeyCacheLimits> | undefined): DataKeyCacheLimits {
  const limits = { ...DEFAULT_CACHE_LIMITS, ...overrides };
  if (!(limits.maxEntries >= 1 && limits.maxAgeMs > 0 && limits.maxUses >= 1)) {
    throw new ConfigurationError('KmsPayloadCipher cache limits must be positive (maxEntries, maxAgeMs, maxUses).', { ...limits });
  }
  return limits;
}

function wrongTenant(context: CipherContext, keyRef: string): DecryptionError {
  return new DecryptionError('The data key of this payload belongs to another tenant.', {
    tenantId: context.tenantId, runId: context.runId, seq: context.seq, keyId: keyRef,
  });
}
