import canonicalize from 'canonicalize';
import * as z from 'zod/mini';

const JsonObject = z.record(z.string(), z.json());
export type JsonObject = z.infer<typeof JsonObject>;

/** RFC 8785 canonical JSON text. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value cannot be serialized as JSON');
  return text;
}

export type JsonParse<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseJson(text: string): JsonParse<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}

/** Parses text that must hold a JSON object (tool arguments, JSON schemas). */
export function parseJsonObject(text: string): JsonParse<JsonObject> {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  return asJsonObject(parsed.value);
}

export function asJsonObject(value: unknown): JsonParse<JsonObject> {
  const result = JsonObject.safeParse(value);
  if (!result.success || Array.isArray(value)) return { ok: false, error: 'expected a JSON object' };
  return { ok: true, value: result.data };
}
