import path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IDestination } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import { ArtanaKeys } from './artana-keys.js';
import { LedgerTable } from './ledger-table.js';
import { StepQueues } from './step-queues.js';
import { StepWorkerFunction } from './step-worker-function.js';
import { LedgerStream } from './ledger-stream.js';
import { CostAnalytics } from './cost-analytics.js';
import { Observability } from './observability.js';
import { REPO_ROOT } from './function-defaults.js';
import { secureBucket } from './secure-bucket.js';
import type { ModelSetting } from './model-setting.js';

export interface ArtanaProps {
  /** The step-worker entry: a module exporting `handler` that wires your harness. Default: `functions/step-worker.ts`. */
  readonly harnessEntry?: string;
  /** The ledger-stream entry. Default: `functions/ledger-stream.ts`. */
  readonly ledgerStreamEntry?: string;
  /** Directory holding `package-lock.json` for bundling. Default: this repository. */
  readonly projectRoot?: string;
  /** Worker memory in MB. Default 1024. */
  readonly memorySize?: number;
  /** Worker timeout, one harness step; the queue's visibility timeout is 6×. Default 2 minutes. */
  readonly timeout?: Duration;
  /** Reserved concurrency of the worker (caps spend and protects the account). Default: none. */
  readonly reservedConcurrency?: number;
  /** Maximum concurrent invocations the SQS event source starts (≥ 2). Default: none. */
  readonly maxConcurrency?: number;
  /**
   * SQS batch size (FIFO: ≤ 10). Default 1: one harness session per invocation, so a slow model call never delays
   * other runs (Lambda scales out with the number of active message groups, i.e. runs). Raise it only for short
   * steps: records of a batch run one after another within the worker timeout.
   */
  readonly batchSize?: number;
  /** `ARTANA_MODEL`. Default `mock`. A Bedrock setting also grants `bedrock:InvokeModel` on that model. */
  readonly model?: ModelSetting;
  /** API key for a non-AWS model provider; the worker may read it. */
  readonly modelApiKeySecret?: ISecret;
  /** Subscribe this address to the alarm topic. */
  readonly alarmEmail?: string;
  /** For keys, table, queues, buckets and logs. Default RETAIN. */
  readonly removalPolicy?: RemovalPolicy;
  /** DynamoDB deletion protection on the ledger table. Default true. */
  readonly deletionProtection?: boolean;
  /** Let the ledger-stream function decrypt payloads (tenant-bound). Default false: the SIEM gets ciphertext. */
  readonly streamCanDecrypt?: boolean;
  /** Firehose destination (Splunk, Datadog, HTTP endpoint…). Default: an S3 bucket in this stack. */
  readonly siemDestination?: IDestination;
  /**
   * Powertools service name, also the `service` dimension of the kernel-metric alarms. Default `step-worker`,
   * the name `lib/runtime/lambda-worker.ts` gives its EMF metrics.
   */
  readonly serviceName?: string;
  /** Receives before a step message moves to the DLQ. Default 5. */
  readonly maxReceiveCount?: number;
  /**
   * Seal each completed run: an asymmetric KMS key (`ECC_NIST_P256`) signs its head hash (`ledger_sealed`), so even
   * someone able to rewrite the table cannot forge a sealed ledger. Default true.
   */
  readonly sealLedgers?: boolean;
  /** Glue database for the export table (lower case, digits, `_`). Default `artana_ledger`. */
  readonly glueDatabaseName?: string;
}

const MAX_LAMBDA_TIMEOUT_S = 900;

/**
 * Everything one Artana deployment needs: keys, ledger table, FIFO step queue, step worker, ledger stream to
 * Firehose, cost analytics over exports, alarms and a dashboard.
 * @example new Artana(this, 'Artana', { harnessEntry: 'src/my-worker.ts', model: 'bedrock:us.amazon.nova-lite-v1:0' });
 */
export class Artana extends Construct {
  readonly table: Table;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: NodejsFunction;
  readonly streamFunction: NodejsFunction;
  readonly payloadBucket: Bucket;
  readonly keys: ArtanaKeys;
  readonly observability: Observability;
  readonly analytics: CostAnalytics;
  readonly ledgerStream: LedgerStream;

