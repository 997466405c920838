import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/errors.js';
import {
  CapabilityGuardMiddleware,
  defaultMiddlewareStack,
  KernelPolicy,
  PiiScrubberMiddleware,
  QuotaMiddleware,
  runPrepareToolRequest,
} from '../../lib/middleware/index.js';
import { MemoryTenantRegistry } from '../../lib/store/memory-tenant-registry.js';
import { runFacts, tenant } from './fixtures.js';

describe('KernelPolicy', () => {
  describe('when permissive', () => {
    it('accepts an empty stack', () => {
      expect(() => KernelPolicy.permissive().validate([])).not.toThrow();
      expect(KernelPolicy.permissive().requiredMiddleware()).toEqual([]);
    });
  });

  describe('when enforced and the capability guard is missing', () => {
    it('throws ConfigurationError naming CapabilityGuard', () => {
      // Prepare
      const stack = [new PiiScrubberMiddleware(), new QuotaMiddleware()];
      // Act
      const act = () => KernelPolicy.enforced().validate(stack);
      // Assess
      expect(act).toThrow(ConfigurationError);
      expect(act).toThrow("KernelPolicy 'enforced' requires middleware CapabilityGuard");
    });
  });

  describe('when enforced and several middleware are missing', () => {
    it('names the first and lists all in the details', () => {
      // Act
      let error: unknown;
      try {
        KernelPolicy.enforced().validate([new CapabilityGuardMiddleware()]);
      } catch (e) {
        error = e;
      }
      // Assess
      expect(error).toMatchObject({ message: expect.stringContaining('PiiScrubber'), details: { missing: ['pii_scrubber', 'quota'] } });
    });
  });

  describe('when a middleware carries a required name but not its hooks', () => {
    it('does not count it', () => {
      // Prepare
      const fake = { name: 'quota', priority: 1 };
      // Act / Assess
      expect(() => KernelPolicy.enforced().validate([new PiiScrubberMiddleware(), fake, new CapabilityGuardMiddleware()])).toThrow(
        'requires middleware Quota',
      );
    });
  });

  describe('when enforcedV2 and the safety policy is missing', () => {
    it('throws naming SafetyPolicy', () => {
      expect(() => KernelPolicy.enforcedV2().validate(defaultMiddlewareStack())).toThrow(
        "KernelPolicy 'enforced_v2' requires middleware SafetyPolicy",
      );
    });
  });

  describe('when given the default stacks', () => {
    it('accepts the default stack as enforced and the default stack with safety as enforcedV2', () => {
      expect(() => KernelPolicy.enforced().validate(defaultMiddlewareStack())).not.toThrow();
      expect(() => KernelPolicy.enforcedV2().validate(defaultMiddlewareStack({ safety: { tools: {} } }))).not.toThrow();
    });
  });
});

describe('defaultMiddlewareStack', () => {
  describe('when called with defaults', () => {
    it('returns pii, quota and capability guard in priority order', () => {
      expect(defaultMiddlewareStack().map((m) => m.name)).toEqual(['pii_scrubber', 'quota', 'capability_guard']);
    });
  });

  describe('when parts are switched off', () => {
    it('leaves them out, and the result no longer satisfies enforced', () => {
      // Act
      const stack = defaultMiddlewareStack({ pii: false, capabilities: false });
      // Assess
      expect(stack.map((m) => m.name)).toEqual(['quota']);
      expect(() => KernelPolicy.enforced().validate(stack)).toThrow(ConfigurationError);
    });
  });

  describe('when given a tenant budget and reservation', () => {
    it('wires them into the quota middleware', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      const [, quota] = defaultMiddlewareStack({ tenantBudget: registry, reservationUsd: 0.02 });
      // Act
      await quota?.beforeModel?.(runFacts({ tenant: tenant({ tenantBudgetUsdLimit: 1 }) }));
      // Assess
      expect(await registry.committed('tenant_a')).toBeCloseTo(0.02, 10);
    });
  });

  describe('when the safety policy checks an email that the PII scrubber would redact', () => {
    it('sees the real address once the tool is exempt from argument scrubbing', async () => {
      // Prepare
      const safety = { tools: { send_email: { emailDomainAllowlist: { field: 'to', allowedDomains: ['example.com'] } } } };
      const draft = { runId: 'r', tenant: tenant(), toolName: 'send_email', argumentsJson: '{"to":"bob@example.com"}' };
      const scrubbing = defaultMiddlewareStack({ safety });
      const exempt = defaultMiddlewareStack({ safety, pii: { exemptToolArguments: ['send_email'] } });
      // Act
      const denied = runPrepareToolRequest(scrubbing, draft);
      const allowed = runPrepareToolRequest(exempt, draft);
      // Assess
      await expect(denied).rejects.toThrow('email_domain_allowlist');
      await expect(allowed).resolves.toEqual({ argumentsJson: '{"to":"bob@example.com"}' });
    });
  });
});
