import type { ModelRequest, ModelResult, ModelUsage } from '../../models/index.js';
import type { ModelPort } from '../../kernel/ports.js';

/** USD per token of the demo models (roughly a small hosted model's list price). */
const PRICE_PER_TOKEN = 0.000_002;

const usageFor = (request: ModelRequest, completionTokens: number): ModelUsage => {
  const promptTokens = Math.ceil(request.prompt.length / 4);
  return { promptTokens, completionTokens, costUsd: Number(((promptTokens + completionTokens) * PRICE_PER_TOKEN).toFixed(8)) };
};

function outputFor(request: ModelRequest): unknown {
  const p = request.prompt;
  if (p.startsWith('[research]')) return { facts: ['Events are the source of truth.', 'Replay is deterministic.', 'Steps resume after crashes.'] };
  if (p.startsWith('[draft]')) return { title: `Report: ${p.slice(35, 70).trim()}`, body: `This report summarises: ${p.slice(8, 200)}` };
  if (p.startsWith('[verify]')) return { approved: true, notes: 'Clear and accurate.' };
  return { text: `echo: ${p.slice(0, 80)}` };
}

/**
 * The deterministic model behind `npm start` and the tests of the sample harness: answers by prompt tag and
 * charges by prompt length, so cost per tenant is meaningful without a real provider. Counts its calls.
 */
export class DemoModelPort implements ModelPort {
  calls = 0;

  async complete(request: ModelRequest): Promise<ModelResult> {
    this.calls += 1;
    return { output: outputFor(request), usage: usageFor(request, 60), toolCalls: [] };
  }
}
