import * as z from 'zod/mini';
import { ConfigurationError, DecryptionError, DependencyUnavailableError, type KernelError } from '../errors.js';

const SdkError = z.object({
  name: z.string(),
  $fault: z.optional(z.string()),
  $retryable: z.optional(z.unknown()),
  $metadata: z.optional(z.object({ httpStatusCode: z.optional(z.number()) })),
});

/** KMS errors worth retrying: throttling, service faults, timeouts, a key that is briefly unavailable. */
const RETRYABLE = new Set([
  'ThrottlingException', 'KMSInternalException', 'DependencyTimeoutException', 'KeyUnavailableException',
  'ServiceUnavailableException', 'InternalFailure', 'RequestLimitExceeded', 'TimeoutError',
]);

/**
 * Translates a KMS SDK failure into the kernel's taxonomy: throttling, 5xx and network errors are
 * `DependencyUnavailableError` (retry); anything else is `DecryptionError` when opening (the key cannot be
 * unwrapped for this context: access denied, invalid ciphertext, disabled key) and `ConfigurationError` when
 * sealing (the principal may not generate keys for this tenant).
 * @example throw kmsFailure(e, 'Decrypt', { tenantId: 't1' });
 */
export function kmsFailure(error: unknown, operation: 'GenerateDataKey' | 'Decrypt', details: Record<string, unknown>): KernelError {
  const parsed = SdkError.safeParse(error);
  const name = parsed.success ? parsed.data.name : 'UnknownError';
  const status = parsed.success ? parsed.data.$metadata?.httpStatusCode : undefined;
  const context = { ...details, operation, kmsError: name };
  const retryable = !parsed.success || RETRYABLE.has(name) || parsed.data.$fault === 'server'
    || (status !== undefined && (status >= 500 || status === 429)) || parsed.data.$metadata === undefined;
  if (retryable) return new DependencyUnavailableError(`KMS ${operation} is unavailable (${name}).`, context, { cause: error });
  if (operation === 'Decrypt') return new DecryptionError(`KMS refused to unwrap the data key (${name}).`, context, { cause: error });
  return new ConfigurationError(`KMS refused to generate a data key (${name}).`, context, { cause: error });
}