  constructor(scope: Construct, id: string, props: ArtanaProps = {}) {
    super(scope, id);
    // Server access logs are delivered under a bucket policy, not the legacy LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const timeout = props.timeout ?? Duration.minutes(2);
    const batchSize = props.batchSize ?? 1;
    if (timeout.toSeconds() > MAX_LAMBDA_TIMEOUT_S) throw new Error('Artana: timeout must be at most 15 minutes');
    if (batchSize < 1 || batchSize > 10) throw new Error('Artana: FIFO event sources take a batchSize of 1..10');
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const serviceName = props.serviceName ?? 'step-worker';
    const maxReceiveCount = props.maxReceiveCount ?? 5;

    this.keys = new ArtanaKeys(this, 'Keys', { removalPolicy, sealLedgers: props.sealLedgers ?? true });
    const infrastructureKey = this.keys.infrastructureKey;
    const accessLogs = secureBucket(this, 'AccessLogs', { removalPolicy, expireAfter: Duration.days(365) });
    Validations.of(accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This is the server access log bucket of the other Artana buckets; logging it to itself would loop.' });
    this.payloadBucket = secureBucket(this, 'PayloadBucket', { removalPolicy, accessLogs });
    this.table = new LedgerTable(this, 'Ledger', { encryptionKey: infrastructureKey, removalPolicy, deletionProtection: props.deletionProtection ?? true }).table;
    const queues = new StepQueues(this, 'Steps', { encryptionKey: infrastructureKey, workerTimeout: timeout, maxReceiveCount, removalPolicy });
    this.queue = queues.queue;
    this.deadLetterQueue = queues.deadLetterQueue;

    this.worker = new StepWorkerFunction(this, 'StepWorker', {
      entry: props.harnessEntry ?? path.join(projectRoot, 'functions', 'step-worker.ts'),
      projectRoot, timeout, batchSize, serviceName, removalPolicy, maxReceiveCount,
      memorySize: props.memorySize ?? 1024,
      reservedConcurrency: props.reservedConcurrency,
      maxConcurrency: props.maxConcurrency,
      model: props.model ?? 'mock',
      modelApiKeySecret: props.modelApiKeySecret,
      table: this.table, queue: this.queue, infrastructureKey, payloadKey: this.keys.payloadKey, payloadBucket: this.payloadBucket,
      ...(this.keys.sealKey ? { sealKey: this.keys.sealKey } : {}),
    }).fn;
    this.ledgerStream = new LedgerStream(this, 'LedgerStream', {
      entry: props.ledgerStreamEntry ?? path.join(projectRoot, 'functions', 'ledger-stream.ts'),
      projectRoot, serviceName, removalPolicy, accessLogs,
      table: this.table, infrastructureKey, payloadKey: this.keys.payloadKey,
      streamCanDecrypt: props.streamCanDecrypt ?? false,
      destination: props.siemDestination,
    });
    this.streamFunction = this.ledgerStream.fn;
    this.analytics = new CostAnalytics(this, 'Analytics', {
      accessLogs, resultsKey: infrastructureKey, removalPolicy, databaseName: props.glueDatabaseName ?? 'artana_ledger',
    });
    this.observability = new Observability(this, 'Observability', {
      serviceName, worker: this.worker, streamFunction: this.streamFunction,
      deadLetterQueue: this.deadLetterQueue, streamFailureQueue: this.ledgerStream.failureQueue,
      topicKey: infrastructureKey, alarmEmail: props.alarmEmail,
    });
    this.outputs();
  }

  /**
   * Lets a producer (an API, a scheduler, a CI job) send `start_run` messages: `sqs:SendMessage` on the step
   * queue and the queue's KMS data-key use through SQS only. It grants nothing on the table or payloads.
   */
  grantStartRuns(grantee: IGrantable): void {
    this.queue.grant(grantee, 'sqs:SendMessage', 'sqs:GetQueueUrl');
    Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [this.keys.infrastructureKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `sqs.${Stack.of(this).region}.amazonaws.com` } },
    });
  }

  /**
   * Lets an auditor verify sealed runs (`artana run verify-ledger --seal-key-id`): `kms:GetPublicKey` on the seal key
   * only (verification runs locally). Combine with read access to the table.
   */
  grantVerifySeals(grantee: IGrantable): void {
    if (!this.keys.sealKey) return;
    Grant.addToPrincipal({ grantee, actions: ['kms:GetPublicKey', 'kms:DescribeKey'], resourceArns: [this.keys.sealKey.keyArn] });
  }

  private outputs(): void {
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'ARTANA_TABLE_NAME / artana --table' });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, description: 'Send start_run messages here' });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ExportBucketName', { value: this.analytics.exportBucket.bucketName, description: 'DynamoDB export target (prefix exports/)' });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.analytics.workGroup.ref });
    if (this.keys.sealKey) {
      new CfnOutput(this, 'LedgerSealKeyArn', { value: this.keys.sealKey.keyArn, description: 'ARTANA_SEAL_KEY_ID / artana run verify-ledger --seal-key-id' });
    }
  }
}
