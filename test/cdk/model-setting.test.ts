import { describe, expect, it } from 'vitest';
import { parseModelSetting, toModelSetting } from '../../cdk/model-setting.js';

describe('model setting', () => {
  it('accepts the mock, Bedrock ids and OpenAI ids', () => {
    expect(parseModelSetting('mock')).toEqual({ provider: 'mock', id: 'mock' });
    expect(parseModelSetting('bedrock:us.amazon.nova-lite-v1:0')).toEqual({ provider: 'bedrock', id: 'us.amazon.nova-lite-v1:0' });
    expect(toModelSetting('openai:gpt-4.1-mini')).toBe('openai:gpt-4.1-mini');
  });

  it.each(['', 'bedrock:', 'gemini:pro', 'openai:gpt 4', 'MOCK'])('rejects %j with the accepted forms', (value) => {
    expect(() => toModelSetting(value)).toThrow(/expected "mock", "bedrock:<model id>" or "openai:<model id>"/);
  });
});
