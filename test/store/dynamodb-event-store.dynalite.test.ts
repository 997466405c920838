import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { localDynamoDbClient, startDynalite, uniqueTableName } from '../helpers/dynalite.js';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract('DynamoDbEventStore on dynalite', async () => {
  const server = await startDynalite();
  const client = localDynamoDbClient(server.endpoint);
  const tableName = uniqueTableName('ledger');
  await createLedgerTable(client, tableName);
  return {
    store: new DynamoDbEventStore({ client, tableName }),
    close: async () => { client.destroy(); await server.close(); },
  };
});
