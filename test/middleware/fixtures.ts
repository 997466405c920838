import type { ModelInvocation, RunFacts } from '../../lib/middleware/index.js';
import type { TenantContext, ToolDefinition } from '../../lib/models/index.js';

export const tenant = (overrides: Partial<TenantContext> = {}): TenantContext => ({
  tenantId: 'tenant_a',
  capabilities: [],
  budgetUsdLimit: 0.1,
  ...overrides,
});

export const runFacts = (overrides: Partial<RunFacts> = {}): RunFacts => ({
  runId: 'run_1',
  tenant: tenant(),
  spendUsd: 0,
  model: 'gpt-test',
  ...overrides,
});

export const tool = (name: string, requiresCapability?: string): ToolDefinition => ({
  name,
  description: `${name} tool`,
  argumentsSchemaJson: '{"type":"object"}',
  toolVersion: '1',
  schemaVersion: '1',
  schemaHash: 'hash',
  riskLevel: 'low',
  sideEffect: false,
  ...(requiresCapability !== undefined ? { requiresCapability } : {}),
});

export const invocation = (overrides: Partial<ModelInvocation> = {}): ModelInvocation => ({
  runId: 'run_1',
  tenant: tenant(),
  model: 'gpt-test',
  prompt: 'hello',
  messages: [],
  options: {},
  allowedTools: [],
  ...overrides,
});

export const usage = (costUsd: number) => ({ promptTokens: 10, completionTokens: 5, costUsd });
