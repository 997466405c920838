import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalPayloadCipher } from '../../lib/crypto/index.js';
import { ConfigurationError, DecryptionError } from '../../lib/errors.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);
const ctx = (tenantId: string, seq = 1, runId = 'r1') => ({ tenantId, runId, seq });

describe('LocalPayloadCipher', () => {
  let dir = '';
  beforeEach(async () => { dir = await mkdtemp(path.join(tmpdir(), 'artana-key-')); });
  afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

  describe('when sealing and opening in memory', () => {
    it('round-trips a payload in the A256GCM envelope with a local key id', async () => {
      const cipher = LocalPayloadCipher.inMemory();
      const sealed = await cipher.seal(bytes('hello'), ctx('t1'));
      expect(sealed).toMatchObject({ alg: 'A256GCM', keyId: `local:${cipher.fingerprint}:t1` });
      expect(Buffer.from(sealed.iv ?? '', 'base64')).toHaveLength(12);
      expect(sealed.bytes).toHaveLength(5 + 16);
      expect(text(await cipher.open(sealed, ctx('t1')))).toBe('hello');
    });

    it('derives different data keys per tenant so a payload cannot be opened as another tenant', async () => {
      const cipher = LocalPayloadCipher.inMemory();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1'));
      await expect(cipher.open(sealed, ctx('t2'))).rejects.toBeInstanceOf(DecryptionError);
      await expect(cipher.open({ ...sealed, keyId: `local:${cipher.fingerprint}:t2` }, ctx('t2'))).rejects.toBeInstanceOf(DecryptionError);
    });

    it('fails when a bit is flipped or the payload is moved to another seq or run', async () => {
      const cipher = LocalPayloadCipher.inMemory();
      const sealed = await cipher.seal(bytes('secret'), ctx('t1'));
      const flipped = Uint8Array.from(sealed.bytes);
      flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x80;
      await expect(cipher.open({ ...sealed, bytes: flipped }, ctx('t1'))).rejects.toBeInstanceOf(DecryptionError);
      await expect(cipher.open(sealed, ctx('t1', 2))).rejects.toBeInstanceOf(DecryptionError);
      await expect(cipher.open(sealed, ctx('t1', 1, 'r2'))).rejects.toBeInstanceOf(DecryptionError);
    });

    it('fails when opened under another master key', async () => {
      const sealed = await LocalPayloadCipher.inMemory().seal(bytes('secret'), ctx('t1'));
      await expect(LocalPayloadCipher.inMemory().open(sealed, ctx('t1'))).rejects.toBeInstanceOf(DecryptionError);
    });
  });

  describe('when using a key file', () => {
    it('creates the key file with mode 0600 on first use and reuses it across instances', async () => {
      const file = path.join(dir, 'nested', 'payload.key');
      const first = await LocalPayloadCipher.fromKeyFile(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const sealed = await first.seal(bytes('persisted'), ctx('t1'));
      const contents = await readFile(file, 'utf8');
      const second = await LocalPayloadCipher.fromKeyFile(file);
      expect(second.fingerprint).toBe(first.fingerprint);
      expect(text(await second.open(sealed, ctx('t1')))).toBe('persisted');
      expect(await readFile(file, 'utf8')).toBe(contents);
    });

    it('refuses a key file readable by group or others with a ConfigurationError', async () => {
      const file = path.join(dir, 'payload.key');
      await LocalPayloadCipher.fromKeyFile(file);
      await chmod(file, 0o644);
      const error = await LocalPayloadCipher.fromKeyFile(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(String(error)).toContain('chmod 600');
    });

    it('refuses a key file that does not hold a 256-bit key', async () => {
      const file = path.join(dir, 'payload.key');
      await writeFile(file, 'c2hvcnQ=\n', { mode: 0o600 });
      await expect(LocalPayloadCipher.fromKeyFile(file)).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});
