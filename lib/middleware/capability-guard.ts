import { CapabilityDeniedError } from '../errors.js';
import type { TenantContext, ToolDefinition } from '../models/index.js';
import type { KernelMiddleware, ModelInvocation } from './middleware-port.js';
import { CAPABILITY_GUARD_NAME, MIDDLEWARE_PRIORITY } from './names.js';

const isAllowed = (tool: ToolDefinition, capabilities: ReadonlySet<string>): boolean =>
  tool.requiresCapability === undefined || capabilities.has(tool.requiresCapability);

/**
 * Priority 2. Removes from the tools offered to the model those whose `requiresCapability` the tenant lacks;
 * tools without a requirement stay, and the order is kept.
 * @example
 * const inv = await new CapabilityGuardMiddleware().prepareModel(invocation);
 * inv.allowedTools // only the tools the tenant may call
 */
export class CapabilityGuardMiddleware implements KernelMiddleware {
  readonly name = CAPABILITY_GUARD_NAME;
  readonly priority = MIDDLEWARE_PRIORITY.capabilityGuard;

  async prepareModel(invocation: ModelInvocation): Promise<ModelInvocation> {
    const capabilities = new Set(invocation.tenant.capabilities);
    return { ...invocation, allowedTools: invocation.allowedTools.filter((t) => isAllowed(t, capabilities)) };
  }
}

/**
 * Throws `CapabilityDeniedError` when the tenant lacks the tool's required capability (for `stepTool`).
 * @example assertToolCapability(tools.get('transfer'), tenant);
 */
export function assertToolCapability(tool: ToolDefinition, tenant: TenantContext): void {
  if (isAllowed(tool, new Set(tenant.capabilities))) return;
  throw new CapabilityDeniedError(`Tool '${tool.name}' requires capability '${tool.requiresCapability}'.`, {
    toolName: tool.name,
    requiredCapability: tool.requiresCapability,
    tenantId: tenant.tenantId,
  });
}

export type CapabilityDecisionReason =
  | 'filtered_by_visible_tool_names'
  | 'allowed_no_capability_required'
  | 'allowed_tenant_has_capability'
  | 'filtered_missing_capability';

export interface ToolCapabilityDecision {
  readonly toolName: string;
  readonly requiredCapability: string | null;
  readonly decision: 'allowed' | 'filtered';
  readonly reason: CapabilityDecisionReason;
}

/** The body of a `capability_decision` summary (E-7), minus `model` and `stepKey`, which the kernel adds. */
export interface CapabilityDecision {
  readonly tenantCapabilities: readonly string[];
  /** The visible-tool filter that was applied (sorted), or null when none was. */
  readonly visibleToolNamesApplied: readonly string[] | null;
  readonly finalAllowedTools: readonly string[];
  readonly decisions: readonly ToolCapabilityDecision[];
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function decide(tool: ToolDefinition, capabilities: ReadonlySet<string>, visible?: ReadonlySet<string>): ToolCapabilityDecision {
  const requiredCapability = tool.requiresCapability ?? null;
  const decision = (d: 'allowed' | 'filtered', reason: CapabilityDecisionReason): ToolCapabilityDecision => ({
    toolName: tool.name,
    requiredCapability,
    decision: d,
    reason,
  });
  if (visible && !visible.has(tool.name)) return decision('filtered', 'filtered_by_visible_tool_names');
  if (requiredCapability === null) return decision('allowed', 'allowed_no_capability_required');
  if (capabilities.has(requiredCapability)) return decision('allowed', 'allowed_tenant_has_capability');
  return decision('filtered', 'filtered_missing_capability');
}

/**
 * Explains which tools a tenant's model step may see and why; decisions are sorted by tool name.
 * @example
 * describeCapabilities(tools, { ...tenant, capabilities: ['payments'] }, ['transfer']).finalAllowedTools // ['transfer']
 */
export function describeCapabilities(
  tools: readonly ToolDefinition[],
  tenant: TenantContext,
  visibleToolNames?: readonly string[],
): CapabilityDecision {
  const capabilities = new Set(tenant.capabilities);
  const visible = visibleToolNames ? new Set(visibleToolNames) : undefined;
  const decisions = tools.map((t) => decide(t, capabilities, visible)).sort((a, b) => byName(a.toolName, b.toolName));
  return {
    tenantCapabilities: [...capabilities].sort(byName),
    visibleToolNamesApplied: visible ? [...visible].sort(byName) : null,
    finalAllowedTools: decisions.filter((d) => d.decision === 'allowed').map((d) => d.toolName),
    decisions,
  };
}
