import type { ChatMessage, ModelRequest, ToolDefinition } from '../models/index.js';
import { ProviderFailure } from './failure.js';
import { parseJsonObject } from './json.js';
import type { JsonObject } from './json.js';
import { repairInstruction } from './structured-output.js';
import type { RepairRequest } from './structured-output.js';

export interface ChatBodySettings {
  /** `json_schema.name` (`^[a-zA-Z0-9_-]{1,64}$`). */
  readonly schemaName: string;
  /** OpenAI strict mode needs `additionalProperties: false` and every property required. */
  readonly strictSchema: boolean;
}

type WireMessage = Record<string, unknown>;

function invalidRequest(message: string): ProviderFailure {
  return new ProviderFailure({ kind: 'permanent', category: 'permanent', message });
}

function toolMessage(message: ChatMessage): WireMessage {
  if (!message.toolCallId || !message.name) throw invalidRequest('tool messages need toolCallId and name');
  return { role: 'tool', content: message.content, tool_call_id: message.toolCallId, name: message.name };
}

/** Chat Completions message shape (P-6). */
function toWire(message: ChatMessage): WireMessage {
  if (message.role === 'tool') return toolMessage(message);
  const calls = message.toolCalls ?? [];
  if (message.role === 'assistant' && calls.length > 0) {
    return {
      role: 'assistant',
      content: message.content === '' ? null : message.content,
      tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.argumentsJson } })),
    };
  }
  return { role: message.role, content: message.content, ...(message.name ? { name: message.name } : {}) };
}

function conversation(request: ModelRequest, repair: RepairRequest | undefined): WireMessage[] {
  const hasTurns = request.messages.some((m) => m.role !== 'system');
  const messages = hasTurns ? [...request.messages] : [...request.messages, { role: 'user' as const, content: request.prompt }];
  const wire = messages.map(toWire);
  if (repair) {
    wire.push({ role: 'assistant', content: repair.invalidText });
    wire.push({ role: 'user', content: repairInstruction(repair.error) });
  }
  return wire;
}

function toolParameters(tool: ToolDefinition): JsonObject {
  const parsed = parseJsonObject(tool.argumentsSchemaJson);
  if (!parsed.ok) throw invalidRequest(`argumentsSchemaJson of tool ${tool.name}: ${parsed.error}`);
  return parsed.value;
}

function optionFields(options: ModelRequest['options']): Record<string, unknown> {
  return {
    ...(options.maxOutputTokens === undefined ? {} : { max_completion_tokens: options.maxOutputTokens }),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.reasoningEffort === undefined ? {} : { reasoning_effort: options.reasoningEffort }),
    ...(options.verbosity === undefined ? {} : { verbosity: options.verbosity }),
  };
}

/** Builds a Chat Completions request body with `response_format: json_schema` and function tools. */
export function toChatBody(
  request: ModelRequest,
  model: string,
  settings: ChatBodySettings,
  repair: RepairRequest | undefined,
): Record<string, unknown> {
  const tools = request.allowedTools.map((tool) => ({
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: toolParameters(tool) },
  }));
  return {
    model,
    messages: conversation(request, repair),
    response_format: {
      type: 'json_schema',
      json_schema: { name: settings.schemaName, schema: request.outputSchema, strict: settings.strictSchema },
    },
    ...(tools.length > 0 ? { tools } : {}),
    ...optionFields(request.options),
  };
}
