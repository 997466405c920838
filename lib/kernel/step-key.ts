import { ValidationError } from '../errors.js';
import { sha256Hex } from '../crypto/core.js';

/** Lowercases and replaces runs of characters outside `[A-Za-z0-9_]` with `_`, trimming `_` at both ends. */
export function normalizeStepToken(value: string): string {
  return value.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
}

/**
 * Deterministic step keys for one logical flow: `next(label)` yields `${namespace}_${label}_${n}` with a counter per
 * label starting at 1. Keys depend only on the namespace and the order of calls, so a session that replays the same
 * calls in the same order produces the same keys (stable across sessions of the same run).
 * @example const keys = new StepKey('Refactor Auth!'); keys.next('draft/model') // 'refactor_auth_draft_model_1'
 */
export class StepKey {
  readonly namespace: string;
  readonly #counters = new Map<string, number>();

  constructor(namespace: string) {
    const ns = normalizeStepToken(namespace);
    if (!ns) throw new ValidationError('StepKey namespace must contain at least one letter or digit.', { namespace });
    this.namespace = ns;
  }

  next(label: string): string {
    const token = normalizeStepToken(label);
    if (!token) throw new ValidationError('StepKey label must contain at least one letter or digit.', { label });
    const n = (this.#counters.get(token) ?? 0) + 1;
    this.#counters.set(token, n);
    return `${this.namespace}_${token}_${n}`;
  }
}

/**
 * A step key derived from content, stable across sessions: `${prefix}_${sha256(parts joined by \n)[:12]}`.
 * @example stableStepKey('summarize', model, prompt) // 'summarize_1f2e3d4c5b6a'
 */
export function stableStepKey(prefix: string, ...parts: readonly string[]): string {
  const token = normalizeStepToken(prefix);
  if (!token) throw new ValidationError('stableStepKey prefix must contain at least one letter or digit.', { prefix });
  return `${token}_${sha256Hex(parts.join('\n')).slice(0, 12)}`;
}
