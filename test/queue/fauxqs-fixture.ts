import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Message } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';

/** A fauxqs server started by a test, with an SQSClient pointed at it. Call `close()` in afterAll. */
export interface FauxqsFixture {
  endpoint: string;
  client: SQSClient;
  close(): Promise<void>;
}

export async function startFauxqsFixture(): Promise<FauxqsFixture> {
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = sqsClientFor(endpoint);
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await server.stop();
    },
  };
}

export function sqsClientFor(endpoint: string, maxAttempts = 3): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts });
}

/** Receives and deletes messages until `count` have arrived or `attempts` receives came back empty. */
export async function receiveAll(client: SQSClient, queueUrl: string, count: number, attempts = 20): Promise<Message[]> {
  const received: Message[] = [];
  for (let i = 0; i < attempts && received.length < count; i++) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
    );
    for (const m of Messages) {
      received.push(m);
      await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return received;
}

/** Visible + in-flight + delayed messages of a queue. */
export async function countMessages(client: SQSClient, queueUrl: string): Promise<number> {
  const names = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] as const;
  const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: [...names] }));
  return names.reduce((sum, name) => sum + Number(Attributes[name] ?? '0'), 0);
}

/** Polls `condition` every `everyMs` until it holds; fails after `attempts` tries (no timing assertions). */
export async function eventually(condition: () => boolean | Promise<boolean>, attempts = 200, everyMs = 50): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met after ${attempts} checks`);
}
