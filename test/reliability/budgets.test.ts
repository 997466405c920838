import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelPort } from '../../lib/kernel/index.js';
import type { StepMessage } from '../../lib/queue/messages.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { DynamoDbTenantRegistry } from '../../lib/store/dynamodb-tenant-registry.js';
import { MemoryTenantRegistry, type TenantBudget, type TenantRegistry } from '../../lib/store/index.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { tenantRecord } from '../helpers/memory-worker.js';
import { Tally } from './record.js';
import { buildWorker, modelOnlyHarness, pollConcurrently, prng } from './support.js';

const tally = new Tally('budgets');
let server: LocalServer;
beforeAll(async () => { server = await startDynalite(); });
afterAll(async () => { await tally.record(); await server.close(); });

const COST = 0.001;
const TENANT_LIMIT = 0.02;
const RUNS = 10;
const UNITS = 5;

/** A model that charges exactly COST per call. */
const chargingModel = (): ModelPort & { calls: number } => {
  const port = {
    calls: 0,
    async complete() {
      port.calls += 1;
      return { output: { text: 'ok' }, usage: { promptTokens: 10, completionTokens: 10, costUsd: COST }, toolCalls: [] };
    },
  };
  return port;
};

const registries: ReadonlyArray<readonly [string, () => Promise<TenantRegistry & TenantBudget>]> = [
  ['MemoryTenantRegistry', async () => new MemoryTenantRegistry()],
  ['DynamoDbTenantRegistry on dynalite', async () => {
    const client = localDynamoDbClient(server.endpoint);
    const tableName = uniqueTableName('budget');
    await createLedgerTable(client, tableName);
    return new DynamoDbTenantRegistry({ client, tableName });
  }],
];

describe('tenant budgets', () => {
  describe.each(registries)('when concurrent runs of one tenant share a budget in the %s', (_name, makeRegistry) => {
    it('never commits or spends more than the tenant budget, and refuses the calls that do not fit', async () => {
      // Prepare: 10 runs × 5 model calls × 0.001 USD wanted, 0.02 USD allowed.
      const tenants = await makeRegistry();
      await tenants.put(tenantRecord('thrifty', { capabilities: [], budgetUsdLimit: 1, tenantBudgetUsdLimit: TENANT_LIMIT }));
      const model = chargingModel();
      const w = await buildWorker({ tenants, model, reservationUsd: COST, harnesses: () => [modelOnlyHarness('spender', UNITS)] });
      const runIds = Array.from({ length: RUNS }, (_, i) => `spend-${i}`);
      const starts: StepMessage[] = runIds.map((runId) => ({ type: 'start_run', tenantId: 'thrifty', runId, harness: 'spender' }));
      // Act
      await pollConcurrently(w, 4, starts, prng(7), { copies: () => 1 });
      // Assess
      let spent = 0;
      let refused = 0;
      for (const runId of runIds) {
        await tally.check(async () => {
          const head = await w.store.getHead('thrifty', runId);
          expect(['completed', 'failed'], runId).toContain(head.status);
          const records = await w.store.loadEvents('thrifty', runId);
          spent += records.reduce((sum, r) => sum + (r.eventType === 'model_terminal' ? r.meter?.costUsd ?? 0 : 0), 0);
          refused += records.filter((r) => r.eventType === 'harness_failed').length;
        });
      }
      await tally.check(async () => {
        expect(spent).toBeLessThanOrEqual(TENANT_LIMIT + 1e-9);
        expect(model.calls * COST).toBeLessThanOrEqual(TENANT_LIMIT + 1e-9);
        expect(await tenants.committed('thrifty')).toBeLessThanOrEqual(TENANT_LIMIT + 1e-9);
        expect(refused, 'runs refused for budget').toBeGreaterThan(0);
        expect(model.calls, 'the budget was used up').toBe(Math.round(TENANT_LIMIT / COST));
      });
    });

    it('grants exactly as many concurrent reservations as fit', async () => {
      const tenants = await makeRegistry();
      const grants = await Promise.all(Array.from({ length: 60 }, () => tenants.reserve('racer', COST, TENANT_LIMIT)));
      await tally.check(async () => {
        expect(grants.filter(Boolean)).toHaveLength(Math.round(TENANT_LIMIT / COST));
        expect(await tenants.committed('racer')).toBeCloseTo(TENANT_LIMIT, 9);
      });
    });
  });
});

