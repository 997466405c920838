import { BudgetExceededError, ConfigurationError } from '../errors.js';
import type { ModelUsage } from '../models/index.js';
import type { TenantBudget } from '../store/tenant-registry-port.js';
import type { KernelMiddleware, RunFacts } from './middleware-port.js';
import { MIDDLEWARE_PRIORITY, QUOTA_NAME } from './names.js';

/** The amount reserved against the tenant budget before a model call: a constant or a per-call estimate. */
export type ReservationEstimate = number | ((run: RunFacts) => number);

export interface QuotaOptions {
  /** Enables the tenant-wide budget for tenants that carry `tenantBudgetUsdLimit`. */
  readonly tenantBudget?: TenantBudget;
  /** USD reserved per model call (default 0.05); must be > 0. */
  readonly reservationUsd?: ReservationEstimate;
}

export const DEFAULT_RESERVATION_USD = 0.05;

// Float sums such as 0.07 + 0.03 must not flip a comparison at the limit.
const EPSILON = 1e-9;

const reservationKey = (run: RunFacts): string =>
  JSON.stringify([run.tenant.tenantId, run.runId, run.stepKey ?? null, run.model]);

/**
 * Priority 1. Per-run budget (limit `tenant.budgetUsdLimit`, spend from `RunFacts.spendUsd`, i.e. from the
 * ledger, never from this object's memory): `beforeModel` refuses when the run's spend has reached the limit;
 * `afterModel` raises when this call's cost took the run over it (the provider was already paid, the kernel
 * records the cost). With a `TenantBudget`, tenants with `tenantBudgetUsdLimit` also get a tenant-wide budget:
 * `beforeModel` reserves an estimate and refuses when it does not fit, `afterModel` / `onModelError` settle the
 * reservation with the actual cost.
 * @example
 * const quota = new QuotaMiddleware({ tenantBudget: registry, reservationUsd: 0.02 });
 * await quota.beforeModel({ runId: 'r1', tenant, spendUsd: 0.04, model: 'm' }); // throws when 0.04 >= limit
 */
export class QuotaMiddleware implements KernelMiddleware {
  readonly name = QUOTA_NAME;
  readonly priority = MIDDLEWARE_PRIORITY.quota;
  readonly #tenantBudget: TenantBudget | undefined;
  readonly #estimate: ReservationEstimate;
  // Open reservations per (tenant, run, step key, model). A list, because two in-flight calls may share a key
  // (e.g. keyless steps of one run); the amounts of one key come from the same estimate input.
  readonly #open = new Map<string, number[]>();

  constructor(options: QuotaOptions = {}) {
    const estimate = options.reservationUsd ?? DEFAULT_RESERVATION_USD;
    if (typeof estimate === 'number') assertPositiveAmount(estimate);
    this.#tenantBudget = options.tenantBudget;
    this.#estimate = estimate;
  }

  async beforeModel(run: RunFacts): Promise<void> {
    const limitUsd = run.tenant.budgetUsdLimit;
    if (run.spendUsd >= limitUsd - EPSILON) {
      throw new BudgetExceededError(`Run ${run.runId} budget exhausted: spent ${run.spendUsd} of ${limitUsd} USD.`, {
        runId: run.runId,
        spendUsd: run.spendUsd,
        limitUsd,
      });
    }
    await this.#reserve(run);
  }

  async afterModel(run: RunFacts, usage: ModelUsage): Promise<void> {
    await this.#settle(run, usage.costUsd);
    const limitUsd = run.tenant.budgetUsdLimit;
    const totalUsd = run.spendUsd + usage.costUsd;
    if (totalUsd > limitUsd + EPSILON) {
      throw new BudgetExceededError(
        `Run ${run.runId} exceeded budget: ${totalUsd} of ${limitUsd} USD after this call.`,
        { runId: run.runId, spendUsd: totalUsd, callCostUsd: usage.costUsd, limitUsd },
      );
    }
  }

  async onModelError(run: RunFacts, usage: ModelUsage | undefined, _error?: unknown): Promise<void> {
    await this.#settle(run, usage?.costUsd ?? 0);
  }

  /** Reservations not yet settled (for tests and diagnostics). */
  openReservations(): number {
    let count = 0;
    for (const list of this.#open.values()) count += list.length;
    return count;
  }

  async #reserve(run: RunFacts): Promise<void> {
    const tenantLimitUsd = run.tenant.tenantBudgetUsdLimit;
    if (!this.#tenantBudget || tenantLimitUsd === undefined) return;
    const amountUsd = typeof this.#estimate === 'number' ? this.#estimate : this.#estimate(run);
    assertPositiveAmount(amountUsd);
    const tenantId = run.tenant.tenantId;
    if (!(await this.#tenantBudget.reserve(tenantId, amountUsd, tenantLimitUsd))) {
      throw new BudgetExceededError(`Tenant ${tenantId} budget exhausted: ${amountUsd} USD does not fit.`, {
        runId: run.runId,
        tenantId,
        reservationUsd: amountUsd,
        tenantLimitUsd,
      });
    }
    const key = reservationKey(run);
    const list = this.#open.get(key) ?? [];
    list.push(amountUsd);
    this.#open.set(key, list);
  }

  // Settles at most one reservation; a call with none open (refused before reserving, or already settled by
  // `afterModel` before `onModelError`) is a no-op, so the same cost is never counted twice.
  async #settle(run: RunFacts, actualUsd: number): Promise<void> {
    if (!this.#tenantBudget) return;
    const key = reservationKey(run);
    const list = this.#open.get(key);
    const reservedUsd = list?.shift();
    if (list && list.length === 0) this.#open.delete(key);
    if (reservedUsd === undefined) return;
    try {
      await this.#tenantBudget.settle(run.tenant.tenantId, reservedUsd, actualUsd);
    } catch (error) {
      // The provider was already called (and paid): failing now would record a paid answer as a failure and pay for
      // it again on the retry. Keep the call's answer; the tenant counter keeps at least the reservation and, as a
      // second attempt, the difference when the call cost more than reserved.
      this.#settlementFailures.push({ tenantId: run.tenant.tenantId, reservedUsd, actualUsd, error });
      if (actualUsd > reservedUsd) await this.#tenantBudget.settle(run.tenant.tenantId, 0, actualUsd - reservedUsd).catch(() => undefined);
    }
  }

  readonly #settlementFailures: Array<{ tenantId: string; reservedUsd: number; actualUsd: number; error: unknown }> = [];

  /** Settlements that failed (the reservation stayed counted): for diagnostics and tests. */
  settlementFailures(): ReadonlyArray<{ tenantId: string; reservedUsd: number; actualUsd: number }> {
    return this.#settlementFailures.map(({ tenantId, reservedUsd, actualUsd }) => ({ tenantId, reservedUsd, actualUsd }));
  }
}

function assertPositiveAmount(amountUsd: number): void {
  if (!Number.isFinite(amountUsd) || amountUsd <= 0) {
    throw new ConfigurationError(`Quota reservation must be a positive number of USD, got ${amountUsd}.`, { amountUsd });
  }
}
