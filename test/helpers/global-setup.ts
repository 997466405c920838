import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from './dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the run's one DynamoDB Local, or empty when it could not start (see `dynamoDbLocalError`). */
    dynamoDbLocalEndpoint: string;
    dynamoDbLocalError: string;
  }
}

/**
 * Starts one DynamoDB Local for the whole test run and provides its endpoint to test files via `inject`.
 * A failure to start (no Java) does not break the other tests: the DynamoDB Local files fail with the reason.
 * Set `ARTANA_NO_DYNAMODB_LOCAL=1` to skip starting it (those files then fail with that reason).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  if (process.env['ARTANA_NO_DYNAMODB_LOCAL'] === '1') {
    project.provide('dynamoDbLocalEndpoint', '');
    project.provide('dynamoDbLocalError', 'DynamoDB Local was disabled with ARTANA_NO_DYNAMODB_LOCAL=1');
    return async () => {};
  }
  try {
    const server = await startDynamoDbLocal();
    project.provide('dynamoDbLocalEndpoint', server.endpoint);
    project.provide('dynamoDbLocalError', '');
    return () => server.close();
  } catch (e) {
    project.provide('dynamoDbLocalEndpoint', '');
    project.provide('dynamoDbLocalError', e instanceof Error ? e.message : String(e));
    return async () => {};
  }
}
