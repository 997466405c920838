import type { LedgerRecord } from '../../models/index.js';
import type { EventStore } from '../../store/index.js';
import { hookedStore } from '../../store/hooked-store.js';

/** Thrown where a crash is injected: not a KernelError, so the worker treats it as "the process died" (redelivery). */
export class SimulatedCrash extends Error {
  override readonly name = 'SimulatedCrash';
}

/**
 * Wraps a store so that the first append of a chosen event type fails before anything is written — as if the
 * process died right there (e.g. after a side-effect tool ran but before its `tool_completed` was recorded).
 */
export interface CrashPoint {
  readonly eventType: LedgerRecord['eventType'];
  /** Only records whose step key contains this text (e.g. `publish_report`). */
  readonly stepKeyIncludes?: string;
}

const matches = (r: LedgerRecord, at: CrashPoint): boolean =>
  r.eventType === at.eventType && (at.stepKeyIncludes === undefined || (r.stepKey ?? '').includes(at.stepKeyIncludes));

export function crashOnceBeforeAppend(store: EventStore, at: CrashPoint, onCrash?: (runId: string) => void): EventStore {
  let armed = true;
  return hookedStore(store, {
    append: (_tenantId, runId, records) => {
      if (!armed || !records.some((r) => matches(r, at))) return;
      armed = false;
      onCrash?.(runId);
      throw new SimulatedCrash(`injected crash before appending ${at.eventType} to run ${runId}`);
    },
  });
}
