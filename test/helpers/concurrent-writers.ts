import type { EventStore } from '../../lib/store/event-store-port.js';
import { AppendConflictError } from '../../lib/errors.js';
import { nextRecord } from './records.js';

/**
 * Runs `writers` workers on one run until it holds `target` events. Each loops: read the tail, build the next
 * record on the last hash, append; on `AppendConflictError` it reloads and tries again. Returns wins per writer.
 * @example const wins = await raceWriters(() => store, 't1', 'r1', 20, 60);
 */
export async function raceWriters(
  storeFor: (writer: number) => EventStore, tenantId: string, runId: string, writers: number, target: number,
): Promise<{ wins: number[]; conflicts: number }> {
  let conflicts = 0;
  const wins = await Promise.all(Array.from({ length: writers }, async (_, writer) => {
    const store = storeFor(writer);
    let won = 0;
    for (;;) {
      const { tail } = await store.readRun(tenantId, runId);
      if (tail.length >= target) return won;
      const next = await nextRecord(tenantId, runId, tail.at(-1), { stepKey: `writer-${writer}` });
      try {
        await store.append(tenantId, runId, [next]);
        won++;
      } catch (e) {
        if (!(e instanceof AppendConflictError)) throw e;
        conflicts++;
      }
    }
  }));
  return { wins, conflicts };
}
