const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Resolves `a.b.c` through nested objects (never arrays). Missing keys and empty segments resolve to undefined.
 * @example resolveDottedPath({ payment: { amount: 5 } }, 'payment.amount') // 5
 */
export function resolveDottedPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (segment === '' || !isRecord(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

export const isJsonObject = isRecord;
