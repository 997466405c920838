import type { StoredPayload } from '../models/index.js';
import { DecryptionError, LedgerIntegrityError } from '../errors.js';
import { sha256Hex } from './canonical-json.js';
import type { BlobStore, CipherContext, PayloadCipher } from './payload-cipher-port.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Serializes and seals an event payload: JSON → UTF-8 → cipher → `{ alg, keyId, iv, digest, data }`.
 * @example const stored = await sealPayload(cipher, { prompt: 'hi' }, { tenantId: 't1', runId: 'r1', seq: 2 });
 */
export async function sealPayload(cipher: PayloadCipher, payload: unknown, context: CipherContext): Promise<StoredPayload> {
  const sealed = await cipher.seal(encoder.encode(JSON.stringify(payload)), context);
  return {
    alg: sealed.alg,
    ...(sealed.keyId !== undefined ? { keyId: sealed.keyId } : {}),
    ...(sealed.iv !== undefined ? { iv: sealed.iv } : {}),
    digest: sha256Hex(sealed.bytes),
    data: Buffer.from(sealed.bytes).toString('base64'),
  };
}

/** The stored bytes of a payload, inline or from the blob store, checked against the digest. */
export async function storedBytes(stored: StoredPayload, blobs?: BlobStore): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (stored.data !== undefined) bytes = Buffer.from(stored.data, 'base64');
  else if (stored.ref !== undefined) {
    if (!blobs) throw new LedgerIntegrityError('Payload is stored in a blob store but none is configured.', { ref: stored.ref });
    bytes = await blobs.get(stored.ref);
  } else throw new LedgerIntegrityError('Stored payload has neither inline data nor a blob reference.');
  if (sha256Hex(bytes) !== stored.digest) throw new LedgerIntegrityError('Payload bytes do not match their digest.');
  return bytes;
}

/** Opens and parses a stored payload (the caller validates the result with the payload schema). */
export async function openPayload(
  cipher: PayloadCipher, stored: StoredPayload, context: CipherContext, blobs?: BlobStore,
): Promise<unknown> {
  const bytes = await storedBytes(stored, blobs);
  const plain = await cipher.open(
    { alg: stored.alg, bytes, ...(stored.keyId !== undefined ? { keyId: stored.keyId } : {}), ...(stored.iv !== undefined ? { iv: stored.iv } : {}) },
    context,
  );
  try {
    return JSON.parse(decoder.decode(plain));
  } catch (cause) {
    throw new DecryptionError('Decrypted payload is not valid UTF-8 JSON.', { seq: context.seq }, { cause });
  }
}
