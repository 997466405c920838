import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { PlaintextCipher, hashRecord, sealPayload } from '../../lib/crypto/index.js';
import type { LedgerSigner } from '../../lib/crypto/ledger-signer-port.js';
import { ArtanaKernel, MockModelPort, decodeRecord } from '../../lib/kernel/index.js';
import type { KernelEvent, LedgerRecord, TenantContext } from '../../lib/models/index.js';
import { sealRun } from '../../lib/runtime/seal-run.js';
import { MemoryEventStore } from '../../lib/store/index.js';

export const SEAL_KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/5eal5eal-12ab-34cd-56ef-1234567890ab';

// P-256 (secp256r1) domain parameters.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const A = P - 3n;
const G = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};
type Point = { x: bigint; y: bigint } | undefined;
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
const inv = (a: bigint, m: bigint): bigint => {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) { const q = r0 / r1; [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1]; }
  return mod(s0, m);
};
const add = (p: Point, q: Point): Point => {
  if (!p) return q;
  if (!q) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return undefined;
  const l = p.x === q.x ? mod((3n * p.x * p.x + A) * inv(2n * p.y, P), P) : mod((q.y - p.y) * inv(q.x - p.x, P), P);
  const x = mod(l * l - p.x - q.x, P);
  return { x, y: mod(l * (p.x - x) - p.y, P) };
};
const mul = (k: bigint, p: Point): Point => {
  let result: Point;
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit -= 1n) {
    result = add(result, result);
    if ((k >> bit) & 1n) result = add(result, p);
  }
  return result;
};
const big = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const derInt = (v: bigint): Buffer => {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let b = Buffer.from(hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
};

/**
 * ECDSA P-256 over a precomputed digest, as KMS does for `MessageType: 'DIGEST'` (node:crypto always hashes the
 * message, so it cannot). The signature is real: node:crypto verifies it with the public key.
 */
export function signDigestP256(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const d = big(Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url'));
  const z = big(digest);
  for (;;) {
    const k = mod(big(randomBytes(32)), N);
    if (k === 0n) continue;
    const r = mod(mul(k, G)?.x ?? 0n, N);
    const s = mod(inv(k, N) * (z + r * d), N);
    if (r === 0n || s === 0n) continue;
    const body = Buffer.concat([derInt(r), derInt(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}

/** KMS on aws-sdk-client-mock with a real P-256 key: `Sign` (DIGEST, ECDSA_SHA_256) and `GetPublicKey` (SPKI DER). */
export function fakeSealKms() {
  const client = new KMSClient({ region: 'us-east-1' });
  const mock = mockClient(client);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  mock.on(SignCommand).callsFake((input: { Message?: Uint8Array; MessageType?: string; SigningAlgorithm?: string }) => {
    if (input.MessageType !== 'DIGEST' || input.SigningAlgorithm !== 'ECDSA_SHA_256' || input.Message?.byteLength !== 32) {
      throw new Error('unexpected Sign input');
    }
    return { KeyId: SEAL_KEY_ARN, Signature: Uint8Array.from(signDigestP256(privateKey, input.Message)), SigningAlgorithm: 'ECDSA_SHA_256' };
  });
  const publicKeyResponse = {
    KeyId: SEAL_KEY_ARN, KeySpec: 'ECC_NIST_P256' as const, KeyUsage: 'SIGN_VERIFY' as const, SigningAlgorithms: ['ECDSA_SHA_256' as const],
    PublicKey: Uint8Array.from(publicKey.export({ format: 'der', type: 'spki' })),
  };
  mock.on(GetPublicKeyCommand).resolves(publicKeyResponse);
  return { client, mock, publicKeyResponse };
}

export const tenant = (tenantId = 'acme'): TenantContext => ({ tenantId, capabilities: [], budgetUsdLimit: 1 });
const cipher = new PlaintextCipher();

/** A kernel over an in-memory ledger (plaintext payloads, so a test can play the attacker). */
export function sealKernel() {
  const store = new MemoryEventStore();
  const kernel = new ArtanaKernel({ store, cipher, modelPort: new MockModelPort({ output: {} }) });
  return { store, kernel };
}

/** Starts a run, appends `stages` events and seals it; returns the raw records and decoded events. */
export async function sealedRun(signer: LedgerSigner, o: { runId?: string; tenantId?: string; stages?: number } = {}) {
  const { store, kernel } = sealKernel();
  const t = tenant(o.tenantId);
  const run = await kernel.startRun(t, { runId: o.runId ?? 'r1' });
  for (let i = 0; i < (o.stages ?? 3); i += 1) await run.appendEvent('harness_stage', { stage: `s${i}` });
  const result = await sealRun(run, signer, store);
  await run.commit();
  return { store, kernel, run, result, tenant: t, records: await store.loadEvents(t.tenantId, run.runId), events: await kernel.loadEvents(t, run.runId) };
}

/** Decodes raw (plaintext) records. */
export const decodeAll = (records: readonly LedgerRecord[]): Promise<KernelEvent[]> => Promise.all(records.map((r) => decodeRecord(cipher, r)));

/**
 * Plays an attacker with write access to the table: replaces payloads (`edits` by seq) and recomputes every prevHash
 * and hash from there on, so the chain verifies again.
 */
export async function rewriteChain(records: readonly LedgerRecord[], edits: ReadonlyMap<number, unknown>): Promise<LedgerRecord[]> {
  const out: LedgerRecord[] = [];
  for (const r of records) {
    const prev = out.at(-1);
    const edit = edits.get(r.seq);
    const payload = edit !== undefined ? await sealPayload(cipher, edit, { tenantId: r.tenantId, runId: r.runId, seq: r.seq }) : r.payload;
    const { hash: _old, ...rest } = r;
    const unhashed = { ...rest, payload, ...(prev ? { prevHash: prev.hash } : {}) };
    out.push({ ...unhashed, hash: hashRecord(unhashed) });
  }
  return out;
}
