import { rm, mkdir } from 'node:fs/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { LocalPayloadCipher } from '../../crypto/local-payload-cipher.js';
import { LocalLedgerSigner } from '../../crypto/ledger-signer-local.js';
import { DemoModelPort } from '../../harness/samples/demo-model.js';
import { FileOutbox } from '../../harness/samples/outbox.js';
import { reportHarness } from '../../harness/samples/report-harness.js';
import type { HarnessDefinition } from '../../harness/harness.js';
import type { ModelPort } from '../../kernel/ports.js';
import { createModelPort } from '../../models-providers/select.js';
import type { StepMessage } from '../../queue/messages.js';
import { SqsStepQueue } from '../../queue/sqs-step-queue.js';
import { createLedgerTable } from '../../store/create-table.js';
import { FileBlobStore } from '../../store/file-blob-store.js';
import { buildWorkerDeps } from '../build-worker-deps.js';
import { createStepHandler } from '../step-handler.js';
import { noMetrics, silentLogger, type WorkerDeps, type WorkerLogger, type WorkerMetrics } from '../worker-deps.js';
import { crashOnceBeforeAppend, type CrashPoint } from './crash-injection.js';
import { LOCAL, localPaths } from './local-config.js';
import { startLocalServers, createLocalQueues, type LocalServers } from './servers.js';
import { SqsEventSource } from './sqs-event-source.js';
import type { EventSourceStats } from './sqs-event-source-stats.js';

export interface LocalRuntimeOptions {
  /** Data directory (DynamoDB files, cipher key, outbox); default `.artana`. */
  readonly dataDir?: string;
  /** Delete the data directory first. */
  readonly reset?: boolean;
  /** Concurrent event-source pollers (like Lambda concurrency); default 2. */
  readonly pollers?: number;
  /** Model spec (`mock`, `bedrock:<id>`, `openai:<model>`); default `mock` (the deterministic demo model). */
  readonly model?: string;
  /** Inject one crash: the first matching append fails as if the process died there. */
  readonly crashBefore?: CrashPoint;
  readonly onCrash?: (runId: string) => void;
  readonly harnesses?: readonly HarnessDefinition[];
  readonly logger?: WorkerLogger;
  readonly metrics?: WorkerMetrics;
  /** Queue visibility timeout (redelivery delay after a failure), seconds; default 3. */
  readonly visibilityTimeoutSec?: number;
  readonly maxReceiveCount?: number;
}

export interface LocalRuntime {
  readonly deps: WorkerDeps;
  /** Seals completed runs; its `verifier()` checks them. */
  readonly signer: LocalLedgerSigner;
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly servers: LocalServers;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly outbox: FileOutbox;
  readonly modelPort: ModelPort;
  readonly persistent: boolean;
  /** Sends a message to the step queue (as a user would with `aws sqs send-message`). */
  send(message: StepMessage): Promise<void>;
  /** Resolves when the queue is empty and no batch is in flight. */
  drain(options?: { idleMs?: number; timeoutMs?: number }): Promise<void>;
  stats(): EventSourceStats;
  close(): Promise<void>;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function localModelPort(spec: string): ModelPort {
  return createModelPort(spec, {
    mock: () => new DemoModelPort(),
    bedrock: () => ({ client: new BedrockRuntimeClient({ maxAttempts: 1 }) }),
    openai: () => ({}),
  });
}

/**
 * The system on one machine: dynalite (persisted), fauxqs, the local cipher, the local ledger signer (completed runs
 * are sealed), and a poller that behaves like the
 * Lambda SQS event source calling the same handler Lambda calls (`createStepHandler` over `buildWorkerDeps`).
 * @example
 * const rt = await startLocalRuntime({ dataDir: '.artana' });
 * await rt.send({ type: 'start_run', tenantId: 'acme', harness: 'report' });
 * await rt.drain();
 * await rt.close();
 */
export async function startLocalRuntime(o: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const paths = localPaths(o.dataDir);
  if (o.reset) await rm(paths.dataDir, { recursive: true, force: true });
  await mkdir(paths.dataDir, { recursive: true, mode: 0o700 });
  const servers = await startLocalServers({ dataDir: paths.dataDir, region: LOCAL.region, onWarning: (m) => (o.logger ?? silentLogger).warn(m) });
  const dynamo = new DynamoDBClient({ endpoint: servers.dynamoEndpoint, region: LOCAL.region, credentials });
  const sqs = new SQSClient({ endpoint: servers.sqsEndpoint, region: LOCAL.region, credentials });
  await createLedgerTable(dynamo, LOCAL.tableName);
  const maxReceiveCount = o.maxReceiveCount ?? 5;
  const queues = await createLocalQueues(sqs, { name: LOCAL.queueName, maxReceiveCount, visibilityTimeoutSec: o.visibilityTimeoutSec ?? 3 });
  const outbox = new FileOutbox(paths.outbox);
  const modelPort = localModelPort(o.model ?? 'mock');
  const crashBefore = o.crashBefore;
  const signer = await LocalLedgerSigner.fromKeyFile(paths.sealKeyFile);
  const deps = buildWorkerDeps({
    dynamo, tableName: LOCAL.tableName, sqs, queueUrl: queues.queueUrl,
    cipher: await LocalPayloadCipher.fromKeyFile(paths.keyFile), modelPort, blobs: new FileBlobStore(paths.blobs),
    harnesses: o.harnesses ?? [reportHarness({ outbox })],
    workerId: 'local', logger: o.logger ?? silentLogger, metrics: o.metrics ?? noMetrics, maxReceiveCount, signer,
    ...(crashBefore ? { wrapStore: (store) => crashOnceBeforeAppend(store, crashBefore, o.onCrash) } : {}),
  });
  const source = new SqsEventSource({
    client: sqs, queueUrl: queues.queueUrl, queueArn: queues.queueArn, batchSize: 1, pollers: o.pollers ?? 2,
    functionTimeoutMs: 60_000, waitTimeSeconds: 1, functionName: 'artana-step-worker', region: LOCAL.region,
    // Each invocation is its own worker, like separate Lambda containers: leases tell them apart.
    handler: (event, context) => createStepHandler({ ...deps, workerId: `local-${context.awsRequestId}` })(event, context),
  });
  source.start();
  const queue = new SqsStepQueue({ client: sqs, queueUrl: queues.queueUrl });
  return {
    deps, signer, dynamo, sqs, servers, queueUrl: queues.queueUrl, dlqUrl: queues.dlqUrl, outbox, modelPort,
    persistent: servers.dynamoPersistent,
    send: (message) => queue.send(message, {
      groupId: message.runId ?? `${message.tenantId}-${globalThis.crypto.randomUUID()}`,
      deduplicationId: message.type === 'continue_run' ? `${message.runId}:${message.afterSeq}` : globalThis.crypto.randomUUID(),
    }),
    drain: (d = {}) => source.drain({ idleMs: d.idleMs ?? 300, timeoutMs: d.timeoutMs ?? 300_000 }),
    stats: () => source.stats(),
    async close() {
      await source.stop();
      dynamo.destroy();
      sqs.destroy();
      await servers.close();
    },
  };
}
