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
 * Set `ARTANA_NO_DYNAMODB_LOCAL=1` to skip starting it (those files then fail with that reason). Files that need it
 * are named `*.ddblocal.test.ts`: when the command line selects files and none of them is such a file (for
 * example `vitest run test/cdk`), the server is not started, sparing the Java start-up.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const skipped = process.env['ARTANA_NO_DYNAMODB_LOCAL'] === '1'
    ? 'DynamoDB Local was disabled with ARTANA_NO_DYNAMODB_LOCAL=1'
    : (await selectsNoDdbLocalFile(project)) ? 'no selected test file is a *.ddblocal.test.ts file' : undefined;
  if (skipped) {
    project.provide('dynamoDbLocalEndpoint', '');
    project.provide('dynamoDbLocalError', skipped);
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

/** True when the command line names file filters and none of the files they select needs DynamoDB Local. */
async function selectsNoDdbLocalFile(project: TestProject): Promise<boolean> {
  const filters = process.argv.slice(2).filter((a) => !a.startsWith('-') && !['run', 'watch', 'dev', 'related'].includes(a));
  if (filters.length === 0) return false;
  const { testFiles } = await project.globTestFiles(filters);
  return testFiles.length > 0 && !testFiles.some((f) => f.includes('.ddblocal.'));
}
