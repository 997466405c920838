import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  InternalServerException,
  ModelTimeoutException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import type { ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { ModelPermanentError, ModelTimeoutError, ModelTransientError } from '../../lib/errors.js';
import { BedrockModelPort } from '../../lib/models-providers/index.js';
import type { BedrockModelPortOptions } from '../../lib/models-providers/index.js';
import { makeRequest, recordingSleep, weatherTool } from './fixtures.js';

const bedrock = mockClient(BedrockRuntimeClient);
const MODEL = 'test.model-v1:0';

function reply(text: string, usage = { inputTokens: 10, outputTokens: 5 }): ConverseCommandOutput {
  return {
    $metadata: { httpStatusCode: 200, requestId: 'req-ok' },
    output: { message: { role: 'assistant', content: [{ text }] } },
    stopReason: 'end_turn',
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
    metrics: { latencyMs: 1 },
  };
}

const throttled = (): ThrottlingException =>
  new ThrottlingException({ message: 'Too many requests', $metadata: { httpStatusCode: 429, requestId: 'req-throttled' } });

function makePort(overrides: Partial<BedrockModelPortOptions> = {}): { port: BedrockModelPort; delays: number[] } {
  const { delays, sleep } = recordingSleep();
  const port = new BedrockModelPort({
    client: new BedrockRuntimeClient({ region: 'us-east-1', maxAttempts: 1 }),
    modelId: MODEL,
    prices: { [MODEL]: { inputPerMillionUsd: 2, outputPerMillionUsd: 10 } },
    maxRetries: 2,
    initialBackoffMs: 100,
    maxBackoffMs: 150,
    timeoutMs: 5_000,
    sleep,
    ...overrides,
  });
  return { port, delays };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  );
}

beforeEach(() => {
  bedrock.reset();
});

