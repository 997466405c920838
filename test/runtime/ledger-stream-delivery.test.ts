import { describe, expect, it } from 'vitest';
import { chunkForFirehose, FIREHOSE_LIMITS, type DeliveryEntry } from '../../lib/runtime/ledger-stream-delivery.js';
import { fromImage } from '../../lib/runtime/ledger-stream-image.js';

const entries = (n: number, bytes: number): DeliveryEntry[] => Array.from({ length: n }, (_, i) => ({ id: String(i), data: new Uint8Array(bytes) }));

describe('chunkForFirehose', () => {
  describe('when there are more records than one call takes', () => {
    it('splits at 500 records keeping order', () => {
      const chunks = chunkForFirehose(entries(1001, 10));
      expect(chunks.map((c) => c.length)).toEqual([500, 500, 1]);
      expect(chunks[1]?.[0]?.id).toBe('500');
    });
  });

  describe('when the records are large', () => {
    it('keeps each call within 4 MiB', () => {
      const chunks = chunkForFirehose(entries(9, 1000 * 1024));
      expect(chunks.map((c) => c.length)).toEqual([4, 4, 1]);
      expect(chunks.every((c) => c.reduce((n, e) => n + e.data.byteLength, 0) <= FIREHOSE_LIMITS.maxBatchBytes)).toBe(true);
    });
  });
});

describe('fromImage', () => {
  it('converts every DynamoDB JSON type, with binary from base64 text', () => {
    const image = fromImage({
      s: { S: 'x' }, n: { N: '1.5' }, b: { B: Buffer.from('hi').toString('base64') }, t: { BOOL: true }, z: { NULL: true },
      m: { M: { k: { L: [{ N: '1' }, { S: 'y' }] } } }, ss: { SS: ['a'] }, ns: { NS: ['2'] },
    });
    expect(image).toEqual({ s: 'x', n: 1.5, b: new Uint8Array(Buffer.from('hi')), t: true, z: null, m: { k: [1, 'y'] }, ss: ['a'], ns: [2] });
  });

  it('throws on a value that is not DynamoDB JSON', () => {
    expect(() => fromImage({ a: { X: 1 } })).toThrow('unsupported attribute value of type X');
  });
});
