import dynalite from 'dynalite';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface LocalServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts an in-memory dynalite server on 127.0.0.1 and an ephemeral port.
 * @example const ddb = await startDynalite(); const client = localDynamoDbClient(ddb.endpoint); await ddb.close();
 */
export async function startDynalite(): Promise<LocalServer> {
  const server = dynalite({ createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('dynalite did not bind a TCP port');
  const { port } = address;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections?.();
      server.close((e) => (e ? reject(e) : resolve()));
    }),
  };
}

/** A DynamoDB client for a local endpoint with dummy credentials. */
export const localDynamoDbClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }});

let counter = 0;
/** A table name unique within the process and across test files (dynalite wants ≥ 3 chars). */
export const uniqueTableName = (prefix: string): string => `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
