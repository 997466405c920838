import * as z from 'zod/mini';
import { expect } from 'vitest';
import { LocalPayloadCipher, verifyLedger, type PayloadCipher } from '../../lib/crypto/index.js';
import { DemoModelPort } from '../../lib/harness/samples/demo-model.js';
import { MemoryOutbox } from '../../lib/harness/samples/outbox.js';
import { reportHarness } from '../../lib/harness/samples/report-harness.js';
import { HarnessRegistry, defineTaskHarness, type HarnessDefinition } from '../../lib/harness/index.js';
import { ArtanaKernel, ToolRegistry, type ModelPort } from '../../lib/kernel/index.js';
import { KernelPolicy, defaultMiddlewareStack } from '../../lib/middleware/index.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import { MemoryStepQueue } from '../../lib/queue/memory-step-queue.js';
import type { StepQueue } from '../../lib/queue/step-queue-port.js';
import { noMetrics, type WorkerLogger } from '../../lib/runtime/worker-deps.js';
import { MemoryEventStore, MemoryTenantRegistry, type EventStore, type TenantBudget, type TenantRegistry } from '../../lib/store/index.js';
import type { StepMessage } from '../../lib/queue/messages.js';
import { handleRecord } from '../../lib/runtime/step-handler.js';
import type { WorkerDeps } from '../../lib/runtime/worker-deps.js';
import { drive, sqsRecord, tenantRecord, testClock } from '../helpers/memory-worker.js';

export interface Worker {
  readonly deps: WorkerDeps;
  /** The unwrapped store (for assertions). */
  readonly store: EventStore;
  readonly tenants: TenantRegistry & TenantBudget;
  readonly queue: MemoryStepQueue;
  readonly model: DemoModelPort;
  readonly outbox: MemoryOutbox;
  readonly logs: Array<{ level: string; message: string; extra: Record<string, unknown> }>;
}

/** Deterministic PRNG (mulberry32): shuffles and fault schedules repeat run after run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** One I/O boundary crossing: `before` or `after` a call of `port.method` (appends name their event types). */
export interface Boundary {
  readonly port: string;
  readonly method: string;
  readonly phase: 'before' | 'after';
  readonly detail: string;
}

export type BoundaryHook = (b: Boundary) => void;

const detailOf = (method: string, args: readonly unknown[]): string => {
  if (method !== 'append') return '';
  const records = z.array(z.object({ eventType: z.string() })).safeParse(args[2]);
  return records.success ? records.data.map((r) => r.eventType).join(',') : '';
};

/**
 * Wraps every method of an adapter so that `hook` sees each call before it starts and after it resolves: the
 * generic crash-point instrument. Methods run on the real object (private fields are not on the proxy).
 */
export function instrument<T extends object>(target: T, port: string, hook: BoundaryHook): T {
  return new Proxy(target, {
    get(t, property) {
      const value: unknown = Reflect.get(t, property, t);
      if (typeof value !== 'function' || typeof property !== 'string' || property === 'constructor') return value;
      return async (...args: unknown[]) => {
        const detail = detailOf(property, args);
        hook({ port, method: property, phase: 'before', detail });
        const result: unknown = await Reflect.apply(value, t, args);
        hook({ port, method: property, phase: 'after', detail });
        return result;
      };
    },
  });
}

/** Instruments a harness's tools: `before` the handler runs, `after` it returned (its side effect is done). */
export function instrumentTools(harness: HarnessDefinition, hook: BoundaryHook): HarnessDefinition {
  return {
    ...harness,
    registerTools(tools: ToolRegistry) {
      const proxy = new Proxy(tools, {
        get(t, property) {
          const value: unknown = Reflect.get(t, property, t);
          if (property !== 'register' || typeof value !== 'function') return typeof value === 'function' ? value.bind(t) : value;
          return (definition: Parameters<ToolRegistry['register']>[0]) => {
            const handler = definition.handler;
            t.register({
              ...definition,
              handler: async (args, context) => {
                hook({ port: 'tool', method: definition.name, phase: 'before', detail: '' });
                const result = await handler(args, context);
                hook({ port: 'tool', method: definition.name, phase: 'after', detail: '' });
                return result;
              },
            });
          };
        },
      });
      harness.registerTools?.(proxy);
    },
  };
}

