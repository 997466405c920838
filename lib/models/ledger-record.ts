import * as z from 'zod/mini';
import { EnvelopeFields, Meter } from './events.js';

const Sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/));

/** Where a payload too large for an item lives (S3). The digest in the payload still covers its bytes. */
export const BlobRef = z.strictObject({ bucket: z.string(), key: z.string(), bytes: z.int().check(z.nonnegative()) });
export type BlobRef = z.infer<typeof BlobRef>;

/**
 * A payload as stored. `digest` is the sha256 of the stored bytes (UTF-8 JSON for `none`, ciphertext‖tag for
 * `A256GCM`). The hash chain covers `alg`, `keyId`, `iv` and `digest`, not the bytes themselves, so the bytes can
 * live inline (`data`, base64) or in S3 (`ref`) without changing the chain, and verification needs no key.
 */
export const StoredPayload = z.strictObject({
  alg: z.enum(['none', 'A256GCM']),
  /** Reference of the wrapped data key (A256GCM only). */
  keyId: z.optional(z.string()),
  /** Base64 12-byte nonce (A256GCM only). */
  iv: z.optional(z.string()),
  digest: Sha256Hex,
  /** Base64 of the stored bytes, when inline. */
  data: z.optional(z.string()),
  ref: z.optional(BlobRef),
});
export type StoredPayload = z.infer<typeof StoredPayload>;

/** One event as the store holds it: envelope, chain hash, stored (possibly encrypted) payload. */
export const LedgerRecord = z.extend(EnvelopeFields, {
  hash: Sha256Hex,
  payload: StoredPayload,
  meter: z.optional(Meter),
});
export type LedgerRecord = z.infer<typeof LedgerRecord>;
