import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { S3Bucket } from 'aws-cdk-lib/aws-kinesisfirehose';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Stack } from 'aws-cdk-lib';
import { actionsOf, allStatements, arnOf, resourcesOf, roleOf, roleStatements, synthArtana, type Statement } from './synth-artana.js';

const grants = (statements: Statement[], action: string, resource: unknown): Statement[] =>
  statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action) && resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(resource)));

describe('Artana IAM', () => {
  describe('when synthesized with defaults', () => {
    const { stack, template } = synthArtana();
    const { artana } = stack;
    const worker = roleStatements(template, roleOf(artana.worker));
    const streamFn = roleStatements(template, roleOf(artana.streamFunction));
    const payloadKey = arnOf(stack, artana.keys.payloadKey);
    const infraKey = arnOf(stack, artana.keys.infrastructureKey);

    it('grants no service-wide wildcard actions anywhere', () => {
      const wildcards = allStatements(template).flatMap(actionsOf).filter((a) => a === '*' || /^[a-z0-9-]+:\*$/.test(a));
      expect(wildcards).toEqual([]);
    });

    it('grants dynamodb and kms actions on "*" only for dynamodb:ListStreams', () => {
      const starred = allStatements(template).filter((s) => resourcesOf(s).includes('*'))
        .flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:') || a.startsWith('kms:'));
      expect(starred).toEqual(['dynamodb:ListStreams']);
    });

    it('limits the worker to data-plane actions on its table and index, without Scan or deletes', () => {
      const tableActions = worker.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'));
      expect(new Set(tableActions)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem']));
      const statement = worker.find((s) => actionsOf(s).includes('dynamodb:PutItem'));
      expect(resourcesOf(statement!)).toEqual([
        arnOf(stack, artana.table),
        { 'Fn::Join': ['', [arnOf(stack, artana.table), '/index/runsByTenant']] },
      ]);
    });

    it('lets the worker send only to its own queue', () => {
      const sends = worker.filter((s) => actionsOf(s).includes('sqs:SendMessage'));
      expect(sends.flatMap(resourcesOf)).toEqual([arnOf(stack, artana.queue)]);
    });

    it('binds the worker payload key use to a tenant encryption context', () => {
      const onPayloadKey = worker.filter((s) => resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(payloadKey)));
      expect(onPayloadKey).toHaveLength(1);
      expect(onPayloadKey[0]).toMatchObject({ Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Condition: { Null: { 'kms:EncryptionContext:tenantId': 'false' } } });
    });

    it('restricts the worker use of the infrastructure key beyond Decrypt-on-receive to DynamoDB and SQS', () => {
      const encrypting = grants(worker, 'kms:GenerateDataKey', infraKey);
      expect(encrypting).toHaveLength(1);
      expect(encrypting[0]?.Condition?.StringEquals?.['kms:ViaService']).toHaveLength(2);
    });

    it('does not let the worker call Bedrock when the model is the mock', () => {
      expect(worker.flatMap(actionsOf).filter((a) => a.startsWith('bedrock:'))).toEqual([]);
    });

    it('gives the stream function no access to the payload key', () => {
      expect(streamFn.filter((s) => resourcesOf(s).some((r) => JSON.stringify(r) === JSON.stringify(payloadKey)))).toEqual([]);
      expect(grants(streamFn, 'kms:Decrypt', infraKey).length).toBeGreaterThan(0);
    });

    it('lets the stream function read only its table stream and put only to its delivery stream', () => {
      const records = streamFn.filter((s) => actionsOf(s).includes('dynamodb:GetRecords'));
      expect(records.flatMap(resourcesOf)).toEqual([stack.resolve(artana.table.tableStreamArn)]);
      const puts = streamFn.filter((s) => actionsOf(s).includes('firehose:PutRecordBatch'));
      expect(puts.flatMap(resourcesOf)).toEqual([arnOf(stack, artana.ledgerStream.deliveryStream)]);
      expect(streamFn.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:') && !['dynamodb:ListStreams', 'dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'].includes(a))).toEqual([]);
    });

    it('attaches no managed policies to the function roles', () => {
      template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    });
  });

  describe('when streamCanDecrypt is set', () => {
    const { stack, template } = synthArtana({ streamCanDecrypt: true });
    const streamFn = roleStatements(template, roleOf(stack.artana.streamFunction));

    it('grants the stream function tenant-bound kms:Decrypt on the payload key, nothing more', () => {
      const onPayloadKey = grants(streamFn, 'kms:Decrypt', arnOf(stack, stack.artana.keys.payloadKey));
      expect(onPayloadKey).toHaveLength(1);
      expect(onPayloadKey[0]).toMatchObject({ Action: 'kms:Decrypt', Condition: { Null: { 'kms:EncryptionContext:tenantId': 'false' } } });
    });

    it('lets the stream function read the wrapped data keys from its table, and only GetItem', () => {
      const onTable = grants(streamFn, 'dynamodb:GetItem', arnOf(stack, stack.artana.table));
      expect(onTable).toHaveLength(1);
      expect(actionsOf(onTable[0]!)).toEqual(['dynamodb:GetItem']);
    });
  });

  describe('when the model is on Bedrock', () => {
    it('grants InvokeModel on exactly that foundation model', () => {
      const { stack, template } = synthArtana({ model: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' });
      const bedrock = roleStatements(template, roleOf(stack.artana.worker)).filter((s) => actionsOf(s).some((a) => a.startsWith('bedrock:')));
      expect(bedrock).toHaveLength(1);
      expect(bedrock[0]).toMatchObject({ Action: 'bedrock:InvokeModel' });
      expect(JSON.stringify(bedrock[0]?.Resource)).toContain(':bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0');
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ARTANA_MODEL: 'bedrock:anthropic.claude-3-5-haiku-20241022-v1:0' }) } });
    });

    it('grants an inference profile and its model in the regions it routes to', () => {
      const { stack, template } = synthArtana({ model: 'bedrock:eu.amazon.nova-lite-v1:0' });
      const bedrock = roleStatements(template, roleOf(stack.artana.worker)).filter((s) => actionsOf(s).includes('bedrock:InvokeModel'));
      const resources = JSON.stringify(bedrock.flatMap(resourcesOf));
      expect(resources).toContain(':inference-profile/eu.amazon.nova-lite-v1:0');
      expect(resources).toContain(':bedrock:*::foundation-model/amazon.nova-lite-v1:0');
    });
  });

  describe('when a SIEM destination replaces the default bucket', () => {
    it('creates no audit bucket and delivers to the given destination', () => {
      const external = new Stack();
      const destination = new S3Bucket(Bucket.fromBucketName(external, 'Siem', 'siem-ingest'));
      const { template } = synthArtana({ siemDestination: destination });
      template.resourceCountIs('AWS::S3::Bucket', 3);
      const streams = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'));
      expect(streams).toHaveLength(1);
      expect(JSON.stringify(streams[0])).toContain(':::siem-ingest');
    });
  });

  describe('when a producer is granted start runs', () => {
    it('gets send on the step queue and SQS-only data keys, nothing on the table or payload key', () => {
      let producer: Role | undefined;
      const { stack, template } = synthArtana({}, (s) => {
        producer = new Role(s, 'Producer', { assumedBy: new AccountRootPrincipal() });
        s.artana.grantStartRuns(producer);
      });
      if (!producer) throw new Error('configure did not run');
      const statements = roleStatements(template, producer);
      expect(statements.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
      const kms = statements.find((s) => actionsOf(s).includes('kms:GenerateDataKey'));
      expect(kms?.Resource).toEqual(arnOf(stack, stack.artana.keys.infrastructureKey));
      expect(kms?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'sqs.eu-west-1.amazonaws.com' } });
    });
  });
});