export interface WorkerOptions {
  readonly harnesses?: (outbox: MemoryOutbox) => HarnessDefinition[];
  readonly store?: EventStore;
  readonly tenants?: TenantRegistry & TenantBudget;
  readonly cipher?: PayloadCipher;
  readonly model?: ModelPort;
  /** Wraps each port the worker uses (store, queue, model, cipher, tenants) before wiring. */
  readonly wrap?: <T extends object>(port: T, name: 'store' | 'queue' | 'model' | 'cipher' | 'tenants') => T;
  readonly workerId?: string;
  readonly maxReceiveCount?: number;
  readonly reservationUsd?: number;
  readonly queueOverride?: StepQueue;
}

/** The real worker wiring (enforced policy, default middleware, tenant budgets) over in-memory adapters, every port wrappable. */
export async function buildWorker(o: WorkerOptions = {}): Promise<Worker> {
  const store = o.store ?? new MemoryEventStore();
  const tenants: TenantRegistry & TenantBudget = o.tenants ?? new MemoryTenantRegistry();
  if (!o.tenants) {
    await tenants.put(tenantRecord('acme'));
    await tenants.put(tenantRecord('globex', { capabilities: [], budgetUsdLimit: 0.05 }));
  }
  const wrap = o.wrap ?? (<T extends object>(port: T): T => port);
  const queue = new MemoryStepQueue();
  const model = new DemoModelPort();
  const outbox = new MemoryOutbox();
  const tools = new ToolRegistry();
  const harnesses = new HarnessRegistry();
  for (const h of o.harnesses?.(outbox) ?? [reportHarness({ outbox })]) {
    harnesses.register(h);
    h.registerTools?.(tools);
  }
  const logs: Worker['logs'] = [];
  const logger: WorkerLogger = {
    info: (message, extra = {}) => logs.push({ level: 'info', message, extra }),
    warn: (message, extra = {}) => logs.push({ level: 'warn', message, extra }),
    error: (message, extra = {}) => logs.push({ level: 'error', message, extra }),
  };
  const wrappedStore = wrap(store, 'store');
  const wrappedTenants: TenantRegistry & TenantBudget = wrap(tenants, 'tenants');
  const kernel = new ArtanaKernel({
    store: wrappedStore, tools, cipher: wrap(o.cipher ?? LocalPayloadCipher.inMemory(Buffer.alloc(32, 7)), 'cipher'),
    modelPort: wrap(o.model ?? model, 'model'), clock: testClock, policy: KernelPolicy.enforced(),
    middleware: defaultMiddlewareStack({ tenantBudget: wrappedTenants, ...(o.reservationUsd !== undefined ? { reservationUsd: o.reservationUsd } : {}) }),
  });
  const deps: WorkerDeps = {
    kernel, store: wrappedStore, tenants: wrappedTenants, queue: o.queueOverride ?? wrap(queue, 'queue'), harnesses, clock: testClock,
    logger, metrics: noMetrics, workerId: o.workerId ?? 'worker-1',
    ...(o.maxReceiveCount !== undefined ? { maxReceiveCount: o.maxReceiveCount } : {}),
  };
  return { deps, store, tenants, queue, model, outbox, logs };
}

/**
 * A task harness whose every unit is one model step (the "model only" shape). Each unit names its step key: with
 * automatic keys a crash between a unit's `done` summary and `harness_sleep` fails the run (see RELIABILITY.md,
 * finding 1), and `explicitKeys: false` reproduces that.
 */
