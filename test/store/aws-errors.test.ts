import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, InternalServerError, ProvisionedThroughputExceededException, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { translateAwsError } from '../../lib/store/aws-errors.js';
import { makeChain } from '../helpers/records.js';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const store = () => new DynamoDbEventStore({ client: doc, tableName: 'ledger' });
const head = { runId: 'r1', seq: 0, tenantId: 't1', status: 'active', createdAt: 'a', updatedAt: 'a', lastSeq: 0, spendUsd: 0 };

beforeEach(() => { ddb.reset(); });

describe('DynamoDbEventStore error translation', () => {
  describe('when DynamoDB throttles a read', () => {
    it('raises DependencyUnavailableError with the retry disposition', async () => {
      ddb.on(GetCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }));
      await expect(store().readRun('t1', 'r1')).rejects.toMatchObject({ name: 'DependencyUnavailableError', disposition: 'retry', details: { operation: 'GetItem' } });
    });
  });

  describe('when DynamoDB fails a write with a 500', () => {
    it('raises DependencyUnavailableError instead of a conflict', async () => {
      ddb.on(GetCommand).resolves({ Item: head });
      ddb.on(PutCommand).rejects(new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }));
      await expect(store().append('t1', 'r1', await makeChain('t1', 'r1', 1))).rejects.toMatchObject({ name: 'DependencyUnavailableError' });
    });
  });

  describe('when the table does not exist', () => {
    it('raises ConfigurationError', async () => {
      ddb.on(GetCommand).rejects(new ResourceNotFoundException({ message: 'no table', $metadata: {} }));
      await expect(store().getHead('t1', 'r1')).rejects.toMatchObject({ name: 'ConfigurationError', disposition: 'poison' });
    });
  });
});

describe('translateAwsError', () => {
  describe('when the error is a network failure', () => {
    it('maps it to DependencyUnavailableError', () => {
      const e = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      expect(translateAwsError(e, 'Query')).toMatchObject({ name: 'DependencyUnavailableError' });
    });
  });

  describe('when DynamoDB rejects an oversized item', () => {
    it('maps it to PayloadTooLargeError', () => {
      const e = Object.assign(new Error('Item size has exceeded the maximum allowed size'), { name: 'ValidationException' });
      expect(translateAwsError(e, 'PutItem')).toMatchObject({ name: 'PayloadTooLargeError' });
    });
  });

  describe('when the error is unknown', () => {
    it('passes it through unchanged', () => {
      const e = new TypeError('bug');
      expect(translateAwsError(e, 'Query')).toBe(e);
    });
  });
});
