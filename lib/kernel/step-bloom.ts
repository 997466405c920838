import { createHash } from 'node:crypto';
import * as z from 'zod/mini';

/**
 * A scalable Bloom filter of step-index keys evicted from the run snapshot. It answers "was this step possibly
 * recorded before?" in ~2 bytes per key at ~0.05% false positives per filter, so the snapshot stays small however long the run
 * is; a hit is confirmed by reading the ledger (see `SessionCore.stepEntry`). Filters double in capacity as they
 * fill, which keeps the overall false-positive rate bounded.
 */
export const StepBloom = z.object({
  filters: z.array(z.object({ bits: z.string(), capacity: z.int().check(z.positive()), count: z.int().check(z.nonnegative()) })),
});
export type StepBloom = z.infer<typeof StepBloom>;

const FIRST_CAPACITY = 512;
// ~0.05% false positives per filter: a false positive costs a read of the run's ledger, so it must stay rare.
const BITS_PER_KEY = 16;
const HASHES = 11;

function positions(key: string, bits: number): number[] {
  const digest = createHash('sha256').update(key).digest();
  const h1 = digest.readUInt32BE(0);
  const h2 = (digest.readUInt32BE(4) | 1) >>> 0;
  return Array.from({ length: HASHES }, (_, i) => (h1 + i * h2) % bits);
}

const bitCount = (capacity: number): number => Math.ceil((capacity * BITS_PER_KEY) / 8) * 8;

/** Adds a key (mutates `bloom`). */
export function bloomAdd(bloom: StepBloom, key: string): void {
  let last = bloom.filters.at(-1);
  if (!last || last.count >= last.capacity) {
    const capacity = last ? last.capacity * 2 : FIRST_CAPACITY;
    last = { bits: Buffer.alloc(bitCount(capacity) / 8).toString('base64'), capacity, count: 0 };
    bloom.filters.push(last);
  }
  const bytes = Buffer.from(last.bits, 'base64');
  for (const p of positions(key, bytes.length * 8)) bytes[p >> 3]! |= 1 << (p & 7);
  last.bits = bytes.toString('base64');
  last.count += 1;
}

/** False means the key was certainly never added; true means it probably was. */
export function bloomHas(bloom: StepBloom | undefined, key: string): boolean {
  if (!bloom) return false;
  return bloom.filters.some((f) => {
    const bytes = Buffer.from(f.bits, 'base64');
    return positions(key, bytes.length * 8).every((p) => ((bytes[p >> 3] ?? 0) & (1 << (p & 7))) !== 0);
  });
}
