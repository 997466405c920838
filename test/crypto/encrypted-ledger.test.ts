import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashRecord, KmsPayloadCipher, LocalPayloadCipher, MemoryWrappedKeyStore, openPayload, sealPayload, verifyLedger,
  type PayloadCipher,
} from '../../lib/crypto/index.js';
import { DecryptionError } from '../../lib/errors.js';
import type { LedgerRecord } from '../../lib/models/index.js';
import { fakeKms, KMS_KEY_ARN } from './fake-kms.js';

async function encryptedLedger(cipher: PayloadCipher, tenantId: string, runId: string, length: number): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  for (let seq = 1; seq <= length; seq += 1) {
    const prev = records.at(-1);
    const base = {
      eventId: randomUUID(), runId, tenantId, seq, eventType: 'run_summary' as const,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString(),
      ...(prev ? { prevHash: prev.hash } : {}),
      payload: await sealPayload(cipher, { summaryType: 'note', summaryJson: JSON.stringify({ seq, text: 'secret' }) }, { tenantId, runId, seq }),
    };
    records.push({ ...base, hash: hashRecord(base) });
  }
  return records;
}

const ciphers: Array<[string, () => PayloadCipher]> = [
  ['KmsPayloadCipher', () => new KmsPayloadCipher({ client: fakeKms().client, keyId: KMS_KEY_ARN, keyStore: new MemoryWrappedKeyStore() })],
  ['LocalPayloadCipher', () => LocalPayloadCipher.inMemory()],
];

describe.each(ciphers)('an encrypted ledger sealed with %s', (_name, makeCipher) => {
  describe('when verified without any cipher', () => {
    it('verifies, and no stored payload contains the plaintext', async () => {
      const records = await encryptedLedger(makeCipher(), 't1', 'r1', 5);
      expect(verifyLedger(records, { head: { lastSeq: 5, lastHash: records[4]!.hash } })).toEqual({ valid: true, checked: 5 });
      for (const r of records) {
        expect(r.payload.alg).toBe('A256GCM');
        expect(Buffer.from(r.payload.data ?? '', 'base64').toString('utf8')).not.toContain('secret');
      }
    });

    it('reports the seq whose ciphertext was modified', async () => {
      const records = await encryptedLedger(makeCipher(), 't1', 'r1', 4);
      const bytes = Buffer.from(records[2]!.payload.data ?? '', 'base64');
      bytes[0] = bytes[0]! ^ 1;
      const tampered = records.map((r, i) => (i === 2 ? { ...r, payload: { ...r.payload, data: bytes.toString('base64') } } : r));
      expect(verifyLedger(tampered)).toMatchObject({ valid: false, firstInvalidSeq: 3 });
    });
  });

  describe('when opened through openPayload', () => {
    it('returns the payload for its own position and refuses another position', async () => {
      const cipher = makeCipher();
      const records = await encryptedLedger(cipher, 't1', 'r1', 2);
      expect(await openPayload(cipher, records[1]!.payload, { tenantId: 't1', runId: 'r1', seq: 2 }))
        .toEqual({ summaryType: 'note', summaryJson: JSON.stringify({ seq: 2, text: 'secret' }) });
      await expect(openPayload(cipher, records[1]!.payload, { tenantId: 't1', runId: 'r1', seq: 1 }))
        .rejects.toBeInstanceOf(DecryptionError);
    });
  });
});
