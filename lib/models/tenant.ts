import * as z from 'zod/mini';

/** Identifier safe to use in keys, logs and ARNs: letters, digits, `_`, `-`, `.`, `:`; 1–128 chars. */
export const Identifier = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/));

export const TenantContext = z.strictObject({
  tenantId: Identifier,
  capabilities: z.array(z.string().check(z.minLength(1))),
  /** Per-run budget in USD (the Python reference's `budget_usd_limit`). */
  budgetUsdLimit: z.number().check(z.positive()),
  /** Total budget of the tenant across all its runs (enforced with reservations when a TenantBudget is wired). */
  tenantBudgetUsdLimit: z.optional(z.number().check(z.positive())),
});
export type TenantContext = z.infer<typeof TenantContext>;

/** An entry of the tenant registry, managed by an administrator, never by queue messages. */
export const TenantRecord = z.strictObject({
  tenantId: Identifier,
  capabilities: z.array(z.string().check(z.minLength(1))),
  /** Default per-run budget in USD. */
  budgetUsdLimit: z.number().check(z.positive()),
  /** Total budget of the tenant across all its runs, in USD. */
  tenantBudgetUsdLimit: z.optional(z.number().check(z.positive())),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TenantRecord = z.infer<typeof TenantRecord>;

export const toTenantContext = (t: TenantRecord, budgetUsdLimit?: number): TenantContext => ({
  tenantId: t.tenantId,
  capabilities: [...t.capabilities].sort(),
  budgetUsdLimit: budgetUsdLimit !== undefined ? Math.min(budgetUsdLimit, t.budgetUsdLimit) : t.budgetUsdLimit,
  ...(t.tenantBudgetUsdLimit !== undefined ? { tenantBudgetUsdLimit: t.tenantBudgetUsdLimit } : {}),
});
