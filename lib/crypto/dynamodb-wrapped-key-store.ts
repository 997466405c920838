import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { DependencyUnavailableError, LedgerIntegrityError } from '../errors.js';
import { HEAD_SEQ, LEDGER_TABLE } from '../store/table-schema.js';
import type { WrappedDataKey, WrappedKeyStore } from './wrapped-key-store.js';

/** Partition key of a wrapped data key item in the ledger table. */
export const dataKeyItemKey = (keyRef: string): string => `datakey#${keyRef}`;
/** `gsi1pk` of a tenant's wrapped keys: lists them through the `runsByTenant` index for crypto-shredding. */
export const dataKeyTenantIndexKey = (tenantId: string): string => `datakey#${tenantId}`;

const WrappedKeyItem = z.object({
  tenantId: z.string(),
  wrappedKey: z.instanceof(Uint8Array),
  kmsKeyId: z.string(),
  createdAt: z.string(),
});
const KeyOnly = z.object({ runId: z.string(), seq: z.number() });

export interface DynamoDbWrappedKeyStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/**
 * Wrapped data keys in the ledger table: item `runId = datakey#<keyRef>`, `seq = 0`, with
 * `gsi1pk = datakey#<tenantId>` and `updatedAt = createdAt` so a tenant's keys can be listed and deleted.
 * Deleting them (`deleteTenantKeys`) crypto-shreds the tenant: its payloads can never be decrypted again.
 * @example const keyStore = new DynamoDbWrappedKeyStore({ client: new DynamoDBClient({}), tableName: 'ledger' });
 */
export class DynamoDbWrappedKeyStore implements WrappedKeyStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(options: DynamoDbWrappedKeyStoreOptions) {
    this.#doc = DynamoDBDocumentClient.from(options.client);
    this.#table = options.tableName;
  }

  async put(keyRef: string, key: WrappedDataKey): Promise<void> {
    const item = {
      [LEDGER_TABLE.partitionKey.name]: dataKeyItemKey(keyRef),
      [LEDGER_TABLE.sortKey.name]: HEAD_SEQ,
      [LEDGER_TABLE.runsByTenantIndex.partitionKey.name]: dataKeyTenantIndexKey(key.tenantId),
      [LEDGER_TABLE.runsByTenantIndex.sortKey.name]: key.createdAt,
      kind: 'data_key',
      tenantId: key.tenantId,
      wrappedKey: key.wrappedKey,
      kmsKeyId: key.kmsKeyId,
      createdAt: key.createdAt,
    };
    const command = new PutCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(runId)' });
    await callDynamo(() => this.#doc.send(command), 'PutItem', keyRef);
  }

  async get(keyRef: string): Promise<WrappedDataKey | undefined> {
    const command = new GetCommand({ TableName: this.#table, Key: { runId: dataKeyItemKey(keyRef), seq: HEAD_SEQ }, ConsistentRead: true });
    const { Item } = await callDynamo(() => this.#doc.send(command), 'GetItem', keyRef);
    if (Item === undefined) return undefined;
    const parsed = WrappedKeyItem.safeParse(Item);
    if (!parsed.success) throw new LedgerIntegrityError('Wrapped data key item is malformed.', { keyRef });
    return parsed.data;
  }

  /** Queries the tenant's keys on the index (eventually consistent: call again after concurrent writers stop). */
  async deleteTenantKeys(tenantId: string): Promise<number> {
    let deleted = 0;
    const pages = paginateQuery({ client: this.#doc }, {
      TableName: this.#table,
      IndexName: LEDGER_TABLE.runsByTenantIndex.indexName,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': dataKeyTenantIndexKey(tenantId) },
    });
    for await (const page of pages) {
      for (const raw of page.Items ?? []) {
        const key = KeyOnly.parse(raw);
        await this.#doc.send(new DeleteCommand({ TableName: this.#table, Key: { runId: key.runId, seq: key.seq } }));
        deleted += 1;
      }
    }
    return deleted;
  }
}

async function callDynamo<T>(send: () => Promise<T>, operation: string, keyRef: string): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw storeFailure(error, operation, keyRef);
  }
}

function storeFailure(error: unknown, operation: string, keyRef: string): DependencyUnavailableError {
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = name === 'ConditionalCheckFailedException'
    ? 'Wrapped key reference already exists; seal again to generate a fresh data key.'
    : `DynamoDB ${operation} of a wrapped data key failed (${name}).`;
  return new DependencyUnavailableError(message, { operation, keyRef, dynamoError: name }, { cause: error });
}
