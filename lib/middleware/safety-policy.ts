import { ConfigurationError, PolicyViolationError } from '../errors.js';
import type { KernelMiddleware, PreparedToolRequest, ToolRequestDraft } from './middleware-port.js';
import { isJsonObject, resolveDottedPath } from './dotted-path.js';
import { MIDDLEWARE_PRIORITY, SAFETY_POLICY_NAME } from './names.js';

/** Why a tool request was denied; carried in `PolicyViolationError.details.policyCode`. */
export type SafetyViolationCode =
  | 'tool_arguments_invalid'
  | 'tool_amount_invalid'
  | 'tool_amount_missing'
  | 'tool_amount_exceeded'
  | 'invariant_violation';

/** A custom rule: return a reason to deny, or undefined to allow. */
export type CustomToolRule = (
  args: Readonly<Record<string, unknown>>,
  draft: ToolRequestDraft,
) => string | undefined | Promise<string | undefined>;

/** The policy of one tool. Every configured rule must pass. */
export interface ToolSafetyRule {
  /** Deny when the amount at `amountArgPath` exceeds this (USD). Requires `amountArgPath`. */
  readonly maxAmountUsdPerCall?: number;
  /** Dotted path of the amount argument; when set, the amount is also returned as `amountUsd`. */
  readonly amountArgPath?: string;
  /** Dotted paths whose value must be literally `true`. */
  readonly requiredArgTrue?: readonly string[];
  /** The email at `field` must belong to one of `allowedDomains` (case-insensitive). */
  readonly emailDomainAllowlist?: { readonly field: string; readonly allowedDomains: readonly string[] };
  readonly custom?: CustomToolRule;
}

export interface SafetyPolicyConfig {
  readonly tools: Readonly<Record<string, ToolSafetyRule>>;
}

/**
 * Priority 3. A reduced SafetyPolicyMiddleware: per-tool amount limits, required-true flags, email domain
 * allowlists and custom rules, checked in that order on `prepareToolRequest`. Tools without a policy pass
 * untouched. Not implemented from the reference: intent plans, approvals, semantic idempotency, call/rate limits,
 * `policy_decision` summaries.
 * @example
 * const safety = new SafetyPolicyMiddleware({ tools: { transfer: { amountArgPath: 'amount', maxAmountUsdPerCall: 100 } } });
 * await safety.prepareToolRequest({ runId, tenant, toolName: 'transfer', argumentsJson: '{"amount":500}' }); // throws
 */
export class SafetyPolicyMiddleware implements KernelMiddleware {
  readonly name = SAFETY_POLICY_NAME;
  readonly priority = MIDDLEWARE_PRIORITY.safetyPolicy;
  readonly #tools: ReadonlyMap<string, ToolSafetyRule>;

  constructor(config: SafetyPolicyConfig) {
    for (const [toolName, rule] of Object.entries(config.tools)) validateRule(toolName, rule);
    this.#tools = new Map(Object.entries(config.tools));
  }

  async prepareToolRequest(draft: ToolRequestDraft): Promise<PreparedToolRequest> {
    const rule = this.#tools.get(draft.toolName);
    if (!rule) return { argumentsJson: draft.argumentsJson };
    const args = parseArguments(draft);
    const amountUsd = checkAmount(draft.toolName, rule, args);
    for (const field of rule.requiredArgTrue ?? []) {
      if (resolveDottedPath(args, field) !== true) {
        deny(draft.toolName, 'invariant_violation', `required_arg_true: '${field}' must be true`, { field });
      }
    }
    if (rule.emailDomainAllowlist) checkEmailDomain(draft.toolName, rule.emailDomainAllowlist, args);
    if (rule.custom) {
      const reason = await rule.custom(args, draft);
      if (reason !== undefined) deny(draft.toolName, 'invariant_violation', `custom rule: ${reason}`, {});
    }
    return amountUsd === undefined ? { argumentsJson: draft.argumentsJson } : { argumentsJson: draft.argumentsJson, amountUsd };
  }
}

function validateRule(toolName: string, rule: ToolSafetyRule): void {
  const max = rule.maxAmountUsdPerCall;
  if (max !== undefined && (!Number.isFinite(max) || max < 0)) {
    throw new ConfigurationError(`Safety policy for '${toolName}': maxAmountUsdPerCall must be a non-negative number.`, { toolName });
  }
  if (max !== undefined && !rule.amountArgPath) {
    throw new ConfigurationError(`Safety policy for '${toolName}': maxAmountUsdPerCall requires amountArgPath.`, { toolName });
  }
  const allowlist = rule.emailDomainAllowlist;
  if (allowlist && (allowlist.field === '' || allowlist.allowedDomains.length === 0)) {
    throw new ConfigurationError(`Safety policy for '${toolName}': emailDomainAllowlist needs a field and domains.`, { toolName });
  }
}

function deny(toolName: string, policyCode: SafetyViolationCode, reason: string, details: Record<string, unknown>): never {
  throw new PolicyViolationError(`Tool '${toolName}' denied by safety policy (${policyCode}): ${reason}.`, {
    toolName,
    policyCode,
    reason,
    ...details,
  });
}

function parseArguments(draft: ToolRequestDraft): Readonly<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(draft.argumentsJson);
  } catch {
    parsed = undefined;
  }
  if (!isJsonObject(parsed)) deny(draft.toolName, 'tool_arguments_invalid', 'arguments must be a JSON object', {});
  return parsed;
}

function checkAmount(toolName: string, rule: ToolSafetyRule, args: Readonly<Record<string, unknown>>): number | undefined {
  const path = rule.amountArgPath;
  if (!path) return undefined;
  const raw = resolveDottedPath(args, path);
  const amount = toAmount(raw);
  if (raw !== undefined && raw !== null && amount === undefined) {
    deny(toolName, 'tool_amount_invalid', `'${path}' is not a number`, { amountArgPath: path });
  }
  const max = rule.maxAmountUsdPerCall;
  if (max === undefined) return amount;
  if (amount === undefined) deny(toolName, 'tool_amount_missing', `'${path}' is required`, { amountArgPath: path });
  if (amount > max) {
    deny(toolName, 'tool_amount_exceeded', `amount ${amount} exceeds ${max} USD per call`, { amountUsd: amount, maxAmountUsdPerCall: max });
  }
  return amount;
}

function toAmount(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === 'string' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(raw)) return Number(raw);
  return undefined;
}

function checkEmailDomain(
  toolName: string,
  allowlist: NonNullable<ToolSafetyRule['emailDomainAllowlist']>,
  args: Readonly<Record<string, unknown>>,
): void {
  const value = resolveDottedPath(args, allowlist.field);
  const match = typeof value === 'string' ? /^[^@\s]+@([^@\s]+)$/.exec(value.trim()) : null;
  const domain = match?.[1]?.toLowerCase();
  const allowed = allowlist.allowedDomains.map((d) => d.toLowerCase());
  if (domain === undefined || !allowed.includes(domain)) {
    deny(toolName, 'invariant_violation', `email_domain_allowlist: '${allowlist.field}' is not an allowed address`, {
      field: allowlist.field,
    });
  }
}
