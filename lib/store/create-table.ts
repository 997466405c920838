import {
  CreateTableCommand, DescribeTableCommand, waitUntilTableExists, type CreateTableCommandInput, type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { LEDGER_TABLE } from './table-schema.js';
import { nameOf, translateAwsError } from './aws-errors.js';

/** The `CreateTable` input of the ledger table, derived from `LEDGER_TABLE` (the CDK stack uses the same source). */
export function ledgerTableDefinition(tableName: string, options: { stream?: boolean } = {}): CreateTableCommandInput {
  const { partitionKey, sortKey, runsByTenantIndex: gsi } = LEDGER_TABLE;
  return {
    TableName: tableName,
    BillingMode: LEDGER_TABLE.billingMode,
    AttributeDefinitions: [partitionKey, sortKey, gsi.partitionKey, gsi.sortKey].map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }, { AttributeName: sortKey.name, KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: gsi.indexName,
      KeySchema: [{ AttributeName: gsi.partitionKey.name, KeyType: 'HASH' }, { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...gsi.nonKeyAttributes] },
    }],
    ...(options.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: LEDGER_TABLE.streamViewType } } : {}),
  };
}

/**
 * Creates the ledger table (pay per request, the `runsByTenant` GSI, a NEW_IMAGE stream when asked) and waits
 * until it is ACTIVE. Idempotent: an existing table is accepted as is.
 * @example await createLedgerTable(new DynamoDBClient({ endpoint }), 'artana-ledger', { stream: true });
 */
export async function createLedgerTable(client: DynamoDBClient, tableName: string, options: { stream?: boolean } = {}): Promise<void> {
  try {
    await client.send(new CreateTableCommand(ledgerTableDefinition(tableName, options)));
  } catch (e) {
    if (nameOf(e) !== 'ResourceInUseException') throw translateAwsError(e, 'CreateTable');
  }
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1, maxDelay: 5 }, { TableName: tableName });
  const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const pendingIndex = Table?.GlobalSecondaryIndexes?.some((i) => i.IndexStatus !== undefined && i.IndexStatus !== 'ACTIVE');
  if (pendingIndex) await waitForIndexes(client, tableName);
}

async function waitForIndexes(client: DynamoDBClient, tableName: string): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    await new Promise((r) => setTimeout(r, 1000));
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.GlobalSecondaryIndexes?.every((i) => i.IndexStatus === 'ACTIVE') ?? true) return;
  }
}
