import { StepKey } from '../kernel/index.js';

/**
 * Automatic step keys of one harness session: `<harness>_s<session>_<label>_<n>`. The session number comes from
 * the ledger (completed sessions + 1), so a redelivered session regenerates the same keys and replays its
 * recorded calls, while the next session gets fresh keys (fixes the reference's weakness 12).
 */
export class SessionStepKeys {
  readonly #keys: StepKey;
  /** Parent key of everything this session records. */
  readonly parent: string;

  constructor(harnessName: string, session: number) {
    this.#keys = new StepKey(`${harnessName}_s${session}`);
    this.parent = `${this.#keys.namespace}_session`;
  }

  next(label: string): string {
    return this.#keys.next(label);
  }
}
