import type { LedgerSigner } from '../crypto/ledger-signer-port.js';
import type { ArtanaKernel } from '../kernel/index.js';
import type { Clock } from '../kernel/ports.js';
import type { HarnessRegistry } from '../harness/registry.js';
import type { StepQueue } from '../queue/step-queue-port.js';
import type { EventStore, TenantRegistry } from '../store/index.js';

/** Structured logger (Powertools Logger satisfies it). Never pass payloads or secrets. */
export interface WorkerLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Counters and durations (Powertools Metrics in Lambda: see `functions/step-worker.ts`). */
export interface WorkerMetrics {
  count(name: string, value?: number, unit?: 'Count' | 'Milliseconds' | 'None'): void;
}

/**
 * Everything the step worker uses, built once at module scope (`defaultDeps` in the Lambda entry) and replaced in
 * tests (`makeTestDeps`).
 */
export interface WorkerDeps {
  readonly kernel: ArtanaKernel;
  readonly store: EventStore;
  readonly tenants: TenantRegistry;
  readonly queue: StepQueue;
  readonly harnesses: HarnessRegistry;
  readonly clock: Clock;
  readonly logger: WorkerLogger;
  readonly metrics: WorkerMetrics;
  /** Lease owner id of this worker (one per Lambda container / local poller). */
  readonly workerId: string;
  /** Lease length when the invocation's remaining time is unknown (default 5 min). */
  readonly leaseTtlMs?: number;
  /** The queue's maxReceiveCount: on the last delivery a retryable failure fails the run instead of vanishing into the DLQ. */
  readonly maxReceiveCount?: number;
  /** A record is deferred (retried later) when less than this is left of the invocation (default 15 s). */
  readonly minRemainingMs?: number;
  /** Seals each run that completes (`ledger_sealed`, a signature over its head hash); no sealing when absent. */
  readonly signer?: LedgerSigner;
}

export const silentLogger: WorkerLogger = { info: () => {}, warn: () => {}, error: () => {} };
export const noMetrics: WorkerMetrics = { count: () => {} };
