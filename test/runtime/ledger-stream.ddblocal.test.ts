import { UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand, type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { PlaintextCipher } from '../../lib/crypto/plaintext-cipher.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import { createLedgerStreamHandler, decryptWith, type LedgerStreamDeps } from '../../lib/runtime/ledger-stream.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { DynamoDbTenantRegistry } from '../../lib/store/dynamodb-tenant-registry.js';
import { dynamoDbLocalEndpoint } from '../helpers/dynamodb-local-endpoint.js';
import { localDynamoDbClient, uniqueTableName } from '../helpers/dynalite.js';
import { nextRecord } from '../helpers/records.js';

const SiemLine = z.object({
  schemaVersion: z.literal(1), change: z.string(), runId: z.string(), seq: z.number(), verified: z.boolean(),
  eventType: z.optional(z.string()), hash: z.optional(z.string()), verificationError: z.optional(z.string()),
  payload: z.optional(z.object({ alg: z.string(), digest: z.string() })), metering: z.optional(z.object({ model: z.string(), costUsd: z.number() })),
  decrypted: z.optional(z.unknown()),
});

const firehose = mockClient(FirehoseClient);
let client: DynamoDBClient;
let event: DynamoDBStreamEvent;
const counts = new Map<string, number>();
const errors: string[] = [];

/** Everything the table's stream holds, read with the real DynamoDB Streams API of DynamoDB Local. */
async function readStream(endpoint: string, table: string): Promise<_Record[]> {
  const streams = new DynamoDBStreamsClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const { Streams = [] } = await streams.send(new ListStreamsCommand({ TableName: table }));
  const StreamArn = Streams[0]?.StreamArn;
  const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn }));
  const records: _Record[] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    for (let empty = 0; ShardIterator && empty < 2;) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator }));
      records.push(...(page.Records ?? []));
      empty = page.Records?.length ? 0 : empty + 1;
      ShardIterator = page.NextShardIterator;
    }
  }
  streams.destroy();
  return records;
}

/** The Lambda event source's shape: binary attributes as base64, creation time in epoch seconds. */
function toLambdaRecord(r: _Record): DynamoDBRecord {
  const d = r.dynamodb;
  const json = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x)));
  return {
    eventID: r.eventID, eventName: r.eventName, eventSource: 'aws:dynamodb', awsRegion: 'us-east-1',
    dynamodb: {
      Keys: json(d?.Keys), NewImage: d?.NewImage ? json(d.NewImage) : undefined, SequenceNumber: d?.SequenceNumber, SizeBytes: d?.SizeBytes,
      StreamViewType: 'NEW_IMAGE', ApproximateCreationDateTime: d?.ApproximateCreationDateTime ? d.ApproximateCreationDateTime.getTime() / 1000 : undefined,
    },
  };
}

const deps = (over: Partial<LedgerStreamDeps> = {}): LedgerStreamDeps => ({
  firehose: new FirehoseClient({ region: 'us-east-1' }), deliveryStreamName: 'siem',
  logger: { info: () => {}, warn: () => {}, error: (m) => { errors.push(m); } },
  metrics: { count: (name, value = 1) => { counts.set(name, (counts.get(name) ?? 0) + value); } },
  delivery: { sleep: async () => {}, maxAttempts: 3 },
  ...over,
});

