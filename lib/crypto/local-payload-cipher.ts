import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { createSecretFile, readSecretFile } from './key-file.js';
import { ConfigurationError, DecryptionError } from '../errors.js';
import { checkSealed, ENVELOPE, openWithKey, sealWithKey } from './aes-gcm-envelope.js';
import type { CipherContext, PayloadCipher, SealedBytes } from './payload-cipher-port.js';

const HKDF_SALT = Buffer.from('artana/local-payload-cipher/v1', 'utf8');
const MAX_DERIVED_KEYS = 1_000;

/**
 * The KMS envelope format without KMS, for the embedded runtime and tests: a 256-bit master key (from a key file
 * with mode 0600, created on first use) and one data key per tenant derived with HKDF-SHA256 (info = tenantId), so
 * a payload still cannot be opened as another tenant's. `keyId = local:<fingerprint>:<tenantId>`.
 * @example
 * const cipher = await LocalPayloadCipher.fromKeyFile('.artana/payload.key');
 * const sealed = await cipher.seal(bytes, { tenantId: 't1', runId: 'r1', seq: 1 });
 */
export class LocalPayloadCipher implements PayloadCipher {
  /** First 16 hex digits of sha256(master key): names the key without revealing it. */
  readonly fingerprint: string;
  readonly #master: Buffer;
  readonly #derived = new Map<string, Buffer>();

  private constructor(masterKey: Uint8Array) {
    if (masterKey.length !== ENVELOPE.keyBytes) throw new ConfigurationError('The local master key must be 32 bytes.');
    this.#master = Buffer.from(masterKey);
    this.fingerprint = createHash('sha256').update(this.#master).digest('hex').slice(0, 16);
  }

  /** A cipher with a random master key that lives only in memory (tests). */
  static inMemory(masterKey: Uint8Array = randomBytes(ENVELOPE.keyBytes)): LocalPayloadCipher {
    return new LocalPayloadCipher(masterKey);
  }

  /**
   * Loads the master key from `file` (base64 text), creating the file with mode 0600 on first use. A key file that
   * group or others may read or write is refused with a `ConfigurationError`.
   * @example const cipher = await LocalPayloadCipher.fromKeyFile(path.join(home, '.artana', 'payload.key'));
   */
  static async fromKeyFile(file: string): Promise<LocalPayloadCipher> {
    const fresh = randomBytes(ENVELOPE.keyBytes);
    if (await createSecretFile(file, `${fresh.toString('base64')}\n`)) return new LocalPayloadCipher(fresh);
    const key = Buffer.from((await readSecretFile(file)).trim(), 'base64');
    if (key.length !== ENVELOPE.keyBytes) throw new ConfigurationError(`Key file ${file} does not hold a base64 256-bit key.`, { file });
    return new LocalPayloadCipher(key);
  }

  async seal(plaintext: Uint8Array, context: CipherContext): Promise<SealedBytes> {
    return sealWithKey(this.#tenantKey(context.tenantId), this.#keyId(context.tenantId), plaintext, context);
  }

  async open(sealed: SealedBytes, context: CipherContext): Promise<Uint8Array> {
    const checked = checkSealed(sealed, context);
    if (checked.keyId !== this.#keyId(context.tenantId)) {
      throw new DecryptionError('Payload was sealed under another local key or for another tenant.', {
        tenantId: context.tenantId, runId: context.runId, seq: context.seq, keyId: checked.keyId,
      });
    }
    return openWithKey(this.#tenantKey(context.tenantId), checked, context);
  }

  #keyId(tenantId: string): string {
    return `local:${this.fingerprint}:${tenantId}`;
  }

  #tenantKey(tenantId: string): Buffer {
    const cached = this.#derived.get(tenantId);
    if (cached) return cached;
    if (this.#derived.size >= MAX_DERIVED_KEYS) this.#derived.clear();
    const key = Buffer.from(hkdfSync('sha256', this.#master, HKDF_SALT, Buffer.from(tenantId, 'utf8'), ENVELOPE.keyBytes));
    this.#derived.set(tenantId, key);
    return key;
  }
}

