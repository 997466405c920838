import type { TenantRecord } from '../models/index.js';
import { UnknownTenantError } from '../errors.js';
import type { TenantBudget, TenantRegistry } from './tenant-registry-port.js';

/** Integer nano-USD, like the DynamoDB registry: float sums (0.019 + 0.001 > 0.02) must not refuse what fits. */
const toNano = (usd: number): number => Math.round(usd * 1e9);

/** In-memory tenant registry and tenant budget counters (tests, demo). */
export class MemoryTenantRegistry implements TenantRegistry, TenantBudget {
  readonly #tenants = new Map<string, TenantRecord>();
  readonly #committed = new Map<string, number>();

  async put(tenant: TenantRecord): Promise<void> {
    this.#tenants.set(tenant.tenantId, structuredClone(tenant));
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    const t = this.#tenants.get(tenantId);
    return t ? structuredClone(t) : undefined;
  }

  async list(): Promise<TenantRecord[]> {
    return [...this.#tenants.values()].map((t) => structuredClone(t)).sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  async disable(tenantId: string, updatedAt: string): Promise<void> {
    const t = this.#tenants.get(tenantId);
    if (!t) throw new UnknownTenantError(`tenant ${tenantId} is not registered`, { tenantId });
    this.#tenants.set(tenantId, { ...t, enabled: false, updatedAt });
  }

  async reserve(tenantId: string, amountUsd: number, limitUsd: number): Promise<boolean> {
    const current = this.#committed.get(tenantId) ?? 0;
    if (current + toNano(amountUsd) > toNano(limitUsd)) return false;
    this.#committed.set(tenantId, current + toNano(amountUsd));
    return true;
  }

  async settle(tenantId: string, reservedUsd: number, actualUsd: number): Promise<void> {
    this.#committed.set(tenantId, (this.#committed.get(tenantId) ?? 0) - toNano(reservedUsd) + toNano(actualUsd));
  }

  async committed(tenantId: string): Promise<number> {
    return (this.#committed.get(tenantId) ?? 0) / 1e9;
  }
}
