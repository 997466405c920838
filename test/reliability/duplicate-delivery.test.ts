import { afterAll, describe, expect, it } from 'vitest';
import { dispositionOf } from '../../lib/runtime/step-handler.js';
import type { StepMessage } from '../../lib/queue/messages.js';
import { Tally } from './record.js';
import { buildWorker, expectValidLedger, pollConcurrently, prng } from './support.js';

const tally = new Tally('duplicate_delivery');
afterAll(() => tally.record());

const RUNS = 12;

describe('duplicate delivery with concurrent pollers', () => {
  describe.each([1, 2, 3])('when every message reaches 4 pollers 2–3 times in a shuffled order (seed %i)', (seed) => {
    it('completes every run once: no duplicate side effect, no seq gap, no fork, one model call per step', async () => {
      // Prepare
      const w = await buildWorker();
      const runIds = Array.from({ length: RUNS }, (_, i) => `dup-${seed}-${i}`);
      const starts: StepMessage[] = runIds.map((runId) => ({ type: 'start_run', tenantId: 'acme', runId, harness: 'report', input: { topic: runId } }));
      // Act
      const { rounds, deliveries, errors } = await pollConcurrently(w, 4, starts, prng(seed));
      // Assess
      expect(rounds).toBeLessThan(200);
      expect(deliveries).toBeGreaterThan(RUNS * 3 * 2);
      expect(errors.map(dispositionOf).filter((d) => d !== 'retry')).toEqual([]);
      let terminals = 0;
      for (const runId of runIds) {
        await tally.check(async () => {
          const records = await expectValidLedger(w.store, 'acme', runId);
          expect((await w.store.getHead('acme', runId)).status, runId).toBe('completed');
          const modelKeys = records.filter((r) => r.eventType === 'model_terminal').map((r) => r.stepKey);
          expect(new Set(modelKeys).size, `${runId}: one terminal per model step`).toBe(modelKeys.length);
          expect(records.filter((r) => r.eventType === 'harness_sleep'), runId).toHaveLength(3);
          terminals += modelKeys.length;
        });
      }
      await tally.check(async () => {
        expect(w.model.calls, 'model calls = recorded terminals').toBe(terminals);
        expect(await w.outbox.deliveries()).toBe(RUNS);
        expect(w.outbox.attempts(), 'side-effect attempts').toBe(RUNS);
      });
    });
  });
});
