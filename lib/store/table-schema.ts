/**
 * The ledger table layout, the single source for the store's `createTable` helper and the CDK stack.
 *
 * - events:  runId = <runId>, seq = 1..n
 * - run head: runId = <runId>, seq = 0 (carries `gsi1pk` = tenantId and `updatedAt` for the listing index)
 * - tenant registry and tenant spend counters: runId = `tenant#<tenantId>`, seq = 0 / 1
 */
export const LEDGER_TABLE = {
  partitionKey: { name: 'runId', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  runsByTenantIndex: {
    indexName: 'runsByTenant',
    partitionKey: { name: 'gsi1pk', type: 'S' },
    sortKey: { name: 'updatedAt', type: 'S' },
    /**
     * Only what listings read (run heads and tenant records; wrapped-key items need their keys only). The head's
     * snapshot is left out: every head commit would otherwise copy it into the index, paying its size twice.
     */
    nonKeyAttributes: [
      'tenantId', 'harness', 'status', 'createdAt', 'lastSeq', 'lastHash', 'spendUsd', 'budgetUsdLimit', 'parentRunId',
      'lease', 'capabilities', 'tenantBudgetUsdLimit', 'enabled',
    ],
  },
  streamViewType: 'NEW_IMAGE',
  billingMode: 'PAY_PER_REQUEST',
} as const;

export const HEAD_SEQ = 0;
export const tenantItemKey = (tenantId: string): string => `tenant#${tenantId}`;
