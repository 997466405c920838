import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { BlobStore, PayloadCipher } from '../crypto/core.js';
import type { LedgerSigner } from '../crypto/ledger-signer-port.js';
import { ArtanaKernel, ToolRegistry, randomIds, systemClock, type Clock, type IdSource, type ModelPort } from '../kernel/index.js';
import { KernelPolicy, defaultMiddlewareStack } from '../middleware/index.js';
import { HarnessRegistry } from '../harness/registry.js';
import type { HarnessDefinition } from '../harness/harness.js';
import { SqsStepQueue } from '../queue/sqs-step-queue.js';
import { DynamoDbEventStore } from '../store/dynamodb-event-store.js';
import { DynamoDbTenantRegistry } from '../store/dynamodb-tenant-registry.js';
import type { EventStore } from '../store/event-store-port.js';
import type { WorkerDeps, WorkerLogger, WorkerMetrics } from './worker-deps.js';

export interface WorkerSetup {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly cipher: PayloadCipher;
  readonly blobs?: BlobStore;
  readonly modelPort: ModelPort;
  readonly harnesses: readonly HarnessDefinition[];
  readonly workerId: string;
  readonly logger: WorkerLogger;
  readonly metrics: WorkerMetrics;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  readonly maxReceiveCount?: number;
  readonly leaseTtlMs?: number;
  /** Decorates the ledger store (fault injection in the local runtime and the reliability suite). */
  readonly wrapStore?: (store: EventStore) => EventStore;
  /** Seals completed runs (KMS asymmetric key in Lambda, an Ed25519 key file locally). */
  readonly signer?: LedgerSigner;
}

/**
 * Wires the production worker: DynamoDB ledger and tenant registry, the enforced middleware stack with tenant-wide
 * budgets, the kernel, the FIFO step queue and the harness registry. The Lambda entry and the local runtime both
 * call this, so `npm start` runs the very code Lambda runs.
 */
export function buildWorkerDeps(setup: WorkerSetup): WorkerDeps {
  const ledger = new DynamoDbEventStore({ client: setup.dynamo, tableName: setup.tableName, ...(setup.blobs ? { blobs: setup.blobs } : {}) });
  const store = setup.wrapStore ? setup.wrapStore(ledger) : ledger;
  const tenants = new DynamoDbTenantRegistry({ client: setup.dynamo, tableName: setup.tableName });
  const tools = new ToolRegistry();
  const harnesses = new HarnessRegistry();
  for (const harness of setup.harnesses) {
    harnesses.register(harness);
    harness.registerTools?.(tools);
  }
  const clock = setup.clock ?? systemClock;
  const kernel = new ArtanaKernel({
    store, tools, cipher: setup.cipher, modelPort: setup.modelPort, clock, ids: setup.ids ?? randomIds,
    middleware: defaultMiddlewareStack({ tenantBudget: tenants }),
    policy: KernelPolicy.enforced(),
    ...(setup.blobs ? { blobs: setup.blobs } : {}),
  });
  return {
    kernel, store, tenants, harnesses, clock,
    queue: new SqsStepQueue({ client: setup.sqs, queueUrl: setup.queueUrl }),
    logger: setup.logger, metrics: setup.metrics, workerId: setup.workerId,
    ...(setup.maxReceiveCount !== undefined ? { maxReceiveCount: setup.maxReceiveCount } : {}),
    ...(setup.leaseTtlMs !== undefined ? { leaseTtlMs: setup.leaseTtlMs } : {}),
    ...(setup.signer ? { signer: setup.signer } : {}),
  };
}
