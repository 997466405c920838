import * as z from 'zod/mini';
import { PlaintextCipher } from '../../lib/crypto/index.js';
import { MemoryEventStore } from '../../lib/store/index.js';
import type { TenantContext } from '../../lib/models/index.js';
import type { KernelMiddleware } from '../../lib/middleware/middleware-port.js';
import { ArtanaKernel, MockModelPort, ToolRegistry, type Clock, type IdSource, type MockModelPortOptions } from '../../lib/kernel/index.js';

/** A clock that advances one second per read, from a fixed instant. */
export function steppingClock(start = Date.parse('2026-01-01T00:00:00Z')): Clock {
  let t = start;
  return { now: () => new Date((t += 1000)) };
}

export function sequentialIds(prefix = 'id'): IdSource {
  let n = 0;
  return { next: () => `${prefix}${String((n += 1)).padStart(6, '0')}` };
}

export const tenant = (overrides: Partial<TenantContext> = {}): TenantContext => ({
  tenantId: 'tenant_a', capabilities: [], budgetUsdLimit: 10, ...overrides,
});

export const Answer = z.object({ answer: z.string() });

export interface Setup {
  readonly store: MemoryEventStore;
  readonly port: MockModelPort;
  readonly tools: ToolRegistry;
  readonly kernel: ArtanaKernel;
  readonly newKernel: () => ArtanaKernel;
}

export function setup(o: { port?: MockModelPortOptions; middleware?: KernelMiddleware[]; store?: MemoryEventStore; tools?: ToolRegistry } = {}): Setup {
  const store = o.store ?? new MemoryEventStore();
  const port = new MockModelPort(o.port ?? { output: { answer: 'ok' } });
  const tools = o.tools ?? new ToolRegistry();
  const ids = sequentialIds();
  const clock = steppingClock();
  const newKernel = () => new ArtanaKernel({ store, modelPort: port, cipher: new PlaintextCipher(), tools, middleware: o.middleware ?? [], clock, ids });
  return { store, port, tools, kernel: newKernel(), newKernel };
}

export const types = (events: readonly { eventType: string }[]): string[] => events.map((e) => e.eventType);
