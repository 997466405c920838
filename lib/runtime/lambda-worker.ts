import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { DynamoDbWrappedKeyStore, KmsPayloadCipher } from '../crypto/index.js';
import { KmsLedgerSigner } from '../crypto/ledger-signer-kms.js';
import type { HarnessDefinition } from '../harness/harness.js';
import type { ModelPort } from '../kernel/ports.js';
import { S3BlobStore } from '../store/s3-blob-store.js';
import { buildWorkerDeps } from './build-worker-deps.js';
import { createStepHandler } from './step-handler.js';
import type { WorkerMetrics } from './worker-deps.js';

/** The worker's configuration, set by the CDK construct. */
export const WorkerEnv = z.object({
  ARTANA_TABLE_NAME: z.string().check(z.minLength(3)),
  ARTANA_QUEUE_URL: z.string().check(z.minLength(1)),
  ARTANA_KMS_KEY_ID: z.string().check(z.minLength(1)),
  ARTANA_PAYLOAD_BUCKET: z.optional(z.string()),
  /** Asymmetric KMS key that seals completed runs (`ledger_sealed`); unset: runs are not sealed. */
  ARTANA_SEAL_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  ARTANA_MODEL: z._default(z.string(), 'mock'),
  ARTANA_MAX_RECEIVE_COUNT: z._default(z.coerce.number(), 5),
  /** Dimension of the EMF metrics; the CDK alarms use the same value. */
  POWERTOOLS_SERVICE_NAME: z._default(z.string(), 'step-worker'),
});

export interface LambdaWorkerOptions {
  readonly harnesses: readonly HarnessDefinition[];
  /** Builds the model port for `ARTANA_MODEL` (lazily, on the first model call). */
  readonly modelPort: (spec: string) => Promise<ModelPort>;
  readonly env?: NodeJS.ProcessEnv;
}

const lazyModelPort = (build: () => Promise<ModelPort>): ModelPort => {
  let port: Promise<ModelPort> | undefined;
  return { complete: async (request) => (port ??= build()).then((p) => p.complete(request)) };
};

/**
 * Builds the Lambda handler once at module scope: AWS clients, KMS envelope encryption with the wrapped keys in the
 * ledger table, EMF metrics and structured logs. A deployment's entry file is a few lines:
 * @example export const handler = createLambdaWorker({ harnesses: [myHarness], modelPort: defaultModelPort });
 */
export function createLambdaWorker(options: LambdaWorkerOptions): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const env = WorkerEnv.parse(options.env ?? process.env);
  const logger = new Logger({ serviceName: env.POWERTOOLS_SERVICE_NAME });
  const metrics = new Metrics({ namespace: 'Artana', serviceName: env.POWERTOOLS_SERVICE_NAME });
  const emf: WorkerMetrics = {
    count: (name, value = 1, unit = 'Count') => metrics.addMetric(name, unit === 'Milliseconds' ? MetricUnit.Milliseconds : unit === 'None' ? MetricUnit.NoUnit : MetricUnit.Count, value),
  };
  const dynamo = new DynamoDBClient({});
  const kms = new KMSClient({});
  const cipher = new KmsPayloadCipher({
    client: kms, keyId: env.ARTANA_KMS_KEY_ID,
    keyStore: new DynamoDbWrappedKeyStore({ client: dynamo, tableName: env.ARTANA_TABLE_NAME }),
  });
  const blobs = env.ARTANA_PAYLOAD_BUCKET ? new S3BlobStore({ client: new S3Client({}), bucket: env.ARTANA_PAYLOAD_BUCKET }) : undefined;
  const deps = buildWorkerDeps({
    dynamo, tableName: env.ARTANA_TABLE_NAME, sqs: new SQSClient({}), queueUrl: env.ARTANA_QUEUE_URL, cipher,
    ...(blobs ? { blobs } : {}),
    ...(env.ARTANA_SEAL_KEY_ID ? { signer: new KmsLedgerSigner({ client: kms, keyId: env.ARTANA_SEAL_KEY_ID }) } : {}),
    modelPort: lazyModelPort(() => options.modelPort(env.ARTANA_MODEL)),
    harnesses: options.harnesses, workerId: `lambda-${globalThis.crypto.randomUUID()}`,
    logger: {
      info: (message, extra = {}) => logger.info(message, extra),
      warn: (message, extra = {}) => logger.warn(message, extra),
      error: (message, extra = {}) => logger.error(message, extra),
    },
    metrics: emf, maxReceiveCount: env.ARTANA_MAX_RECEIVE_COUNT,
  });
  const handle = createStepHandler(deps);
  return async (event, context) => {
    logger.addContext(context);
    try {
      return await handle(event, context);
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}
