/**
 * Crypto benchmarks: KMS requests per 1,000 steps (4 workers with their own caches against a counting KMS mock),
 * cipher time against raw AES-256-GCM, and stored payload size against plaintext. `npm run bench -- crypto`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { BenchSection } from './run.js';
import {
  KmsPayloadCipher, MemoryWrappedKeyStore, sealPayload, type CipherContext, type SealedBytes,
} from '../lib/crypto/index.js';
import { fakeKms, KMS_KEY_ARN } from '../test/crypto/fake-kms.js';

const WORKERS = 4;
const TENANTS = ['tenant-a', 'tenant-b'];
const RUNS = 100;
const STEPS = 10;
const SEALS_PER_STEP = 4;

interface KmsSimulation { readonly cold: number; readonly steady: number; readonly batches: number }

/**
 * Replays batches of 100 runs × 10 steps on a simulated clock. Step k of run i runs on worker (i + k) mod 4, so
 * it always opens a tail written by another worker; it then seals 4 payloads. `cold` counts the first batch from
 * empty caches; `steady` averages the later batches of continuous traffic.
 */
async function simulateKms(batchMs: number, batches: number): Promise<KmsSimulation> {
  const kms = fakeKms();
  const keyStore = new MemoryWrappedKeyStore();
  const clock = { now: Date.UTC(2026, 0, 1) };
  const workers = Array.from({ length: WORKERS }, () =>
    new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore, clock: () => clock.now }));
  const perBatch: number[] = [];
  const payload = new TextEncoder().encode('x'.repeat(512));
  for (let batch = 0; batch < batches; batch += 1) {
    const before = kms.requests();
    const tails = new Map<number, Array<{ sealed: SealedBytes; context: CipherContext }>>();
    for (let step = 0; step < STEPS; step += 1) {
      for (let run = 0; run < RUNS; run += 1) {
        clock.now += batchMs / (RUNS * STEPS);
        const worker = workers[(run + step) % WORKERS]!;
        for (const { sealed, context } of tails.get(run) ?? []) await worker.open(sealed, context);
        const runId = `b${batch}-r${run}`;
        const tail = [];
        for (let i = 1; i <= SEALS_PER_STEP; i += 1) {
          const context = { tenantId: TENANTS[run % TENANTS.length]!, runId, seq: step * SEALS_PER_STEP + i };
          tail.push({ sealed: await worker.seal(payload, context), context });
        }
        tails.set(run, tail);
      }
    }
    perBatch.push(kms.requests() - before);
  }
  kms.mock.restore();
  const later = perBatch.slice(1);
  return { cold: perBatch[0] ?? 0, steady: later.reduce((a, b) => a + b, 0) / later.length, batches };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function rawAesGcm(key: Buffer, plaintext: Uint8Array): Uint8Array {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}

/**
 * Median over interleaved batches of (cipher seal+open time) / (raw AES-256-GCM encrypt+decrypt time); the order
 * alternates per batch (an earlier version always ran raw first and reported 0.8–1.3, an ordering artifact).
 */
async function cipherRatio(): Promise<{ ratio: number; rawMicros: number; cipherMicros: number }> {
  const kms = fakeKms();
  const cipher = new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore: new MemoryWrappedKeyStore() });
  const plaintext = randomBytes(2048);
  const key = randomBytes(32);
  const context = { tenantId: 'tenant-a', runId: 'run-0001', seq: 42 };
  await cipher.open(await cipher.seal(plaintext, context), context); // warm the data-key cache
  const iterations = 2_000;
  const ratios: number[] = [];
  const raws: number[] = [];
  const ciphers: number[] = [];
  const timeRaw = (): number => {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i += 1) rawAesGcm(key, plaintext);
    return performance.now() - t0;
  };
  const timeCipher = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i += 1) await cipher.open(await cipher.seal(plaintext, context), context);
    return performance.now() - t0;
  };
  for (let batch = 0; batch < 41; batch += 1) {
    // Alternate which side runs first, so garbage collection left by one side does not always land on the other.
    let raw: number;
    let sealed: number;
    if (batch % 2 === 0) {
      raw = timeRaw();
      sealed = await timeCipher();
    } else {
      sealed = await timeCipher();
      raw = timeRaw();
    }
    if (batch === 0) continue; // warm-up
    raws.push((raw * 1000) / iterations);
    ciphers.push((sealed * 1000) / iterations);
    ratios.push(sealed / raw);
  }
  kms.mock.restore();
  return { ratio: median(ratios), rawMicros: median(raws), cipherMicros: median(ciphers) };
}

