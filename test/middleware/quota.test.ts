import { describe, expect, it } from 'vitest';
import { BudgetExceededError, ConfigurationError } from '../../lib/errors.js';
import { QuotaMiddleware } from '../../lib/middleware/index.js';
import { MemoryTenantRegistry } from '../../lib/store/memory-tenant-registry.js';
import { runFacts, tenant, usage } from './fixtures.js';

const caught = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => undefined, (e: unknown) => e);

describe('QuotaMiddleware (per-run budget)', () => {
  describe('when the run has spent less than its limit', () => {
    it('lets the call through before the provider (0.09 of 0.10)', async () => {
      // Prepare
      const quota = new QuotaMiddleware();
      // Act / Assess
      await expect(quota.beforeModel(runFacts({ spendUsd: 0.09 }))).resolves.toBeUndefined();
    });
  });

  describe('when the run has spent exactly its limit', () => {
    it('refuses before the provider with "budget exhausted" and the run facts', async () => {
      // Prepare
      const quota = new QuotaMiddleware();
      const run = runFacts({ spendUsd: 0.09, tenant: tenant({ budgetUsdLimit: 0.09 }) });
      // Act
      const error = await caught(quota.beforeModel(run));
      // Assess
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(error).toMatchObject({ message: expect.stringContaining('budget exhausted'), details: { runId: 'run_1', spendUsd: 0.09, limitUsd: 0.09 } });
    });
  });

  describe('when float sums land on the limit', () => {
    it('treats 0.07 + 0.03 as having reached 0.10 and not as exceeding it', async () => {
      // Prepare
      const quota = new QuotaMiddleware();
      // Act
      const after = quota.afterModel(runFacts({ spendUsd: 0.07 }), usage(0.03));
      const before = quota.beforeModel(runFacts({ spendUsd: 0.07 + 0.03 }));
      // Assess
      await expect(after).resolves.toBeUndefined();
      await expect(before).rejects.toThrow(BudgetExceededError);
    });
  });

  describe('when two 0.06 calls run against a 0.10 limit', () => {
    it('accepts the first and raises "exceeded budget" after the second provider call', async () => {
      // Prepare
      const quota = new QuotaMiddleware();
      // Act
      await quota.beforeModel(runFacts({ spendUsd: 0 }));
      await quota.afterModel(runFacts({ spendUsd: 0 }), usage(0.06));
      await quota.beforeModel(runFacts({ spendUsd: 0.06 }));
      const error = await caught(quota.afterModel(runFacts({ spendUsd: 0.06 }), usage(0.06)));
      // Assess
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(error).toMatchObject({ message: expect.stringContaining('exceeded budget'), details: { runId: 'run_1', limitUsd: 0.1, callCostUsd: 0.06 } });
    });
  });

  describe('when a first call of 0.11 overshoots a 0.10 limit', () => {
    it('raises after it and blocks every later call before the provider, whatever instance checks', async () => {
      // Prepare: spend comes from the ledger (RunFacts), so a fresh instance sees the same state
      const first = new QuotaMiddleware();
      const later = new QuotaMiddleware();
      // Act
      const overshoot = await caught(first.afterModel(runFacts({ spendUsd: 0 }), usage(0.11)));
      const blocked = await caught(later.beforeModel(runFacts({ spendUsd: 0.11 })));
      // Assess
      expect(overshoot).toBeInstanceOf(BudgetExceededError);
      expect(blocked).toMatchObject({ message: expect.stringContaining('budget exhausted'), details: { spendUsd: 0.11 } });
    });

    it('keeps no spend in memory: the same instance allows a run whose facts report no spend', async () => {
      // Prepare
      const quota = new QuotaMiddleware();
      await caught(quota.afterModel(runFacts({ spendUsd: 0 }), usage(0.11)));
      // Act / Assess
      await expect(quota.beforeModel(runFacts({ runId: 'run_1', spendUsd: 0 }))).resolves.toBeUndefined();
    });
  });

  describe('when the reservation option is not a positive amount', () => {
    it('refuses construction with a ConfigurationError', () => {
      expect(() => new QuotaMiddleware({ reservationUsd: 0 })).toThrow(ConfigurationError);
      expect(() => new QuotaMiddleware({ reservationUsd: Number.NaN })).toThrow(ConfigurationError);
    });
  });
});

const budgetTenant = (tenantBudgetUsdLimit: number) => tenant({ tenantBudgetUsdLimit, budgetUsdLimit: 10 });

