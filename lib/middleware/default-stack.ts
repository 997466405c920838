import type { TenantBudget } from '../store/tenant-registry-port.js';
import { CapabilityGuardMiddleware } from './capability-guard.js';
import type { KernelMiddleware } from './middleware-port.js';
import { orderMiddleware } from './pipeline.js';
import { type PiiScrubberOptions, PiiScrubberMiddleware } from './pii-scrubber.js';
import { QuotaMiddleware, type ReservationEstimate } from './quota.js';
import { type SafetyPolicyConfig, SafetyPolicyMiddleware } from './safety-policy.js';

export interface DefaultStackOptions {
  /** true (default), false, or scrubber options. */
  readonly pii?: boolean | PiiScrubberOptions;
  readonly quota?: boolean;
  readonly capabilities?: boolean;
  /** A safety config or middleware; omitted means no safety policy. */
  readonly safety?: SafetyPolicyConfig | SafetyPolicyMiddleware;
  /** Enables tenant-wide budgets in the quota middleware. */
  readonly tenantBudget?: TenantBudget;
  readonly reservationUsd?: ReservationEstimate;
}

/**
 * The built-in middleware, ordered by priority. With defaults it satisfies `KernelPolicy.enforced()`; with
 * `safety` it satisfies `KernelPolicy.enforcedV2()`.
 * @example const middleware = defaultMiddlewareStack({ tenantBudget: registry, safety: { tools: {} } });
 */
export function defaultMiddlewareStack(options: DefaultStackOptions = {}): KernelMiddleware[] {
  const { pii = true, quota = true, capabilities = true, safety, tenantBudget, reservationUsd } = options;
  const stack: KernelMiddleware[] = [];
  if (pii !== false) stack.push(new PiiScrubberMiddleware(pii === true ? {} : pii));
  if (quota) {
    stack.push(new QuotaMiddleware({
      ...(tenantBudget ? { tenantBudget } : {}),
      ...(reservationUsd !== undefined ? { reservationUsd } : {}),
    }));
  }
  if (capabilities) stack.push(new CapabilityGuardMiddleware());
  if (safety) stack.push(safety instanceof SafetyPolicyMiddleware ? safety : new SafetyPolicyMiddleware(safety));
  return orderMiddleware(stack);
}
