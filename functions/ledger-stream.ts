/**
 * Ledger stream Lambda (DynamoDB Streams, NEW_IMAGE): every ledger event → a SIEM record (schema v1, docs/operations.md)
 * → Kinesis Data Firehose. Hashes are re-verified; payloads stay ciphertext unless ARTANA_KMS_KEY_ID is set.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KMSClient } from '@aws-sdk/client-kms';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { DynamoDbWrappedKeyStore, KmsPayloadCipher } from '../lib/crypto/index.js';
import { createLedgerStreamHandler, decryptWith } from '../lib/runtime/ledger-stream.js';

const env = z.object({
  ARTANA_DELIVERY_STREAM_NAME: z.string().check(z.minLength(1)),
  ARTANA_TABLE_NAME: z.string().check(z.minLength(3)),
  ARTANA_KMS_KEY_ID: z.optional(z.string().check(z.minLength(1))),
}).parse(process.env);

// The CDK construct sets POWERTOOLS_SERVICE_NAME (`<service>-ledger-stream`); its alarms use the same dimension.
const serviceName = process.env['POWERTOOLS_SERVICE_NAME'] ?? 'ledger-stream';
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: 'Artana', serviceName });
const cipher = env.ARTANA_KMS_KEY_ID
  ? new KmsPayloadCipher({
    client: new KMSClient({}), keyId: env.ARTANA_KMS_KEY_ID,
    keyStore: new DynamoDbWrappedKeyStore({ client: new DynamoDBClient({}), tableName: env.ARTANA_TABLE_NAME }),
  })
  : undefined;

const handle = createLedgerStreamHandler({
  firehose: new FirehoseClient({}),
  deliveryStreamName: env.ARTANA_DELIVERY_STREAM_NAME,
  logger: {
    info: (message, extra = {}) => logger.info(message, extra),
    warn: (message, extra = {}) => logger.warn(message, extra),
    error: (message, extra = {}) => logger.error(message, extra),
  },
  metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) },
  ...(cipher ? { decrypt: decryptWith(cipher) } : {}),
});

export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  logger.addContext(context);
  try {
    return await handle(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};
