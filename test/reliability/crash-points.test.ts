import { afterAll, describe, expect, it } from 'vitest';
import { defineSupervisor, type HarnessDefinition } from '../../lib/harness/index.js';
import { reportHarness } from '../../lib/harness/samples/report-harness.js';
import { SimulatedCrash } from '../../lib/runtime/local/crash-injection.js';
import type { StepMessage } from '../../lib/queue/messages.js';
import { Tally } from './record.js';
import {
  buildWorker, deliverAll, expectValidLedger, instrument, instrumentTools, modelOnlyHarness, type Boundary, type BoundaryHook,
} from './support.js';

const tally = new Tally('crash_points');
afterAll(() => tally.record());

interface Shape {
  readonly name: string;
  readonly harness: string;
  readonly harnesses: (outbox: import('../../lib/harness/samples/outbox.js').MemoryOutbox) => HarnessDefinition[];
  /** Runs that must exist and complete (the supervisor's child run included). */
  readonly runs: readonly string[];
  readonly sideEffects: number;
}

const RUN = 'crash-run';
const shapes: readonly Shape[] = [
  { name: 'model only (task harness)', harness: 'model_only', harnesses: () => [modelOnlyHarness('model_only', 2, false)], runs: [RUN], sideEffects: 0 },
  { name: 'model + side-effect tool (reportHarness)', harness: 'report', harnesses: (outbox) => [reportHarness({ outbox })], runs: [RUN], sideEffects: 1 },
  {
    name: 'supervisor with a child run', harness: 'sup',
    harnesses: () => [defineSupervisor({ name: 'sup', models: { default: 'demo-small' }, children: [{ key: 'kid', harness: modelOnlyHarness('kid', 2, false) }] })],
    runs: [RUN, `${RUN}::child::kid`], sideEffects: 0,
  },
];

const start = (harness: string): StepMessage => ({ type: 'start_run', tenantId: 'acme', runId: RUN, harness, input: { topic: 'crash sweeps' } });
const label = (b: Boundary): string => `${b.phase} ${b.port}.${b.method}${b.detail ? `[${b.detail}]` : ''}`;

/** A worker whose every port (store, queue, model, cipher, tenants, tools) reports each boundary crossing to `hook`. */
async function instrumentedWorker(shape: Shape, hook: BoundaryHook) {
  return buildWorker({
    harnesses: (outbox) => shape.harnesses(outbox).map((h) => instrumentTools(h, hook)),
    wrap: (port, name) => instrument(port, name, hook),
  });
}

/**
 * The crash windows where a model call is paid but its terminal is not yet recorded: from just after the model
 * call starts up to the `before` point of the append that carries its `model_terminal`.
 */
function paidButUnrecorded(trace: readonly Boundary[], k: number): boolean {
  for (let i = k; i >= 0; i -= 1) {
    const b = trace[i]!;
    if (b.port === 'store' && b.method === 'append' && b.detail.includes('model_terminal') && (b.phase === 'after' || i < k)) return false;
    if (b.port === 'model' && b.phase === 'before') return i < k;
  }
  return false;
}

describe('crash-point sweep', () => {
  describe.each(shapes)('when the harness is $name', (shape) => {
    it('completes every run with a verified gap-free chain, no re-paid model terminal and one side effect, whatever boundary crashes', async () => {
      // Prepare: enumerate the boundaries of a clean run.
      const trace: Boundary[] = [];
      const clean = await instrumentedWorker(shape, (b) => trace.push(b));
      const cleanDrive = await deliverAll(clean, [start(shape.harness)]);
      expect(cleanDrive.failures).toBe(0);
      const ports = new Set(trace.map((b) => b.port));
      expect([...ports].sort()).toEqual(expect.arrayContaining(['cipher', 'model', 'queue', 'store', 'tenants']));
      if (shape.sideEffects > 0) expect(ports.has('tool')).toBe(true);

      for (let k = 0; k < trace.length; k += 1) {
        await tally.check(async () => {
          const point = `point ${k}: ${label(trace[k]!)}`;
          let seen = 0;
          let crashed = false;
          // Act: crash once at boundary k, then deliver with redelivery until nothing is left.
          const w = await instrumentedWorker(shape, (b) => {
            if (!crashed && seen++ === k) {
              crashed = true;
              throw new SimulatedCrash(`injected at ${label(b)}`);
            }
          });
          const { failures } = await deliverAll(w, [start(shape.harness)]);
          // Assess
          expect(crashed, point).toBe(true);
          // A tool handler that throws is recorded as a tool failure (the registry never throws), not redelivered; a
          // failed tenant-budget settlement after a paid call is absorbed (the reservation stays counted).
          const absorbed = trace[k]!.port === 'tool' || (trace[k]!.port === 'tenants' && trace[k]!.method === 'settle');
          if (!absorbed) expect(failures, point).toBeGreaterThanOrEqual(1);
          let terminals = 0;
          for (const runId of shape.runs) {
            const records = await expectValidLedger(w.store, 'acme', runId, `${point} ${runId}`);
            expect((await w.store.getHead('acme', runId)).status, `${point} ${runId}`).toBe('completed');
            // Paid terminals: the provider answered (a failure recorded before the call, e.g. a crash in the budget
            // reservation, costs nothing and is not a payment).
            terminals += records.filter((r) => r.eventType === 'model_terminal' && (r.meter?.costUsd ?? 0) > 0).length;
          }
          const allowedRepaid = paidButUnrecorded(trace, k) ? 1 : 0;
          expect(w.model.calls, point).toBeGreaterThanOrEqual(terminals);
          expect(w.model.calls - terminals, point).toBeLessThanOrEqual(allowedRepaid);
          expect(await w.outbox.deliveries(), point).toBe(shape.sideEffects);
        });
      }
      expect(tally.passed).toBe(tally.tried);
    });
  });
});
