import type { $ZodType, output } from 'zod/v4/core';
import { orderMiddleware } from '../middleware/pipeline.js';
import { verifyLedger, type BlobStore, type LedgerVerification, type PayloadCipher } from '../crypto/core.js';
import type { KernelEvent, TenantContext } from '../models/index.js';
import type { EventStore, RunHead } from '../store/index.js';
import type { KernelMiddleware } from '../middleware/middleware-port.js';
import { randomIds, systemClock, type Clock, type IdSource, type ModelPort } from './ports.js';
import { ToolRegistry } from './tool-registry.js';
import { SessionCore, type KernelDeps } from './session-core.js';
import { decodeRecord } from './record-codec.js';
import { createRun, openOrCreateRun, type StartRunOptions } from './run-lifecycle.js';
import { RunSession } from './run-session.js';
import type { StepModelRequest } from './model-prepare.js';
import type { StepModelResult } from './model-step.js';
import type { StepToolRequest, StepToolResult } from './tool-step.js';

/** Construction-time validation of the middleware stack (e.g. `KernelPolicy` enforced modes). */
export interface KernelPolicyCheck {
  validate(middleware: readonly KernelMiddleware[]): void;
}

export interface ArtanaKernelOptions {
  readonly store: EventStore;
  readonly modelPort: ModelPort;
  /** Payload encryption; `PlaintextCipher` only where payloads must be inspected. */
  readonly cipher: PayloadCipher;
  readonly tools?: ToolRegistry;
  readonly middleware?: readonly KernelMiddleware[];
  readonly policy?: KernelPolicyCheck;
  readonly clock?: Clock;
  readonly ids?: IdSource;
  readonly blobs?: BlobStore;
}


type RunRef = { readonly tenant: TenantContext; readonly runId: string };

/**
 * The stateless kernel: every piece of state lives in the event store, so any worker can open any run.
 * @example
 * const kernel = new ArtanaKernel({ store: new MemoryEventStore(), modelPort, cipher: new PlaintextCipher() });
 * const run = await kernel.startRun(tenant, { runId: 'r1' });
 * await run.stepModel({ model: 'm', input: { prompt: 'hi' }, outputSchema: Answer, stepKey: 'answer' });
 * await run.commit();
 */
export class ArtanaKernel {
  readonly tools: ToolRegistry;
  readonly #deps: KernelDeps;

  constructor(options: ArtanaKernelOptions) {
    const middleware = orderMiddleware(options.middleware ?? []);
    options.policy?.validate(middleware);
    this.tools = options.tools ?? new ToolRegistry();
    this.#deps = {
      store: options.store, modelPort: options.modelPort, cipher: options.cipher, tools: this.tools, middleware,
      clock: options.clock ?? systemClock, ids: options.ids ?? randomIds, blobs: options.blobs,
    };
  }

  /** The middleware in execution order. */
  get middleware(): readonly KernelMiddleware[] { return this.#deps.middleware; }

  /** Creates the run (`RunAlreadyExistsError` if it exists) and appends `run_started`; returns its open session. */
  async startRun(tenant: TenantContext, options: StartRunOptions = {}): Promise<RunSession> {
    return new RunSession(await createRun(this.#deps, tenant, options));
  }

  /**
   * Creates the run, or opens it when it exists — completing a half-created one (head written, `run_started` not,
   * after a crash or a throttled write) with these options. For redelivered `start_run` messages and child runs.
   */
  async startOrOpenRun(tenant: TenantContext, options: StartRunOptions & { runId: string }): Promise<RunSession> {
    return new RunSession(await openOrCreateRun(this.#deps, tenant, options));
  }

  /**
   * Opens a session: one head + tail read (`RunNotFoundError`, `TenantMismatchError`, `LedgerIntegrityError`); pass a
   * fresh head you already hold (e.g. from `acquireLease`) to save the head read.
   */
  async openRun(tenant: TenantContext, runId: string, options: { head?: RunHead } = {}): Promise<RunSession> {
    return new RunSession(await SessionCore.open(this.#deps, tenant, runId, options.head));
  }

  /** Every event of the run, decoded (reads the whole ledger: for inspection, not for steps). */
  async loadEvents(tenant: TenantContext, runId: string): Promise<KernelEvent[]> {
    const records = await this.#deps.store.loadEvents(tenant.tenantId, runId);
    return Promise.all(records.map((r) => decodeRecord(this.#deps.cipher, r, this.#deps.blobs)));
  }

  /** Verifies the whole hash chain against the head (truncation detected); needs no decryption. */
  async verifyRun(tenant: TenantContext, runId: string): Promise<LedgerVerification> {
    const head = await this.#deps.store.getHead(tenant.tenantId, runId);
    const records = await this.#deps.store.loadEvents(tenant.tenantId, runId);
    return verifyLedger(records, { tenantId: tenant.tenantId, runId, head: { lastSeq: head.lastSeq, ...(head.lastHash !== undefined ? { lastHash: head.lastHash } : {}) } });
  }

  /** Stateless `stepModel`: opens a session, runs the step, commits the head. */
  async stepModel<S extends $ZodType>(request: RunRef & StepModelRequest<S>): Promise<StepModelResult<output<S>>> {
    return this.#once(request, (run) => run.stepModel(request));
  }

  /** Stateless `stepTool`: opens a session, runs the step, commits the head. */
  async stepTool(request: RunRef & StepToolRequest): Promise<StepToolResult> {
    return this.#once(request, (run) => run.stepTool(request));
  }

  /** Stateless `reconcileTool`. */
  async reconcileTool(request: RunRef & StepToolRequest): Promise<StepToolResult> {
    return this.#once(request, (run) => run.reconcileTool(request));
  }

  async #once<T>(ref: RunRef, action: (run: RunSession) => Promise<T>): Promise<T> {
    const run = await this.openRun(ref.tenant, ref.runId);
    try {
      return await action(run);
    } finally {
      await run.commit();
    }
  }
}