/** Stored payload JSON (as `sealPayload` produces it) against the plaintext JSON, for a payload of ~`size` bytes. */
async function storedRatio(size: number): Promise<{ plain: number; stored: number }> {
  const kms = fakeKms();
  const cipher = new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore: new MemoryWrappedKeyStore() });
  const filler = randomBytes(size).toString('base64').slice(0, size - 40);
  const payload = { summaryType: 'note', summaryJson: filler };
  const stored = await sealPayload(cipher, payload, { tenantId: 'tenant-a', runId: 'run-0001', seq: 7 });
  kms.mock.restore();
  return { plain: Buffer.byteLength(JSON.stringify(payload)), stored: Buffer.byteLength(JSON.stringify(stored)) };
}

const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

export default async function bench(): Promise<BenchSection> {
  const rates = [
    { label: '1,000 steps per minute', batchMs: 60_000 },
    { label: '1,000 steps per 10 seconds', batchMs: 10_000 },
    { label: '1,000 steps per 5 minutes', batchMs: 300_000 },
  ];
  const sims = [];
  for (const rate of rates) sims.push({ ...rate, ...(await simulateKms(rate.batchMs, 60)) });
  const headline = sims[0]!;
  const timing = await cipherRatio();
  const sizes = [200, 2_048, 20_480];
  const stored = [];
  for (const size of sizes) stored.push({ size, ...(await storedRatio(size)) });
  const at2k = stored[1]!;
  const kmsRows = sims.map((s) => `| ${s.label} | ${s.cold} | ${round(s.steady)} | ${s.batches} |`).join('\n');
  const sizeRows = stored.map((s) => `| ${s.plain} | ${s.stored} | ${round(s.stored / s.plain, 3)} |`).join('\n');
  return {
    title: 'Crypto: KMS requests, cipher cost, stored bytes',
    command: 'npm run bench -- crypto',
    metrics: {
      'crypto.kms_requests_per_1000_steps': round(headline.steady),
      'crypto.kms_requests_first_1000_steps_cold': headline.cold,
      'crypto.cipher_ratio_vs_raw_aes_gcm': round(timing.ratio, 3),
      'store.stored_bytes_ratio_vs_plaintext': round(at2k.stored / at2k.plain, 3),
    },
    markdown: [
      `**KMS requests** (GenerateDataKey + Decrypt, counted by an aws-sdk-client-mock KMS): ${RUNS} runs × ${STEPS} steps per batch,`,
      `${TENANTS.length} tenants, ${WORKERS} workers each with its own \`KmsPayloadCipher\` cache (5 min, 100 entries, 100k uses);`,
      `step k of run i runs on worker (i + k) mod ${WORKERS}, opens the run's tail (written by another worker) and seals ${SEALS_PER_STEP} payloads.`,
      'Simulated clock; 60 consecutive batches (60,000 steps) per rate. The metric is the steady-state average (batches after the first) at 1,000 steps per minute.',
      '',
      '| traffic | first 1,000 steps (cold caches) | steady state per 1,000 steps | batches |',
      '|---|---|---|---|',
      kmsRows,
      '',
      'Each 5-minute window costs a roughly fixed number of requests (a few new keys per tenant and their unwraps by the other workers;',
      'workers adopt the newest tenant key they unwrap, so they converge on one data key per tenant), whatever the traffic. So the ratio',
      'falls with traffic: the cold first batch and low traffic (1,000 steps per 5 minutes) exceed the target of 5.',
      '',
      `**Cipher cost**: seal + open of a 2 KB payload through \`KmsPayloadCipher\` (cached key, JCS additional data) vs raw \`node:crypto\``,
      `AES-256-GCM encrypt + decrypt (random IV, no AAD), interleaved batches of 2,000 with alternating order, median of 40: ${round(timing.cipherMicros)} µs vs`,
      `${round(timing.rawMicros)} µs per payload. The ≤ 1.1 target is missed: the envelope (AAD, key-cache lookup, base64 IV, tag`,
      'handling, two async hops) adds a few µs per payload — three orders of magnitude below the DynamoDB write that stores it.',
      'IVs are drawn from the CSPRNG in blocks of 1,024 (a `randomBytes` call per IV cost ~2 µs, a third of the overhead); the raw',
      'baseline still calls `randomBytes(12)` per payload.',
      '',
      '**Stored bytes**: `JSON.stringify` of the `StoredPayload` that `sealPayload` returns (base64 ciphertext‖tag, iv, keyId, digest) vs the plaintext JSON.',
      '',
      '| plaintext JSON bytes | stored bytes | ratio |',
      '|---|---|---|',
      sizeRows,
      '',
      'Base64 costs 4/3; the fixed part (keyId, iv, digest, field names) is ~170 bytes, which dominates at 200 B.',
    ].join('\n'),
  };
}
