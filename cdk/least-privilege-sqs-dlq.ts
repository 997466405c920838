import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { DlqDestinationConfig, IEventSourceDlq, IEventSourceMapping, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * An on-failure SQS destination for a stream event source. The stock `SqsDlq` grants `kms:ReEncrypt*` and
 * `kms:GenerateDataKey*`; sending to a KMS-encrypted queue needs only `GenerateDataKey` and `Decrypt`.
 */
export class LeastPrivilegeSqsDlq implements IEventSourceDlq {
  constructor(private readonly queue: IQueue) {}

  bind(_target: IEventSourceMapping, targetHandler: IFunction): DlqDestinationConfig {
    targetHandler.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    const key = this.queue.encryptionMasterKey;
    if (key) targetHandler.addToRolePolicy(new PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }));
    return { destination: this.queue.queueArn };
  }
}
