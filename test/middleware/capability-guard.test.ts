import { describe, expect, it } from 'vitest';
import { CapabilityDeniedError } from '../../lib/errors.js';
import { assertToolCapability, CapabilityGuardMiddleware, describeCapabilities } from '../../lib/middleware/index.js';
import { invocation, tenant, tool } from './fixtures.js';

const tools = [tool('transfer', 'payments'), tool('search'), tool('admin_reset', 'admin'), tool('balance', 'payments')];

describe('CapabilityGuardMiddleware', () => {
  describe('when the tenant lacks some capabilities', () => {
    it('hides the tools it may not call and keeps the rest in registration order', async () => {
      // Prepare
      const guard = new CapabilityGuardMiddleware();
      const input = invocation({ tenant: tenant({ capabilities: ['payments'] }), allowedTools: tools });
      // Act
      const result = await guard.prepareModel(input);
      // Assess
      expect(result.allowedTools.map((t) => t.name)).toEqual(['transfer', 'search', 'balance']);
      expect(input.allowedTools).toHaveLength(4);
    });
  });

  describe('when the tenant holds every capability', () => {
    it('keeps all tools in registration order', async () => {
      // Prepare
      const guard = new CapabilityGuardMiddleware();
      const input = invocation({ tenant: tenant({ capabilities: ['admin', 'payments'] }), allowedTools: tools });
      // Act
      const result = await guard.prepareModel(input);
      // Assess
      expect(result.allowedTools.map((t) => t.name)).toEqual(['transfer', 'search', 'admin_reset', 'balance']);
    });
  });

  describe('when the tenant has no capabilities', () => {
    it('keeps only tools without a requirement', async () => {
      // Act
      const result = await new CapabilityGuardMiddleware().prepareModel(invocation({ allowedTools: tools }));
      // Assess
      expect(result.allowedTools.map((t) => t.name)).toEqual(['search']);
    });
  });
});

describe('assertToolCapability', () => {
  describe('when the tenant lacks the required capability', () => {
    it('throws CapabilityDeniedError naming tool and capability', () => {
      // Act
      const act = () => assertToolCapability(tool('transfer', 'payments'), tenant());
      // Assess
      expect(act).toThrow(CapabilityDeniedError);
      expect(act).toThrow("Tool 'transfer' requires capability 'payments'.");
    });
  });

  describe('when the tool needs nothing or the tenant has the capability', () => {
    it('does not throw', () => {
      expect(() => assertToolCapability(tool('search'), tenant())).not.toThrow();
      expect(() => assertToolCapability(tool('transfer', 'payments'), tenant({ capabilities: ['payments'] }))).not.toThrow();
    });
  });
});

describe('describeCapabilities', () => {
  describe('when no visible-tool filter is given', () => {
    it('gives a reason per tool, sorted by name, and the final allowed list', () => {
      // Act
      const result = describeCapabilities(tools, tenant({ capabilities: ['payments', 'audit'] }));
      // Assess
      expect(result).toEqual({
        tenantCapabilities: ['audit', 'payments'],
        visibleToolNamesApplied: null,
        finalAllowedTools: ['balance', 'search', 'transfer'],
        decisions: [
          { toolName: 'admin_reset', requiredCapability: 'admin', decision: 'filtered', reason: 'filtered_missing_capability' },
          { toolName: 'balance', requiredCapability: 'payments', decision: 'allowed', reason: 'allowed_tenant_has_capability' },
          { toolName: 'search', requiredCapability: null, decision: 'allowed', reason: 'allowed_no_capability_required' },
          { toolName: 'transfer', requiredCapability: 'payments', decision: 'allowed', reason: 'allowed_tenant_has_capability' },
        ],
      });
    });
  });

  describe('when a visible-tool filter is given', () => {
    it('filters the tools outside it first, whatever the capabilities', () => {
      // Act
      const result = describeCapabilities(tools, tenant({ capabilities: ['payments'] }), ['transfer', 'search']);
      // Assess
      expect(result.visibleToolNamesApplied).toEqual(['search', 'transfer']);
      expect(result.finalAllowedTools).toEqual(['search', 'transfer']);
      expect(result.decisions.find((d) => d.toolName === 'balance')?.reason).toBe('filtered_by_visible_tool_names');
      expect(result.decisions.find((d) => d.toolName === 'admin_reset')?.reason).toBe('filtered_by_visible_tool_names');
    });
  });
});
