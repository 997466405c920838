import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsPayloadCipher, MemoryWrappedKeyStore } from '../../lib/crypto/index.js';
import { parseStepMessage } from '../../lib/queue/parse-message.js';
import { SqsStepQueue } from '../../lib/queue/sqs-step-queue.js';
import { createStepHandler, dispositionOf } from '../../lib/runtime/step-handler.js';
import { createLedgerTable } from '../../lib/store/create-table.js';
import { DynamoDbEventStore } from '../../lib/store/dynamodb-event-store.js';
import { localDynamoDbClient, startDynalite, uniqueTableName, type LocalServer } from '../helpers/dynalite.js';
import { sqsRecord } from '../helpers/memory-worker.js';
import { fakeKms, kmsError, KMS_KEY_ARN } from '../crypto/fake-kms.js';
import { Tally } from './record.js';
import { buildWorker, deliverAll, expectValidLedger, prng, type Worker } from './support.js';

const tally = new Tally('dependency_faults');
let server: LocalServer;
beforeAll(async () => { server = await startDynalite(); });
afterAll(async () => { await tally.record(); await server.close(); });

/** An AWS SDK service error as the SDK raises it. */
const awsError = (name: string, status: number): Error =>
  Object.assign(new Error(name), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
const DDB_FAULTS = [awsError('ProvisionedThroughputExceededException', 400), awsError('InternalServerError', 500), awsError('TimeoutError', 0)];

const RUNS = ['fault-1', 'fault-2'];
const starts = RUNS.map((runId) => ({ type: 'start_run' as const, tenantId: 'acme', runId, harness: 'report' }));

/** Every failure was a retry (redelivered), the runs completed with verified chains and one side effect each. */
async function expectRecovered(w: Worker, result: { failures: number; errors: unknown[] }, injected: number): Promise<void> {
  await tally.check(async () => {
    expect(injected, 'faults injected').toBeGreaterThan(0);
    expect(result.failures).toBeGreaterThan(0);
    expect(result.errors.map(dispositionOf).filter((d) => d !== 'retry' && d !== 'conflict')).toEqual([]);
  });
  for (const runId of RUNS) {
    await tally.check(async () => {
      await expectValidLedger(w.store, 'acme', runId);
      expect((await w.store.getHead('acme', runId)).status, runId).toBe('completed');
    });
  }
  await tally.check(async () => expect(await w.outbox.deliveries()).toBe(RUNS.length));
}

describe('dependency faults', () => {
  describe.each([11, 12, 13])('when DynamoDB throttles, fails with 5xx or times out (before or after the write) with seed %i', (seed) => {
    it('retries through redelivery and completes every run with nothing lost', async () => {
      const client = localDynamoDbClient(server.endpoint);
      const tableName = uniqueTableName('faults');
      await createLedgerTable(client, tableName);
      const random = prng(seed);
      let injected = 0;
      let armed = false;
      client.middlewareStack.add((next) => async (args) => {
        if (armed && injected < 40 && random() < 0.08) { injected += 1; throw DDB_FAULTS[injected % 3]; }
        const output = await next(args);
        // A timeout after the write landed: the outcome is unknown to the caller.
        if (armed && injected < 40 && random() < 0.04) { injected += 1; throw DDB_FAULTS[2]; }
        return output;
      }, { step: 'initialize', name: 'injectFaults' });
      const w = await buildWorker({ store: new DynamoDbEventStore({ client, tableName }) });
      armed = true;
      const result = await deliverAll(w, starts, 1_000);
      armed = false;
      await expectRecovered(w, result, injected);
      client.destroy();
    });
  });

  describe('when SQS SendMessage is throttled or fails with 5xx some of the time', () => {
    it('retries the step and the follow-up message is sent exactly once per step', async () => {
      const sqs = new SQSClient({ region: 'us-east-1' });
      const mock = mockClient(sqs);
      const random = prng(21);
      let injected = 0;
      const w = await buildWorker({
        queueOverride: new SqsStepQueue({ client: sqs, queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/steps.fifo' }),
      });
      mock.on(SendMessageCommand).callsFake(async (input: { MessageBody?: string; MessageGroupId?: string; MessageDeduplicationId?: string }) => {
        if (random() < 0.4) { injected += 1; throw awsError(injected % 2 ? 'ThrottlingException' : 'InternalError', injected % 2 ? 400 : 500); }
        await w.queue.send(parseStepMessage(input.MessageBody ?? ''), { groupId: input.MessageGroupId ?? '', deduplicationId: input.MessageDeduplicationId ?? '' });
        return { MessageId: 'x' };
      });
      const result = await deliverAll(w, starts, 500);
      await expectRecovered(w, result, injected);
      await tally.check(() => expect(w.queue.sent.length).toBe(RUNS.length * 2));
    });

    it('reports the record in batchItemFailures while SQS is down, and acknowledges it once SQS recovers', async () => {
      const sqs = new SQSClient({ region: 'us-east-1' });
      const mock = mockClient(sqs);
      let down = true;
      const w = await buildWorker({ queueOverride: new SqsStepQueue({ client: sqs, queueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/steps.fifo' }) });
      mock.on(SendMessageCommand).callsFake(async () => {
        if (down) throw awsError('ServiceUnavailable', 503);
        return { MessageId: 'x' };
      });
      const handler = createStepHandler(w.deps);
      // A poison record keeps the batch from failing whole (Powertools throws FullBatchFailureError then).
      const poison = { ...sqsRecord('not json', 'poison-1'), attributes: { ...sqsRecord('', 'p').attributes, MessageGroupId: 'other' } };
      const event = { Records: [sqsRecord(JSON.stringify(starts[0]), 'start-1'), poison] };
      await tally.check(async () => expect((await handler(event)).batchItemFailures).toEqual([{ itemIdentifier: 'start-1' }]));
      down = false;
      await tally.check(async () => expect((await handler(event)).batchItemFailures).toEqual([]));
    });
  });

  describe('when KMS throttles GenerateDataKey and Decrypt some of the time', () => {
    it('retries through redelivery and completes every run with readable payloads', async () => {
      const kms = fakeKms();
      const random = prng(31);
      let injected = 0;
      const realSend = kms.client.send.bind(kms.client);
      const flaky = new Proxy(kms.client, {
        get(target, property) {
          if (property !== 'send') return Reflect.get(target, property, target);
          return async (...args: Parameters<KMSClient['send']>) => {
            if (random() < 0.3) { injected += 1; throw kmsError(injected % 2 ? 'ThrottlingException' : 'KMSInternalException', injected % 2 ? 400 : 500); }
            return realSend(...args);
          };
        },
      });
      const cipher = new KmsPayloadCipher({ client: flaky, keyId: KMS_KEY_ARN, keyStore: new MemoryWrappedKeyStore(), cache: { maxUses: 3 } });
      const w = await buildWorker({ cipher });
      const result = await deliverAll(w, starts, 500);
      await expectRecovered(w, result, injected);
      await tally.check(async () => {
        const events = await w.deps.kernel.loadEvents({ tenantId: 'acme', capabilities: [], budgetUsdLimit: 1 }, RUNS[0]!);
        expect(events.at(-1)?.eventType).toBeDefined();
      });
    });
  });
});