export const modelOnlyHarness = (name = 'model_only', units = 3, explicitKeys = true): HarnessDefinition => defineTaskHarness({
  name, models: { default: 'demo-small' },
  defineTasks: async () => Array.from({ length: units }, (_, i) => ({ id: `u${i + 1}`, description: `Unit ${i + 1}` })),
  workOn: async (task, ctx) => {
    const { output } = await ctx.runModel({
      prompt: `summarise unit ${task.id} of ${ctx.runId}`, output: z.object({ text: z.string() }), ...(explicitKeys ? { stepKey: `${name}_unit_${task.id}` } : {}),
    });
    return { verified: output.text.length > 0 };
  },
  finish: async (_ctx, units) => ({ units: units.length }),
});

/** Asserts the run's ledger verifies against its head, has no seq gap, and returns it. */
export async function expectValidLedger(store: EventStore, tenantId: string, runId: string, label = runId): Promise<LedgerRecord[]> {
  const head = await store.getHead(tenantId, runId);
  const records = await store.loadEvents(tenantId, runId);
  const verification = verifyLedger(records, { tenantId, head: { lastSeq: head.lastSeq, ...(head.lastHash !== undefined ? { lastHash: head.lastHash } : {}) } });
  expect(verification, label).toMatchObject({ valid: true });
  expect(records.map((r) => r.seq), label).toEqual(records.map((_, i) => i + 1));
  expect(head.lastSeq, label).toBe(records.length);
  return records;
}

/**
 * Delivers like SQS (the memory-worker helper's `drive`, for any store): the given messages, then whatever the
 * worker enqueues; a record whose handling throws is delivered again with receive count + 1, up to `maxDeliveries`.
 */
export const deliverAll = (w: Pick<Worker, 'deps' | 'queue'>, initial: readonly StepMessage[], maxDeliveries = 300) => drive(w, initial, maxDeliveries);

/**
 * Several pollers on one store, like concurrent Lambda invocations: each round, every pending message is delivered
 * `copies()` times, the copies are shuffled and dealt to the pollers, which run concurrently; a message that no copy
 * acknowledged is delivered again next round. Bounded by `maxRounds`.
 */
export async function pollConcurrently(
  w: Pick<Worker, 'deps' | 'queue'>, pollers: number, initial: readonly StepMessage[], random: () => number,
  o: { copies?: () => number; maxRounds?: number } = {},
): Promise<{ rounds: number; deliveries: number; errors: unknown[] }> {
  const copies = o.copies ?? (() => 2 + Math.floor(random() * 2));
  const deps = Array.from({ length: pollers }, (_, i) => ({ ...w.deps, workerId: `poller-${i}` }));
  let pending = initial.map((m, i) => ({ body: JSON.stringify(m), id: `m-initial-${i}`, receives: 0 }));
  const errors: unknown[] = [];
  let deliveries = 0;
  let rounds = 0;
  for (; rounds < (o.maxRounds ?? 200); rounds += 1) {
    for (const q of w.queue.take()) pending.push({ body: JSON.stringify(q.message), id: `m-${q.sequenceNumber}`, receives: 0 });
    if (pending.length === 0) break;
    const deliveriesThisRound = shuffle(pending.flatMap((item) => Array.from({ length: copies() }, () => item)), random);
    const acked = new Set<string>();
    const failed = new Map<string, (typeof pending)[number]>();
    await Promise.all(deps.map(async (d, p) => {
      for (const item of deliveriesThisRound.filter((_, i) => i % pollers === p)) {
        item.receives += 1;
        deliveries += 1;
        try {
          await handleRecord(d, sqsRecord(item.body, item.id, item.receives));
          acked.add(item.id);
        } catch (error) {
          errors.push(error);
          failed.set(item.id, item);
        }
      }
    }));
    pending = [...failed.values()].filter((item) => !acked.has(item.id));
  }
  return { rounds, deliveries, errors };
}
