import { ConfigurationError } from '../errors.js';
import type { ModelPort } from '../kernel/ports.js';
import { BedrockModelPort } from './bedrock-model-port.js';
import type { BedrockModelPortOptions } from './bedrock-model-port.js';
import { OpenAIModelPort } from './openai-model-port.js';
import type { OpenAIModelPortOptions } from './openai-model-port.js';

export type ModelSpec =
  | { readonly kind: 'mock' }
  | { readonly kind: 'bedrock'; readonly modelId: string }
  | { readonly kind: 'openai'; readonly model: string; readonly baseUrl?: string };

/** Factories, so a process only builds the clients its spec needs. */
export interface ModelPortDeps {
  /** The kernel's mock port (injected: this module does not import the kernel's test doubles). */
  readonly mock: () => ModelPort;
  readonly bedrock?: () => Omit<BedrockModelPortOptions, 'modelId'>;
  readonly openai?: () => Omit<OpenAIModelPortOptions, 'model' | 'baseUrl'>;
}

const GRAMMAR = 'mock | bedrock:<modelId> | openai:<model>[@<baseUrl>]';

function badSpec(spec: string, why: string): ConfigurationError {
  return new ConfigurationError(`Invalid model spec "${spec}": ${why} (expected ${GRAMMAR})`, { spec });
}

function parseOpenAI(spec: string, rest: string): ModelSpec {
  const at = rest.indexOf('@');
  const model = (at < 0 ? rest : rest.slice(0, at)).trim();
  if (model === '') throw badSpec(spec, 'the OpenAI model name is empty');
  if (at < 0) return { kind: 'openai', model };
  const baseUrl = rest.slice(at + 1).trim();
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
    throw badSpec(spec, 'the base URL after @ is not an http(s) URL');
  }
  return { kind: 'openai', model, baseUrl };
}

/** Parses `mock`, `bedrock:<modelId>` (ids may contain `:`) or `openai:<model>[@<baseUrl>]`. */
export function parseModelSpec(spec: string): ModelSpec {
  const trimmed = spec.trim();
  if (trimmed === 'mock') return { kind: 'mock' };
  const colon = trimmed.indexOf(':');
  const prefix = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const rest = colon < 0 ? '' : trimmed.slice(colon + 1);
  if (prefix === 'bedrock') {
    if (rest.trim() === '') throw badSpec(spec, 'the Bedrock model id is empty');
    return { kind: 'bedrock', modelId: rest.trim() };
  }
  if (prefix === 'openai') return parseOpenAI(spec, rest);
  throw badSpec(spec, `unknown provider "${prefix}"`);
}

function missingDeps(spec: string, provider: string): ConfigurationError {
  return new ConfigurationError(`Model spec "${spec}" needs deps.${provider}`, { spec });
}

/**
 * Builds the `ModelPort` a configuration string names (CLI `--model`, CDK props, environment).
 * @example
 * const port = createModelPort('bedrock:us.amazon.nova-lite-v1:0', {
 *   mock: () => new MockModelPort(),
 *   bedrock: () => ({ client: new BedrockRuntimeClient({ maxAttempts: 1 }) }),
 * });
 */
export function createModelPort(spec: string, deps: ModelPortDeps): ModelPort {
  const parsed = parseModelSpec(spec);
  switch (parsed.kind) {
    case 'mock':
      return deps.mock();
    case 'bedrock': {
      if (!deps.bedrock) throw missingDeps(spec, 'bedrock');
      return new BedrockModelPort({ ...deps.bedrock(), modelId: parsed.modelId });
    }
    case 'openai': {
      if (!deps.openai) throw missingDeps(spec, 'openai');
      const baseUrl = parsed.baseUrl === undefined ? {} : { baseUrl: parsed.baseUrl };
      return new OpenAIModelPort({ ...deps.openai(), model: parsed.model, ...baseUrl });
    }
  }
}
