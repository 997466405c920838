import { canonicalJson, sha256Hex } from '../crypto/core.js';
import type { ChatMessage, ModelCallOptions } from '../models/index.js';

/** The inputs of a model step that replay compares (K-5), after `prepareModel` middleware. */
export interface ModelStepInputs {
  readonly prompt: string;
  readonly messages: readonly ChatMessage[];
  readonly apiMode: NonNullable<ModelCallOptions['apiMode']>;
  readonly reasoningEffort?: ModelCallOptions['reasoningEffort'];
  readonly verbosity?: ModelCallOptions['verbosity'];
  readonly previousResponseId?: string;
}

/** Option fields in the order drift is reported. */
export const OPTION_DRIFT_FIELDS = ['apiMode', 'reasoningEffort', 'verbosity', 'previousResponseId'] as const;

export const optionsOf = (i: ModelStepInputs) => ({
  apiMode: i.apiMode,
  reasoningEffort: i.reasoningEffort ?? null,
  verbosity: i.verbosity ?? null,
  previousResponseId: i.previousResponseId ?? null,
});

/** Canonical JSON of everything replay compares: prompt, messages, options. */
export const canonicalModelInputs = (i: ModelStepInputs): string =>
  canonicalJson({ prompt: i.prompt, messages: i.messages, options: optionsOf(i) });

/**
 * Step-index key of a model step: by step key, or — for keyless calls — by a digest of the exact inputs, so a
 * keyless call replays only an identical earlier call.
 */
export function modelIndexKey(model: string, stepKey: string | undefined, inputs: ModelStepInputs): string {
  const key = stepKey ?? `~${sha256Hex(`${model}\n${canonicalModelInputs(inputs)}`)}`;
  return `model|${model}|${key}`;
}

/** Step-index key of a tool step: step key (empty when keyless) plus tool name and canonical arguments (K-9). */
export function toolIndexKey(toolName: string, argumentsJson: string, stepKey: string | undefined): string {
  return `tool|${stepKey ?? ''}|${sha256Hex(`${toolName}\n${argumentsJson}`)}`;
}

/** Which fields differ between a stored request and the current inputs (empty = exact match). */
export function driftFields(stored: ModelStepInputs, current: ModelStepInputs): string[] {
  const fields: string[] = [];
  if (stored.prompt !== current.prompt) fields.push('prompt');
  if (canonicalJson(stored.messages) !== canonicalJson(current.messages)) fields.push('messages');
  const a = optionsOf(stored);
  const b = optionsOf(current);
  for (const f of OPTION_DRIFT_FIELDS) if (a[f] !== b[f]) fields.push(f);
  return fields;
}
