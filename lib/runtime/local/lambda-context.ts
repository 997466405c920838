import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** Options of {@link createLambdaContext}. */
export interface LambdaContextOptions {
  functionName: string;
  /** The function timeout; `getRemainingTimeInMillis` counts down from it. */
  functionTimeoutMs: number;
  region: string;
  memoryLimitInMB?: number;
  /** Milliseconds clock; `Date.now` by default. */
  now?: () => number;
}

/**
 * A Lambda-like invocation `Context` for the local event source: a fresh `awsRequestId`, a local
 * ARN and log names, and `getRemainingTimeInMillis()` counting down from `functionTimeoutMs`
 * (never below 0). The deprecated `done/fail/succeed` are no-ops.
 * @example
 * const context = createLambdaContext({ functionName: 'step-worker', functionTimeoutMs: 60_000, region: 'us-east-1' });
 * context.getRemainingTimeInMillis(); // ≈ 60000
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const now = options.now ?? (() => Date.now());
  const deadline = now() + options.functionTimeoutMs;
  const requestId = randomUUID();
  const day = new Date(now()).toISOString().slice(0, 10).replaceAll('-', '/');
  const ignore = (): void => undefined;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: options.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:000000000000:function:${options.functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 1024),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `${day}/[$LATEST]${requestId.replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: ignore,
    fail: ignore,
    succeed: ignore,
  };
}
