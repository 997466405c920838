import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { createSecretFile, readSecretFile } from './key-file.js';
import { ConfigurationError } from '../errors.js';
import type { LedgerSigner, SealToVerify, SealVerifier } from './ledger-signer-port.js';

export const LOCAL_SEAL_ALGORITHM = 'ED25519';

const fingerprintOf = (publicKey: KeyObject): string =>
  createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);

/** `local:ed25519:<first 16 hex digits of sha256(SPKI)>`: names the key without revealing it. */
export const localSealKeyId = (publicKey: KeyObject): string => `local:ed25519:${fingerprintOf(publicKey)}`;

/**
 * Seals ledgers without KMS (embedded runtime, tests): an Ed25519 key pair in a PEM file with mode 0600, created on
 * first use. Signs the 32-byte seal digest as the Ed25519 message.
 * @example
 * const signer = await LocalLedgerSigner.fromKeyFile('.artana/ledger-signing.pem');
 * const verifier = signer.verifier();
 */
export class LocalLedgerSigner implements LedgerSigner {
  readonly keyId: string;
  readonly algorithm = LOCAL_SEAL_ALGORITHM;
  readonly publicKey: KeyObject;
  readonly #privateKey: KeyObject;

  private constructor(privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new ConfigurationError('The local ledger signing key must be Ed25519.');
    this.#privateKey = privateKey;
    this.publicKey = createPublicKey(privateKey);
    this.keyId = localSealKeyId(this.publicKey);
  }

  /** A signer with a fresh key that lives only in memory (tests). */
  static inMemory(): LocalLedgerSigner {
    return new LocalLedgerSigner(generateKeyPairSync('ed25519').privateKey);
  }

  /**
   * Loads the PKCS#8 PEM private key from `file`, creating it with mode 0600 on first use. A file that group or
   * others may read or write is refused with a `ConfigurationError`.
   * @example const signer = await LocalLedgerSigner.fromKeyFile(localPaths().sealKeyFile);
   */
  static async fromKeyFile(file: string): Promise<LocalLedgerSigner> {
    const { privateKey } = generateKeyPairSync('ed25519');
    if (await createSecretFile(file, String(privateKey.export({ type: 'pkcs8', format: 'pem' })))) return new LocalLedgerSigner(privateKey);
    return new LocalLedgerSigner(await readPrivateKey(file));
  }

  async sign(digest: Uint8Array): Promise<Uint8Array> {
    return sign(null, digest, this.#privateKey);
  }

  /** The matching verifier (public key only). */
  verifier(): LocalSealVerifier {
    return new LocalSealVerifier(this.publicKey);
  }
}

/**
 * Verifies local (Ed25519) seals with the public key.
 * @example const ok = await (await LocalSealVerifier.fromKeyFile('.artana/ledger-signing.pem')).verify(seal);
 */
export class LocalSealVerifier implements SealVerifier {
  readonly keyId: string;
  readonly #publicKey: KeyObject;

  constructor(publicKey: KeyObject) {
    if (publicKey.asymmetricKeyType !== 'ed25519') throw new ConfigurationError('A local seal verifier needs an Ed25519 public key.');
    this.#publicKey = publicKey;
    this.keyId = localSealKeyId(publicKey);
  }

  /** Reads the signing key file (same permission checks) and keeps only its public key. */
  static async fromKeyFile(file: string): Promise<LocalSealVerifier> {
    return new LocalSealVerifier(createPublicKey(await readPrivateKey(file)));
  }

  async verify(seal: SealToVerify): Promise<boolean> {
    if (seal.keyId !== this.keyId || seal.algorithm !== LOCAL_SEAL_ALGORITHM) return false;
    const digest = createHash('sha256').update(seal.statement).digest();
    try {
      return verify(null, digest, this.#publicKey, Buffer.from(seal.signature, 'base64'));
    } catch {
      return false;
    }
  }
}

async function readPrivateKey(file: string): Promise<KeyObject> {
  const pem = await readSecretFile(file);
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new ConfigurationError(`Key file ${file} does not hold a PEM private key.`, { file }, { cause });
  }
}

