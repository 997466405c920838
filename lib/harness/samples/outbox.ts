import { mkdir, open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Where the sample's side-effect tool delivers reports. Deduplicates by idempotency key, like a real API should. */
export interface Outbox {
  /** Delivers once per key; a repeat returns the first delivery with `duplicate: true`. */
  deliver(idempotencyKey: string, document: unknown): Promise<{ effectId: string; duplicate: boolean }>;
  /** Every delivery attempt, duplicates included (to prove effects happen once). */
  attempts(): number;
  deliveries(): Promise<number>;
}

/** In-memory outbox (tests, Lambda demo). */
export class MemoryOutbox implements Outbox {
  readonly #delivered = new Map<string, unknown>();
  #attempts = 0;

  async deliver(idempotencyKey: string, document: unknown): Promise<{ effectId: string; duplicate: boolean }> {
    this.#attempts += 1;
    const duplicate = this.#delivered.has(idempotencyKey);
    if (!duplicate) this.#delivered.set(idempotencyKey, document);
    return { effectId: `effect_${idempotencyKey.slice(0, 16)}`, duplicate };
  }

  attempts(): number {
    return this.#attempts;
  }

  async deliveries(): Promise<number> {
    return this.#delivered.size;
  }
}

/** File outbox for the local runtime: one file per idempotency key, created exclusively (`wx`). */
export class FileOutbox implements Outbox {
  readonly #dir: string;
  #attempts = 0;
  #delivered = 0;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async deliver(idempotencyKey: string, document: unknown): Promise<{ effectId: string; duplicate: boolean }> {
    this.#attempts += 1;
    await mkdir(this.#dir, { recursive: true });
    const file = path.join(this.#dir, `${idempotencyKey}.json`);
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(document, null, 2));
      await handle.close();
      this.#delivered += 1;
      return { effectId: `effect_${idempotencyKey.slice(0, 16)}`, duplicate: false };
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'EEXIST') {
        return { effectId: `effect_${idempotencyKey.slice(0, 16)}`, duplicate: true };
      }
      throw error;
    }
  }

  attempts(): number {
    return this.#attempts;
  }

  /** Deliveries made by this process (files already present from earlier runs are not counted). */
  async deliveries(): Promise<number> {
    return this.#delivered;
  }

  /** Every delivery in the directory, including earlier processes'. */
  async allDeliveries(): Promise<number> {
    return (await readdir(this.#dir).catch(() => [])).filter((f) => f.endsWith('.json')).length;
  }
}
