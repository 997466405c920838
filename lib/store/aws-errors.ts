import * as z from 'zod/mini';
import { ConfigurationError, DependencyUnavailableError, PayloadTooLargeError, isKernelError } from '../errors.js';

/** The parts of an AWS SDK v3 service exception the adapters look at. */
const SdkErrorShape = z.object({
  name: z.string(),
  message: z.optional(z.string()),
  code: z.optional(z.string()),
  $metadata: z.optional(z.object({ httpStatusCode: z.optional(z.number()) })),
  $retryable: z.optional(z.object({ throttling: z.optional(z.boolean()) })),
});

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'Throttling', 'RequestLimitExceeded',
  'InternalServerError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException', 'SlowDown',
  'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'TransactionConflictException', 'LimitExceededException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);
const CONFIG_NAMES = new Set(['ResourceNotFoundException', 'AccessDeniedException', 'UnrecognizedClientException', 'NoSuchBucket']);

/** True for the SDK's conditional-write failure. */
export const isConditionalFailure = (e: unknown): boolean => nameOf(e) === 'ConditionalCheckFailedException';

export const nameOf = (e: unknown): string | undefined => {
  const r = SdkErrorShape.safeParse(e);
  return r.success ? r.data.name : undefined;
};

/**
 * Translates an SDK exception into the error hierarchy: throttling, 5xx, timeouts and network failures ⇒
 * `DependencyUnavailableError` (retry); a missing table or bucket, denied access ⇒ `ConfigurationError`;
 * DynamoDB's item-size validation ⇒ `PayloadTooLargeError`. Kernel errors and unknown errors pass through.
 * @example try { await client.send(cmd) } catch (e) { throw translateAwsError(e, 'GetItem') }
 */
export function translateAwsError(e: unknown, operation: string): unknown {
  if (isKernelError(e)) return e;
  const parsed = SdkErrorShape.safeParse(e);
  if (!parsed.success) return e;
  const { name, message = '', code, $metadata, $retryable } = parsed.data;
  const status = $metadata?.httpStatusCode;
  const details = { operation, awsError: name, ...(status !== undefined ? { httpStatusCode: status } : {}) };
  if (RETRYABLE_NAMES.has(name) || (code !== undefined && NETWORK_CODES.has(code)) || $retryable?.throttling
    || (status !== undefined && status >= 500)) {
    return new DependencyUnavailableError(`${operation} failed transiently: ${name}`, details, { cause: e });
  }
  if (name === 'ValidationException' && /item size|size has exceeded/i.test(message)) {
    return new PayloadTooLargeError(`${operation}: item exceeds DynamoDB's 400 KB limit`, details, { cause: e });
  }
  if (CONFIG_NAMES.has(name)) return new ConfigurationError(`${operation} failed: ${name}: ${message}`, details, { cause: e });
  return e;
}

const AttributeValue: z.ZodMiniType<unknown> = z.lazy(() => z.union([
  z.object({ S: z.string() }), z.object({ N: z.string() }), z.object({ B: z.instanceof(Uint8Array) }),
  z.object({ BOOL: z.boolean() }), z.object({ NULL: z.literal(true) }),
  z.object({ M: z.record(z.string(), AttributeValue) }), z.object({ L: z.array(AttributeValue) }),
  z.object({ SS: z.array(z.string()) }), z.object({ NS: z.array(z.string()) }),
]));
const ItemCarrier = z.object({ Item: z.optional(z.record(z.string(), z.unknown())) });

/** The `ALL_OLD` item a failed conditional write carries (DynamoDB, DynamoDB Local; not dynalite), as plain JS. */
export function conditionFailureItem(e: unknown): Record<string, unknown> | undefined {
  const r = ItemCarrier.safeParse(e);
  return r.success && r.data.Item ? nativeMap(r.data.Item) : undefined;
}

function nativeMap(m: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, native(v)]));
}

function native(v: unknown): unknown {
  if (!AttributeValue.safeParse(v).success || typeof v !== 'object' || v === null) return undefined;
  if ('S' in v) return v.S;
  if ('N' in v) return Number(v.N);
  if ('B' in v) return v.B;
  if ('BOOL' in v) return v.BOOL;
  if ('NULL' in v) return null;
  if ('M' in v && typeof v.M === 'object' && v.M !== null) return nativeMap(Object.fromEntries(Object.entries(v.M)));
  if ('L' in v && Array.isArray(v.L)) return v.L.map(native);
  if ('SS' in v && Array.isArray(v.SS)) return new Set(v.SS);
  if ('NS' in v && Array.isArray(v.NS)) return new Set(v.NS.map(Number));
  return undefined;
}
