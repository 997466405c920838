import type { KernelEvent } from '../models/index.js';
import type { StepIndexEntry } from './run-state.js';
import { modelIndexKey, toolIndexKey } from './step-index.js';

/** Event types that make up a step's index entry. */
export const STEP_EVENT_TYPES: ReadonlySet<string> = new Set(['model_requested', 'model_terminal', 'replayed_with_drift', 'tool_requested', 'tool_completed']);

const indexKeyOf = (e: KernelEvent): string | undefined => {
  if (e.eventType === 'model_requested') return modelIndexKey(e.payload.model, e.stepKey, e.payload);
  if (e.eventType === 'tool_requested') return toolIndexKey(e.payload.toolName, e.payload.argumentsJson, e.stepKey);
  return undefined;
};

/**
 * Rebuilds the index entry of `key` from a step's events (ascending seq): its latest request, that request's
 * latest terminal or completion, and its drift markers — what the fold would have kept had it not been evicted.
 */
export function rebuildStepEntry(key: string, events: readonly KernelEvent[]): StepIndexEntry | undefined {
  let entry: StepIndexEntry | undefined;
  for (const e of events) {
    if (indexKeyOf(e) === key && (e.eventType === 'model_requested' || e.eventType === 'tool_requested')) {
      entry = { kind: e.eventType === 'model_requested' ? 'model' : 'tool', requestSeq: e.seq, requestEventId: e.eventId, ...(entry?.driftMarks ? { driftMarks: entry.driftMarks } : {}) };
      continue;
    }
    if (!entry) continue;
    const source = e.eventType === 'model_terminal' ? e.payload.sourceModelRequestedEventId
      : e.eventType === 'tool_completed' ? e.payload.requestId
        : e.eventType === 'replayed_with_drift' ? e.payload.sourceModelRequestedEventId : undefined;
    if (source !== entry.requestEventId) continue;
    if (e.eventType === 'replayed_with_drift') {
      entry = { ...entry, driftMarks: [...(entry.driftMarks ?? []), e.payload.forkRunId ? `fork:${e.payload.forkRunId}` : e.payload.replayPolicy] };
    } else {
      entry = { ...entry, completionSeq: e.seq };
    }
  }
  return entry;
}
