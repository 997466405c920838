const REDACTED = '[redacted]';
const BEARER = /Bearer\s+[^\s"',;]+/gi;

/**
 * Removes a secret (and any bearer token) from text that may reach errors or logs. Provider error
 * bodies sometimes echo the key, e.g. "Incorrect API key provided: sk-…".
 */
export function redactSecret(text: string, secret: string | undefined): string {
  const withoutSecret = secret && secret.length >= 4 ? text.split(secret).join(REDACTED) : text;
  return withoutSecret.replace(BEARER, `Bearer ${REDACTED}`);
}
