import type { ModelRequest, ModelToolCall } from '../models/index.js';
import { parseJson } from './json.js';

/** One successful provider response, reduced to what the kernel needs. */
export interface ProviderTurn {
  readonly text: string;
  readonly toolCalls: readonly ModelToolCall[];
  /** Set when a tool call's arguments were not a JSON object: the turn counts as invalid output. */
  readonly toolCallError?: string;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly providerRequestId?: string;
  readonly httpStatus?: number;
  readonly responseId?: string;
}

/** Sent back to the model on the single repair attempt. */
export interface RepairRequest {
  readonly invalidText: string;
  readonly error: string;
}

export type Interpretation = { ok: true; output: unknown } | { ok: false; error: string };

const FENCED = /^```(?:json)?\s*([\s\S]*?)\s*```$/;

/** Models sometimes wrap JSON in a markdown fence despite instructions; accept that. */
function unfence(text: string): string {
  const trimmed = text.trim();
  return FENCED.exec(trimmed)?.[1] ?? trimmed;
}

/**
 * Decides whether a turn's output is acceptable. A turn with tool calls is the model asking for tools:
 * its text is commentary, so output falls back to `{}` when it is not valid JSON for the schema (P-5).
 */
export function interpretTurn(turn: ProviderTurn, validate: ModelRequest['validateOutput']): Interpretation {
  if (turn.toolCallError !== undefined) return { ok: false, error: turn.toolCallError };
  const wantsTools = turn.toolCalls.length > 0;
  const text = unfence(turn.text);
  if (text === '') return wantsTools ? { ok: true, output: {} } : { ok: false, error: 'the reply was empty' };
  const parsed = parseJson(text);
  if (!parsed.ok) return wantsTools ? { ok: true, output: {} } : { ok: false, error: `the reply was ${parsed.error}` };
  const verdict = validate ? validate(parsed.value) : { ok: true as const };
  if (verdict.ok) return { ok: true, output: parsed.value };
  return wantsTools ? { ok: true, output: {} } : { ok: false, error: `the reply did not match the schema: ${verdict.error}` };
}

const MAX_ERROR_CHARS = 2_000;

export function repairInstruction(error: string): string {
  return (
    `Your previous reply was invalid: ${error.slice(0, MAX_ERROR_CHARS)}\n` +
    'Reply again with only a JSON object that matches the required JSON Schema, with no other text.'
  );
}

/** The system instruction that asks for JSON output (Bedrock has no provider-neutral JSON mode). */
export function outputInstruction(outputSchemaJson: string, hasTools: boolean): string {
  const tools = hasTools ? ' If you need a tool, call it instead of answering.' : '';
  return (
    'Respond with only a single JSON object, without prose or markdown fences, that conforms to this JSON Schema:\n' +
    `${outputSchemaJson}${tools}`
  );
}
