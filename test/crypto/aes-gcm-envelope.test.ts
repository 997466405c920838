import { describe, expect, it } from 'vitest';
import { canonicalJson, envelopeAad } from '../../lib/crypto/index.js';

describe('envelopeAad', () => {
  describe('when given ordinary and unusual identifiers', () => {
    it.each([
      [{ tenantId: 't1', runId: 'r1', seq: 1 }, 'dk_t1_42'],
      [{ tenantId: 'ténant "quoted" \\ \u2028 \u0001 😀', runId: 'run/ü\n', seq: 9_007_199_254_740_991 }, 'local:abc:ténant'],
      [{ tenantId: 'a', runId: 'b', seq: 1.5 }, 'k'],
    ])('equals the RFC 8785 canonical JSON of { v: 1, tenantId, runId, seq, keyId } for %j', (context, keyId) => {
      const expected = canonicalJson({ v: 1, tenantId: context.tenantId, runId: context.runId, seq: context.seq, keyId });
      expect(envelopeAad(context, keyId).toString('utf8')).toBe(expected);
    });
  });
});
