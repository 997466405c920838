import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** Version of the signed seal statement; bump it if the bound fields ever change. */
export const SEAL_STATEMENT_VERSION = 1;

/** What a `ledger_sealed` event binds: the run, its tenant, and the seq and hash of the last event before the seal. */
export interface SealBinding {
  readonly runId: string;
  readonly tenantId: string;
  /** Seq of the last event before the seal (the seal itself is `seq + 1`). */
  readonly seq: number;
  /** Hash of that event: the head of the chain when the run completed. */
  readonly headHash: string;
}

/**
 * The signed statement, `JCS({ v: 1, runId, tenantId, seq, headHash })` as UTF-8. Binding run, tenant and position
 * (not just the hash) means a seal copied onto another run or another position does not verify.
 * @example sealStatement({ runId: 'r1', tenantId: 'acme', seq: 12, headHash: 'ab…' }) // bytes of '{"headHash":"ab…","runId":"r1",…}'
 */
export function sealStatement(binding: SealBinding): Uint8Array {
  return Buffer.from(canonicalJson({
    v: SEAL_STATEMENT_VERSION, runId: binding.runId, tenantId: binding.tenantId, seq: binding.seq, headHash: binding.headHash,
  }), 'utf8');
}

/**
 * The 32-byte SHA-256 digest of the statement: what a {@link LedgerSigner} signs.
 * @example const signature = await signer.sign(sealDigest(binding));
 */
export function sealDigest(binding: SealBinding): Uint8Array {
  return createHash('sha256').update(sealStatement(binding)).digest();
}

/**
 * Signs seal digests with a private key the ledger writer cannot export (KMS asymmetric key in AWS, an Ed25519 key
 * file locally).
 * @example
 * const signature = await signer.sign(sealDigest({ runId, tenantId, seq, headHash }));
 * await run.appendEvent('ledger_sealed', { headHash, keyId: signer.keyId, algorithm: signer.algorithm, signature: Buffer.from(signature).toString('base64') });
 */
export interface LedgerSigner {
  /** Names the key in the seal (KMS key id or ARN; `local:ed25519:<fingerprint>` locally). */
  readonly keyId: string;
  /** Signature algorithm recorded in the seal (`ECDSA_SHA_256`, `ED25519`). */
  readonly algorithm: string;
  /** Signs the 32-byte SHA-256 digest of the seal statement. */
  sign(digest: Uint8Array): Promise<Uint8Array>;
}

/** A seal to check: the recorded fields plus the statement they must sign (rebuilt from the ledger, never trusted). */
export interface SealToVerify {
  readonly keyId: string;
  readonly algorithm: string;
  /** Base64 signature from the `ledger_sealed` payload. */
  readonly signature: string;
  readonly headHash: string;
  /** `sealStatement(binding)`; its SHA-256 is the digest that was signed. */
  readonly statement: Uint8Array;
}

/**
 * Checks seal signatures with public keys only. Returns false (never throws) for a signature that does not verify
 * or a key / algorithm it does not know.
 * @example const ok = await verifier.verify({ keyId, algorithm, signature, headHash, statement: sealStatement(binding) });
 */
export interface SealVerifier {
  verify(seal: SealToVerify): Promise<boolean>;
}
