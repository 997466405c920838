import { ValidationError } from '../errors.js';
import { sha256Hex } from '../crypto/core.js';
import type { ChatMessage, ContextVersion, TenantContext, ToolDefinition, ToolSignature } from '../models/index.js';

/** A model step's input: a prompt, or a conversation (prompt then defaults to the last user message). */
export type ModelInput =
  | { readonly prompt: string; readonly messages?: undefined }
  | { readonly messages: readonly ChatMessage[]; readonly prompt?: string };

/** Normalizes an input to `{ prompt, messages }` (K-4 step 2). */
export function normalizeModelInput(input: ModelInput): { prompt: string; messages: ChatMessage[] } {
  if (input.messages === undefined) return { prompt: input.prompt, messages: [{ role: 'user', content: input.prompt }] };
  if (input.messages.length === 0) throw new ValidationError('Model input messages must not be empty.');
  const messages = input.messages.map((m) => ({ ...m }));
  return { prompt: input.prompt ?? promptFromMessages(messages), messages };
}

function promptFromMessages(messages: readonly ChatMessage[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return lastUser ? lastUser.content : messages.map((m) => `${m.role}: ${m.content}`).join('\n');
}

/** Default context version: hash of the system messages (or of the prompt when there are none). */
export function defaultContextVersion(prompt: string, messages: readonly ChatMessage[]): ContextVersion {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content);
  return {
    systemPromptHash: sha256Hex(system.length > 0 ? system.join('\n') : prompt),
    contextBuilderVersion: 'unknown',
    compactionVersion: 'unknown',
  };
}

/** Signatures sorted by (name, toolVersion, schemaVersion, schemaHash) and the hash over their tokens. */
export function toolSignatures(tools: readonly ToolDefinition[]): { signatures: ToolSignature[]; hash: string } {
  const signatures = tools
    .map((t) => ({ name: t.name, toolVersion: t.toolVersion, schemaVersion: t.schemaVersion, schemaHash: t.schemaHash }))
    .sort((a, b) => cmp(signatureToken(a), signatureToken(b)));
  return { signatures, hash: sha256Hex(signatures.map(signatureToken).join(',')) };
}

export const signatureToken = (s: ToolSignature): string => `${s.name}|${s.toolVersion}|${s.schemaVersion}|${s.schemaHash}`;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface CapabilityDecision {
  readonly toolName: string;
  readonly requiredCapability: string | null;
  readonly decision: 'allowed' | 'filtered';
  readonly reason: string;
}

/** The `capability_decision` summary (E-7): why each registered tool was or was not offered to the model. */
export function capabilityDecisions(
  registered: readonly ToolDefinition[], tenant: TenantContext, visible: readonly string[] | undefined, finalNames: readonly string[],
): CapabilityDecision[] {
  const finalSet = new Set(finalNames);
  return registered.map((t): CapabilityDecision => {
    const required = t.requiresCapability ?? null;
    let reason = 'allowed_no_capability_required';
    if (visible && !visible.includes(t.name)) reason = 'filtered_by_visible_tool_names';
    else if (required !== null) reason = tenant.capabilities.includes(required) ? 'allowed_tenant_has_capability' : 'filtered_missing_capability';
    const allowedBefore = reason.startsWith('allowed');
    if (allowedBefore && !finalSet.has(t.name)) reason = 'filtered_by_model_middleware';
    if (!allowedBefore && finalSet.has(t.name)) reason = 'allowed_by_model_middleware';
    return { toolName: t.name, requiredCapability: required, decision: finalSet.has(t.name) ? 'allowed' : 'filtered', reason };
  }).sort((a, b) => cmp(a.toolName, b.toolName));
}
