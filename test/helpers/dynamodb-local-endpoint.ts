import { inject } from 'vitest';

/**
 * The endpoint of the DynamoDB Local started by `test/helpers/global-setup.ts`; throws with the reason
 * (for example, Java is missing) when it is not running.
 * @example const client = localDynamoDbClient(dynamoDbLocalEndpoint());
 */
export function dynamoDbLocalEndpoint(): string {
  const endpoint = inject('dynamoDbLocalEndpoint');
  if (!endpoint) throw new Error(`DynamoDB Local is not available: ${inject('dynamoDbLocalError') || 'global setup did not run'}`);
  return endpoint;
}
