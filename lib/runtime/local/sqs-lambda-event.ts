import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttribute, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';

/** Where the records come from, as Lambda would name it. */
export interface SqsEventOrigin {
  queueArn: string;
  region: string;
}

/**
 * Builds the `SQSEvent` Lambda would deliver for messages received with `MessageSystemAttributeNames: ['All']`
 * and `MessageAttributeNames: ['All']`. Messages without an id, receipt handle or body are skipped (SQS always
 * sends them; the guard keeps the types honest).
 * @example
 * const event = toSqsEvent(received.Messages ?? [], { queueArn, region: 'us-east-1' });
 */
export function toSqsEvent(messages: readonly Message[], origin: SqsEventOrigin): SQSEvent {
  const Records: SQSRecord[] = [];
  for (const message of messages) {
    const record = toSqsRecord(message, origin);
    if (record !== undefined) Records.push(record);
  }
  return { Records };
}

function toSqsRecord(message: Message, origin: SqsEventOrigin): SQSRecord | undefined {
  const { MessageId, ReceiptHandle, Body } = message;
  if (MessageId === undefined || ReceiptHandle === undefined || Body === undefined) return undefined;
  return {
    messageId: MessageId,
    receiptHandle: ReceiptHandle,
    body: Body,
    attributes: toRecordAttributes(message.Attributes ?? {}),
    messageAttributes: toMessageAttributes(message.MessageAttributes ?? {}),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes === undefined ? {} : { md5OfMessageAttributes: message.MD5OfMessageAttributes }),
    eventSource: 'aws:sqs',
    eventSourceARN: origin.queueArn,
    awsRegion: origin.region,
  };
}

function toRecordAttributes(attributes: Partial<Record<string, string>>): SQSRecordAttributes {
  const optional = (key: keyof SQSRecordAttributes) => {
    const value = attributes[key];
    return value === undefined ? {} : { [key]: value };
  };
  return {
    ApproximateReceiveCount: attributes['ApproximateReceiveCount'] ?? '1',
    SentTimestamp: attributes['SentTimestamp'] ?? '0',
    SenderId: attributes['SenderId'] ?? '000000000000',
    ApproximateFirstReceiveTimestamp: attributes['ApproximateFirstReceiveTimestamp'] ?? '0',
    ...optional('SequenceNumber'),
    ...optional('MessageGroupId'),
    ...optional('MessageDeduplicationId'),
    ...optional('AWSTraceHeader'),
    ...optional('DeadLetterQueueSourceArn'),
  };
}

function toMessageAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes)) out[name] = toMessageAttribute(value);
  return out;
}

/** Lambda spells attribute fields in camelCase, binary values base64, and always sends the (empty) lists. */
function toMessageAttribute(value: MessageAttributeValue): SQSMessageAttribute {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return {
    dataType: value.DataType ?? 'String',
    ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
    ...(value.BinaryValue === undefined ? {} : { binaryValue: base64(value.BinaryValue) }),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(base64),
  };
}

/**
 * The queue ARN for a queue URL `https://sqs.<region>.<host>/<account>/<name>`.
 * @example queueArnFromUrl('http://sqs.us-east-1.localhost:4566/000000000000/steps.fifo', 'us-east-1')
 * // 'arn:aws:sqs:us-east-1:000000000000:steps.fifo'
 */
export function queueArnFromUrl(queueUrl: string, region: string): string {
  const [account = '000000000000', name = 'queue'] = new URL(queueUrl).pathname.split('/').filter((p) => p !== '');
  return `arn:aws:sqs:${region}:${account}:${name}`;
}
