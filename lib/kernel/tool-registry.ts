import * as z from 'zod/mini';
import { $ZodObject, safeParse, toJSONSchema, type $ZodType } from 'zod/v4/core';
import { ConfigurationError, ToolPermanentError, ToolTransientError, UnknownToolError, ValidationError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../crypto/core.js';
import { RiskLevel, ToolOutcome } from '../models/index.js';
import type { ToolDefinition, ToolExecutionContext, ToolExecutionResult } from '../models/index.js';

export type ToolHandlerResult = string | object | ToolExecutionResult;

/** A tool implementation. Side-effect tools must declare the second parameter (the execution context). */
export type ToolHandler<A> = (args: A, ctx: ToolExecutionContext) => Promise<ToolHandlerResult>;

export interface ToolRegistration<S extends $ZodType> {
  readonly name: string;
  readonly description?: string;
  /** Must be a strict object schema (`z.strictObject`): unknown keys are refused, never stripped. */
  readonly arguments: S;
  readonly requiresCapability?: string;
  readonly sideEffect?: boolean;
  readonly toolVersion?: string;
  readonly schemaVersion?: string;
  readonly riskLevel?: RiskLevel;
  readonly sandboxProfile?: string;
  readonly handler: ToolHandler<z.infer<S>>;
}

interface RegisteredTool {
  readonly definition: ToolDefinition;
  readonly schema: $ZodType;
  readonly handler: (args: unknown, ctx: ToolExecutionContext) => Promise<ToolHandlerResult>;
}

const ExecutionResult = z.strictObject({
  outcome: ToolOutcome,
  resultJson: z.string(),
  receivedIdempotencyKey: z.optional(z.string()),
  effectId: z.optional(z.string()),
  errorMessage: z.optional(z.string()),
});

function assertStrictObject(name: string, schema: $ZodType): void {
  const strict = schema instanceof $ZodObject && schema._zod.def.catchall?._zod.def.type === 'never';
  if (!strict) throw new ConfigurationError(`Tool '${name}': arguments must be a strict object schema (z.strictObject).`, { tool: name });
}

/**
 * The local tool registry: zod-validated arguments, canonical JSON Schema and schema hash, and the T-4 error
 * mapping (ToolTransientError ⇒ transient_error, ToolPermanentError ⇒ permanent_error, anything else ⇒ unknown_outcome).
 * @example
 * registry.register({ name: 'get_balance', arguments: z.strictObject({ accountId: z.string() }),
 *   requiresCapability: 'finance:read', handler: async ({ accountId }) => ({ accountId, balance: 10 }) });
 */
export class ToolRegistry {
  readonly #tools = new Map<string, RegisteredTool>();

  register<S extends $ZodType>(reg: ToolRegistration<S>): ToolDefinition {
    if (!reg.name) throw new ConfigurationError('Tool name must not be empty.');
    assertStrictObject(reg.name, reg.arguments);
    if (reg.sideEffect && reg.handler.length < 2) {
      throw new ConfigurationError(`Tool '${reg.name}' has sideEffect: true, so its handler must take the ToolExecutionContext (args, ctx).`, { tool: reg.name });
    }
    const argumentsSchemaJson = canonicalJson(toJSONSchema(reg.arguments));
    const definition: ToolDefinition = {
      name: reg.name,
      description: reg.description ?? '',
      argumentsSchemaJson,
      toolVersion: reg.toolVersion ?? '1.0.0',
      schemaVersion: reg.schemaVersion ?? '1',
      schemaHash: sha256Hex(argumentsSchemaJson),
      riskLevel: reg.riskLevel ?? 'medium',
      sideEffect: reg.sideEffect ?? false,
      ...(reg.sandboxProfile !== undefined ? { sandboxProfile: reg.sandboxProfile } : {}),
      ...(reg.requiresCapability !== undefined ? { requiresCapability: reg.requiresCapability } : {}),
    };
    const typed = reg.handler;
    // The schema parsed `args` before the handler sees it (see parseArguments), so the inferred type holds.
    const handler = (args: unknown, ctx: ToolExecutionContext) => typed(args as z.infer<S>, ctx);
    this.#tools.set(reg.name, { definition, schema: reg.arguments, handler });
    return definition;
  }

  /** Definitions in registration order. */
  definitions(): ToolDefinition[] {
    return [...this.#tools.values()].map((t) => t.definition);
  }

  /** Tool name → required capability (undefined when none). */
  capabilityMap(): Record<string, string | undefined> {
    return Object.fromEntries(this.definitions().map((d) => [d.name, d.requiresCapability]));
  }

  has(name: string): boolean {
    return this.#tools.has(name);
  }

  definition(name: string): ToolDefinition {
    return this.#get(name).definition;
  }

  /**
   * Validates arguments (an object or JSON object text) against the tool's schema and returns the parsed value and
   * its canonical JSON. `ValidationError` names the failing fields; nothing is executed.
   */
  parseArguments(name: string, raw: unknown): { args: unknown; argumentsJson: string } {
    const tool = this.#get(name);
    const value = typeof raw === 'string' ? parseJsonObject(name, raw) : raw;
    const result = safeParse(tool.schema, value);
    if (!result.success) {
      const details = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new ValidationError(`Invalid arguments for tool '${name}': ${details}`, { tool: name, issues: result.error.issues });
    }
    return { args: result.data, argumentsJson: canonicalJson(result.data) };
  }

  /** Runs the handler and maps its return value or error onto a `ToolExecutionResult` (never throws). */
  async invoke(name: string, args: unknown, ctx: ToolExecutionContext): Promise<ToolExecutionResult> {
    const tool = this.#get(name);
    try {
      return toExecutionResult(await tool.handler(args, ctx), ctx);
    } catch (error) {
      return errorResult(error);
    }
  }

  #get(name: string): RegisteredTool {
    const tool = this.#tools.get(name);
    if (!tool) throw new UnknownToolError(`Tool '${name}' is not registered.`, { tool: name });
    return tool;
  }
}

function parseJsonObject(name: string, text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(`Invalid arguments for tool '${name}': expected a JSON object.`, { tool: name });
}

function toExecutionResult(value: unknown, ctx: ToolExecutionContext): ToolExecutionResult {
  if (typeof value === 'string') return { outcome: 'success', resultJson: value, receivedIdempotencyKey: ctx.idempotencyKey };
  const explicit = ExecutionResult.safeParse(value);
  if (explicit.success) return { receivedIdempotencyKey: ctx.idempotencyKey, ...explicit.data };
  if (value !== null && typeof value === 'object') {
    return { outcome: 'success', resultJson: canonicalJson(value), receivedIdempotencyKey: ctx.idempotencyKey };
  }
  return { outcome: 'permanent_error', resultJson: '', errorMessage: `Tool returned an unsupported value of type ${typeof value}.` };
}

function errorResult(error: unknown): ToolExecutionResult {
  const errorMessage = error instanceof Error ? error.message : String(error);
  if (error instanceof ToolTransientError) return { outcome: 'transient_error', resultJson: '', errorMessage };
  if (error instanceof ToolPermanentError) return { outcome: 'permanent_error', resultJson: '', errorMessage };
  return { outcome: 'unknown_outcome', resultJson: '', errorMessage };
}
