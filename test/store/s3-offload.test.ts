import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startFauxqs, type FauxqsServer } from 'fauxqs';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { S3BlobStore } from '../../lib/store/s3-blob-store.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { storedBytes } from '../../lib/crypto/payload-codec.js';
import { verifyLedger } from '../../lib/crypto/ledger-hash.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { makeChain } from '../helpers/records.js';

let dynalite: LocalServer;
let fauxqs: FauxqsServer;
let client: DynamoDBClient;
let s3: S3Client;
let blobs: S3BlobStore;
let store: DynamoDbEventStore;

beforeAll(async () => {
  [dynalite, fauxqs] = await Promise.all([startDynalite(), startFauxqs({ port: 0, logger: false })]);
  fauxqs.createBucket('artana-payloads');
  client = localDynamoDbClient(dynalite.endpoint);
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${fauxqs.port}`, forcePathStyle: true, region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  blobs = new S3BlobStore({ client: s3, bucket: 'artana-payloads' });
  const tableName = uniqueTableName('offload');
  await createLedgerTable(client, tableName);
  store = new DynamoDbEventStore({ client, tableName, blobs });
});
afterAll(async () => {
  client?.destroy();
  s3?.destroy();
  await Promise.all([dynalite?.close(), fauxqs?.stop()]);
});

describe('S3BlobStore', () => {
  describe('when bytes are stored', () => {
    it('returns the same bytes for the returned reference', async () => {
      const bytes = new Uint8Array([0, 1, 2, 250, 255]);
      const ref = await blobs.put('runs/t/r/1/abc', bytes);
      expect(ref).toEqual({ bucket: 'artana-payloads', key: 'runs/t/r/1/abc' });
      expect(await blobs.get(ref)).toEqual(bytes);
    });

    it('raises LedgerIntegrityError when the object is missing', async () => {
      await expect(blobs.get({ bucket: 'artana-payloads', key: 'runs/none' })).rejects.toMatchObject({ name: 'LedgerIntegrityError' });
    });
  });
});

describe('DynamoDbEventStore with an S3 blob store', () => {
  describe('when an event payload exceeds the offload threshold', () => {
    it('stores the bytes in S3, keeps a reference with the same digest, and the chain stays valid', async () => {
      await store.createRun({ runId: 'big-run', tenantId: 'acme', createdAt: '2026-01-01T00:00:00.000Z' });
      const records = await makeChain('acme', 'big-run', 3);
      const [big] = await makeChain('acme', 'big-run', 1, { payloadBytes: 350_000, after: records[2]! });
      await store.append('acme', 'big-run', [...records, big!]);
      const loaded = await store.loadEvents('acme', 'big-run');
      const stored = loaded[3]!;
      expect(stored.payload.data).toBeUndefined();
      expect(stored.payload.ref).toMatchObject({ bucket: 'artana-payloads', key: `runs/acme/big-run/4/${big!.payload.digest}` });
      expect(stored.payload.digest).toBe(big!.payload.digest);
      expect(stored.hash).toBe(big!.hash);
      expect(verifyLedger(loaded, { tenantId: 'acme' }).valid).toBe(true);
      expect(Buffer.from(await storedBytes(stored.payload, blobs)).toString('base64')).toBe(big!.payload.data);
      expect(loaded.slice(0, 3)).toEqual(records);
    });
  });
});
