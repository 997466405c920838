import { Duration } from 'aws-cdk-lib';
import {
  Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, Metric, TreatMissingData, type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** EMF metrics the worker publishes in namespace `Artana` with the Powertools `service` dimension. */
export const KERNEL_ALARM_METRICS = ['ReplayedWithDrift', 'BudgetExceeded', 'UnknownToolOutcome', 'LedgerVerificationFailed'] as const;

export interface ObservabilityProps {
  readonly serviceName: string;
  readonly worker: IFunction;
  readonly streamFunction: IFunction;
  readonly deadLetterQueue: IQueue;
  readonly streamFailureQueue: IQueue;
  readonly topicKey: IKey;
  readonly alarmEmail?: string;
  /** Stream iterator age that means the SIEM is falling behind. Default 10 minutes. */
  readonly maxIteratorAge?: Duration;
}

/** Alarms on the things an operator must act on, an SNS topic for them, and a dashboard. */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.topic = new Topic(this, 'AlarmTopic', { masterKey: props.topicKey, enforceSSL: true, displayName: 'Artana alarms' });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    const kernel = (metricName: string): Metric => new Metric({
      namespace: 'Artana', metricName, dimensionsMap: { service: props.serviceName }, statistic: 'Sum', period: Duration.minutes(5),
    });
    const fiveMin = { period: Duration.minutes(5) };
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...fiveMin, statistic: 'Maximum' });
    const streamFailures = props.streamFailureQueue.metricApproximateNumberOfMessagesVisible({ ...fiveMin, statistic: 'Maximum' });
    const workerErrors = props.worker.metricErrors({ ...fiveMin, statistic: 'Sum' });
    const iteratorAge = new Metric({
      namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensionsMap: { FunctionName: props.streamFunction.functionName },
      statistic: 'Maximum', period: Duration.minutes(5),
    });
    this.alarm('DeadLetterQueueDepth', dlqDepth, 0, 'Step messages reached the DLQ: inspect and redrive');
    this.alarm('StreamFailures', streamFailures, 0, 'Ledger stream batches failed delivery to Firehose');
    this.alarm('WorkerErrors', workerErrors, 0, 'Step worker invocations failed (not per-record failures)');
    this.alarm('StreamIteratorAge', iteratorAge, (props.maxIteratorAge ?? Duration.minutes(10)).toMilliseconds(), 'Ledger stream is falling behind');
    for (const name of KERNEL_ALARM_METRICS) this.alarm(name, kernel(name), 0, `Kernel reported ${name}`);
    // The ledger stream re-verifies every event's hash independently of the worker.
    const streamVerification = new Metric({
      namespace: 'Artana', metricName: 'LedgerVerificationFailed', dimensionsMap: { service: `${props.serviceName}-ledger-stream` },
      statistic: 'Sum', period: Duration.minutes(5),
    });
    this.alarm('StreamLedgerVerificationFailed', streamVerification, 0, 'The ledger stream saw an event whose hash does not verify (tampering?)');

    const driftRate = new MathExpression({
      expression: '100 * drift / IF(steps > 0, steps, 1)',
      usingMetrics: { drift: kernel('ReplayedWithDrift'), steps: props.worker.metricInvocations(fiveMin) },
      label: 'drift per 100 worker invocations', period: Duration.minutes(5),
    });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      widgets: [
        [graph('Step worker', [props.worker.metricInvocations(fiveMin), workerErrors, props.worker.metricThrottles(fiveMin)]),
          graph('Worker duration (p95)', [props.worker.metricDuration({ ...fiveMin, statistic: 'p95' })]),
          graph('Queues', [dlqDepth, streamFailures])],
        [graph('Kernel events', KERNEL_ALARM_METRICS.map(kernel)),
          graph('Drift rate', [driftRate]),
          graph('Model cost (USD)', [kernel('ModelCostUsd')]),
          graph('Ledger stream iterator age (ms)', [iteratorAge])],
      ],
    });
  }

  private alarm(id: string, metric: IMetric, threshold: number, description: string): void {
    const alarm = new Alarm(this, id, {
      metric, threshold, evaluationPeriods: 1, alarmDescription: description,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}

const graph = (title: string, metrics: IMetric[]): GraphWidget => new GraphWidget({ title, left: metrics, width: 6 });
