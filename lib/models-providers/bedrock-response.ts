import type { ContentBlock, ConverseCommandOutput } from '@aws-sdk/client-bedrock-runtime';
import type { ModelToolCall } from '../models/index.js';
import { ProviderFailure } from './failure.js';
import { asJsonObject, canonicalJson } from './json.js';
import type { ProviderTurn } from './structured-output.js';

/** Stop reasons after which a repair cannot help: the provider withheld the answer. */
const BLOCKED_STOP_REASONS: ReadonlySet<string> = new Set(['guardrail_intervened', 'content_filtered']);

interface ToolUses {
  readonly calls: ModelToolCall[];
  readonly error?: string;
}

function toolUses(blocks: readonly ContentBlock[]): ToolUses {
  const calls: ModelToolCall[] = [];
  for (const block of blocks) {
    if (!block.toolUse) continue;
    const { name, toolUseId, input } = block.toolUse;
    const args = asJsonObject(input);
    if (!args.ok || !name) return { calls, error: `tool call ${name ?? '?'} had malformed arguments JSON (${args.ok ? 'no name' : args.error})` };
    calls.push({ toolName: name, argumentsJson: canonicalJson(args.value), ...(toolUseId ? { toolCallId: toolUseId } : {}) });
  }
  return { calls };
}

/** Reduces a Converse response to a provider turn; blocked answers fail permanently. */
export function fromConverseOutput(output: ConverseCommandOutput): ProviderTurn {
  const requestId = output.$metadata.requestId;
  const httpStatus = output.$metadata.httpStatusCode;
  const meta = {
    ...(requestId === undefined ? {} : { providerRequestId: requestId }),
    ...(httpStatus === undefined ? {} : { httpStatus }),
  };
  const stopReason = output.stopReason ?? 'unknown';
  if (BLOCKED_STOP_REASONS.has(stopReason)) {
    throw new ProviderFailure({ kind: 'permanent', category: 'permanent', message: `Bedrock stopped with ${stopReason}`, ...meta });
  }
  const blocks = output.output?.message?.content ?? [];
  const text = blocks.map((b) => b.text ?? '').join('');
  const tools = toolUses(blocks);
  return {
    text,
    toolCalls: tools.calls,
    ...(tools.error === undefined ? {} : { toolCallError: tools.error }),
    promptTokens: output.usage?.inputTokens ?? 0,
    completionTokens: output.usage?.outputTokens ?? 0,
    ...meta,
  };
}
