import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { createServer } from 'node:http2';
import type { Http2Session } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelTimeoutError } from '../../lib/errors.js';
import { BedrockModelPort } from '../../lib/models-providers/index.js';
import { makeRequest, recordingSleep } from './fixtures.js';

/** The real SDK over real HTTP/2 (Bedrock runtime's transport) to a server that never answers. */
async function startSilentServer(): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const sessions = new Set<Http2Session>();
  const server = createServer();
  server.on('session', (session) => sessions.add(session));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('BedrockModelPort', () => {
  describe('when Bedrock never answers', () => {
    it('aborts each attempt at timeoutMs and throws ModelTimeoutError after retries', async () => {
      const server = await startSilentServer();
      close = server.close;
      const client = new BedrockRuntimeClient({
        region: 'us-east-1',
        endpoint: server.endpoint,
        maxAttempts: 1,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      const port = new BedrockModelPort({ client, modelId: 'test.model-v1:0', timeoutMs: 100, maxRetries: 1, sleep: recordingSleep().sleep });

      const error: unknown = await port.complete(makeRequest()).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ModelTimeoutError);
      expect(error).toMatchObject({ details: { errorCategory: 'timeout', attempts: 2 } });
    });
  });
});
