import type { SQSRecord } from 'aws-lambda';
import { PlaintextCipher, type PayloadCipher } from '../../lib/crypto/index.js';
import type { LedgerSigner } from '../../lib/crypto/ledger-signer-port.js';
import { DemoModelPort } from '../../lib/harness/samples/demo-model.js';
import { MemoryOutbox } from '../../lib/harness/samples/outbox.js';
import { reportHarness } from '../../lib/harness/samples/report-harness.js';
import { HarnessRegistry } from '../../lib/harness/registry.js';
import type { HarnessDefinition } from '../../lib/harness/harness.js';
import { ArtanaKernel, ToolRegistry, type ModelPort } from '../../lib/kernel/index.js';
import { KernelPolicy, defaultMiddlewareStack } from '../../lib/middleware/index.js';
import type { StepMessage } from '../../lib/queue/messages.js';
import { MemoryStepQueue } from '../../lib/queue/memory-step-queue.js';
import { handleRecord } from '../../lib/runtime/step-handler.js';
import { noMetrics, type WorkerDeps, type WorkerLogger } from '../../lib/runtime/worker-deps.js';
import { MemoryEventStore, MemoryTenantRegistry, type EventStore } from '../../lib/store/index.js';
import type { TenantRecord } from '../../lib/models/index.js';

let clockMs = Date.parse('2026-12-01T00:00:00Z');
export const testClock = { now: () => new Date((clockMs += 7)) };

export const tenantRecord = (tenantId: string, o: Partial<TenantRecord> = {}): TenantRecord => ({
  tenantId, capabilities: ['reports:publish'], budgetUsdLimit: 1, tenantBudgetUsdLimit: 10, enabled: true,
  createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z', ...o,
});

export interface MemoryWorker {
  deps: WorkerDeps;
  store: MemoryEventStore;
  tenants: MemoryTenantRegistry;
  queue: MemoryStepQueue;
  model: DemoModelPort;
  outbox: MemoryOutbox;
  logs: Array<{ level: string; message: string; extra: Record<string, unknown> }>;
}

export interface MemoryWorkerOptions {
  harnesses?: (deps: { outbox: MemoryOutbox }) => HarnessDefinition[];
  wrapStore?: (store: EventStore) => EventStore;
  wrapModel?: (model: ModelPort) => ModelPort;
  wrapQueue?: (queue: MemoryStepQueue) => MemoryStepQueue | WorkerDeps['queue'];
  cipher?: PayloadCipher;
  maxReceiveCount?: number;
  /** Seals completed runs. */
  signer?: LedgerSigner;
}

/** The real worker wiring (enforced policy, default middleware) over in-memory adapters. */
export async function memoryWorker(o: MemoryWorkerOptions = {}): Promise<MemoryWorker> {
  const store = new MemoryEventStore();
  const tenants = new MemoryTenantRegistry();
  await tenants.put(tenantRecord('acme'));
  await tenants.put(tenantRecord('globex', { capabilities: [], budgetUsdLimit: 0.05 }));
  const queue = new MemoryStepQueue();
  const model = new DemoModelPort();
  const outbox = new MemoryOutbox();
  const tools = new ToolRegistry();
  const harnesses = new HarnessRegistry();
  for (const h of o.harnesses?.({ outbox }) ?? [reportHarness({ outbox })]) {
    harnesses.register(h);
    h.registerTools?.(tools);
  }
  const wrapped = o.wrapStore ? o.wrapStore(store) : store;
  const logs: MemoryWorker['logs'] = [];
  const logger: WorkerLogger = {
    info: (message, extra = {}) => logs.push({ level: 'info', message, extra }),
    warn: (message, extra = {}) => logs.push({ level: 'warn', message, extra }),
    error: (message, extra = {}) => logs.push({ level: 'error', message, extra }),
  };
  const kernel = new ArtanaKernel({
    store: wrapped, tools, cipher: o.cipher ?? new PlaintextCipher(), modelPort: o.wrapModel ? o.wrapModel(model) : model,
    clock: testClock, middleware: defaultMiddlewareStack({ tenantBudget: tenants }), policy: KernelPolicy.enforced(),
  });
  const deps: WorkerDeps = {
    kernel, store: wrapped, tenants, queue: o.wrapQueue ? o.wrapQueue(queue) : queue, harnesses, clock: testClock,
    logger, metrics: noMetrics, workerId: 'worker-1',
    ...(o.maxReceiveCount !== undefined ? { maxReceiveCount: o.maxReceiveCount } : {}),
    ...(o.signer ? { signer: o.signer } : {}),
  };
  return { deps, store, tenants, queue, model, outbox, logs };
}

export const sqsRecord = (body: string, messageId: string, receiveCount = 1): SQSRecord => ({
  messageId, receiptHandle: `rh-${messageId}-${receiveCount}`, body, md5OfBody: '', eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:artana-steps.fifo', awsRegion: 'us-east-1', messageAttributes: {},
  attributes: {
    ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0',
    MessageGroupId: 'g', MessageDeduplicationId: messageId, SequenceNumber: '1',
  },
});

/**
 * Delivers messages like SQS: the given ones first, then whatever the worker enqueues; a record whose handling
 * throws is delivered again (same message id, receive count + 1), up to `maxDeliveries` in all.
 */
export async function drive(
  w: Pick<MemoryWorker, 'deps' | 'queue'>, initial: readonly StepMessage[], maxDeliveries = 200,
): Promise<{ deliveries: number; failures: number; errors: unknown[] }> {
  const pending = initial.map((m, i) => ({ body: JSON.stringify(m), id: `m-initial-${i}`, receives: 0 }));
  let deliveries = 0;
  const errors: unknown[] = [];
  while (deliveries < maxDeliveries) {
    for (const q of w.queue.take()) pending.push({ body: JSON.stringify(q.message), id: `m-${q.sequenceNumber}`, receives: 0 });
    const item = pending.shift();
    if (!item) break;
    item.receives += 1;
    deliveries += 1;
    try {
      await handleRecord(w.deps, sqsRecord(item.body, item.id, item.receives));
    } catch (error) {
      errors.push(error);
      pending.unshift(item);
    }
  }
  return { deliveries, failures: errors.length, errors };
}
