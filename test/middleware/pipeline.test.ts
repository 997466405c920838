import { describe, expect, it } from 'vitest';
import {
  CapabilityGuardMiddleware,
  defaultMiddlewareStack,
  type KernelMiddleware,
  orderMiddleware,
  PiiScrubberMiddleware,
  QuotaMiddleware,
  runAfterModel,
  runBeforeModel,
  runOnModelError,
  runPrepareModel,
  runPrepareToolRequest,
  runPrepareToolResult,
  SafetyPolicyMiddleware,
} from '../../lib/middleware/index.js';
import { invocation, runFacts, tenant, tool, usage } from './fixtures.js';

const custom = (name: string, hooks: Partial<KernelMiddleware> = {}): KernelMiddleware => ({ name, priority: 4, ...hooks });

const permutations = <T>(items: readonly T[]): T[][] =>
  items.length <= 1 ? [[...items]] : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

describe('orderMiddleware', () => {
  describe('when the built-in middleware is supplied in any order', () => {
    it('orders pii → quota → capability guard → safety → custom for every permutation', () => {
      // Prepare
      const all: KernelMiddleware[] = [
        custom('audit'),
        new SafetyPolicyMiddleware({ tools: {} }),
        new CapabilityGuardMiddleware(),
        new QuotaMiddleware(),
        new PiiScrubberMiddleware(),
      ];
      for (const input of permutations(all)) {
        // Act
        const names = orderMiddleware(input).map((m) => m.name);
        // Assess
        expect(names).toEqual(['pii_scrubber', 'quota', 'capability_guard', 'safety_policy', 'audit']);
      }
    });
  });

  describe('when several middleware share a priority', () => {
    it('keeps their supplied order and leaves the input untouched', () => {
      // Prepare
      const input = [custom('b'), custom('a'), new QuotaMiddleware(), custom('c')];
      // Act
      const ordered = orderMiddleware(input);
      // Assess
      expect(ordered.map((m) => m.name)).toEqual(['quota', 'b', 'a', 'c']);
      expect(input.map((m) => m.name)).toEqual(['b', 'a', 'quota', 'c']);
    });
  });
});

describe('runPrepareModel', () => {
  describe('when two middleware rewrite the prompt', () => {
    it('feeds each output into the next in order', async () => {
      // Prepare
      const chain = [
        custom('upper', { prepareModel: async (i) => ({ ...i, prompt: i.prompt.toUpperCase() }) }),
        custom('suffix', { prepareModel: async (i) => ({ ...i, prompt: `${i.prompt}!` }) }),
      ];
      // Act
      const result = await runPrepareModel(chain, invocation({ prompt: 'hi' }));
      // Assess
      expect(result.prompt).toBe('HI!');
    });
  });
});

describe('runPrepareToolRequest', () => {
  describe('when later middleware return metadata or leave it undefined', () => {
    it('replaces the arguments each time and overrides metadata only with defined values', async () => {
      // Prepare
      const seen: string[] = [];
      const chain = [
        custom('first', { prepareToolRequest: async (d) => ({ argumentsJson: `${d.argumentsJson}1`, amountUsd: 5, intentId: 'i1' }) }),
        custom('second', {
          prepareToolRequest: async (d) => {
            seen.push(d.argumentsJson);
            return { argumentsJson: `${d.argumentsJson}2`, amountUsd: 7, semanticIdempotencyKey: 'k' };
          },
        }),
        custom('third', { prepareToolRequest: async (d) => ({ argumentsJson: `${d.argumentsJson}3` }) }),
      ];
      // Act
      const result = await runPrepareToolRequest(chain, { runId: 'r', tenant: tenant(), toolName: 't', argumentsJson: 'a' });
      // Assess
      expect(seen).toEqual(['a1']);
      expect(result).toEqual({ argumentsJson: 'a123', amountUsd: 7, intentId: 'i1', semanticIdempotencyKey: 'k' });
    });
  });
});

describe('runPrepareToolResult', () => {
  describe('when two middleware rewrite the result', () => {
    it('pipes the string through both in order', async () => {
      // Prepare
      const chain = [
        custom('x', { prepareToolResult: async (d) => `${d.resultJson}x` }),
        custom('y', { prepareToolResult: async (d) => `${d.resultJson}y` }),
      ];
      // Act
      const result = await runPrepareToolResult(chain, { runId: 'r', tenant: tenant(), toolName: 't', resultJson: '' });
      // Assess
      expect(result).toBe('xy');
    });
  });
});

describe('runBeforeModel and runAfterModel', () => {
  describe('when a hook throws', () => {
    it('stops the chain at the throwing hook', async () => {
      // Prepare
      const calls: string[] = [];
      const chain = [
        custom('a', { beforeModel: async () => void calls.push('before-a'), afterModel: async () => { calls.push('after-a'); throw new Error('a'); } }),
        custom('b', { beforeModel: async () => { calls.push('before-b'); throw new Error('b'); }, afterModel: async () => void calls.push('after-b') }),
        custom('c', { beforeModel: async () => void calls.push('before-c') }),
      ];
      // Act
      const before = runBeforeModel(chain, runFacts());
      await expect(before).rejects.toThrow('b');
      const after = runAfterModel(chain, runFacts(), usage(0.01));
      // Assess
      await expect(after).rejects.toThrow('a');
      expect(calls).toEqual(['before-a', 'before-b', 'after-a']);
    });
  });
});

describe('runOnModelError', () => {
  describe('when one cleanup hook throws', () => {
    it('still calls the others and returns what was thrown', async () => {
      // Prepare
      const calls: string[] = [];
      const boom = new Error('cleanup failed');
      const chain = [
        custom('a', { onModelError: async () => { calls.push('a'); throw boom; } }),
        custom('b', { onModelError: async () => void calls.push('b') }),
      ];
      // Act
      const failures = await runOnModelError(chain, runFacts(), undefined, new Error('provider'));
      // Assess
      expect(calls).toEqual(['a', 'b']);
      expect(failures).toEqual([boom]);
    });
  });
});

describe('the default stack through the runners', () => {
  describe('when a model step carries PII and capability-restricted tools', () => {
    it('redacts the prompt and filters the tools in one pass', async () => {
      // Prepare
      const input = invocation({ prompt: 'call 555-123-4567', allowedTools: [tool('pay', 'payments'), tool('search')] });
      // Act
      const result = await runPrepareModel(defaultMiddlewareStack(), input);
      // Assess
      expect(result.prompt).toBe('call [REDACTED_PHONE]');
      expect(result.allowedTools.map((t) => t.name)).toEqual(['search']);
    });
  });
});
