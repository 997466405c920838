/** Stable identifiers of the built-in middleware; `KernelPolicy` recognises middleware by these names. */
export const PII_SCRUBBER_NAME = 'pii_scrubber';
export const QUOTA_NAME = 'quota';
export const CAPABILITY_GUARD_NAME = 'capability_guard';
export const SAFETY_POLICY_NAME = 'safety_policy';

/**
 * The fixed priorities (M-1): lower runs first. Custom middleware should use `custom` (4).
 * @example const audit: KernelMiddleware = { name: 'audit', priority: MIDDLEWARE_PRIORITY.custom };
 */
export const MIDDLEWARE_PRIORITY = {
  piiScrubber: 0,
  quota: 1,
  capabilityGuard: 2,
  safetyPolicy: 3,
  custom: 4,
} as const;