describe('QuotaMiddleware (tenant budget)', () => {
  describe('when a call is made for a tenant with a tenant-wide limit', () => {
    it('reserves before the call and settles to the actual cost after it', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      const quota = new QuotaMiddleware({ tenantBudget: registry, reservationUsd: 0.05 });
      const run = runFacts({ tenant: budgetTenant(1) });
      // Act
      await quota.beforeModel(run);
      const reserved = await registry.committed('tenant_a');
      await quota.afterModel(run, usage(0.02));
      // Assess
      expect(reserved).toBeCloseTo(0.05, 10);
      expect(await registry.committed('tenant_a')).toBeCloseTo(0.02, 10);
      expect(quota.openReservations()).toBe(0);
    });
  });

  describe('when settling the reservation fails after the provider was paid', () => {
    it('does not fail the call, keeps the reservation counted and adds what the call cost beyond it', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      let fail = true;
      const flaky = {
        reserve: registry.reserve.bind(registry),
        committed: registry.committed.bind(registry),
        settle: async (tenantId: string, reservedUsd: number, actualUsd: number) => {
          if (fail) {
            fail = false;
            throw new Error('throttled');
          }
          return registry.settle(tenantId, reservedUsd, actualUsd);
        },
      };
      const quota = new QuotaMiddleware({ tenantBudget: flaky, reservationUsd: 0.05 });
      const run = runFacts({ tenant: budgetTenant(1) });
      // Act
      await quota.beforeModel(run);
      await expect(quota.afterModel(run, usage(0.08))).resolves.toBeUndefined();
      // Assess: never less than the real cost
      expect(await registry.committed('tenant_a')).toBeCloseTo(0.08, 10);
      expect(quota.settlementFailures()).toEqual([{ tenantId: 'tenant_a', reservedUsd: 0.05, actualUsd: 0.08 }]);
    });
  });

  describe('when the tenant has no tenant-wide limit', () => {
    it('reserves nothing', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      const quota = new QuotaMiddleware({ tenantBudget: registry });
      // Act
      await quota.beforeModel(runFacts());
      // Assess
      expect(await registry.committed('tenant_a')).toBe(0);
      expect(quota.openReservations()).toBe(0);
    });
  });

  describe('when the reservation does not fit the remaining tenant budget', () => {
    it('refuses before the provider with the tenant figures', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      await registry.reserve('tenant_a', 0.98, 1);
      const quota = new QuotaMiddleware({ tenantBudget: registry, reservationUsd: 0.05 });
      // Act
      const error = await caught(quota.beforeModel(runFacts({ tenant: budgetTenant(1) })));
      // Assess
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(error).toMatchObject({ details: { tenantId: 'tenant_a', reservationUsd: 0.05, tenantLimitUsd: 1 } });
      expect(await registry.committed('tenant_a')).toBeCloseTo(0.98, 10);
    });
  });

  describe('when the provider fails', () => {
    it('releases the reservation (cost 0 when unknown) and ignores a second settlement', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      const quota = new QuotaMiddleware({ tenantBudget: registry, reservationUsd: (run) => (run.model === 'big' ? 0.2 : 0.01) });
      const run = runFacts({ tenant: budgetTenant(1), model: 'big', stepKey: 's1' });
      // Act
      await quota.beforeModel(run);
      const reserved = await registry.committed('tenant_a');
      await quota.onModelError(run, undefined);
      await quota.onModelError(run, usage(0.5));
      // Assess
      expect(reserved).toBeCloseTo(0.2, 10);
      expect(await registry.committed('tenant_a')).toBe(0);
    });
  });

  describe('when the per-run post-check fails after the provider was paid', () => {
    it('settles the actual cost once, even if onModelError follows', async () => {
      // Prepare
      const registry = new MemoryTenantRegistry();
      const quota = new QuotaMiddleware({ tenantBudget: registry, reservationUsd: 0.05 });
      const run = runFacts({ tenant: tenant({ budgetUsdLimit: 0.1, tenantBudgetUsdLimit: 1 }) });
      await quota.beforeModel(run);
      // Act
      const error = await caught(quota.afterModel(run, usage(0.12)));
      await quota.onModelError(run, usage(0.12), error);
      // Assess
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(await registry.committed('tenant_a')).toBeCloseTo(0.12, 10);
    });
  });

  describe('when 20 calls of one tenant run concurrently', () => {
    it('never commits more than the tenant limit and settles every admitted call', async () => {
      // Prepare: a budget that yields to the event loop on every operation, so the calls really interleave
      const registry = new MemoryTenantRegistry();
      let maxCommitted = 0;
      const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
      const budget = {
        reserve: async (id: string, amount: number, limit: number) => {
          await tick();
          const ok = await registry.reserve(id, amount, limit);
          maxCommitted = Math.max(maxCommitted, await registry.committed(id));
          return ok;
        },
        settle: async (id: string, reserved: number, actual: number) => {
          await tick();
          await registry.settle(id, reserved, actual);
          maxCommitted = Math.max(maxCommitted, await registry.committed(id));
        },
        committed: (id: string) => registry.committed(id),
      };
      // Reservations differ per run, so settling against the wrong reservation would skew the final total.
      const quota = new QuotaMiddleware({ tenantBudget: budget, reservationUsd: (run) => 0.03 + 0.01 * Number(run.runId.slice(-1)) });
      const call = async (i: number): Promise<number> => {
        // Four runs without step keys, so several in-flight calls share one reservation key.
        const run = runFacts({ runId: `run_${i % 4}`, tenant: budgetTenant(0.5) });
        await quota.beforeModel(run);
        await tick();
        await quota.afterModel(run, usage(0.03));
        return 0.03;
      };
      // Act
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => call(i)));
      // Assess
      const admitted = outcomes.filter((o) => o.status === 'fulfilled').length;
      const refused = outcomes.filter((o) => o.status === 'rejected' && o.reason instanceof BudgetExceededError).length;
      expect(admitted).toBeGreaterThanOrEqual(8);
      expect(refused).toBe(20 - admitted);
      expect(maxCommitted).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(await registry.committed('tenant_a')).toBeCloseTo(admitted * 0.03, 10);
      expect(quota.openReservations()).toBe(0);
    });
  });
});
