import type { TenantRecord } from '../models/index.js';

/**
 * The tenant registry: capabilities, budgets, enabled flag. Managed by an administrator (CLI), never by
 * queue messages, so whoever can send a message cannot grant itself capabilities or budget.
 */
export interface TenantRegistry {
  put(tenant: TenantRecord): Promise<void>;
  /** Undefined when the tenant is not registered. */
  get(tenantId: string): Promise<TenantRecord | undefined>;
  list(): Promise<TenantRecord[]>;
  disable(tenantId: string, updatedAt: string): Promise<void>;
}

/**
 * Per-tenant spend across all its runs: reserve before a model call, settle after it, so concurrent runs of
 * one tenant cannot exceed its limit.
 */
export interface TenantBudget {
  /** Atomically adds `amountUsd` to the tenant's committed spend if it stays within `limitUsd`; false otherwise. */
  reserve(tenantId: string, amountUsd: number, limitUsd: number): Promise<boolean>;
  /** Replaces a reservation by the actual cost (may be more or less than reserved). */
  settle(tenantId: string, reservedUsd: number, actualUsd: number): Promise<void>;
  /** Committed spend (settled costs plus open reservations). */
  committed(tenantId: string): Promise<number>;
}
