import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, paginateDescribeAlarms, paginateListDashboards } from '@aws-sdk/client-cloudwatch';
import type { Check } from './doctor-checks.js';

/** What `doctor --stack` finds in a deployed Artana stack. */
export interface StackResources {
  readonly tableName?: string;
  readonly queueUrl?: string;
  readonly dlqName?: string;
  readonly dashboardName?: string;
}

const queueName = (url: string): string => url.split('/').at(-1) ?? url;

/**
 * Reads a deployed stack's resources (CloudFormation `ListStackResources`): the ledger table, the step queue and its
 * DLQ (by their construct ids `StepQueues/Queue` and `StepQueues/DeadLetterQueue`), and the dashboard.
 * @example const found = await discoverStack(new CloudFormationClient({}), 'ArtanaStack');
 */
export async function discoverStack(client: CloudFormationClient, stackName: string): Promise<StackResources> {
  let found: { -readonly [K in keyof StackResources]?: string } = {};
  for await (const page of paginateListStackResources({ client }, { StackName: stackName })) {
    for (const r of page.StackResourceSummaries ?? []) {
      const id = r.LogicalResourceId ?? '';
      const physical = r.PhysicalResourceId;
      if (!physical) continue;
      if (r.ResourceType === 'AWS::DynamoDB::Table' && /Ledger/i.test(id)) found = { ...found, tableName: physical };
      else if (r.ResourceType === 'AWS::SQS::Queue' && /StepQueues/.test(id)) {
        found = /DeadLetter/.test(id) ? { ...found, dlqName: queueName(physical) } : { ...found, queueUrl: physical };
      } else if (r.ResourceType === 'AWS::CloudWatch::Dashboard') found = { ...found, dashboardName: physical };
    }
  }
  return found;
}

/**
 * CloudWatch checks of the readiness list: an alarm on the DLQ depth with an action, and the dashboard.
 * @example const checks = await cloudWatchChecks(new CloudWatchClient({}), { dlqName: 'steps-dlq.fifo' });
 */
export async function cloudWatchChecks(client: CloudWatchClient, o: { dlqName?: string; dashboardName?: string }): Promise<Check[]> {
  return [await dlqAlarmCheck(client, o.dlqName), await dashboardCheck(client, o.dashboardName)];
}

async function dlqAlarmCheck(client: CloudWatchClient, dlqName: string | undefined): Promise<Check> {
  if (!dlqName) return { id: 'alarms.dlq', status: 'not-checked', detail: 'DLQ unknown (give --stack or --queue-url)' };
  for await (const page of paginateDescribeAlarms({ client }, { AlarmTypes: ['MetricAlarm'] })) {
    const alarm = (page.MetricAlarms ?? []).find((a) => a.Namespace === 'AWS/SQS' && a.MetricName === 'ApproximateNumberOfMessagesVisible'
      && (a.Dimensions ?? []).some((d) => d.Name === 'QueueName' && d.Value === dlqName));
    if (alarm) {
      return alarm.ActionsEnabled !== false && (alarm.AlarmActions ?? []).length > 0
        ? { id: 'alarms.dlq', status: 'pass', detail: `${alarm.AlarmName ?? 'alarm'} on ${dlqName} notifies ${(alarm.AlarmActions ?? []).join(', ')}` }
        : { id: 'alarms.dlq', status: 'fail', detail: `${alarm.AlarmName ?? 'alarm'} on ${dlqName} has no enabled action` };
    }
  }
  return { id: 'alarms.dlq', status: 'fail', detail: `no alarm on the depth of ${dlqName}` };
}

async function dashboardCheck(client: CloudWatchClient, name: string | undefined): Promise<Check> {
  for await (const page of paginateListDashboards({ client }, name ? { DashboardNamePrefix: name } : {})) {
    const found = (page.DashboardEntries ?? []).find((d) => (name ? d.DashboardName === name : /artana/i.test(d.DashboardName ?? '')));
    if (found) return { id: 'dashboard', status: 'pass', detail: `dashboard ${found.DashboardName ?? ''}` };
  }
  return { id: 'dashboard', status: 'fail', detail: name ? `dashboard ${name} not found` : 'no Artana dashboard found' };
}
