import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../lib/crypto/index.js';
import { verifySeal } from '../../lib/crypto/ledger-seal.js';
import { LocalLedgerSigner } from '../../lib/crypto/ledger-signer-local.js';
import { crashOnceBeforeAppend } from '../../lib/runtime/local/crash-injection.js';
import { handleRecord } from '../../lib/runtime/step-handler.js';
import { drive, memoryWorker, sqsRecord, type MemoryWorker } from '../helpers/memory-worker.js';
import { tenant } from './ledger-seal-fixtures.js';

const start = (runId: string) => ({ type: 'start_run' as const, tenantId: 'acme', runId, harness: 'report', input: { topic: 'ledgers' } });

async function sealOf(w: MemoryWorker, runId: string, signer: LocalLedgerSigner) {
  const records = await w.store.loadEvents('acme', runId);
  const events = await w.deps.kernel.loadEvents(tenant(), runId);
  return { records, seals: records.filter((r) => r.eventType === 'ledger_sealed').length, check: await verifySeal(events, signer.verifier()) };
}

describe('step worker with a ledger signer', () => {
  describe('when a run completes', () => {
    it('seals it once, as the last event, and the head covers the seal', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const w = await memoryWorker({ signer });
      await drive(w, [start('r1')]);
      const { records, seals, check } = await sealOf(w, 'r1', signer);
      expect(seals).toBe(1);
      expect(records.at(-1)?.eventType).toBe('ledger_sealed');
      expect(check).toMatchObject({ sealed: true, valid: true });
      const head = await w.store.getHead('acme', 'r1');
      expect(head).toMatchObject({ status: 'completed', lastSeq: records.length, lastHash: records.at(-1)?.hash });
      expect(verifyLedger(records, { head }).valid).toBe(true);
    });

    it('does not seal again when the last message is redelivered', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const w = await memoryWorker({ signer });
      await drive(w, [start('r1')]);
      const sealedAt = (await w.store.loadEvents('acme', 'r1')).length;
      await handleRecord(w.deps, sqsRecord(JSON.stringify(start('r1')), 'm-initial-0', 2));
      const { records, seals } = await sealOf(w, 'r1', signer);
      expect(seals).toBe(1);
      expect(records).toHaveLength(sealedAt);
    });
  });

  describe('when the worker crashes between the last session and the seal', () => {
    it('seals the run on redelivery', async () => {
      const signer = LocalLedgerSigner.inMemory();
      const w = await memoryWorker({ signer, wrapStore: (store) => crashOnceBeforeAppend(store, { eventType: 'ledger_sealed' }) });
      const { failures } = await drive(w, [start('r1')]);
      expect(failures).toBe(1);
      const { seals, check } = await sealOf(w, 'r1', signer);
      expect(seals).toBe(1);
      expect(check).toMatchObject({ sealed: true, valid: true });
      expect((await w.store.getHead('acme', 'r1')).status).toBe('completed');
    });
  });

  describe('when no signer is configured', () => {
    it('leaves the run unsealed', async () => {
      const w = await memoryWorker();
      await drive(w, [start('r1')]);
      expect((await sealOf(w, 'r1', LocalLedgerSigner.inMemory())).check).toEqual({ sealed: false, valid: true });
    });
  });
});
