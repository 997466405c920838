import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
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
    const created = await createKeyFile(file);
    if (created) return new LocalPayloadCipher(created);
    const info = await stat(file);
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new ConfigurationError(
        `Key file ${file} is accessible to group or others (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${file}`,
        { file },
      );
    }
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
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

/** Creates the key file exclusively with mode 0600; returns the new key, or undefined when the file exists. */
async function createKeyFile(file: string): Promise<Buffer | undefined> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(ENVELOPE.keyBytes);
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return undefined;
    throw new ConfigurationError(`Cannot create key file ${file}.`, { file }, { cause: error });
  }
  try {
    await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return key;
}
