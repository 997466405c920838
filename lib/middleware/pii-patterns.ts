import { canonicalJson } from '../crypto/canonical-json.js';

/** Options of {@link scrubText} / {@link scrubJsonText}. */
export interface ScrubOptions {
  /** Redact 40-character secrets after `aws_secret_access_key=` / `: ` (default true). */
  readonly awsSecretKeys?: boolean;
}

export const REDACTED_EMAIL = '[REDACTED_EMAIL]';
export const REDACTED_PHONE = '[REDACTED_PHONE]';
export const REDACTED_CARD = '[REDACTED_CARD]';
export const REDACTED_SSN = '[REDACTED_SSN]';
export const REDACTED_AWS_KEY = '[REDACTED_AWS_KEY]';

// Order matters: the most specific patterns run first, and no placeholder contains a digit or an `@`, so later
// patterns cannot re-match what an earlier one produced.
const AWS_SECRET_IN_CONTEXT = /(aws_secret_access_key["']?\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi;
const AWS_ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
// E.164-ish: `+`, country code, 8–15 digits in total, single spaces / dots / dashes allowed between digits.
const INTERNATIONAL_PHONE = /(?<![\w+])\+[1-9](?:[\s.-]?\d){7,14}(?![\w])/g;
// 13–19 digits with optional single spaces/dashes, and not part of a longer digit run; Luhn-checked below.
const CARD_CANDIDATE = /(?<![\d+])(?<!\d[ -])\d(?:[ -]?\d){12,18}(?![ -]?\d)/g;
const US_SSN = /\b\d{3}-\d{2}-\d{4}\b/g;
const US_PHONE = /(?<![\w+])(?:\+?1[-.\s]?)?(?:\(\d{3}\)|\d{3})[-.\s]?\d{3}[-.\s]?\d{4}(?!\w)/g;
const AWS_SECRET_VALUE = /^[A-Za-z0-9/+=]{40}$/;
const AWS_SECRET_KEY_NAME = /^aws_?secret_?access_?key$/i;

/**
 * The Luhn checksum used by payment card numbers.
 * @example luhnValid('4111111111111111') // true
 */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const redactCard = (candidate: string): string => {
  const digits = candidate.replace(/[ -]/g, '');
  return luhnValid(digits) ? REDACTED_CARD : candidate;
};

/**
 * Redacts emails, phone numbers (US and international), Luhn-valid payment card numbers, US SSNs, AWS access key
 * ids and (by default) AWS secret keys written as `aws_secret_access_key=…`. Demo-grade regexes, not a DLP product.
 * @example scrubText('mail bob@example.com or call +44 20 7946 0958') // 'mail [REDACTED_EMAIL] or call [REDACTED_PHONE]'
 */
export function scrubText(text: string, options: ScrubOptions = {}): string {
  let out = text;
  if (options.awsSecretKeys !== false) out = out.replace(AWS_SECRET_IN_CONTEXT, `$1${REDACTED_AWS_KEY}`);
  return out
    .replace(AWS_ACCESS_KEY_ID, REDACTED_AWS_KEY)
    .replace(EMAIL, REDACTED_EMAIL)
    .replace(INTERNATIONAL_PHONE, REDACTED_PHONE)
    .replace(CARD_CANDIDATE, redactCard)
    .replace(US_SSN, REDACTED_SSN)
    .replace(US_PHONE, REDACTED_PHONE);
}

/**
 * Redacts every string value of a parsed JSON value, recursively; object keys are kept as they are. A string under
 * a key named like `aws_secret_access_key` that looks like a secret key is redacted whole.
 * @example scrubJsonValue({ email: 'a@b.io', n: 1 }) // { email: '[REDACTED_EMAIL]', n: 1 }
 */
export function scrubJsonValue(value: unknown, options: ScrubOptions = {}, key?: string): unknown {
  if (typeof value === 'string') {
    if (options.awsSecretKeys !== false && key !== undefined && AWS_SECRET_KEY_NAME.test(key) && AWS_SECRET_VALUE.test(value)) {
      return REDACTED_AWS_KEY;
    }
    return scrubText(value, options);
  }
  if (Array.isArray(value)) return value.map((item) => scrubJsonValue(item, options));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = scrubJsonValue(v, options, k);
    return out;
  }
  return value;
}

/**
 * JSON text in, canonical JSON text out with every string value redacted; text that is not JSON is redacted as
 * plain text.
 * @example scrubJsonText('{"to":"a@b.io","amount":5}') // '{"amount":5,"to":"[REDACTED_EMAIL]"}'
 */
export function scrubJsonText(text: string, options: ScrubOptions = {}): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return scrubText(text, options);
  }
  return canonicalJson(scrubJsonValue(parsed, options));
}
