import * as z from 'zod/mini';
import { ProviderFailure } from './failure.js';
import type { FailureInfo } from './failure.js';

/** The parts of an SDK (or network) error we classify on; read with zod, never cast. */
const SdkErrorShape = z.object({
  name: z.optional(z.string()),
  message: z.optional(z.string()),
  code: z.optional(z.string()),
  $fault: z.optional(z.string()),
  $metadata: z.optional(
    z.object({ httpStatusCode: z.optional(z.number()), requestId: z.optional(z.string()) }),
  ),
});

const TIMEOUT_NAMES = new Set(['ModelTimeoutException', 'AbortError', 'TimeoutError', 'RequestTimeout']);
const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelNotReadyException',
  'ModelErrorException',
]);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

type Classified = Pick<FailureInfo, 'kind' | 'category'>;

function classify(name: string, code: string | undefined, status: number | undefined): Classified {
  if (TIMEOUT_NAMES.has(name)) return { kind: 'timeout', category: 'timeout' };
  if (TRANSIENT_NAMES.has(name)) {
    return { kind: 'transient', category: status !== undefined && status >= 500 ? 'provider_5xx' : 'transient' };
  }
  if (status !== undefined && status >= 500) return { kind: 'transient', category: 'provider_5xx' };
  if (status !== undefined && status >= 400) return { kind: 'permanent', category: 'provider_4xx' };
  if (code !== undefined && NETWORK_CODES.has(code)) return { kind: 'transient', category: 'network' };
  return { kind: 'permanent', category: 'permanent' };
}

/**
 * Maps a `client.send` rejection onto the failure taxonomy. `timedOut` is true when our own
 * per-attempt signal fired, whatever error the SDK surfaced for the abort.
 */
export function classifyBedrockError(error: unknown, timedOut: boolean): ProviderFailure {
  const shape = SdkErrorShape.safeParse(error);
  const fields = shape.success ? shape.data : {};
  const name = fields.name ?? 'Error';
  const status = fields.$metadata?.httpStatusCode;
  const requestId = fields.$metadata?.requestId;
  const classified: Classified = timedOut ? { kind: 'timeout', category: 'timeout' } : classify(name, fields.code, status);
  return new ProviderFailure(
    {
      ...classified,
      message: `${name}: ${fields.message ?? 'no message'}`,
      ...(status === undefined ? {} : { httpStatus: status }),
      ...(requestId === undefined ? {} : { providerRequestId: requestId }),
    },
    { cause: error },
  );
}
