import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DeliveryStream, S3Bucket, StreamEncryption, type IDestination } from 'aws-cdk-lib/aws-kinesisfirehose';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { functionBase } from './function-defaults.js';
import { nagLogicalId } from './nag-ids.js';
import { secureBucket } from './secure-bucket.js';
import { LeastPrivilegeSqsDlq } from './least-privilege-sqs-dlq.js';

export interface LedgerStreamProps {
  readonly entry: string;
  readonly projectRoot: string;
  readonly table: ITable;
  readonly infrastructureKey: IKey;
  readonly payloadKey: IKey;
  readonly accessLogs: IBucket;
  /** Grant `kms:Decrypt` on the payload key (tenant-bound) to the stream function. Default false. */
  readonly streamCanDecrypt: boolean;
  /** Where Firehose delivers; default: an S3 bucket in this stack. */
  readonly destination?: IDestination;
  readonly serviceName: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * DynamoDB stream → ledger-stream function → Kinesis Data Firehose → S3 (default) or a SIEM.
 * The function reads the stream (which needs decrypt on the *infrastructure* key) but never the payload key
 * unless `streamCanDecrypt` is set, so the SIEM receives metadata, hashes and ciphertext only.
 */
export class LedgerStream extends Construct {
  readonly fn: NodejsFunction;
  readonly deliveryStream: DeliveryStream;
  readonly failureQueue: Queue;
  readonly auditBucket?: IBucket;

  constructor(scope: Construct, id: string, props: LedgerStreamProps) {
    super(scope, id);
    let destination = props.destination;
    if (!destination) {
      const bucket = secureBucket(this, 'AuditBucket', { removalPolicy: props.removalPolicy, accessLogs: props.accessLogs });
      this.auditBucket = bucket;
      destination = new S3Bucket(bucket, { dataOutputPrefix: 'ledger/', errorOutputPrefix: 'errors/', bufferingInterval: Duration.seconds(60) });
    }
    this.deliveryStream = new DeliveryStream(this, 'DeliveryStream', {
      destination,
      encryption: StreamEncryption.customerManagedKey(props.infrastructureKey),
    });
    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: props.infrastructureKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the ledger stream mapping (stream batch metadata for replay from the table); it has no dead-letter queue of its own.',
    });
    this.fn = new NodejsFunction(this, 'Function', {
      ...functionBase(this, 'Stream', { entry: props.entry, projectRoot: props.projectRoot, memorySize: 512, timeout: Duration.seconds(60), logKey: props.infrastructureKey, removalPolicy: props.removalPolicy }),
      description: 'Artana ledger stream: DynamoDB stream records to Kinesis Data Firehose',
      environment: {
        ARTANA_DELIVERY_STREAM_NAME: this.deliveryStream.deliveryStreamName,
        ARTANA_TABLE_NAME: props.table.tableName,
        ...(props.streamCanDecrypt ? { ARTANA_KMS_KEY_ID: props.payloadKey.keyArn } : {}),
        POWERTOOLS_SERVICE_NAME: `${props.serviceName}-ledger-stream`,
        POWERTOOLS_METRICS_NAMESPACE: 'Artana',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.fn.addEventSource(new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(5),
      bisectBatchOnError: true,
      retryAttempts: 5,
      maxRecordAge: Duration.hours(12),
      reportBatchItemFailures: true,
      onFailure: new LeastPrivilegeSqsDlq(this.failureQueue),
    }));
    this.deliveryStream.grantPutRecords(this.fn);
    Validations.of(this.fn.role ?? this.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams (added by the DynamoDB event source) has no resource-level permissions; every other stream action is scoped to this table\'s stream ARN.',
    });
    this.acknowledgeFirehoseRoles();
    if (props.streamCanDecrypt) {
      this.fn.addToRolePolicy(new PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.payloadKey.keyArn],
        conditions: { Null: { 'kms:EncryptionContext:tenantId': 'false' } },
      }));
      // Decrypting needs the wrapped data keys, stored in the ledger table (`datakey#<ref>` items).
      this.fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [props.table.tableArn] }));
    }
  }

  /** The delivery stream's roles are generated by the L2 construct, scoped to this stream's bucket and key. */
  private acknowledgeFirehoseRoles(): void {
    const ack = (id: string, reason: string): void => { Validations.of(this.deliveryStream).acknowledge({ id, reason }); };
    const generated = 'Generated by the Firehose L2 construct and scoped to this stream\'s own';
    ack('AwsSolutions-IAM5[Action::kms:ReEncrypt*]', `${generated} encryption key (server-side encryption of the delivery stream and its S3 objects).`);
    ack('AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', `${generated} encryption key (server-side encryption of the delivery stream and its S3 objects).`);
    if (!this.auditBucket) return;
    const bucketId = nagLogicalId(this.auditBucket);
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      ack(`AwsSolutions-IAM5[Action::${action}]`, `${generated} audit bucket: Firehose needs these to write, list and clean up multipart uploads of ledger batches.`);
    }
    ack(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`, `${generated} audit bucket: Firehose writes one object per buffered batch under generated keys.`);
  }
}
