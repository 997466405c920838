import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelPermanentError, ModelTimeoutError, ModelTransientError } from '../../lib/errors.js';
import { OpenAIModelPort } from '../../lib/models-providers/index.js';
import type { OpenAIModelPortOptions } from '../../lib/models-providers/index.js';
import { makeRequest, recordingSleep, weatherTool } from './fixtures.js';
import { completion, startScriptedServer } from './scripted-server.js';
import type { ScriptedReply, ScriptedServer } from './scripted-server.js';

const API_KEY = 'sk-test-SECRET-0123456789';
const MODEL = 'gpt-test';
let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(
  replies: readonly ScriptedReply[],
  overrides: Partial<OpenAIModelPortOptions> = {},
): Promise<{ port: OpenAIModelPort; delays: number[]; server: ScriptedServer }> {
  server = await startScriptedServer(replies);
  const { delays, sleep } = recordingSleep();
  const port = new OpenAIModelPort({
    baseUrl: server.baseUrl,
    apiKey: API_KEY,
    model: MODEL,
    prices: { [MODEL]: { inputPerMillionUsd: 1, outputPerMillionUsd: 4 } },
    maxRetries: 2,
    backoff: { initialMs: 100, maxMs: 1_000 },
    timeoutMs: 5_000,
    sleep,
    ...overrides,
  });
  return { port, delays, server };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  );
}

const ok = (content: string, headers: Record<string, string> = { 'x-request-id': 'req-123' }): ScriptedReply => ({
  body: completion(content),
  headers,
});

