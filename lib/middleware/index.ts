/**
 * Middleware: the policy hooks the kernel runs around model and tool steps, the built-in middleware (PII
 * scrubber, quota, capability guard, safety policy), kernel policies and the pipeline runners.
 */
export type {
  KernelMiddleware,
  ModelInvocation,
  PreparedToolRequest,
  RunFacts,
  ToolRequestDraft,
  ToolResultDraft,
} from './middleware-port.js';
export {
  CAPABILITY_GUARD_NAME,
  MIDDLEWARE_PRIORITY,
  PII_SCRUBBER_NAME,
  QUOTA_NAME,
  SAFETY_POLICY_NAME,
} from './names.js';
export {
  orderMiddleware,
  runAfterModel,
  runBeforeModel,
  runOnModelError,
  runPrepareModel,
  runPrepareToolRequest,
  runPrepareToolResult,
} from './pipeline.js';
export {
  luhnValid,
  REDACTED_AWS_KEY,
  REDACTED_CARD,
  REDACTED_EMAIL,
  REDACTED_PHONE,
  REDACTED_SSN,
  type ScrubOptions,
  scrubJsonText,
  scrubJsonValue,
  scrubText,
} from './pii-patterns.js';
export { type PiiScrubberOptions, PiiScrubberMiddleware } from './pii-scrubber.js';
export { DEFAULT_RESERVATION_USD, type QuotaOptions, QuotaMiddleware, type ReservationEstimate } from './quota.js';
export {
  assertToolCapability,
  type CapabilityDecision,
  type CapabilityDecisionReason,
  CapabilityGuardMiddleware,
  describeCapabilities,
  type ToolCapabilityDecision,
} from './capability-guard.js';
export {
  type CustomToolRule,
  type SafetyPolicyConfig,
  SafetyPolicyMiddleware,
  type SafetyViolationCode,
  type ToolSafetyRule,
} from './safety-policy.js';
export { resolveDottedPath } from './dotted-path.js';
export { KernelPolicy, type KernelPolicyMode } from './kernel-policy.js';
export { type DefaultStackOptions, defaultMiddlewareStack } from './default-stack.js';
