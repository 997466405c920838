import type { ModelRequest, ToolDefinition } from '../../lib/models/index.js';

export const outputSchema = {
  type: 'object',
  properties: { answer: { type: 'string' } },
  required: ['answer'],
} as const;

export const weatherTool: ToolDefinition = {
  name: 'get_weather',
  description: 'Current weather for a city',
  argumentsSchemaJson: '{"properties":{"city":{"type":"string"}},"required":["city"],"type":"object"}',
  toolVersion: '1',
  schemaVersion: '1',
  schemaHash: 'hash',
  riskLevel: 'low',
  sideEffect: false,
};

/** Accepts `{ answer: string }` only. */
export const validateAnswer: NonNullable<ModelRequest['validateOutput']> = (output) => {
  const ok =
    typeof output === 'object' && output !== null && 'answer' in output && typeof output.answer === 'string';
  return ok ? { ok: true } : { ok: false, error: 'answer must be a string' };
};

export function makeRequest(overrides: Partial<ModelRequest> = {}): ModelRequest {
  return {
    runId: 'run-1',
    tenantId: 'tenant-1',
    model: 'request-model',
    prompt: 'What is the answer?',
    messages: [],
    outputSchema,
    allowedTools: [],
    options: {},
    validateOutput: validateAnswer,
    ...overrides,
  };
}

/** Records requested delays instead of waiting. */
export function recordingSleep(): { delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}
