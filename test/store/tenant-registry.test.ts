import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantBudget, TenantRegistry } from '../../lib/store/tenant-registry-port.js';
import { MemoryTenantRegistry } from '../../lib/store/memory-tenant-registry.js';
import { DynamoDbTenantRegistry } from '../../lib/store/dynamodb-tenant-registry.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import type { TenantRecord } from '../../lib/models/index.js';
import { localDynamoDbClient, startDynalite, uniqueTableName } from '../helpers/dynalite.js';

type Registry = TenantRegistry & TenantBudget;
let n = 0;
const tenantId = () => `tenant-${++n}-${Math.random().toString(36).slice(2, 7)}`;
const record = (id: string, overrides: Partial<TenantRecord> = {}): TenantRecord => ({
  tenantId: id, capabilities: ['web'], budgetUsdLimit: 1, enabled: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', ...overrides,
});

function describeRegistryContract(name: string, make: () => Promise<{ registry: Registry; close?(): Promise<void> }>): void {
  describe(`${name} (TenantRegistry and TenantBudget contract)`, () => {
    let subject: { registry: Registry; close?(): Promise<void> };
    const registry = () => subject.registry;
    beforeAll(async () => { subject = await make(); });
    afterAll(async () => { await subject?.close?.(); });

    describe('when managing tenants', () => {
      it('returns the stored record when the tenant is registered and undefined otherwise', async () => {
        const id = tenantId();
        await registry().put(record(id, { tenantBudgetUsdLimit: 50 }));
        expect(await registry().get(id)).toEqual(record(id, { tenantBudgetUsdLimit: 50 }));
        expect(await registry().get(tenantId())).toBeUndefined();
      });

      it('lists every registered tenant sorted by id', async () => {
        const ids = [tenantId(), tenantId()];
        for (const id of ids) await registry().put(record(id));
        const listed = (await registry().list()).map((t) => t.tenantId);
        expect(listed).toEqual(expect.arrayContaining(ids));
        expect(listed).toEqual([...listed].sort((a, b) => a.localeCompare(b)));
      });

      it('disables a tenant and refuses an unknown one with UnknownTenantError', async () => {
        const id = tenantId();
        await registry().put(record(id));
        await registry().disable(id, '2026-02-01T00:00:00.000Z');
        expect(await registry().get(id)).toMatchObject({ enabled: false, updatedAt: '2026-02-01T00:00:00.000Z' });
        await expect(registry().disable(tenantId(), 'x')).rejects.toMatchObject({ name: 'UnknownTenantError' });
      });
    });

    describe('when reserving budget', () => {
      it('accepts reservations up to the limit and refuses the one that would exceed it', async () => {
        const id = tenantId();
        expect(await registry().reserve(id, 0.4, 1)).toBe(true);
        expect(await registry().reserve(id, 0.6, 1)).toBe(true);
        expect(await registry().reserve(id, 0.01, 1)).toBe(false);
        expect(await registry().committed(id)).toBeCloseTo(1, 9);
      });

      it('refuses a first reservation larger than the limit', async () => {
        const id = tenantId();
        expect(await registry().reserve(id, 2, 1)).toBe(false);
        expect(await registry().committed(id)).toBe(0);
      });

      it('replaces the reservation by the actual cost when settling', async () => {
        const id = tenantId();
        await registry().reserve(id, 0.5, 1);
        await registry().settle(id, 0.5, 0.2);
        expect(await registry().committed(id)).toBeCloseTo(0.2, 9);
        expect(await registry().reserve(id, 0.8, 1)).toBe(true);
      });

      it('never commits past the limit when 20 runs reserve concurrently', async () => {
        const id = tenantId();
        const results = await Promise.all(Array.from({ length: 20 }, () => registry().reserve(id, 0.15, 1)));
        expect(results.filter(Boolean)).toHaveLength(6);
        expect(await registry().committed(id)).toBeCloseTo(0.9, 9);
      });
    });
  });
}

describeRegistryContract('MemoryTenantRegistry', async () => ({ registry: new MemoryTenantRegistry() }));

describeRegistryContract('DynamoDbTenantRegistry on dynalite', async () => {
  const server = await startDynalite();
  const client = localDynamoDbClient(server.endpoint);
  const tableName = uniqueTableName('tenants');
  await createLedgerTable(client, tableName);
  return { registry: new DynamoDbTenantRegistry({ client, tableName }), close: async () => { client.destroy(); await server.close(); } };
});

describe('DynamoDbTenantRegistry beside the event store', () => {
  describe('when tenants and runs share the table', () => {
    it('keeps registry entries out of a tenant run listing and refuses run ids in the tenant key space', async () => {
      const server = await startDynalite();
      const client = localDynamoDbClient(server.endpoint);
      try {
        const tableName = uniqueTableName('shared');
        await createLedgerTable(client, tableName);
        const registry = new DynamoDbTenantRegistry({ client, tableName });
        const store = new DynamoDbEventStore({ client, tableName });
        await registry.put(record('acme'));
        await registry.reserve('acme', 0.1, 1);
        await store.createRun({ runId: 'r1', tenantId: 'acme', createdAt: '2026-01-01T00:00:00.000Z' });
        expect((await store.listRuns('acme')).runs.map((r) => r.runId)).toEqual(['r1']);
        expect((await registry.list()).map((t) => t.tenantId)).toEqual(['acme']);
        await expect(store.createRun({ runId: 'tenant#acme', tenantId: 'acme', createdAt: 'x' })).rejects.toMatchObject({ name: 'ValidationError' });
      } finally {
        client.destroy();
        await server.close();
      }
    });
  });
});
