import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ConfigurationError, DependencyUnavailableError, type KernelError } from '../errors.js';
import { kmsFailure } from './kms-errors.js';
import type { LedgerSigner, SealToVerify, SealVerifier } from './ledger-signer-port.js';

export const KMS_SEAL_ALGORITHM = 'ECDSA_SHA_256';

/** Throttling and 5xx stay retryable (`DependencyUnavailableError`); a refusal (access denied, wrong key) is configuration. */
function signingFailure(error: unknown, operation: 'Sign' | 'GetPublicKey', keyId: string): KernelError {
  const classified = kmsFailure(error, 'GenerateDataKey', { keyId });
  if (classified instanceof DependencyUnavailableError) {
    return new DependencyUnavailableError(`KMS ${operation} is unavailable.`, { keyId, operation }, { cause: error });
  }
  return new ConfigurationError(`KMS refused ${operation} with the ledger seal key.`, { keyId, operation }, { cause: error });
}

export interface KmsLedgerSignerOptions {
  readonly client: KMSClient;
  /** Asymmetric `ECC_NIST_P256` / `SIGN_VERIFY` key: id, ARN or alias. Recorded in every seal. */
  readonly keyId: string;
}

/**
 * Signs seal digests with a KMS asymmetric key (`ECDSA_SHA_256`, `MessageType: 'DIGEST'`): the private key never
 * leaves KMS, so a principal that can rewrite the ledger table but lacks `kms:Sign` cannot forge a seal.
 * @example const signer = new KmsLedgerSigner({ client: new KMSClient({}), keyId: process.env.ARTANA_SEAL_KEY_ID! });
 */
export class KmsLedgerSigner implements LedgerSigner {
  readonly keyId: string;
  readonly algorithm = KMS_SEAL_ALGORITHM;
  readonly #client: KMSClient;

  constructor(options: KmsLedgerSignerOptions) {
    this.#client = options.client;
    this.keyId = options.keyId;
  }

  async sign(digest: Uint8Array): Promise<Uint8Array> {
    if (digest.byteLength !== 32) throw new ConfigurationError('A seal digest is 32 bytes (SHA-256).');
    let signature: Uint8Array | undefined;
    try {
      ({ Signature: signature } = await this.#client.send(new SignCommand({
        KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: KMS_SEAL_ALGORITHM,
      })));
    } catch (error) {
      throw signingFailure(error, 'Sign', this.keyId);
    }
    if (!signature || signature.byteLength === 0) throw new DependencyUnavailableError('KMS Sign returned no signature.', { keyId: this.keyId });
    return signature;
  }
}

export interface KmsSealVerifierOptions {
  readonly client: KMSClient;
  /** The seal key: id, ARN or alias. Seals naming this id or the key's ARN are checked. */
  readonly keyId: string;
}

/**
 * Verifies KMS seals locally with node:crypto. The public key is fetched once (`kms:GetPublicKey`) and cached, so an
 * auditor needs neither `kms:Verify` nor a KMS call per run.
 * @example const ok = await new KmsSealVerifier({ client, keyId: 'alias/artana-ledger-seal' }).verify(seal);
 */
export class KmsSealVerifier implements SealVerifier {
  readonly #client: KMSClient;
  readonly #keyId: string;
  #key: Promise<{ publicKey: KeyObject; keyIds: ReadonlySet<string> }> | undefined;

  constructor(options: KmsSealVerifierOptions) {
    this.#client = options.client;
    this.#keyId = options.keyId;
  }

  async verify(seal: SealToVerify): Promise<boolean> {
    if (seal.algorithm !== KMS_SEAL_ALGORITHM) return false;
    const { publicKey, keyIds } = await this.#publicKey();
    if (!keyIds.has(seal.keyId)) return false;
    try {
      // KMS signed sha256(statement) as a DIGEST: verifying the statement with SHA-256 checks exactly that.
      return verify('sha256', seal.statement, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(seal.signature, 'base64'));
    } catch {
      return false;
    }
  }

  #publicKey(): Promise<{ publicKey: KeyObject; keyIds: ReadonlySet<string> }> {
    this.#key ??= this.#fetch().catch((error: unknown) => {
      this.#key = undefined;
      throw error;
    });
    return this.#key;
  }

  async #fetch(): Promise<{ publicKey: KeyObject; keyIds: ReadonlySet<string> }> {
    let out;
    try {
      out = await this.#client.send(new GetPublicKeyCommand({ KeyId: this.#keyId }));
    } catch (error) {
      throw signingFailure(error, 'GetPublicKey', this.#keyId);
    }
    if (!out.PublicKey) throw new ConfigurationError('KMS returned no public key for the seal key.', { keyId: this.#keyId });
    if (out.KeyUsage !== undefined && out.KeyUsage !== 'SIGN_VERIFY') {
      throw new ConfigurationError('The seal key is not a SIGN_VERIFY key.', { keyId: this.#keyId, keyUsage: out.KeyUsage });
    }
    if (out.SigningAlgorithms && !out.SigningAlgorithms.includes(KMS_SEAL_ALGORITHM)) {
      throw new ConfigurationError(`The seal key does not support ${KMS_SEAL_ALGORITHM}.`, { keyId: this.#keyId });
    }
    const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
    return { publicKey, keyIds: new Set([this.#keyId, ...(out.KeyId ? [out.KeyId] : [])]) };
  }
}
