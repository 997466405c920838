import type {
  ContentBlock,
  ConverseCommandInput,
  Message,
  SystemContentBlock,
  Tool,
} from '@aws-sdk/client-bedrock-runtime';
import type { ChatMessage, ModelRequest, ToolDefinition } from '../models/index.js';
import { ProviderFailure } from './failure.js';
import { canonicalJson, parseJsonObject } from './json.js';
import type { JsonObject } from './json.js';
import { outputInstruction, repairInstruction } from './structured-output.js';
import type { RepairRequest } from './structured-output.js';

/** Bedrock rejects blank text blocks. */
const nonBlank = (text: string): string => (text.trim() === '' ? '(empty)' : text);

function invalidRequest(message: string): ProviderFailure {
  return new ProviderFailure({ kind: 'permanent', category: 'permanent', message });
}

function jsonObjectOrFail(text: string, what: string): JsonObject {
  const parsed = parseJsonObject(text);
  if (!parsed.ok) throw invalidRequest(`${what}: ${parsed.error}`);
  return parsed.value;
}

function toolResultBlock(message: ChatMessage): ContentBlock {
  if (!message.toolCallId) throw invalidRequest('tool messages need a toolCallId');
  return { toolResult: { toolUseId: message.toolCallId, content: [{ text: nonBlank(message.content) }] } };
}

function assistantBlocks(message: ChatMessage): ContentBlock[] {
  const blocks: ContentBlock[] = message.content.trim() === '' ? [] : [{ text: message.content }];
  for (const call of message.toolCalls ?? []) {
    const input = jsonObjectOrFail(call.argumentsJson, `arguments of tool call ${call.id}`);
    blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input } });
  }
  return blocks.length > 0 ? blocks : [{ text: nonBlank(message.content) }];
}

function toTurn(message: ChatMessage): Message {
  if (message.role === 'assistant') return { role: 'assistant', content: assistantBlocks(message) };
  if (message.role === 'tool') return { role: 'user', content: [toolResultBlock(message)] };
  return { role: 'user', content: [{ text: nonBlank(message.content) }] };
}

/** Converse wants alternating roles; consecutive tool results must share one user turn. */
function mergeSameRole(turns: readonly Message[]): Message[] {
  const merged: Message[] = [];
  for (const turn of turns) {
    const previous = merged[merged.length - 1];
    if (previous && previous.role === turn.role) {
      merged[merged.length - 1] = { role: turn.role, content: [...(previous.content ?? []), ...(turn.content ?? [])] };
    } else {
      merged.push(turn);
    }
  }
  return merged;
}

function conversation(request: ModelRequest, repair: RepairRequest | undefined): Message[] {
  const history = request.messages.filter((m) => m.role !== 'system');
  const base: ChatMessage[] = history.length > 0 ? [...history] : [{ role: 'user', content: request.prompt }];
  if (repair) {
    base.push({ role: 'assistant', content: repair.invalidText });
    base.push({ role: 'user', content: repairInstruction(repair.error) });
  }
  return mergeSameRole(base.map(toTurn));
}

function systemBlocks(request: ModelRequest): SystemContentBlock[] {
  const system = request.messages.filter((m) => m.role === 'system' && m.content.trim() !== '');
  const schema = canonicalJson(request.outputSchema);
  return [
    ...system.map((m) => ({ text: m.content })),
    { text: outputInstruction(schema, request.allowedTools.length > 0) },
  ];
}

function toolSpec(tool: ToolDefinition): Tool {
  const json = jsonObjectOrFail(tool.argumentsSchemaJson, `argumentsSchemaJson of tool ${tool.name}`);
  return { toolSpec: { name: tool.name, description: tool.description, inputSchema: { json } } };
}

/**
 * Maps a kernel request onto Converse: system messages + the JSON output instruction → `system`;
 * user/assistant/tool messages → alternating turns (tool calls → `toolUse`, tool results → `toolResult`);
 * allowed tools → `toolConfig`; the repair attempt appends the invalid reply and the validation error.
 */
export function toConverseInput(
  request: ModelRequest,
  modelId: string,
  repair: RepairRequest | undefined,
): ConverseCommandInput {
  const { maxOutputTokens, temperature } = request.options;
  const inferenceConfig = {
    ...(maxOutputTokens === undefined ? {} : { maxTokens: maxOutputTokens }),
    ...(temperature === undefined ? {} : { temperature }),
  };
  return {
    modelId,
    system: systemBlocks(request),
    messages: conversation(request, repair),
    ...(request.allowedTools.length > 0 ? { toolConfig: { tools: request.allowedTools.map(toolSpec) } } : {}),
    ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
  };
}
