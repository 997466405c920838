/**
 * DynamoDB JSON (a stream record's `NewImage`/`Keys`) → plain values. Lambda delivers binary (`B`) as base64 text;
 * the SDK's GetRecords as bytes: both become `Uint8Array`. Numbers become JS numbers (ledger values are small).
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const toBytes = (v: unknown): Uint8Array => {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return new Uint8Array(Buffer.from(v, 'base64'));
  throw new TypeError('binary attribute is neither base64 text nor bytes');
};

const strings = (v: unknown): string[] => {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw new TypeError('set attribute is not a list of strings');
  return v;
};

/**
 * One attribute value.
 * @example fromAttributeValue({ N: '3' }) // 3
 */
export function fromAttributeValue(value: unknown): unknown {
  if (!isRecord(value)) throw new TypeError('attribute value is not an object');
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S': if (typeof v === 'string') return v; break;
    case 'N': if (typeof v === 'string') return Number(v); break;
    case 'BOOL': if (typeof v === 'boolean') return v; break;
    case 'NULL': return null;
    case 'B': return toBytes(v);
    case 'M': return fromImage(v);
    case 'L': if (Array.isArray(v)) return v.map(fromAttributeValue); break;
    case 'SS': return strings(v);
    case 'NS': return strings(v).map(Number);
    case 'BS': if (Array.isArray(v)) return v.map(toBytes); break;
    default: break;
  }
  throw new TypeError(`unsupported attribute value of type ${type ?? 'none'}`);
}

/**
 * A whole item image.
 * @example fromImage({ runId: { S: 'r1' }, seq: { N: '1' } }) // { runId: 'r1', seq: 1 }
 */
export function fromImage(image: unknown): Record<string, unknown> {
  if (!isRecord(image)) throw new TypeError('item image is not an object');
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fromAttributeValue(v)]));
}
