import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../lib/errors.js';
import type { ModelPort } from '../../lib/kernel/ports.js';
import { BedrockModelPort, OpenAIModelPort, createModelPort, parseModelSpec } from '../../lib/models-providers/index.js';
import type { ModelPortDeps } from '../../lib/models-providers/index.js';

const mockPort: ModelPort = {
  complete: async () => ({ output: {}, usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 }, toolCalls: [] }),
};

const deps: ModelPortDeps = {
  mock: () => mockPort,
  bedrock: () => ({ client: new BedrockRuntimeClient({ region: 'us-east-1', maxAttempts: 1 }) }),
  openai: () => ({ apiKey: 'sk-test' }),
};

describe('parseModelSpec', () => {
  it.each([
    ['mock', { kind: 'mock' }],
    ['bedrock:anthropic.claude-3-5-haiku-20241022-v1:0', { kind: 'bedrock', modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' }],
    ['openai:gpt-4o-mini', { kind: 'openai', model: 'gpt-4o-mini' }],
    ['openai:llama3@http://localhost:11434/v1', { kind: 'openai', model: 'llama3', baseUrl: 'http://localhost:11434/v1' }],
  ])('parses %s', (spec, expected) => {
    expect(parseModelSpec(spec)).toEqual(expected);
  });

  it.each(['', 'bedrock:', 'openai:', 'openai:gpt@not a url', 'openai:gpt@ftp://x', 'anthropic:claude', 'mockery'])(
    'rejects "%s" with a ConfigurationError',
    (spec) => {
      expect(() => parseModelSpec(spec)).toThrow(ConfigurationError);
    },
  );
});

describe('createModelPort', () => {
  it('returns the injected mock for "mock"', () => {
    expect(createModelPort('mock', deps)).toBe(mockPort);
  });

  it('builds the Bedrock and OpenAI ports', () => {
    expect(createModelPort('bedrock:amazon.nova-lite-v1:0', deps)).toBeInstanceOf(BedrockModelPort);
    expect(createModelPort('openai:gpt-4o-mini@http://127.0.0.1:8000/v1', deps)).toBeInstanceOf(OpenAIModelPort);
  });

  it('explains which dependency a spec is missing', () => {
    expect(() => createModelPort('openai:gpt-4o', { mock: () => mockPort })).toThrow(/needs deps\.openai/);
  });
});