describe('BedrockModelPort', () => {
  describe('when building the Converse request', () => {
    it('maps system, conversation turns, tool calls, tool results and toolConfig', async () => {
      // Prepare
      bedrock.on(ConverseCommand).resolves(reply('{"answer":"42"}'));
      const { port } = makePort();
      const request = makeRequest({
        allowedTools: [weatherTool],
        options: { maxOutputTokens: 256, temperature: 0 },
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Weather in Oslo and Bergen?' },
          {
            role: 'assistant',
            content: '',
            toolCalls: [
              { id: 'call-1', name: 'get_weather', argumentsJson: '{"city":"Oslo"}' },
              { id: 'call-2', name: 'get_weather', argumentsJson: '{"city":"Bergen"}' },
            ],
          },
          { role: 'tool', content: '{"temp":3}', toolCallId: 'call-1', name: 'get_weather' },
          { role: 'tool', content: '{"temp":5}', toolCallId: 'call-2', name: 'get_weather' },
        ],
      });

      // Act
      await port.complete(request);

      // Assess
      const input = bedrock.commandCalls(ConverseCommand)[0]?.args[0].input;
      expect(input?.modelId).toBe(MODEL);
      expect(input?.system?.[0]).toEqual({ text: 'You are terse.' });
      expect(input?.system?.[1]?.text).toContain('"required":["answer"]');
      expect(input?.inferenceConfig).toEqual({ maxTokens: 256, temperature: 0 });
      expect(input?.messages).toEqual([
        { role: 'user', content: [{ text: 'Weather in Oslo and Bergen?' }] },
        {
          role: 'assistant',
          content: [
            { toolUse: { toolUseId: 'call-1', name: 'get_weather', input: { city: 'Oslo' } } },
            { toolUse: { toolUseId: 'call-2', name: 'get_weather', input: { city: 'Bergen' } } },
          ],
        },
        {
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'call-1', content: [{ text: '{"temp":3}' }] } },
            { toolResult: { toolUseId: 'call-2', content: [{ text: '{"temp":5}' }] } },
          ],
        },
      ]);
      expect(input?.toolConfig?.tools).toEqual([
        {
          toolSpec: {
            name: 'get_weather',
            description: 'Current weather for a city',
            inputSchema: { json: JSON.parse(weatherTool.argumentsSchemaJson) },
          },
        },
      ]);
    });

    it('sends the prompt as the only user turn and no toolConfig when there are no messages or tools', async () => {
      bedrock.on(ConverseCommand).resolves(reply('{"answer":"42"}'));
      const { port } = makePort({ modelId: undefined });

      await port.complete(makeRequest());

      expect(bedrock).toHaveReceivedCommandWith(ConverseCommand, {
        modelId: 'request-model',
        messages: [{ role: 'user', content: [{ text: 'What is the answer?' }] }],
      });
      expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input.toolConfig).toBeUndefined();
    });
  });

  describe('when the model answers with valid JSON', () => {
    it('returns the output, usage priced from the table and provider metadata', async () => {
      bedrock.on(ConverseCommand).resolves(reply('{"answer":"42"}', { inputTokens: 1_000_000, outputTokens: 500_000 }));
      const { port } = makePort();

      const result = await port.complete(makeRequest());

      expect(result.output).toEqual({ answer: '42' });
      expect(result.usage).toEqual({ promptTokens: 1_000_000, completionTokens: 500_000, costUsd: 7 });
      expect(result).toMatchObject({ attempts: 1, repaired: false, costUnknown: false, providerRequestId: 'req-ok', httpStatus: 200 });
      expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
    });

    it('reports cost 0 and flags it when the model has no price', async () => {
      bedrock.on(ConverseCommand).resolves(reply('{"answer":"42"}'));
      const { port } = makePort({ prices: {} });

      const result = await port.complete(makeRequest());

      expect(result.usage.costUsd).toBe(0);
      expect(result.costUnknown).toBe(true);
    });

    it('fails permanently on an unpriced model when failOnUnknownCost is set', async () => {
      bedrock.on(ConverseCommand).resolves(reply('{"answer":"42"}'));
      const { port } = makePort({ prices: {}, failOnUnknownCost: true });

      const error = await rejection(port.complete(makeRequest()));

      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(String(error)).toContain('cost is unknown');
    });
  });

  describe('when Bedrock throttles', () => {
    it('retries with backoff and succeeds', async () => {
      bedrock.on(ConverseCommand).rejectsOnce(throttled()).resolves(reply('{"answer":"42"}'));
      const { port, delays } = makePort();

      const result = await port.complete(makeRequest());

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 2);
      expect(result.attempts).toBe(2);
      expect(delays).toEqual([100]);
    });

    it('gives up with ModelTransientError after maxRetries + 1 calls, backoff capped', async () => {
      bedrock.on(ConverseCommand).rejects(throttled());
      const { port, delays } = makePort({ maxRetries: 3 });

      const error = await rejection(port.complete(makeRequest()));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 4);
      expect(delays).toEqual([100, 150, 150]);
      expect(error).toBeInstanceOf(ModelTransientError);
      expect(error).toMatchObject({
        details: { errorCategory: 'transient', httpStatus: 429, providerRequestId: 'req-throttled', attempts: 4 },
      });
    });
  });

  describe('when Bedrock fails otherwise', () => {
    it.each([
      ['ValidationException', new ValidationException({ message: 'bad input', $metadata: { httpStatusCode: 400 } })],
      ['AccessDeniedException', new AccessDeniedException({ message: 'no access', $metadata: { httpStatusCode: 403 } })],
    ])('does not retry a %s', async (_name, failure) => {
      bedrock.on(ConverseCommand).rejects(failure);
      const { port } = makePort();

      const error = await rejection(port.complete(makeRequest()));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 1);
      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(error).toMatchObject({ details: { errorCategory: 'provider_4xx', attempts: 1 } });
    });

    it('retries a 5xx and reports provider_5xx when it persists', async () => {
      bedrock.on(ConverseCommand).rejects(new InternalServerException({ message: 'oops', $metadata: { httpStatusCode: 500 } }));
      const { port } = makePort({ maxRetries: 1 });

      const error = await rejection(port.complete(makeRequest()));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 2);
      expect(error).toBeInstanceOf(ModelTransientError);
      expect(error).toMatchObject({ details: { errorCategory: 'provider_5xx', httpStatus: 500 } });
    });

    it('maps ModelTimeoutException to ModelTimeoutError after retries', async () => {
      bedrock.on(ConverseCommand).rejects(new ModelTimeoutException({ message: 'slow', $metadata: { httpStatusCode: 408 } }));
      const { port } = makePort({ maxRetries: 1 });

      const error = await rejection(port.complete(makeRequest()));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 2);
      expect(error).toBeInstanceOf(ModelTimeoutError);
      expect(error).toMatchObject({ details: { errorCategory: 'timeout', attempts: 2 } });
    });

    it('stops without calling when the caller signal is already aborted', async () => {
      bedrock.on(ConverseCommand).resolves(reply('{"answer":"42"}'));
      const { port } = makePort();

      const error = await rejection(port.complete(makeRequest({ signal: AbortSignal.abort() })));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 0);
      expect(error).toBeInstanceOf(ModelTimeoutError);
    });

    it('fails permanently when a guardrail intervenes', async () => {
      bedrock.on(ConverseCommand).resolves({ ...reply('blocked'), stopReason: 'guardrail_intervened' });
      const { port } = makePort();

      const error = await rejection(port.complete(makeRequest()));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 1);
      expect(error).toBeInstanceOf(ModelPermanentError);
    });
  });

  describe('when the output is invalid', () => {
    it('repairs once by sending the error back and marks the result repaired', async () => {
      bedrock.on(ConverseCommand).resolvesOnce(reply('Sure! The answer is 42.')).resolves(reply('{"answer":"42"}'));
      const { port } = makePort();

      const result = await port.complete(makeRequest());

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 2);
      expect(result).toMatchObject({ output: { answer: '42' }, repaired: true, attempts: 2 });
      expect(result.usage).toMatchObject({ promptTokens: 20, completionTokens: 10 });
      const repairTurns = bedrock.commandCalls(ConverseCommand)[1]?.args[0].input.messages ?? [];
      expect(repairTurns[1]).toEqual({ role: 'assistant', content: [{ text: 'Sure! The answer is 42.' }] });
      expect(repairTurns[2]?.content?.[0]?.text).toContain('not valid JSON');
    });

    it('repairs output that is JSON but fails validateOutput', async () => {
      bedrock.on(ConverseCommand).resolvesOnce(reply('{"answer":42}')).resolves(reply('{"answer":"42"}'));
      const { port } = makePort();

      const result = await port.complete(makeRequest());

      expect(result.repaired).toBe(true);
      const repairTurns = bedrock.commandCalls(ConverseCommand)[1]?.args[0].input.messages ?? [];
      expect(repairTurns[2]?.content?.[0]?.text).toContain('answer must be a string');
    });

    it('throws ModelPermanentError (invalid_output) when the repair is invalid too', async () => {
      bedrock.on(ConverseCommand).resolves(reply('not json'));
      const { port } = makePort();

      const error = await rejection(port.complete(makeRequest()));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 2);
      expect(error).toBeInstanceOf(ModelPermanentError);
      expect(error).toMatchObject({ details: { errorCategory: 'invalid_output', attempts: 2, providerRequestId: 'req-ok' } });
    });
  });

  describe('when the model asks for tools', () => {
    it('maps toolUse blocks to tool calls with canonical arguments and output {}', async () => {
      bedrock.on(ConverseCommand).resolves({
        ...reply(''),
        stopReason: 'tool_use',
        output: {
          message: {
            role: 'assistant',
            content: [
              { text: 'Let me check.' },
              { toolUse: { toolUseId: 'tu-1', name: 'get_weather', input: { units: 'c', city: 'Oslo' } } },
            ],
          },
        },
      });
      const { port } = makePort();

      const result = await port.complete(makeRequest({ allowedTools: [weatherTool] }));

      expect(bedrock).toHaveReceivedCommandTimes(ConverseCommand, 1);
      expect(result.output).toEqual({});
      expect(result.repaired).toBe(false);
      expect(result.toolCalls).toEqual([
        { toolName: 'get_weather', argumentsJson: '{"city":"Oslo","units":"c"}', toolCallId: 'tu-1' },
      ]);
    });
  });
});
