import { S3Client } from '@aws-sdk/client-s3';
import type { BlobStore } from '../crypto/payload-cipher-port.js';
import { FileBlobStore } from '../store/file-blob-store.js';
import { S3BlobStore } from '../store/s3-blob-store.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import * as z from 'zod/mini';
import { DynamoDbWrappedKeyStore, KmsPayloadCipher, LocalPayloadCipher, type PayloadCipher } from '../crypto/index.js';
import { LOCAL, localPaths } from '../runtime/local/local-config.js';
import { startLocalServers } from '../runtime/local/servers.js';
import { createLedgerTable } from '../store/create-table.js';
import { DynamoDbEventStore } from '../store/dynamodb-event-store.js';
import { DynamoDbTenantRegistry } from '../store/dynamodb-tenant-registry.js';
import { CliError, EXIT } from './cli-output.js';

/** Options every command accepts (commander's `optsWithGlobals()`), validated at the boundary. */
export const GlobalOptions = z.object({
  dataDir: z._default(z.string().check(z.minLength(1)), LOCAL.dataDir),
  table: z.optional(z.string().check(z.minLength(3))),
  queueUrl: z.optional(z.string().check(z.minLength(1))),
  region: z.optional(z.string().check(z.minLength(1))),
  kmsKeyId: z.optional(z.string().check(z.minLength(1))),
  endpoint: z.optional(z.url()),
  json: z._default(z.boolean(), false),
});
export type GlobalOptions = z.infer<typeof GlobalOptions>;

/**
 * Reads the global options, filling AWS settings from the environment (`ARTANA_TABLE_NAME`, `ARTANA_QUEUE_URL`,
 * `AWS_REGION`, `ARTANA_KMS_KEY_ID`) when no flag is given.
 * @example const g = parseGlobalOptions(cmd.optsWithGlobals(), process.env);
 */
export function parseGlobalOptions(raw: unknown, env: NodeJS.ProcessEnv = process.env): GlobalOptions {
  const parsed = GlobalOptions.safeParse(raw);
  if (!parsed.success) throw new CliError(`invalid options: ${z.prettifyError(parsed.error)}`, EXIT.usage);
  const g = parsed.data;
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] ? env[name] : undefined);
  const table = pick(g.table, 'ARTANA_TABLE_NAME');
  const queueUrl = pick(g.queueUrl, 'ARTANA_QUEUE_URL');
  const region = pick(g.region, 'AWS_REGION');
  const kmsKeyId = pick(g.kmsKeyId, 'ARTANA_KMS_KEY_ID');
  return { ...g, ...(table ? { table } : {}), ...(queueUrl ? { queueUrl } : {}), ...(region ? { region } : {}), ...(kmsKeyId ? { kmsKeyId } : {}) };
}

/** The ledger the CLI works on: the local data directory (default) or a table in AWS. */
export interface CliTarget {
  readonly mode: 'local' | 'aws';
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly region: string;
  readonly store: DynamoDbEventStore;
  readonly tenants: DynamoDbTenantRegistry;
  readonly options: GlobalOptions;
  /** The payload cipher, built only for commands that decrypt (local key file, or KMS with `--kms-key-id`). */
  cipher(): Promise<PayloadCipher>;
  /** Where payloads too large for an item live (local: the data dir; AWS: `ARTANA_PAYLOAD_BUCKET`), for decrypting them. */
  readonly blobs?: BlobStore;
  close(): Promise<void>;
}

const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * Opens the target: AWS when `--table`/`ARTANA_TABLE_NAME` is set, else an in-process dynalite on `<dataDir>/dynamodb`.
 * @example const target = await openTarget(options); try { … } finally { await target.close(); }
 */
export async function openTarget(options: GlobalOptions): Promise<CliTarget> {
  return options.table ? openAwsTarget(options, options.table) : openLocalTarget(options);
}

function awsTarget(options: GlobalOptions, tableName: string, region: string, dynamo: DynamoDBClient, close: () => Promise<void>): CliTarget {
  return {
    mode: options.table ? 'aws' : 'local', dynamo, tableName, region, options, close,
    ...blobsFor(options, region),
    store: new DynamoDbEventStore({ client: dynamo, tableName }),
    tenants: new DynamoDbTenantRegistry({ client: dynamo, tableName }),
    cipher: async () => {
      if (!options.table) return LocalPayloadCipher.fromKeyFile(localPaths(options.dataDir).keyFile);
      if (!options.kmsKeyId) throw new CliError('decrypting payloads needs --kms-key-id or ARTANA_KMS_KEY_ID', EXIT.usage);
      return new KmsPayloadCipher({
        client: new KMSClient({ region }), keyId: options.kmsKeyId,
        keyStore: new DynamoDbWrappedKeyStore({ client: dynamo, tableName }),
      });
    },
  };
}

function blobsFor(options: GlobalOptions, region: string): { blobs?: BlobStore } {
  if (!options.table) return { blobs: new FileBlobStore(localPaths(options.dataDir).blobs) };
  const bucket = process.env['ARTANA_PAYLOAD_BUCKET'];
  return bucket ? { blobs: new S3BlobStore({ client: new S3Client({ region }), bucket }) } : {};
}

async function openAwsTarget(options: GlobalOptions, tableName: string): Promise<CliTarget> {
  const region = options.region ?? LOCAL.region;
  const dynamo = new DynamoDBClient({
    region, ...(options.endpoint ? { endpoint: options.endpoint, credentials: localCredentials } : {}),
  });
  return awsTarget(options, tableName, region, dynamo, async () => { dynamo.destroy(); });
}

async function openLocalTarget(options: GlobalOptions): Promise<CliTarget> {
  const warnings: string[] = [];
  const servers = await startLocalServers({ dataDir: options.dataDir, region: LOCAL.region, onWarning: (m) => warnings.push(m) });
  if (!servers.dynamoPersistent) {
    await servers.close();
    // In-memory fallback would show an empty ledger: refuse instead (usually `npm start` holds the files).
    throw new CliError(`cannot open the local data directory ${options.dataDir}: ${warnings.join('; ')} (is \`npm start\` running on it?)`, EXIT.usage);
  }
  const dynamo = new DynamoDBClient({ endpoint: servers.dynamoEndpoint, region: LOCAL.region, credentials: localCredentials });
  await createLedgerTable(dynamo, LOCAL.tableName);
  return awsTarget(options, LOCAL.tableName, LOCAL.region, dynamo, async () => {
    dynamo.destroy();
    await servers.close();
  });
}
