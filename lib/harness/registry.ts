import { UnknownHarnessError } from '../errors.js';
import type { HarnessDefinition } from './harness.js';

/**
 * Maps harness names (as sent in `start_run.harness`) to definitions. A deployment registers its harnesses once
 * at module scope; an unknown name is a poison error for that message, never a retry.
 * @example const registry = new HarnessRegistry().register(sampleHarness());
 */
export class HarnessRegistry {
  readonly #harnesses = new Map<string, HarnessDefinition>();

  register(harness: HarnessDefinition): this {
    this.#harnesses.set(harness.name, harness);
    return this;
  }

  get(name: string): HarnessDefinition {
    const harness = this.#harnesses.get(name);
    if (!harness) throw new UnknownHarnessError(`unknown harness '${name}'`, { harness: name, known: this.names() });
    return harness;
  }

  has(name: string): boolean {
    return this.#harnesses.has(name);
  }

  names(): string[] {
    return [...this.#harnesses.keys()].sort();
  }
}
