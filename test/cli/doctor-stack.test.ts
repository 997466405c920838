import { CloudFormationClient, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, DescribeAlarmsCommand, ListDashboardsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchChecks, discoverStack } from '../../lib/cli/doctor-stack.js';

const cfn = mockClient(CloudFormationClient);
const cw = mockClient(CloudWatchClient);

beforeEach(() => {
  cfn.reset();
  cw.reset();
});

const resource = (LogicalResourceId: string, ResourceType: string, PhysicalResourceId: string) =>
  ({ LogicalResourceId, ResourceType, PhysicalResourceId, ResourceStatus: 'CREATE_COMPLETE' as const, LastUpdatedTimestamp: new Date(0) });

describe('doctor --stack', () => {
  describe('when the stack is an Artana deployment', () => {
    it('finds the ledger table, the step queue, its DLQ and the dashboard by construct id', async () => {
      cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [
        resource('ArtanaLedgerTableTable1234', 'AWS::DynamoDB::Table', 'prod-ledger'),
        resource('ArtanaStepQueuesDeadLetterQueueAB12', 'AWS::SQS::Queue', 'https://sqs.eu-west-1.amazonaws.com/1/prod-steps-dlq.fifo'),
        resource('ArtanaStepQueuesQueueCD34', 'AWS::SQS::Queue', 'https://sqs.eu-west-1.amazonaws.com/1/prod-steps.fifo'),
        resource('ArtanaObservabilityDashboardEF56', 'AWS::CloudWatch::Dashboard', 'ArtanaDashboard-prod'),
        resource('ArtanaLedgerStreamFailureQueue77', 'AWS::SQS::Queue', 'https://sqs.eu-west-1.amazonaws.com/1/stream-failures'),
      ] });
      await expect(discoverStack(new CloudFormationClient({}), 'prod')).resolves.toEqual({
        tableName: 'prod-ledger', queueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/prod-steps.fifo',
        dlqName: 'prod-steps-dlq.fifo', dashboardName: 'ArtanaDashboard-prod',
      });
    });
  });

  describe('when checking CloudWatch', () => {
    const dlqAlarm = { AlarmName: 'dlq-depth', Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: 'prod-steps-dlq.fifo' }] };

    it('passes with an alarm on the DLQ depth that notifies, and the dashboard', async () => {
      cw.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ ...dlqAlarm, ActionsEnabled: true, AlarmActions: ['arn:aws:sns:eu-west-1:1:alarms'] }] });
      cw.on(ListDashboardsCommand).resolves({ DashboardEntries: [{ DashboardName: 'ArtanaDashboard-prod' }] });
      const checks = await cloudWatchChecks(new CloudWatchClient({}), { dlqName: 'prod-steps-dlq.fifo', dashboardName: 'ArtanaDashboard-prod' });
      expect(checks.map((c) => [c.id, c.status])).toEqual([['alarms.dlq', 'pass'], ['dashboard', 'pass']]);
    });

    it('fails when the DLQ alarm has no action, or there is no alarm or dashboard', async () => {
      cw.on(DescribeAlarmsCommand).resolvesOnce({ MetricAlarms: [{ ...dlqAlarm, ActionsEnabled: true, AlarmActions: [] }] }).resolves({ MetricAlarms: [] });
      cw.on(ListDashboardsCommand).resolves({ DashboardEntries: [] });
      const first = await cloudWatchChecks(new CloudWatchClient({}), { dlqName: 'prod-steps-dlq.fifo', dashboardName: 'ArtanaDashboard-prod' });
      expect(first.map((c) => c.status)).toEqual(['fail', 'fail']);
      const second = await cloudWatchChecks(new CloudWatchClient({}), { dlqName: 'prod-steps-dlq.fifo' });
      expect(second[0]).toMatchObject({ status: 'fail', detail: expect.stringContaining('no alarm') });
    });
  });
});
