import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalQueues, startLocalServers } from '../../../lib/runtime/local/servers.js';
import type { LocalServers } from '../../../lib/runtime/local/servers.js';
import { sqsClientFor } from '../../queue/fauxqs-fixture.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const dynamoFor = (servers: LocalServers) => new DynamoDBClient({ endpoint: servers.dynamoEndpoint, region: servers.region, credentials });
const createTable = (client: DynamoDBClient, name: string) =>
  client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
const tableNames = async (servers: LocalServers) => {
  const client = dynamoFor(servers);
  try {
    return (await client.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    client.destroy();
  }
};

describe('startLocalServers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artana-servers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('when a data directory is given', () => {
    it('keeps DynamoDB tables across restarts', async () => {
      const first = await startLocalServers({ dataDir: dir, region: 'us-east-1' });
      const client = dynamoFor(first);
      await createTable(client, 'persisted');
      client.destroy();
      await first.close();

      const second = await startLocalServers({ dataDir: dir, region: 'us-east-1' });
      const names = await tableNames(second);
      await second.close();

      expect(first.dynamoPersistent).toBe(true);
      expect(names).toContain('persisted');
    });
  });

  describe('when the data directory cannot be used', () => {
    it('falls back to memory and warns', async () => {
      const file = join(dir, 'not-a-dir');
      await writeFile(file, 'x');
      const warnings: string[] = [];

      const servers = await startLocalServers({ dataDir: file, region: 'us-east-1', onWarning: (m) => warnings.push(m) });
      const names = await tableNames(servers);
      await servers.close();

      expect(servers.dynamoPersistent).toBe(false);
      expect(names).toEqual([]);
      expect(warnings.join('\n')).toMatch(/in-memory/);
    });
  });

  describe('when no data directory is given', () => {
    it('serves DynamoDB in memory and SQS on its endpoint', async () => {
      const servers = await startLocalServers({ region: 'us-east-1' });
      const sqs = sqsClientFor(servers.sqsEndpoint);
      const queues = await createLocalQueues(sqs, { name: 'steps' });
      sqs.destroy();
      const names = await tableNames(servers);
      await servers.close();
      await servers.close();

      expect(servers.dynamoPersistent).toBe(false);
      expect(names).toEqual([]);
      expect(queues.queueUrl).toMatch(/steps\.fifo$/);
    });
  });
});

describe('createLocalQueues', () => {
  let servers: LocalServers;
  beforeAll(async () => {
    servers = await startLocalServers({ region: 'us-east-1' });
  });
  afterAll(async () => {
    await servers.close();
  });

  describe('when called twice with different settings', () => {
    it('returns the same queues and applies the new redrive policy and visibility timeout', async () => {
      const sqs = sqsClientFor(servers.sqsEndpoint);
      const first = await createLocalQueues(sqs, { name: 'idem', maxReceiveCount: 3, visibilityTimeoutSec: 30 });

      const second = await createLocalQueues(sqs, { name: 'idem', maxReceiveCount: 5, visibilityTimeoutSec: 2 });
      const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: second.queueUrl, AttributeNames: ['All'] }));
      sqs.destroy();

      expect(second).toEqual(first);
      expect(first.dlqUrl).toMatch(/idem-dlq\.fifo$/);
      expect(Attributes['FifoQueue']).toBe('true');
      expect(Attributes['VisibilityTimeout']).toBe('2');
      const redrive: unknown = JSON.parse(Attributes['RedrivePolicy'] ?? '{}');
      expect(redrive).toMatchObject({ deadLetterTargetArn: first.dlqArn });
      expect(Number(Reflect.get(Object(redrive), 'maxReceiveCount'))).toBe(5);
    });
  });
});
