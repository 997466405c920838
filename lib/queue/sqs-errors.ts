import * as z from 'zod/mini';
import {
  ConfigurationError,
  DependencyUnavailableError,
  KernelError,
  PayloadTooLargeError,
  ValidationError,
} from '../errors.js';

/** The parts of an SDK (or network) error we classify on; read with zod, never cast. */
const SdkErrorShape = z.object({
  name: z.optional(z.string()),
  message: z.optional(z.string()),
  code: z.optional(z.string()),
  $fault: z.optional(z.string()),
  $metadata: z.optional(z.object({ httpStatusCode: z.optional(z.number()), requestId: z.optional(z.string()) })),
});

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'RequestThrottled',
  'KmsThrottled',
  'ServiceUnavailable',
  'InternalError',
  'InternalFailure',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const MISSING_QUEUE_NAMES = new Set(['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue']);
const TOO_LARGE_NAMES = new Set(['BatchRequestTooLong', 'MessageTooLong']);

/**
 * Translates an SQS SDK rejection into the error hierarchy (only adapters see SDK errors):
 * throttling, 5xx and network failures ⇒ `DependencyUnavailableError` (retry); a missing queue or
 * access problem ⇒ `ConfigurationError`; an oversized body ⇒ `PayloadTooLargeError`; any other
 * 4xx ⇒ `ValidationError`.
 * @example
 * try { await client.send(cmd); } catch (e) { throw toQueueError(e, { operation: 'SendMessage', queueUrl }); }
 */
export function toQueueError(error: unknown, context: Record<string, unknown>): KernelError {
  if (error instanceof KernelError) return error;
  const parsed = SdkErrorShape.safeParse(error);
  const fields = parsed.success ? parsed.data : {};
  const name = fields.name ?? 'Error';
  const status = fields.$metadata?.httpStatusCode;
  const details = { ...context, sdkError: name, ...(status === undefined ? {} : { httpStatus: status }) };
  const message = `SQS ${String(context['operation'] ?? 'call')} failed: ${name}: ${fields.message ?? 'no message'}`;
  const options = { cause: error };
  if (isTransient(name, fields.code, status, fields.$fault)) return new DependencyUnavailableError(message, details, options);
  if (MISSING_QUEUE_NAMES.has(name) || status === 403) return new ConfigurationError(message, details, options);
  if (TOO_LARGE_NAMES.has(name) || status === 413) return new PayloadTooLargeError(message, details, options);
  if (status !== undefined && status >= 400) return new ValidationError(message, details, options);
  return new DependencyUnavailableError(message, details, options);
}

function isTransient(name: string, code: string | undefined, status: number | undefined, fault: string | undefined): boolean {
  if (TRANSIENT_NAMES.has(name)) return true;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (status === undefined && fault === 'server') return true;
  return code !== undefined && NETWORK_CODES.has(code);
}
