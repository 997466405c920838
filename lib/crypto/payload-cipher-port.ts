/** What a payload is bound to: AES-GCM additional data and, for KMS, the encryption context (tenantId). */
export interface CipherContext {
  readonly tenantId: string;
  readonly runId: string;
  readonly seq: number;
}

export interface SealedBytes {
  readonly alg: 'none' | 'A256GCM';
  /** Reference of the wrapped data key; absent for `none`. */
  readonly keyId?: string;
  /** Base64 nonce; absent for `none`. */
  readonly iv?: string;
  /** Ciphertext‖tag for A256GCM; the plaintext for `none`. */
  readonly bytes: Uint8Array;
}

/**
 * Encrypts and decrypts event payloads. Implementations: `LocalPayloadCipher` (key file), `KmsPayloadCipher`
 * (envelope encryption under KMS data keys, cached), `PlaintextCipher` (tests that inspect payloads only).
 * `open` must fail with `DecryptionError` when the context differs from the one used to `seal`.
 * @example const sealed = await cipher.seal(bytes, { tenantId: 't1', runId: 'r1', seq: 3 });
 */
export interface PayloadCipher {
  seal(plaintext: Uint8Array, context: CipherContext): Promise<SealedBytes>;
  open(sealed: SealedBytes, context: CipherContext): Promise<Uint8Array>;
}

/** Stores payload bytes that are too large for an event item (S3 in production). */
export interface BlobStore {
  put(key: string, bytes: Uint8Array): Promise<{ bucket: string; key: string }>;
  get(ref: { bucket: string; key: string }): Promise<Uint8Array>;
}