const sentLines = (): z.infer<typeof SiemLine>[] => firehose.commandCalls(PutRecordBatchCommand).flatMap((c) =>
  (c.args[0].input.Records ?? []).map((r) => SiemLine.parse(JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')))));

beforeAll(async () => {
  const endpoint = dynamoDbLocalEndpoint();
  client = localDynamoDbClient(endpoint);
  const table = uniqueTableName('stream');
  await createLedgerTable(client, table, { stream: true });
  const store = new DynamoDbEventStore({ client, tableName: table });
  await new DynamoDbTenantRegistry({ client, tableName: table }).put({
    tenantId: 'acme', capabilities: [], budgetUsdLimit: 1, enabled: true, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
  });
  await store.createRun({ runId: 'r1', tenantId: 'acme', createdAt: '2026-01-01T00:00:00.000Z' });
  const r1: LedgerRecord = await nextRecord('acme', 'r1', undefined, { eventType: 'run_started', payload: { input: { topic: 'x' } } });
  const r2 = await nextRecord('acme', 'r1', r1, { eventType: 'model_terminal', payload: { secret: 'prompt' }, meter: { model: 'm1', costUsd: 0.5, promptTokens: 3, completionTokens: 4 } });
  const r3 = await nextRecord('acme', 'r1', r2, { eventType: 'run_summary' });
  await store.append('acme', 'r1', [r1, r2, r3]);
  await store.commitHead('acme', 'r1', { lastSeq: 3, lastHash: r3.hash, status: 'completed', updatedAt: r3.timestamp, spendUsd: 0.5 });
  await client.send(new UpdateItemCommand({
    TableName: table, Key: { runId: { S: 'r1' }, seq: { N: '2' } }, UpdateExpression: 'SET costUsd = :c', ExpressionAttributeValues: { ':c': { N: '0.01' } },
  }));
  event = { Records: (await readStream(endpoint, table)).map(toLambdaRecord) };
}, 60_000);

afterAll(() => { client.destroy(); });

beforeEach(() => {
  firehose.reset();
  counts.clear();
  errors.length = 0;
});

describe('ledger stream handler', () => {
  describe('when the stream carries events, heads, tenant items and a tampered event', () => {
    it('forwards one verified SIEM record per event and skips heads and tenant items', async () => {
      firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [] });
      const res = await createLedgerStreamHandler(deps())(event);
      expect(res.batchItemFailures).toEqual([]);
      const lines = sentLines();
      expect(lines.filter((l) => l.change === 'INSERT').map((l) => [l.seq, l.eventType, l.verified])).toEqual([
        [1, 'run_started', true], [2, 'model_terminal', true], [3, 'run_summary', true],
      ]);
      expect(lines.every((l) => l.runId === 'r1' && l.seq >= 1)).toBe(true);
      expect(lines.find((l) => l.seq === 2 && l.change === 'INSERT')?.metering).toMatchObject({ model: 'm1', costUsd: 0.5 });
      expect(JSON.stringify(lines)).not.toContain('prompt');
    });

    it('flags the modified event as unverified, counts the metric and logs an error', async () => {
      firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [] });
      await createLedgerStreamHandler(deps())(event);
      const modified = sentLines().filter((l) => l.change === 'MODIFY');
      expect(modified).toHaveLength(1);
      expect(modified[0]).toMatchObject({ seq: 2, verified: false, verificationError: 'hash mismatch: the event was modified' });
      expect(counts.get('LedgerVerificationFailed')).toBe(1);
      expect(errors).toContain('ledger verification failed');
    });
  });

  describe('when Firehose rejects some records once', () => {
    it('retries only the rejected records and reports no failure', async () => {
      firehose.on(PutRecordBatchCommand)
        .resolvesOnce({ FailedPutCount: 1, RequestResponses: [{ RecordId: 'a' }, { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'slow down' }, { RecordId: 'c' }, { RecordId: 'd' }] })
        .resolves({ FailedPutCount: 0, RequestResponses: [{ RecordId: 'b' }] });
      const res = await createLedgerStreamHandler(deps())(event);
      expect(res.batchItemFailures).toEqual([]);
      const calls = firehose.commandCalls(PutRecordBatchCommand);
      expect(calls).toHaveLength(2);
      expect(calls[1]?.args[0].input.Records).toHaveLength(1);
      expect(calls[1]?.args[0].input.Records?.[0]?.Data).toEqual(calls[0]?.args[0].input.Records?.[1]?.Data);
    });
  });

  describe('when Firehose keeps failing', () => {
    it('reports every undelivered record by its stream sequence number after bounded attempts', async () => {
      firehose.on(PutRecordBatchCommand).rejects(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailableException' }));
      const res = await createLedgerStreamHandler(deps())(event);
      const eventSeqNumbers = event.Records.filter((r) => r.dynamodb?.Keys?.['runId']?.S === 'r1' && r.dynamodb.Keys['seq']?.N !== '0').map((r) => r.dynamodb?.SequenceNumber);
      expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(eventSeqNumbers);
      expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
      expect(counts.get('LedgerDeliveryFailures')).toBe(4);
    });
  });

  describe('when decryption is configured', () => {
    it('adds the decrypted payload to verified records only', async () => {
      firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [] });
      await createLedgerStreamHandler(deps({ decrypt: decryptWith(new PlaintextCipher()) }))(event);
      const lines = sentLines();
      expect(lines.find((l) => l.seq === 1)?.decrypted).toEqual({ input: { topic: 'x' } });
      expect(lines.find((l) => l.change === 'MODIFY')?.decrypted).toBeUndefined();
    });
  });
});
