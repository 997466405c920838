import * as z from 'zod/mini';
import { ValidationError } from '../errors.js';
import { canonicalJson } from '../crypto/core.js';
import type { SessionCore } from './session-core.js';
import type { SummaryRef } from './run-state.js';

export interface SummaryOptions {
  readonly stepKey?: string;
  readonly parentStepKey?: string;
}

/** Appends a `run_summary`; `summary` is stored as is when it is a string, else as canonical JSON. Returns the seq. */
export async function appendSummary(core: SessionCore, summaryType: string, summary: unknown, o: SummaryOptions = {}): Promise<number> {
  if (!summaryType) throw new ValidationError('summaryType must not be empty.');
  const summaryJson = typeof summary === 'string' ? summary : canonicalJson(summary);
  const event = await core.appendSettled({
    eventType: 'run_summary', stepKey: o.stepKey, parentStepKey: o.parentStepKey, payload: { summaryType, summaryJson },
  });
  return event.seq;
}

/** `checkpoint::<name>` summary. */
export async function checkpoint(core: SessionCore, name: string, payload: unknown, o: SummaryOptions = {}): Promise<number> {
  if (!name.trim()) throw new ValidationError('Checkpoint name must not be blank.');
  return appendSummary(core, `checkpoint::${name}`, canonicalJson(payload), o);
}

const ARTIFACT = 'artifact::';

/** `artifact::<key>` summary with envelope `{ value, schemaVersion? }`; the latest one wins. */
export async function setArtifact(core: SessionCore, key: string, value: unknown, o: SummaryOptions & { schemaVersion?: string } = {}): Promise<number> {
  if (!key.trim()) throw new ValidationError('Artifact key must not be blank.');
  const envelope = { value, ...(o.schemaVersion !== undefined ? { schemaVersion: o.schemaVersion } : {}) };
  return appendSummary(core, `${ARTIFACT}${key}`, canonicalJson(envelope), o);
}

const Envelope = z.object({ value: z.unknown() });

function unwrap(ref: SummaryRef): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(ref.summaryJson);
  } catch {
    return ref.summaryJson;
  }
  const env = Envelope.safeParse(parsed);
  return env.success && parsed !== null && typeof parsed === 'object' && 'value' in parsed ? env.data.value : parsed;
}

/** The latest value of an artifact (undefined when never set). */
export function getArtifact(core: SessionCore, key: string): unknown {
  const ref = core.state.summaries[`${ARTIFACT}${key}`];
  return ref ? unwrap(ref) : undefined;
}

/** Latest value per artifact key. */
export function listArtifacts(core: SessionCore): Record<string, unknown> {
  return Object.fromEntries(Object.entries(core.state.summaries)
    .filter(([type]) => type.startsWith(ARTIFACT))
    .map(([type, ref]) => [type.slice(ARTIFACT.length), unwrap(ref)]));
}
