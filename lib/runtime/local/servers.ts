import { mkdir } from 'node:fs/promises';
import { Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startFauxqs } from 'fauxqs';

export { createLocalQueues } from './sqs-local-queues.js';
export type { LocalQueues, LocalQueuesOptions } from './sqs-local-queues.js';

/** Options of {@link startLocalServers}. */
export interface LocalServersOptions {
  /** Persist DynamoDB data under `<dataDir>/dynamodb`; in-memory when omitted. SQS is always in-memory. */
  dataDir?: string;
  region: string;
  /** Receives non-fatal problems (e.g. persistence unavailable); `console.warn` by default. */
  onWarning?: (message: string) => void;
}

/** Running local AWS-compatible servers. */
export interface LocalServers {
  /** dynalite, e.g. `http://127.0.0.1:41234`. */
  dynamoEndpoint: string;
  /** fauxqs; build the `SQSClient` with this `endpoint` (its queue URLs use an unresolvable host). */
  sqsEndpoint: string;
  /** fauxqs also speaks S3 on the same port. */
  s3Endpoint: string;
  /** True when DynamoDB data is on disk under `dataDir`. */
  dynamoPersistent: boolean;
  region: string;
  /** Stops both servers; safe to call twice. */
  close(): Promise<void>;
}

interface DynaliteOptions {
  path?: string;
  createTableMs: number;
  updateTableMs: number;
  deleteTableMs: number;
}

const IMMEDIATE = { createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 } as const;

/**
 * Starts an in-process dynalite (DynamoDB) and fauxqs (SQS + S3) on 127.0.0.1 with free ports.
 * When `dataDir` is given but the on-disk store cannot be opened (no prebuilt binary, locked by
 * another process), DynamoDB falls back to in-memory and `onWarning` says so.
 * @example
 * const servers = await startLocalServers({ dataDir: '.artana', region: 'us-east-1' });
 * const sqs = new SQSClient({ endpoint: servers.sqsEndpoint, region: servers.region });
 * await servers.close();
 */
export async function startLocalServers(options: LocalServersOptions): Promise<LocalServers> {
  const warn = options.onWarning ?? ((message: string) => console.warn(message));
  const dynamo = await startDynamo(options, warn);
  let sqs: Awaited<ReturnType<typeof startFauxqs>>;
  try {
    sqs = await startFauxqs({ port: 0, logger: false, host: 'localhost', defaultRegion: options.region });
  } catch (error) {
    await closeServer(dynamo.server);
    throw error;
  }
  const sqsEndpoint = `http://127.0.0.1:${sqs.port}`;
  let closed: Promise<void> | undefined;
  return {
    dynamoEndpoint: dynamo.endpoint,
    sqsEndpoint,
    s3Endpoint: sqsEndpoint,
    dynamoPersistent: dynamo.persistent,
    region: options.region,
    close: () => (closed ??= Promise.all([sqs.stop(), closeServer(dynamo.server)]).then(() => undefined)),
  };
}

async function startDynamo(options: LocalServersOptions, warn: (m: string) => void) {
  if (options.dataDir === undefined) return { ...(await listenDynalite({ ...IMMEDIATE }, options.region)), persistent: false };
  const path = join(options.dataDir, 'dynamodb');
  try {
    await mkdir(path, { recursive: true });
    return { ...(await listenDynalite({ ...IMMEDIATE, path }, options.region)), persistent: true };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    warn(`[artana] DynamoDB persistence under ${path} is unavailable (${reason}); using an in-memory store — data will not survive this process.`);
    return { ...(await listenDynalite({ ...IMMEDIATE }, options.region)), persistent: false };
  }
}

/** Listens on a free port and proves the store answers (disk mode opens LevelDB lazily). */
async function listenDynalite(options: DynaliteOptions, region: string): Promise<{ server: Server; endpoint: string }> {
  const server = createDynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return { server, endpoint };
  } catch (error) {
    await closeServer(server);
    throw error;
  } finally {
    client.destroy();
  }
}

/** dynalite ships no types: load it through `require` and check what came back. */
function createDynalite(options: DynaliteOptions): Server {
  const loaded: unknown = createRequire(import.meta.url)('dynalite');
  if (typeof loaded !== 'function') throw new Error('dynalite did not export a factory');
  const server: unknown = Reflect.apply(loaded, undefined, [options]);
  if (!(server instanceof Server)) throw new Error('dynalite did not return an http.Server');
  return server;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
