import { mkdtemp, chmod, stat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../lib/crypto/index.js';
import { verifySeal } from '../../lib/crypto/ledger-seal.js';
import { LocalLedgerSigner, LocalSealVerifier } from '../../lib/crypto/ledger-signer-local.js';
import { sealDigest, sealStatement } from '../../lib/crypto/ledger-signer-port.js';
import { ConfigurationError } from '../../lib/errors.js';
import { sealRun } from '../../lib/runtime/seal-run.js';
import { decodeAll, rewriteChain, sealedRun, tenant } from './ledger-seal-fixtures.js';

const dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });
const tempDir = async () => { const d = await mkdtemp(path.join(tmpdir(), 'artana-seal-')); dirs.push(d); return d; };

describe('sealStatement', () => {
  describe('when a binding is given', () => {
    it('is the JCS of { v: 1, runId, tenantId, seq, headHash } and its digest is 32 bytes', () => {
      const binding = { runId: 'r1', tenantId: 'acme', seq: 4, headHash: 'ab' };
      expect(Buffer.from(sealStatement(binding)).toString('utf8')).toBe('{"headHash":"ab","runId":"r1","seq":4,"tenantId":"acme","v":1}');
      expect(sealDigest(binding)).toHaveLength(32);
    });
  });
});

describe('LocalLedgerSigner', () => {
  describe('when the key file does not exist', () => {
    it('creates an Ed25519 PEM with mode 0600 and loads the same key next time', async () => {
      const file = path.join(await tempDir(), 'nested', 'ledger-signing.pem');
      const first = await LocalLedgerSigner.fromKeyFile(file);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const again = await LocalLedgerSigner.fromKeyFile(file);
      expect(again.keyId).toBe(first.keyId);
      expect(first.keyId).toMatch(/^local:ed25519:[0-9a-f]{16}$/);
      expect((await LocalSealVerifier.fromKeyFile(file)).keyId).toBe(first.keyId);
    });
  });

  describe('when the key file is readable by group or others', () => {
    it('refuses it', async () => {
      const file = path.join(await tempDir(), 'ledger-signing.pem');
      await LocalLedgerSigner.fromKeyFile(file);
      await chmod(file, 0o644);
      await expect(LocalLedgerSigner.fromKeyFile(file)).rejects.toBeInstanceOf(ConfigurationError);
      await expect(LocalSealVerifier.fromKeyFile(file)).rejects.toBeInstanceOf(ConfigurationError);
    });
  });
});

describe('sealRun and verifySeal (local Ed25519)', () => {
  describe('when a completed run is sealed', () => {
    it('appends ledger_sealed as the last event and the seal verifies', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const { events, records, result } = await sealedRun(signer);
      const seal = events.at(-1);
      expect(result).toEqual({ sealed: true, seq: 5 });
      expect(seal?.eventType).toBe('ledger_sealed');
      expect(seal?.payload).toMatchObject({ headHash: records[3]?.hash, keyId: signer.keyId, algorithm: 'ED25519' });
      expect(verifyLedger(records).valid).toBe(true);
      expect(await verifySeal(events, signer.verifier())).toEqual({ sealed: true, valid: true, seq: 5 });
    });

    it('does not seal twice', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const { kernel, store, tenant: t } = await sealedRun(signer);
      const reopened = await kernel.openRun(t, 'r1');
      expect(reopened.events()).toHaveLength(0);
      expect(await sealRun(reopened, signer, store)).toEqual({ sealed: false, reason: 'already_sealed' });
      expect(await store.loadEvents('acme', 'r1')).toHaveLength(5);
    });
  });

  describe('when the ledger has no seal', () => {
    it('reports unsealed and valid', async () => {
      const { events } = await sealedRun(LocalLedgerSigner.inMemory());
      expect(await verifySeal(events.slice(0, -1), LocalLedgerSigner.inMemory().verifier())).toEqual({ sealed: false, valid: true });
    });
  });

  describe('when an attacker rewrites the chain consistently', () => {
    it('passes the chain check but fails the seal, whether or not the sealed head hash is rewritten too', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const { records } = await sealedRun(signer);
      const edited = await rewriteChain(records, new Map([[2, { stage: 'forged' }]]));
      expect(verifyLedger(edited).valid).toBe(true);
      const kept = await verifySeal(await decodeAll(edited), signer.verifier());
      expect(kept).toMatchObject({ sealed: true, valid: false, seq: 5 });
      expect(kept.reason).toMatch(/head hash differs/);

      const sealPayload = (await decodeAll(edited)).at(-1)?.payload;
      const forged = await rewriteChain(edited, new Map([[5, { ...Object(sealPayload), headHash: edited[3]?.hash }]]));
      expect(verifyLedger(forged).valid).toBe(true);
      const resealed = await verifySeal(await decodeAll(forged), signer.verifier());
      expect(resealed).toMatchObject({ sealed: true, valid: false, seq: 5 });
      expect(resealed.reason).toMatch(/signature does not verify/);
    });
  });

  describe('when events are appended after the seal', () => {
    it('is invalid at the first event after it', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const { run, kernel, tenant: t } = await sealedRun(signer);
      await run.appendEvent('harness_stage', { stage: 'late' });
      const v = await verifySeal(await kernel.loadEvents(t, 'r1'), signer.verifier());
      expect(v).toMatchObject({ sealed: true, valid: false, seq: 6 });
      expect(v.reason).toMatch(/after the seal/);
    });
  });

  describe('when a seal is moved to another run', () => {
    it('fails even at the same position with the same head hash', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const a = await sealedRun(signer, { runId: 'run-a' });
      const b = await sealedRun(signer, { runId: 'run-b', stages: 3 });
      const moved = [...b.events.slice(0, -1), { ...b.events.at(-1)!, payload: a.events.at(-1)!.payload }];
      expect((await verifySeal(moved, signer.verifier())).valid).toBe(false);
      const sameHead = moved.map((e, i) => (i === 3 ? { ...e, hash: a.events[3]!.hash } : e));
      const v = await verifySeal(sameHead, signer.verifier());
      expect(v).toMatchObject({ sealed: true, valid: false });
      expect(v.reason).toMatch(/signature does not verify/);
    });

    it('fails when moved to another tenant', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const { events } = await sealedRun(signer);
      const other = events.map((e) => ({ ...e, tenantId: tenant('globex').tenantId }));
      expect((await verifySeal(other, signer.verifier())).valid).toBe(false);
    });
  });

  describe('when the signature or key is tampered with', () => {
    it('fails for a flipped signature bit, another key, or a missing signature', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const { events } = await sealedRun(signer);
      const seal = events.at(-1)!;
      const withPayload = (payload: object) => [...events.slice(0, -1), { ...seal, payload: { ...Object(seal.payload), ...payload } }];
      const sig = Buffer.from(String(Object(seal.payload).signature), 'base64');
      sig[10] = sig[10]! ^ 1;
      expect((await verifySeal(withPayload({ signature: sig.toString('base64') }), signer.verifier())).valid).toBe(false);
      expect((await verifySeal(events, LocalLedgerSigner.inMemory().verifier())).valid).toBe(false);
      const unsigned = [...events.slice(0, -1), { ...seal, payload: { headHash: Object(seal.payload).headHash } }];
      expect(await verifySeal(unsigned, signer.verifier())).toMatchObject({ valid: false, reason: 'the seal is not signed' });
    });
  });
});
