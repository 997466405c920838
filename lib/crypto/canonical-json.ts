import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { ValidationError } from '../errors.js';

/**
 * RFC 8785 (JCS) canonical JSON. Used for hashing (ledger chain, tool signatures, fork ids) and for the
 * `argumentsJson` / `resultJson` strings stored in events.
 * @example canonicalJson({ b: 1, a: { d: 2, c: [1] } }) // '{"a":{"c":[1],"d":2},"b":1}'
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new ValidationError('Value has no JSON representation.');
  return text;
}

/** Parses JSON text that must be an object and returns its canonical form. */
export function canonicalizeJsonObject(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ValidationError('Expected a JSON object.', {}, { cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ValidationError('Expected a JSON object.');
  }
  return canonicalJson(parsed);
}

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
