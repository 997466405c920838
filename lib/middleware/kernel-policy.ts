import { ConfigurationError } from '../errors.js';
import type { KernelMiddleware } from './middleware-port.js';
import { CAPABILITY_GUARD_NAME, PII_SCRUBBER_NAME, QUOTA_NAME, SAFETY_POLICY_NAME } from './names.js';

export type KernelPolicyMode = 'permissive' | 'enforced' | 'enforced_v2';

type Hook = keyof Omit<KernelMiddleware, 'name' | 'priority'>;

interface Requirement {
  readonly name: string;
  readonly displayName: string;
  /** A middleware carrying the name but not these hooks would satisfy the policy in name only. */
  readonly hooks: readonly Hook[];
}

const PII: Requirement = { name: PII_SCRUBBER_NAME, displayName: 'PiiScrubber', hooks: ['prepareModel', 'prepareToolRequest', 'prepareToolResult'] };
const QUOTA: Requirement = { name: QUOTA_NAME, displayName: 'Quota', hooks: ['beforeModel', 'afterModel'] };
const CAPABILITY: Requirement = { name: CAPABILITY_GUARD_NAME, displayName: 'CapabilityGuard', hooks: ['prepareModel'] };
const SAFETY: Requirement = { name: SAFETY_POLICY_NAME, displayName: 'SafetyPolicy', hooks: ['prepareToolRequest'] };

const REQUIREMENTS: Readonly<Record<KernelPolicyMode, readonly Requirement[]>> = {
  permissive: [],
  enforced: [PII, QUOTA, CAPABILITY],
  enforced_v2: [PII, QUOTA, CAPABILITY, SAFETY],
};

const satisfies = (m: KernelMiddleware, r: Requirement): boolean =>
  m.name === r.name && r.hooks.every((hook) => typeof m[hook] === 'function');

/**
 * Which middleware a kernel must be built with (M-8). Checked once, when the kernel is constructed:
 * `permissive` requires nothing; `enforced` requires the PII scrubber, quota and capability guard; `enforced_v2`
 * additionally the safety policy (meant for side-effecting tools). Middleware is recognised by its `name` and
 * must carry the hooks that make it effective.
 * @example
 * KernelPolicy.enforced().validate(defaultMiddlewareStack()); // ok
 * KernelPolicy.enforced().validate([]); // ConfigurationError: KernelPolicy 'enforced' requires middleware PiiScrubber …
 */
export class KernelPolicy {
  readonly mode: KernelPolicyMode;

  private constructor(mode: KernelPolicyMode) {
    this.mode = mode;
  }

  static permissive(): KernelPolicy {
    return new KernelPolicy('permissive');
  }

  static enforced(): KernelPolicy {
    return new KernelPolicy('enforced');
  }

  static enforcedV2(): KernelPolicy {
    return new KernelPolicy('enforced_v2');
  }

  /** The middleware names this mode requires, in priority order. */
  requiredMiddleware(): readonly string[] {
    return REQUIREMENTS[this.mode].map((r) => r.name);
  }

  /** Throws `ConfigurationError` naming the first missing middleware (`details.missing` lists all of them). */
  validate(middleware: readonly KernelMiddleware[]): void {
    const missing = REQUIREMENTS[this.mode].filter((r) => !middleware.some((m) => satisfies(m, r)));
    const first = missing[0];
    if (!first) return;
    throw new ConfigurationError(`KernelPolicy '${this.mode}' requires middleware ${first.displayName} (name '${first.name}').`, {
      mode: this.mode,
      missing: missing.map((r) => r.name),
    });
  }
}
