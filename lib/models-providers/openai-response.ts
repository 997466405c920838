import * as z from 'zod/mini';
import type { ModelToolCall } from '../models/index.js';
import { ProviderFailure } from './failure.js';
import { asJsonObject, canonicalJson, parseJsonObject } from './json.js';
import type { HttpReply } from './openai-http.js';
import type { ProviderTurn } from './structured-output.js';

const WireToolCall = z.object({
  id: z.optional(z.string()),
  function: z.object({ name: z.string(), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
});
type WireToolCall = z.infer<typeof WireToolCall>;

const ContentPart = z.object({ type: z.optional(z.string()), text: z.optional(z.string()) });

const ChatCompletion = z.object({
  id: z.optional(z.string()),
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.optional(z.nullable(z.union([z.string(), z.array(ContentPart)]))),
          refusal: z.optional(z.nullable(z.string())),
          tool_calls: z.optional(z.nullable(z.array(WireToolCall))),
        }),
      }),
    )
    .check(z.minLength(1)),
  usage: z.optional(
    z.nullable(z.object({ prompt_tokens: z.optional(z.number()), completion_tokens: z.optional(z.number()) })),
  ),
});
type ChatMessageOut = z.infer<typeof ChatCompletion>['choices'][number]['message'];

const tokens = (value: number | undefined): number => Math.max(0, Math.trunc(value ?? 0));

function textOf(content: ChatMessageOut['content']): string {
  if (typeof content === 'string') return content;
  return content?.find((part) => typeof part.text === 'string')?.text ?? '';
}

function toToolCall(call: WireToolCall): ModelToolCall | string {
  const raw = call.function.arguments;
  const args = typeof raw === 'string' ? parseJsonObject(raw) : asJsonObject(raw);
  if (!args.ok) return `tool call ${call.function.name} had malformed arguments JSON (${args.error})`;
  return { toolName: call.function.name, argumentsJson: canonicalJson(args.value), ...(call.id ? { toolCallId: call.id } : {}) };
}

/**
 * Reduces a 2xx body to a provider turn. JSON that is not a chat completion (no choices) fails
 * permanently: the server speaks another protocol and retrying will not change that.
 */
export function fromChatCompletion(reply: HttpReply): ProviderTurn {
  const meta = { httpStatus: reply.status, ...(reply.requestId === undefined ? {} : { providerRequestId: reply.requestId }) };
  const parsed = ChatCompletion.safeParse(reply.body);
  if (!parsed.success) {
    throw new ProviderFailure({ kind: 'permanent', category: 'permanent', message: 'response is not a chat completion (no choices)', ...meta });
  }
  const { message } = parsed.data.choices[0] ?? { message: { content: null } };
  if (message.refusal) {
    throw new ProviderFailure({ kind: 'permanent', category: 'permanent', message: `model refused: ${message.refusal}`, ...meta });
  }
  const mapped = (message.tool_calls ?? []).map(toToolCall);
  const toolCallError = mapped.find((m): m is string => typeof m === 'string');
  return {
    text: textOf(message.content),
    toolCalls: mapped.filter((m): m is ModelToolCall => typeof m !== 'string'),
    ...(toolCallError === undefined ? {} : { toolCallError }),
    promptTokens: tokens(parsed.data.usage?.prompt_tokens),
    completionTokens: tokens(parsed.data.usage?.completion_tokens),
    ...(parsed.data.id === undefined ? {} : { responseId: parsed.data.id }),
    ...meta,
  };
}
