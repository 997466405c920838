import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { LEDGER_TABLE } from '../lib/store/table-schema.js';
import { functionBase } from './function-defaults.js';
import { nagLogicalId } from './nag-ids.js';
import { bedrockInvokeStatement, parseModelSetting, type ModelSetting } from './model-setting.js';

export interface StepWorkerFunctionProps {
  readonly entry: string;
  readonly projectRoot: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrency?: number;
  readonly maxConcurrency?: number;
  readonly batchSize: number;
  /** The queue's `maxReceiveCount`: the worker treats the last receive as final (poison handling). */
  readonly maxReceiveCount: number;
  readonly model: ModelSetting;
  readonly modelApiKeySecret?: ISecret;
  readonly serviceName: string;
  readonly table: ITable;
  readonly queue: IQueue;
  readonly infrastructureKey: IKey;
  readonly payloadKey: IKey;
  /** Asymmetric key that seals completed runs: the worker gets `kms:Sign` (ECDSA_SHA_256 over a digest) only. */
  readonly sealKey?: IKey;
  readonly payloadBucket: IBucket;
  readonly removalPolicy: RemovalPolicy;
}

/** Data-plane actions only: no Scan, no DeleteItem, no table management. */
export const WORKER_TABLE_ACTIONS = [
  'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem',
  'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem',
] as const;

/** The step worker: one SQS FIFO record = one harness step. Reaches only its table, queue, keys and bucket. */
export class StepWorkerFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: StepWorkerFunctionProps) {
    super(scope, id);
    const model = parseModelSetting(props.model);
    this.fn = new NodejsFunction(this, 'Function', {
      ...functionBase(this, 'Worker', { ...props, logKey: props.infrastructureKey }),
      description: 'Artana step worker: one harness step per SQS record',
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        ARTANA_TABLE_NAME: props.table.tableName,
        ARTANA_QUEUE_URL: props.queue.queueUrl,
        ARTANA_KMS_KEY_ID: props.payloadKey.keyArn,
        ARTANA_PAYLOAD_BUCKET: props.payloadBucket.bucketName,
        ARTANA_MODEL: props.model,
        ARTANA_MAX_RECEIVE_COUNT: String(props.maxReceiveCount),
        ...(props.sealKey ? { ARTANA_SEAL_KEY_ID: props.sealKey.keyArn } : {}),
        ...(props.modelApiKeySecret ? { ARTANA_MODEL_API_KEY_SECRET_ARN: props.modelApiKeySecret.secretArn } : {}),
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'Artana',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.fn.addEventSource(new SqsEventSource(props.queue, {
      batchSize: props.batchSize,
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency,
    }));
    this.grant(props, model.provider === 'bedrock' ? model.id : undefined);
  }

  private grant(props: StepWorkerFunctionProps, bedrockModelId: string | undefined): void {
    const { region } = props.table.stack;
    const add = (statement: PolicyStatement): void => { this.fn.addToRolePolicy(statement); };
    add(new PolicyStatement({
      actions: [...WORKER_TABLE_ACTIONS],
      resources: [props.table.tableArn, `${props.table.tableArn}/index/${LEDGER_TABLE.runsByTenantIndex.indexName}`],
    }));
    add(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.queue.queueArn] }));
    // The table and the queue are encrypted with the infrastructure key; only through those two services.
    add(new PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [props.infrastructureKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': [`dynamodb.${region}.amazonaws.com`, `sqs.${region}.amazonaws.com`] } },
    }));
    // Payload data keys must be bound to a tenant: no context, no key.
    add(new PolicyStatement({
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [props.payloadKey.keyArn],
      conditions: { Null: { 'kms:EncryptionContext:tenantId': 'false' } },
    }));
    // Sealing: sign digests only, with the one algorithm the worker uses; no Verify, GetPublicKey or key management.
    if (props.sealKey) {
      add(new PolicyStatement({
        actions: ['kms:Sign'],
        resources: [props.sealKey.keyArn],
        conditions: { StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } },
      }));
    }
    add(new PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [props.payloadBucket.arnForObjects('*')] }));
    if (bedrockModelId) add(bedrockInvokeStatement(this, bedrockModelId));
    props.modelApiKeySecret?.grantRead(this.fn);
    Validations.of(this).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${nagLogicalId(props.payloadBucket)}.Arn>/*]`,
      reason: 'Large payloads are one object per event under generated keys in a bucket dedicated to Artana payloads; the worker gets only GetObject/PutObject there, and the objects are already envelope-encrypted with the payload key.',
    });
  }
}

