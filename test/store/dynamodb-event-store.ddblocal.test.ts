import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { localDynamoDbClient, uniqueTableName } from '../helpers/dynalite.js';
import { dynamoDbLocalEndpoint } from '../helpers/dynamodb-local-endpoint.js';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract('DynamoDbEventStore on DynamoDB Local', async () => {
  const client = localDynamoDbClient(dynamoDbLocalEndpoint());
  const tableName = uniqueTableName('ledger');
  await createLedgerTable(client, tableName, { stream: true });
  return { store: new DynamoDbEventStore({ client, tableName }), close: async () => { client.destroy(); } };
});
