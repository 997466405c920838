import { ConfigurationError, ModelTransientError, isKernelError } from '../errors.js';
import type { ModelPort } from '../kernel/ports.js';
import type { ModelRequest } from '../models/index.js';
import { runCompletion } from './completion-pipeline.js';
import type { ProviderModelResult } from './completion-pipeline.js';
import { resolveSettings } from './defaults.js';
import type { CommonPortOptions, ResolvedSettings } from './defaults.js';
import { postJson } from './openai-http.js';
import { toChatBody } from './openai-request.js';
import type { ChatBodySettings } from './openai-request.js';
import { fromChatCompletion } from './openai-response.js';
import type { ProviderTurn, RepairRequest } from './structured-output.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAIModelPortOptions extends CommonPortOptions {
  /** Default `https://api.openai.com/v1`; any Chat Completions-compatible server (vLLM, LiteLLM, Ollama…). */
  readonly baseUrl?: string;
  /** Give exactly one of `apiKey` / `apiKeyProvider` (see `apiKeyFromEnvOrSecret`). */
  readonly apiKey?: string;
  readonly apiKeyProvider?: () => Promise<string>;
  /** Overrides `request.model`. */
  readonly model?: string;
  /** Exponential backoff bounds. Defaults 250 ms / 2 000 ms. */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly fetch?: typeof fetch;
  /** `response_format.json_schema.name`. Default `output`. */
  readonly schemaName?: string;
  /** `response_format.json_schema.strict`. Default false (strict needs a closed, all-required schema). */
  readonly strictSchema?: boolean;
}

function chatCompletionsUrl(baseUrl: string): string {
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)');
  } catch {
    throw new ConfigurationError(`OpenAI baseUrl is not an http(s) URL: ${baseUrl}`, { baseUrl });
  }
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

function keySource(options: OpenAIModelPortOptions): () => Promise<string> {
  const { apiKey, apiKeyProvider } = options;
  if ((apiKey === undefined) === (apiKeyProvider === undefined)) {
    throw new ConfigurationError('OpenAIModelPort needs exactly one of apiKey or apiKeyProvider');
  }
  return apiKeyProvider ?? (async () => apiKey ?? '');
}

/**
 * A `ModelPort` on OpenAI Chat Completions (and compatible servers) over `fetch`: `json_schema`
 * response format, function tools, one repair attempt, bounded retries honouring `Retry-After`.
 * The API key lives in a private field and is redacted from every error.
 * @example
 * const port = new OpenAIModelPort({
 *   model: 'gpt-4o-mini',
 *   apiKeyProvider: apiKeyFromEnvOrSecret({ envVar: 'OPENAI_API_KEY' }),
 * });
 * const result = await port.complete(request);
 */
export class OpenAIModelPort implements ModelPort {
  readonly #apiKey: () => Promise<string>;
  readonly #url: string;
  readonly #model: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #body: ChatBodySettings;
  readonly #settings: ResolvedSettings;

  constructor(options: OpenAIModelPortOptions) {
    this.#apiKey = keySource(options);
    this.#url = chatCompletionsUrl(options.baseUrl ?? OPENAI_BASE_URL);
    this.#model = options.model;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#body = { schemaName: options.schemaName ?? 'output', strictSchema: options.strictSchema ?? false };
    this.#settings = resolveSettings(options, { initialMs: options.backoff?.initialMs, maxMs: options.backoff?.maxMs });
  }

  async complete(request: ModelRequest): Promise<ProviderModelResult> {
    const model = this.#model ?? request.model;
    const apiKey = await this.#resolveKey(model);
    return runCompletion(this.#settings.pipeline, {
      provider: 'openai',
      model,
      request,
      apiModeUsed: 'chat',
      callOnce: (repair) => this.#post(request, model, apiKey, repair),
    });
  }

  async #resolveKey(model: string): Promise<string> {
    try {
      return await this.#apiKey();
    } catch (error) {
      if (isKernelError(error)) throw error;
      throw new ModelTransientError(
        'could not obtain the OpenAI API key',
        { provider: 'openai', model, errorCategory: 'transient', attempts: 0 },
        { cause: error },
      );
    }
  }

  async #post(request: ModelRequest, model: string, apiKey: string, repair: RepairRequest | undefined): Promise<ProviderTurn> {
    const body = JSON.stringify(toChatBody(request, model, this.#body, repair));
    const reply = await postJson({
      url: this.#url,
      apiKey,
      body,
      timeoutMs: this.#settings.timeoutMs,
      fetch: this.#fetch,
      now: this.#settings.pipeline.now,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return fromChatCompletion(reply);
  }
}
