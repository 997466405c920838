import * as z from 'zod/mini';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TenantRecord } from '../models/index.js';
import { LedgerIntegrityError, UnknownTenantError, ValidationError } from '../errors.js';
import type { TenantBudget, TenantRegistry } from './tenant-registry-port.js';
import { LEDGER_TABLE, tenantItemKey } from './table-schema.js';
import { TableClient, type DynamoDbClientLike } from './dynamodb-table-client.js';
import { isConditionalFailure } from './aws-errors.js';

/** GSI partition of registry entries; cannot collide with a tenant id (ids start with a letter or digit). */
const REGISTRY_PARTITION = '#tenants';
const RECORD_SEQ = 0;
const SPEND_SEQ = 1;
const SpendItem = z.object({ committedNanoUsd: z.optional(z.int()) });
/** The counter holds integer nano-dollars: decimal sums in DynamoDB and float arithmetic in JS would disagree at the limit. */
const toNano = (usd: number): number => Math.round(usd * 1e9);

/**
 * The tenant registry and per-tenant spend counters in the ledger table: `runId = tenant#<id>`, the record at
 * seq 0 (listed through the `runsByTenant` index under `#tenants`), the spend counter (nano-USD) at seq 1.
 * `reserve` is one conditional `UpdateItem`, so concurrent runs of a tenant never commit past its limit.
 * @example
 * const tenants = new DynamoDbTenantRegistry({ client, tableName: 'ledger' });
 * if (!(await tenants.reserve('t1', 0.02, 5))) throw new BudgetExceededError('tenant budget exhausted');
 * await tenants.settle('t1', 0.02, 0.013);
 */
export class DynamoDbTenantRegistry implements TenantRegistry, TenantBudget {
  readonly #table: TableClient;

  constructor(options: { client: DynamoDbClientLike; tableName: string }) {
    this.#table = new TableClient(options.client, options.tableName);
  }

  async put(tenant: TenantRecord): Promise<void> {
    const record = TenantRecord.parse(tenant);
    const index = LEDGER_TABLE.runsByTenantIndex;
    await this.#table.send('PutItem', () => this.#table.doc.send(new PutCommand({
      TableName: this.#table.tableName,
      Item: { ...record, runId: tenantItemKey(record.tenantId), seq: RECORD_SEQ, [index.partitionKey.name]: REGISTRY_PARTITION },
    })));
  }

  async get(tenantId: string): Promise<TenantRecord | undefined> {
    const item = await this.#table.get({ runId: tenantItemKey(tenantId), seq: RECORD_SEQ });
    return item ? parseTenant(item) : undefined;
  }

  async list(): Promise<TenantRecord[]> {
    const index = LEDGER_TABLE.runsByTenantIndex;
    const { items } = await this.#table.query({
      IndexName: index.indexName,
      KeyConditionExpression: '#pk = :p',
      ExpressionAttributeNames: { '#pk': index.partitionKey.name },
      ExpressionAttributeValues: { ':p': REGISTRY_PARTITION },
    });
    return items.map(parseTenant).sort((a, b) => a.tenantId.localeCompare(b.tenantId));
  }

  async disable(tenantId: string, updatedAt: string): Promise<void> {
    try {
      await this.#table.send('UpdateItem', () => this.#table.doc.send(new UpdateCommand({
        TableName: this.#table.tableName, Key: { runId: tenantItemKey(tenantId), seq: RECORD_SEQ },
        UpdateExpression: 'SET #enabled = :false, #updatedAt = :updatedAt',
        ConditionExpression: 'attribute_exists(seq)',
        ExpressionAttributeNames: { '#enabled': 'enabled', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':false': false, ':updatedAt': updatedAt },
      })));
    } catch (e) {
      if (isConditionalFailure(e)) throw new UnknownTenantError(`tenant ${tenantId} is not registered`, { tenantId });
      throw e;
    }
  }

  async reserve(tenantId: string, amountUsd: number, limitUsd: number): Promise<boolean> {
    if (!(amountUsd >= 0) || !Number.isFinite(limitUsd)) throw new ValidationError('reserve needs a non-negative amount and a finite limit', { tenantId });
    if (toNano(amountUsd) > toNano(limitUsd)) return false;
    try {
      // Condition expressions have no arithmetic: "committed + amount <= limit" is sent as "committed <= limit - amount".
      await this.#table.send('UpdateItem', () => this.#table.doc.send(new UpdateCommand({
        TableName: this.#table.tableName, Key: { runId: tenantItemKey(tenantId), seq: SPEND_SEQ },
        UpdateExpression: 'SET #c = if_not_exists(#c, :zero) + :amount',
        ConditionExpression: 'attribute_not_exists(#c) OR #c <= :headroom',
        ExpressionAttributeNames: { '#c': 'committedNanoUsd' },
        ExpressionAttributeValues: { ':zero': 0, ':amount': toNano(amountUsd), ':headroom': toNano(limitUsd) - toNano(amountUsd) },
      })));
      return true;
    } catch (e) {
      if (isConditionalFailure(e)) return false;
      throw e;
    }
  }

  async settle(tenantId: string, reservedUsd: number, actualUsd: number): Promise<void> {
    await this.#table.send('UpdateItem', () => this.#table.doc.send(new UpdateCommand({
      TableName: this.#table.tableName, Key: { runId: tenantItemKey(tenantId), seq: SPEND_SEQ },
      UpdateExpression: 'ADD #c :delta',
      ExpressionAttributeNames: { '#c': 'committedNanoUsd' },
      ExpressionAttributeValues: { ':delta': toNano(actualUsd) - toNano(reservedUsd) },
    })));
  }

  async committed(tenantId: string): Promise<number> {
    const item = await this.#table.get({ runId: tenantItemKey(tenantId), seq: SPEND_SEQ });
    const parsed = SpendItem.safeParse(item ?? {});
    if (!parsed.success) throw new LedgerIntegrityError(`malformed spend counter of tenant ${tenantId}`, { tenantId });
    return (parsed.data.committedNanoUsd ?? 0) / 1e9;
  }
}

function parseTenant(item: Record<string, unknown>): TenantRecord {
  const { runId: _r, seq: _s, gsi1pk: _g, ...fields } = item;
  const parsed = TenantRecord.safeParse(fields);
  if (!parsed.success) throw new LedgerIntegrityError(`malformed tenant record ${String(fields['tenantId'])}`, { reason: z.prettifyError(parsed.error) });
  return parsed.data;
}
