import * as z from 'zod/mini';

export const ChatRole = z.enum(['system', 'user', 'assistant', 'tool']);
export type ChatRole = z.infer<typeof ChatRole>;

export const ToolCallRequest = z.object({
  id: z.string(),
  name: z.string(),
  /** Canonical JSON object text. */
  argumentsJson: z.string(),
});
export type ToolCallRequest = z.infer<typeof ToolCallRequest>;

export const ChatMessage = z.object({
  role: ChatRole,
  content: z.string(),
  toolCallId: z.optional(z.string()),
  name: z.optional(z.string()),
  toolCalls: z.optional(z.array(ToolCallRequest)),
});
export type ChatMessage = z.infer<typeof ChatMessage>;
