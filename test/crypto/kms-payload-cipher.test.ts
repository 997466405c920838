import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { KmsPayloadCipher, MemoryWrappedKeyStore, type DataKeyCacheLimits } from '../../lib/crypto/index.js';
import { ConfigurationError, DecryptionError, DependencyUnavailableError } from '../../lib/errors.js';
import { fakeKms, kmsError, KMS_KEY_ARN } from './fake-kms.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);
const ctx = (tenantId: string, seq = 1, runId = 'r1') => ({ tenantId, runId, seq });

function setup(cache?: Partial<DataKeyCacheLimits>) {
  const kms = fakeKms();
  const keyStore = new MemoryWrappedKeyStore();
  const clock = { now: 1_000_000 };
  const make = () => new KmsPayloadCipher({ client: kms.client, keyId: KMS_KEY_ARN, keyStore, cache, clock: () => clock.now });
  const generateCalls = () => kms.mock.commandCalls(GenerateDataKeyCommand);
  const decryptCalls = () => kms.mock.commandCalls(DecryptCommand);
  return { kms, keyStore, clock, cipher: make(), make, generateCalls, decryptCalls };
}

describe('KmsPayloadCipher', () => {
  describe('when sealing for one tenant within the cache window', () => {
    it('calls GenerateDataKey once for many seals and stores the wrapped key once', async () => {
      const { cipher, keyStore, generateCalls } = setup();
      const sealed = await Promise.all(Array.from({ length: 50 }, (_, i) => cipher.seal(bytes(`p${i}`), ctx('t1', i + 1))));
      expect(generateCalls()).toHaveLength(1);
      expect(keyStore.size).toBe(1);
      expect(new Set(sealed.map((s) => s.keyId)).size).toBe(1);
      expect(new Set(sealed.map((s) => s.iv)).size).toBe(50);
    });

    it('asks for an AES_256 key under the configured key with encryption context { tenantId }', async () => {
      const { cipher, generateCalls } = setup();
      await cipher.seal(bytes('x'), ctx('t1'));
      expect(generateCalls()[0]?.args[0].input).toEqual({ KeyId: KMS_KEY_ARN, KeySpec: 'AES_256', EncryptionContext: { tenantId: 't1' } });
    });

    it('round-trips the payload and references the stored wrapped key', async () => {
      const { cipher, keyStore } = setup();
      const sealed = await cipher.seal(bytes('hello'), ctx('t1'));
      expect(sealed.alg).toBe('A256GCM');
      expect(sealed.keyId).toMatch(/^dk_t1_\d+$/);
      expect(await keyStore.get(sealed.keyId ?? '')).toMatchObject({ tenantId: 't1', kmsKeyId: KMS_KEY_ARN });
      expect(text(await cipher.open(sealed, ctx('t1')))).toBe('hello');
    });
  });

  describe('when a cache bound is reached', () => {
    it('generates a new data key after maxAgeMs', async () => {
      const { cipher, clock, generateCalls } = setup({ maxAgeMs: 60_000 });
      await cipher.seal(bytes('a'), ctx('t1'));
      clock.now += 59_999;
      await cipher.seal(bytes('b'), ctx('t1'));
      clock.now += 1;
      await cipher.seal(bytes('c'), ctx('t1'));
      expect(generateCalls()).toHaveLength(2);
    });

    it('generates a new data key after maxUses seals', async () => {
      const { cipher, generateCalls, keyStore } = setup({ maxUses: 3 });
      for (let seq = 1; seq <= 7; seq += 1) await cipher.seal(bytes('a'), ctx('t1', seq));
      expect(generateCalls()).toHaveLength(3);
      expect(keyStore.size).toBe(3);
    });

    it('generates a separate data key for each tenant, each with its own context', async () => {
      const { cipher, generateCalls } = setup();
      const a = await cipher.seal(bytes('a'), ctx('t1'));
      const b = await cipher.seal(bytes('b'), ctx('t2'));
      expect(a.keyId).not.toBe(b.keyId);
      expect(generateCalls().map((c) => c.args[0].input.EncryptionContext)).toEqual([{ tenantId: 't1' }, { tenantId: 't2' }]);
    });

    it('unwraps an evicted key again after maxEntries is exceeded', async () => {
      const { cipher, decryptCalls } = setup({ maxEntries: 1 });
      const a = await cipher.seal(bytes('a'), ctx('t1'));
      await cipher.seal(bytes('b'), ctx('t2'));
      expect(text(await cipher.open(a, ctx('t1')))).toBe('a');
      expect(decryptCalls()).toHaveLength(1);
    });
  });

  describe('when opening on a cold cipher', () => {
    it('calls Decrypt exactly once with the tenant context and then serves the key from cache', async () => {
      const { cipher, make, decryptCalls } = setup();
      const sealed = await Promise.all([1, 2, 3].map((seq) => cipher.seal(bytes(`p${seq}`), ctx('t1', seq))));
      const cold = make();
      const opened = await Promise.all(sealed.map((s, i) => cold.open(s, ctx('t1', i + 1))));
      expect(opened.map(text)).toEqual(['p1', 'p2', 'p3']);
      await cold.open(sealed[0]!, ctx('t1', 1));
      expect(decryptCalls()).toHaveLength(1);
      expect(decryptCalls()[0]?.args[0].input).toMatchObject({ KeyId: KMS_KEY_ARN, EncryptionContext: { tenantId: 't1' } });
    });

    it('adopts the unwrapped key for sealing so workers of one tenant share a data key', async () => {
      const { cipher, make, generateCalls } = setup();
      const sealed = await cipher.seal(bytes('a'), ctx('t1', 1));
      const other = make();
      await other.open(sealed, ctx('t1', 1));
      const next = await other.seal(bytes('b'), ctx('t1', 2));
      expect(next.keyId).toBe(sealed.keyId);
      expect(generateCalls()).toHaveLength(1);
    });

    it('does not seal with an unwrapped key older than maxAgeMs', async () => {
      const { cipher, make, clock, generateCalls } = setup({ maxAgeMs: 60_000 });
      const sealed = await cipher.seal(bytes('a'), ctx('t1', 1));
      clock.now += 60_000;
      const other = make();
      expect(text(await other.open(sealed, ctx('t1', 1)))).toBe('a');
      const next = await other.seal(bytes('b'), ctx('t1', 2));
      expect(next.keyId).not.toBe(sealed.keyId);
      expect(generateCalls()).toHaveLength(2);
    });

    it('fails with DecryptionError when the wrapped key was deleted (crypto-shredding)', async () => {
      const { cipher, make, keyStore } = setup();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1'));
      expect(await keyStore.deleteTenantKeys('t1')).toBe(1);
      await expect(make().open(sealed, ctx('t1'))).rejects.toBeInstanceOf(DecryptionError);
    });
  });

  describe('when the payload is moved or tampered with', () => {
    it('refuses another tenant before calling KMS', async () => {
      const { cipher, make, decryptCalls } = setup();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1'));
      await expect(make().open(sealed, ctx('t2'))).rejects.toBeInstanceOf(DecryptionError);
      await expect(cipher.open(sealed, ctx('t2'))).rejects.toBeInstanceOf(DecryptionError);
      expect(decryptCalls()).toHaveLength(0);
    });

    it('fails when a forged key entry claims another tenant, because KMS checks the encryption context', async () => {
      const { cipher, make, keyStore, decryptCalls } = setup();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1'));
      const entry = await keyStore.get(sealed.keyId ?? '');
      const forgedRef = 'dk_t2_1';
      await keyStore.put(forgedRef, { ...entry!, tenantId: 't2' });
      const error = await make().open({ ...sealed, keyId: forgedRef }, ctx('t2')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DecryptionError);
      expect(decryptCalls()[0]?.args[0].input.EncryptionContext).toEqual({ tenantId: 't2' });
    });

    it('fails when one ciphertext bit is flipped', async () => {
      const { cipher } = setup();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1'));
      const flipped = Uint8Array.from(sealed.bytes);
      flipped[0] = flipped[0]! ^ 1;
      await expect(cipher.open({ ...sealed, bytes: flipped }, ctx('t1'))).rejects.toBeInstanceOf(DecryptionError);
    });

    it('fails when ciphertext is swapped to another seq or another run of the same tenant', async () => {
      const { cipher } = setup();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1', 1, 'r1'));
      await expect(cipher.open(sealed, ctx('t1', 2, 'r1'))).rejects.toBeInstanceOf(DecryptionError);
      await expect(cipher.open(sealed, ctx('t1', 1, 'r2'))).rejects.toBeInstanceOf(DecryptionError);
    });
  });

  describe('when KMS fails', () => {
    it('maps ThrottlingException on GenerateDataKey to DependencyUnavailableError', async () => {
      const { cipher, kms } = setup();
      kms.mock.on(GenerateDataKeyCommand).rejects(kmsError('ThrottlingException'));
      await expect(cipher.seal(bytes('a'), ctx('t1'))).rejects.toBeInstanceOf(DependencyUnavailableError);
    });

    it('maps a KMS 5xx on Decrypt to DependencyUnavailableError', async () => {
      const { cipher, make, kms } = setup();
      const sealed = await cipher.seal(bytes('a'), ctx('t1'));
      kms.mock.on(DecryptCommand).rejects(kmsError('KMSInternalException', 500));
      await expect(make().open(sealed, ctx('t1'))).rejects.toBeInstanceOf(DependencyUnavailableError);
    });

    it('maps AccessDeniedException on Decrypt to DecryptionError', async () => {
      const { cipher, make, kms } = setup();
      const sealed = await cipher.seal(bytes('a'), ctx('t1'));
      kms.mock.on(DecryptCommand).rejects(kmsError('AccessDeniedException'));
      await expect(make().open(sealed, ctx('t1'))).rejects.toBeInstanceOf(DecryptionError);
    });

    it('maps AccessDeniedException on GenerateDataKey to ConfigurationError', async () => {
      const { cipher, kms } = setup();
      kms.mock.on(GenerateDataKeyCommand).rejects(kmsError('AccessDeniedException'));
      await expect(cipher.seal(bytes('a'), ctx('t1'))).rejects.toBeInstanceOf(ConfigurationError);
    });
  });

  describe('when configured with a non-positive cache bound', () => {
    it('throws ConfigurationError', () => {
      expect(() => setup({ maxUses: 0 })).toThrow(ConfigurationError);
    });
  });
});