describe('OpenAIModelPort', () => {
  describe('when the server answers with valid JSON output', () => {
    it('posts a json_schema chat completion with the key as Bearer and returns priced output', async () => {
      const { port, server } = await setup([ok('{"answer":"42"}')]);

      const result = await port.complete(makeRequest());

      expect(result).toMatchObject({
        output: { answer: '42' },
        usage: { promptTokens: 1_000_000, completionTokens: 250_000, costUsd: 2 },
        providerRequestId: 'req-123',
        httpStatus: 200,
        responseId: 'chatcmpl-1',
        apiModeUsed: 'chat',
        attempts: 1,
        repaired: false,
      });
      const [request] = server.requests;
      expect(request?.method).toBe('POST');
      expect(request?.url).toBe('/v1/chat/completions');
      expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(request?.body).toMatchObject({
        model: MODEL,
        messages: [{ role: 'user', content: 'What is the answer?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'output', strict: false, schema: makeRequest().outputSchema } },
      });
    });

    it('maps tools, assistant tool calls and tool messages (P-6)', async () => {
      const { port, server } = await setup([ok('{"answer":"cold"}')]);

      await port.complete(
        makeRequest({
          allowedTools: [weatherTool],
          options: { maxOutputTokens: 100 },
          messages: [
            { role: 'system', content: 'Be brief.' },
            { role: 'user', content: 'Weather?' },
            { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'get_weather', argumentsJson: '{"city":"Oslo"}' }] },
            { role: 'tool', content: '{"temp":3}', toolCallId: 'c1', name: 'get_weather' },
          ],
        }),
      );

      expect(server.requests[0]?.body).toMatchObject({
        max_completion_tokens: 100,
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: JSON.parse(weatherTool.argumentsSchemaJson) } }],
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
          { role: 'tool', content: '{"temp":3}', tool_call_id: 'c1', name: 'get_weather' },
        ],
      });
    });

    it('refuses a tool message without a name before calling the server', async () => {
      const { port, server } = await setup([ok('{"answer":"x"}')]);

      const error = await rejection(
        port.complete(makeRequest({ messages: [{ role: 'tool', content: '{}', toolCallId: 'c1' }] })),
      );

      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(server.requests).toHaveLength(0);
    });

    it('uses the key from apiKeyProvider', async () => {
      const { port, server } = await setup([ok('{"answer":"42"}')], { apiKey: undefined, apiKeyProvider: async () => 'sk-from-provider' });

      await port.complete(makeRequest());

      expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-from-provider');
    });
  });

  describe('when the server rate-limits', () => {
    it('waits for Retry-After seconds and then succeeds', async () => {
      const { port, delays, server } = await setup([
        { status: 429, headers: { 'retry-after': '2' }, body: { error: { message: 'Rate limit reached' } } },
        ok('{"answer":"42"}'),
      ]);

      const result = await port.complete(makeRequest());

      expect(server.requests).toHaveLength(2);
      expect(delays).toEqual([2_000]);
      expect(result.attempts).toBe(2);
    });

    it('understands Retry-After as an HTTP date', async () => {
      const now = Date.parse('2026-01-01T00:00:00Z');
      const { port, delays } = await setup(
        [{ status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' } }, ok('{"answer":"42"}')],
        { now: () => now },
      );

      await port.complete(makeRequest());

      expect(delays).toEqual([3_000]);
    });

    it('caps Retry-After at maxRetryAfterMs and gives up with ModelTransientError', async () => {
      const { port, delays, server } = await setup([{ status: 429, headers: { 'retry-after': '3600' } }], {
        maxRetries: 1,
        maxRetryAfterMs: 5_000,
      });

      const error = await rejection(port.complete(makeRequest()));

      expect(server.requests).toHaveLength(2);
      expect(delays).toEqual([5_000]);
      expect(error).toBeInstanceOf(ModelTransientError);
      expect(error).toMatchObject({ details: { errorCategory: 'transient', httpStatus: 429, attempts: 2 } });
    });
  });

  describe('when the server fails', () => {
    it('retries a 500 with exponential backoff and succeeds', async () => {
      const { port, delays, server } = await setup([{ status: 500 }, { status: 503 }, ok('{"answer":"42"}')]);

      const result = await port.complete(makeRequest());

      expect(server.requests).toHaveLength(3);
      expect(delays).toEqual([100, 200]);
      expect(result.output).toEqual({ answer: '42' });
    });

    it('reports provider_5xx after maxRetries + 1 attempts', async () => {
      const { port, server } = await setup([{ status: 500, headers: { 'x-request-id': 'req-500' } }]);

      const error = await rejection(port.complete(makeRequest()));

      expect(server.requests).toHaveLength(3);
      expect(error).toBeInstanceOf(ModelTransientError);
      expect(error).toMatchObject({ details: { errorCategory: 'provider_5xx', httpStatus: 500, providerRequestId: 'req-500', attempts: 3 } });
    });

    it('does not retry a 400', async () => {
      const { port, server } = await setup([{ status: 400, body: { error: { message: 'bad schema' } } }]);

      const error = await rejection(port.complete(makeRequest()));

      expect(server.requests).toHaveLength(1);
      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(error).toMatchObject({ details: { errorCategory: 'provider_4xx', httpStatus: 400 } });
      expect(String(error)).toContain('bad schema');
    });

    it('times out on a server that never answers, after retries', async () => {
      const { port, server } = await setup([{ hang: true }], { timeoutMs: 50, maxRetries: 1 });

      const error = await rejection(port.complete(makeRequest()));

      expect(server.requests).toHaveLength(2);
      expect(error).toBeInstanceOf(ModelTimeoutError);
      expect(error).toMatchObject({ details: { errorCategory: 'timeout', attempts: 2 } });
    });

    it('maps a refused connection to a network ModelTransientError', async () => {
      const { port, server } = await setup([ok('{}')], { maxRetries: 0 });
      await server.close();

      const error = await rejection(port.complete(makeRequest()));

      expect(error).toBeInstanceOf(ModelTransientError);
      expect(error).toMatchObject({ details: { errorCategory: 'network' } });
    });
  });

  describe('when the body is malformed', () => {
    it('retries a non-JSON 200 body as transient', async () => {
      const { port, server } = await setup([{ body: '<html>gateway</html>' }, ok('{"answer":"42"}')]);

      const result = await port.complete(makeRequest());

      expect(server.requests).toHaveLength(2);
      expect(result.output).toEqual({ answer: '42' });
    });

    it('fails permanently on JSON without choices', async () => {
      const { port, server } = await setup([{ body: { object: 'list', data: [] } }]);

      const error = await rejection(port.complete(makeRequest()));

      expect(server.requests).toHaveLength(1);
      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(String(error)).toContain('no choices');
    });
  });

  describe('when the model output is invalid', () => {
    it('repairs once and marks the result repaired', async () => {
      const { port, server } = await setup([ok('{"answer":'), ok('{"answer":"42"}')]);

      const result = await port.complete(makeRequest());

      expect(result).toMatchObject({ output: { answer: '42' }, repaired: true, attempts: 2 });
      expect(result.usage.promptTokens).toBe(2_000_000);
      expect(server.requests[1]?.body).toMatchObject({
        messages: [
          { role: 'user', content: 'What is the answer?' },
          { role: 'assistant', content: '{"answer":' },
          { role: 'user', content: expect.stringContaining('not valid JSON') },
        ],
      });
    });

    it('throws invalid_output when the repair is invalid too', async () => {
      const { port, server } = await setup([ok('{"answer":1}')]);

      const error = await rejection(port.complete(makeRequest()));

      expect(server.requests).toHaveLength(2);
      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(error).toMatchObject({ details: { errorCategory: 'invalid_output', attempts: 2 } });
    });

    it('treats malformed tool-call arguments as invalid output', async () => {
      const bad = [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '[1,2]' } }];
      const { port, server } = await setup([{ body: completion(null, { toolCalls: bad }) }]);

      const error = await rejection(port.complete(makeRequest({ allowedTools: [weatherTool] })));

      expect(server.requests).toHaveLength(2);
      expect(String(error)).toContain('malformed arguments JSON');
    });
  });

  describe('when the model calls tools', () => {
    it('returns canonical tool calls and output {}', async () => {
      const calls = [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"units":"c","city":"Oslo"}' } }];
      const { port } = await setup([{ body: completion(null, { toolCalls: calls }) }]);

      const result = await port.complete(makeRequest({ allowedTools: [weatherTool] }));

      expect(result.output).toEqual({});
      expect(result.toolCalls).toEqual([{ toolName: 'get_weather', argumentsJson: '{"city":"Oslo","units":"c"}', toolCallId: 'call_1' }]);
    });
  });

  describe('when the API key is rejected', () => {
    it('keeps the key out of the error, its details and its cause chain', async () => {
      const echo = { error: { message: `Incorrect API key provided: ${API_KEY} (Bearer ${API_KEY})` } };
      const { port } = await setup([{ status: 401, body: echo }]);

      const error = await rejection(port.complete(makeRequest()));

      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(String(error)).toContain('Incorrect API key provided');
      expect(inspect(error, { depth: 10 })).not.toContain(API_KEY);
      expect(JSON.stringify(error)).not.toContain(API_KEY);
      expect(inspect(port, { depth: 10 })).not.toContain(API_KEY);
    });
  });
});
