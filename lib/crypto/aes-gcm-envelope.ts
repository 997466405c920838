import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { DecryptionError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import type { CipherContext, SealedBytes } from './payload-cipher-port.js';

/** AES-256-GCM parameters of the envelope shared by `KmsPayloadCipher` and `LocalPayloadCipher`. */
export const ENVELOPE = { alg: 'A256GCM', keyBytes: 32, ivBytes: 12, tagBytes: 16, version: 1 } as const;

/**
 * The additional authenticated data: `JCS({ v: 1, tenantId, runId, seq, keyId })`. Binding the position means
 * ciphertext copied to another event, run or tenant fails authentication even under the same data key.
 * @example envelopeAad({ tenantId: 't1', runId: 'r1', seq: 2 }, 'dk_t1_7') // '{"keyId":"dk_t1_7","runId":"r1",...}'
 */
export function envelopeAad(context: CipherContext, keyId: string): Buffer {
  const { tenantId, runId, seq } = context;
  if (!Number.isSafeInteger(seq)) return Buffer.from(canonicalJson({ v: ENVELOPE.version, tenantId, runId, seq, keyId }), 'utf8');
  // The JCS form written out (keys in code-unit order; JCS strings and safe integers serialize as JSON.stringify
  // does): five times faster than canonicalizing an object, and this runs twice per payload.
  const s = JSON.stringify;
  return Buffer.from(`{"keyId":${s(keyId)},"runId":${s(runId)},"seq":${seq},"tenantId":${s(tenantId)},"v":${ENVELOPE.version}}`, 'utf8');
}

// IVs come from the CSPRNG in blocks (one `randomFillSync` per 1,024 IVs instead of a `randomBytes` call each: the
// call, not the entropy, dominated the cost of sealing a small payload). Each IV is copied out, never reused.
const IV_BLOCK = Buffer.alloc(ENVELOPE.ivBytes * 1024);
let ivOffset = IV_BLOCK.length;

function nextIv(): Buffer {
  if (ivOffset >= IV_BLOCK.length) {
    randomFillSync(IV_BLOCK);
    ivOffset = 0;
  }
  const iv = Buffer.from(IV_BLOCK.subarray(ivOffset, ivOffset + ENVELOPE.ivBytes));
  ivOffset += ENVELOPE.ivBytes;
  return iv;
}

/**
 * Encrypts with a 32-byte data key and a fresh random 12-byte IV; `bytes = ciphertext‖tag`.
 * Synchronous on purpose: callers use a cached key buffer without yielding, so eviction cannot zero it mid-use.
 * @example const sealed = sealWithKey(key, 'dk_t1_7', bytes, { tenantId: 't1', runId: 'r1', seq: 2 });
 */
export function sealWithKey(key: Uint8Array, keyId: string, plaintext: Uint8Array, context: CipherContext): SealedBytes {
  const iv = nextIv();
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: ENVELOPE.tagBytes });
  cipher.setAAD(envelopeAad(context, keyId));
  const bytes = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { alg: ENVELOPE.alg, keyId, iv: iv.toString('base64'), bytes };
}

/** A sealed payload whose envelope fields are present and well-formed. */
export interface CheckedSealed {
  readonly keyId: string;
  readonly iv: Buffer;
  readonly bytes: Uint8Array;
}

/** Checks the envelope fields before any key is fetched; a malformed envelope is a `DecryptionError`. */
export function checkSealed(sealed: SealedBytes, context: CipherContext): CheckedSealed {
  const where = { tenantId: context.tenantId, runId: context.runId, seq: context.seq };
  if (sealed.alg !== ENVELOPE.alg) throw new DecryptionError(`Expected an ${ENVELOPE.alg} payload, found '${sealed.alg}'.`, where);
  if (sealed.keyId === undefined || sealed.iv === undefined) throw new DecryptionError('Sealed payload lacks keyId or iv.', where);
  const iv = Buffer.from(sealed.iv, 'base64');
  if (iv.length !== ENVELOPE.ivBytes) throw new DecryptionError('Sealed payload has a malformed iv.', where);
  if (sealed.bytes.length < ENVELOPE.tagBytes) throw new DecryptionError('Sealed payload is shorter than its tag.', where);
  return { keyId: sealed.keyId, iv, bytes: sealed.bytes };
}

/**
 * Decrypts and authenticates; any mismatch (key, AAD, IV, ciphertext or tag) is a `DecryptionError`.
 * @example const plain = openWithKey(key, checkSealed(sealed, ctx), ctx);
 */
export function openWithKey(key: Uint8Array, sealed: CheckedSealed, context: CipherContext): Uint8Array {
  const cut = sealed.bytes.length - ENVELOPE.tagBytes;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: ENVELOPE.tagBytes });
    decipher.setAAD(envelopeAad(context, sealed.keyId));
    decipher.setAuthTag(sealed.bytes.subarray(cut));
    return Buffer.concat([decipher.update(sealed.bytes.subarray(0, cut)), decipher.final()]);
  } catch (cause) {
    throw new DecryptionError(
      'Payload failed authentication: wrong key, tampered bytes, or moved to another tenant, run or seq.',
      { tenantId: context.tenantId, runId: context.runId, seq: context.seq, keyId: sealed.keyId },
      { cause },
    );
  }
}
