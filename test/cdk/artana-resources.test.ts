import { describe, expect, it } from 'vitest';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { LEDGER_TABLE } from '../../lib/store/table-schema.js';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { ESM_REQUIRE_BANNER, bundlingOptions } from '../../cdk/function-defaults.js';
import { KERNEL_ALARM_METRICS } from '../../cdk/observability.js';
import { arnOf, synthArtana } from './synth-artana.js';

describe('Artana construct resources', () => {
  describe('when synthesized with defaults', () => {
    const { stack, template } = synthArtana();
    const { keys } = stack.artana;
    const infraKeyArn = arnOf(stack, keys.infrastructureKey);

    it('creates two rotating symmetric keys and one asymmetric seal key, all retained', () => {
      template.resourceCountIs('AWS::KMS::Key', 3);
      const symmetric = template.findResources('AWS::KMS::Key', { Properties: { EnableKeyRotation: true } });
      expect(Object.keys(symmetric)).toHaveLength(2);
      template.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    });

    it('builds the ledger table from LEDGER_TABLE with stream, PITR, on-demand and the infrastructure key', () => {
      const { partitionKey, sortKey, runsByTenantIndex: gsi } = LEDGER_TABLE;
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: {
          KeySchema: [{ AttributeName: partitionKey.name, KeyType: 'HASH' }, { AttributeName: sortKey.name, KeyType: 'RANGE' }],
          AttributeDefinitions: Match.arrayWith([{ AttributeName: sortKey.name, AttributeType: 'N' }]),
          BillingMode: 'PAY_PER_REQUEST',
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: infraKeyArn },
          GlobalSecondaryIndexes: [{
            IndexName: gsi.indexName,
            KeySchema: [{ AttributeName: gsi.partitionKey.name, KeyType: 'HASH' }, { AttributeName: gsi.sortKey.name, KeyType: 'RANGE' }],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...LEDGER_TABLE.runsByTenantIndex.nonKeyAttributes] },
          }],
        },
      });
    });

    it('creates a FIFO step queue with a FIFO DLQ, KMS, no content-based dedup and 6× the worker timeout', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        FifoQueue: true, ContentBasedDeduplication: false, KmsMasterKeyId: infraKeyArn,
        VisibilityTimeout: 6 * 120,
        RedrivePolicy: { deadLetterTargetArn: arnOf(stack, stack.artana.deadLetterQueue), maxReceiveCount: 5 },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, KmsMasterKeyId: infraKeyArn, RedrivePolicy: Match.absent() });
    });

    it('denies non-TLS access on every queue', () => {
      template.resourceCountIs('AWS::SQS::QueuePolicy', 3);
      template.allResourcesProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    });

    it('runs the step worker on Node.js 22 arm64 with the environment the handler reads', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 120, MemorySize: 1024, Handler: 'index.handler',
        Environment: { Variables: Match.objectLike({
          ARTANA_TABLE_NAME: { Ref: Match.stringLikeRegexp('LedgerTable') },
          ARTANA_QUEUE_URL: { Ref: Match.stringLikeRegexp('StepsQueue') },
          ARTANA_KMS_KEY_ID: arnOf(stack, keys.payloadKey),
          ARTANA_PAYLOAD_BUCKET: { Ref: Match.stringLikeRegexp('PayloadBucket') },
          ARTANA_MODEL: 'mock',
          ARTANA_MAX_RECEIVE_COUNT: '5',
          POWERTOOLS_SERVICE_NAME: 'step-worker',
          POWERTOOLS_METRICS_NAMESPACE: 'Artana',
        }) },
      });
    });

    it('feeds the worker from the queue in batches of 10 with partial batch failures', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arnOf(stack, stack.artana.queue), BatchSize: 1, FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('streams the ledger with bisect, bounded retries, an on-failure queue and partial failures', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('LedgerTable'), 'StreamArn'] },
        BisectBatchOnFunctionError: true, MaximumRetryAttempts: 5, FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: arnOf(stack, stack.artana.ledgerStream.failureQueue) } },
      });
    });

    it('delivers to an encrypted Firehose stream with an S3 destination by default', () => {
      template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'CUSTOMER_MANAGED_CMK', KeyARN: infraKeyArn },
        ExtendedS3DestinationConfiguration: Match.objectLike({ Prefix: 'ledger/' }),
      });
    });

    it('keeps every bucket encrypted, private, TLS-only and access-logged', () => {
      template.resourceCountIs('AWS::S3::Bucket', 4);
      template.allResourcesProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      });
      expect(Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { LoggingConfiguration: Match.anyValue() } }))).toHaveLength(3);
    });

    it('describes DynamoDB exports in Glue with the metering attributes in DynamoDB JSON', () => {
      template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'artana_ledger' } });
      template.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({
        Name: 'ledger_export',
        StorageDescriptor: Match.objectLike({
          SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe', Parameters: { 'ignore.malformed.json': 'true' } },
          Columns: [{ Name: 'item', Type: Match.stringLikeRegexp('tenantId:struct<S:string>.*costUsd:struct<N:string>.*promptTokens:struct<N:string>.*completionTokens:struct<N:string>') }],
        }),
      }) });
    });

    it('enforces an encrypted Athena result location and ships the cost-per-tenant-per-day query', () => {
      template.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: { OutputLocation: Match.anyValue(), EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: infraKeyArn } },
      }) });
      template.hasResourceProperties('AWS::Athena::NamedQuery', {
        Name: 'cost per tenant per day',
        QueryString: Match.stringLikeRegexp("item\\.eventType\\.S = 'model_terminal'[\\s\\S]*GROUP BY 1, 2"),
      });
    });

    it('alarms on DLQ depth, worker errors, iterator age and each kernel metric, into an encrypted topic', () => {
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: infraKeyArn });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Threshold: 600_000 });
      for (const metricName of KERNEL_ALARM_METRICS) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'Artana', MetricName: metricName, Dimensions: [{ Name: 'service', Value: 'step-worker' }],
          AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
        });
      }
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Artana', MetricName: 'LedgerVerificationFailed', Dimensions: [{ Name: 'service', Value: 'step-worker-ledger-stream' }],
      });
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });

    it('encrypts function log groups with the infrastructure key', () => {
      template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: infraKeyArn, RetentionInDays: 30 });
    });
  });

  describe('when configured', () => {
    const { template } = synthArtana({
      timeout: Duration.minutes(5), memorySize: 2048, reservedConcurrency: 50, maxConcurrency: 20, batchSize: 5,
      alarmEmail: 'ops@example.com', removalPolicy: RemovalPolicy.DESTROY, deletionProtection: false, serviceName: 'billing-agent', maxReceiveCount: 3,
    });

    it('passes timeout, memory and concurrency to the worker and its event source', () => {
      template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 300, MemorySize: 2048, ReservedConcurrentExecutions: 50 });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5, ScalingConfig: { MaximumConcurrency: 20 } });
      template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 1800, RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }) });
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ARTANA_MAX_RECEIVE_COUNT: '3' }) } });
    });

    it('honours removal policy, deletion protection, alarm e-mail and the service dimension', () => {
      template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtectionEnabled: false }) });
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'Artana', Dimensions: [{ Name: 'service', Value: 'billing-agent' }] });
    });
  });

  describe('when the settings are invalid', () => {
    it('rejects a timeout above the Lambda maximum', () => {
      expect(() => synthArtana({ timeout: Duration.minutes(16) })).toThrow(/at most 15 minutes/);
    });

    it('rejects a FIFO batch size above 10', () => {
      expect(() => synthArtana({ batchSize: 11 })).toThrow(/1\.\.10/);
    });
  });

  it('bundles minified ESM for node22 with source maps and the createRequire banner', () => {
    expect(bundlingOptions()).toMatchObject({
      minify: true, sourceMap: true, format: OutputFormat.ESM, target: 'node22', banner: ESM_REQUIRE_BANNER, externalModules: [],
    });
    expect(ESM_REQUIRE_BANNER).toBe("import{createRequire}from'module';const require=createRequire(import.meta.url);");
  });
});
