/**
 * Kernel overhead: time per model step through the kernel (MemoryEventStore + PlaintextCipher, fresh step keys)
 * as a ratio to the bare MockModelPort call measured in the same process, plus events and bytes per step.
 */
import * as z from 'zod/mini';
import { performance } from 'node:perf_hooks';
import { PlaintextCipher } from '../lib/crypto/index.js';
import { MemoryEventStore } from '../lib/store/index.js';
import { ArtanaKernel, MockModelPort } from '../lib/kernel/index.js';
import type { ModelRequest } from '../lib/models/index.js';
import type { BenchSection } from './run.js';

const STEPS = 2000;
const Answer = z.object({ answer: z.string() });
const tenant = { tenantId: 'bench', capabilities: [], budgetUsdLimit: 1000 };

async function bareModelCalls(n: number): Promise<number> {
  const port = new MockModelPort({ output: { answer: 'ok' } });
  const request: ModelRequest = { runId: 'r', tenantId: 'bench', model: 'm', prompt: 'p', messages: [{ role: 'user', content: 'p' }], outputSchema: {}, allowedTools: [], options: {} };
  const start = performance.now();
  for (let i = 0; i < n; i += 1) await port.complete({ ...request, prompt: `p${i}` });
  return (performance.now() - start) / n;
}

async function kernelSteps(n: number): Promise<{ msPerStep: number; store: MemoryEventStore; lateVsEarly: number }> {
  const store = new MemoryEventStore();
  const kernel = new ArtanaKernel({ store, modelPort: new MockModelPort({ output: { answer: 'ok' } }), cipher: new PlaintextCipher() });
  const run = await kernel.startRun(tenant, { runId: 'bench-run' });
  const quarter = Math.floor(n / 4);
  const marks: number[] = [];
  const start = performance.now();
  for (let i = 0; i < n; i += 1) {
    if (i % quarter === 0) marks.push(performance.now());
    await run.stepModel({ model: 'm', input: { prompt: `p${i}` }, outputSchema: Answer, stepKey: `step_${i}` });
    if (i % 50 === 49) await run.commit();
  }
  const end = performance.now();
  // Second quarter vs last quarter (the first one includes JIT warm-up): ~1 when step cost does not grow with run length.
  const lateVsEarly = (end - marks[3]!) / (marks[2]! - marks[1]!);
  return { msPerStep: (end - start) / n, store, lateVsEarly };
}

export default async function bench(): Promise<BenchSection> {
  await kernelSteps(200);
  await bareModelCalls(200);
  const bare = await bareModelCalls(STEPS);
  const { msPerStep, store, lateVsEarly } = await kernelSteps(STEPS);
  const records = await store.loadEvents('bench', 'bench-run');
  const modelRecords = records.filter((r) => r.eventType !== 'run_started');
  const bytes = modelRecords.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)), 0);
  const metrics = {
    'kernel.overhead_ratio_vs_model_port': Math.round((msPerStep / bare) * 10) / 10,
    'kernel.events_per_model_step': modelRecords.length / STEPS,
    'kernel.bytes_per_event': Math.round(bytes / modelRecords.length),
    'kernel.late_vs_early_step_time_ratio': Math.round(lateVsEarly * 100) / 100,
  };
  const markdown = [
    `${STEPS} fresh model steps on one run (new step key each), head committed every 50 steps.`,
    'Each step writes `model_requested`, `model_terminal` and the `capability_decision` summary; the ratio compares',
    'one kernel step (prepare, match in the step index, seal, hash, conditional append ×3, output validation) with one',
    'bare `MockModelPort.complete` call, so it measures pure kernel overhead: with a real provider the model call dominates.',
    '`late_vs_early_step_time_ratio` compares the last quarter of the run with the second: the step index keeps a step',
  'O(1) in run length (the Python reference re-reads the whole run per syscall).',
  'Bytes are the JSON size of stored `LedgerRecord`s (envelope, meter, base64 payload).',
  ].join('\n');
  return { title: 'Kernel overhead', command: 'npm run bench -- kernel', metrics, markdown };
}
