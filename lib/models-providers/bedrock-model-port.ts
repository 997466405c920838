import { ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { ModelPort } from '../kernel/ports.js';
import type { ModelRequest } from '../models/index.js';
import { classifyBedrockError } from './bedrock-errors.js';
import { toConverseInput } from './bedrock-request.js';
import { fromConverseOutput } from './bedrock-response.js';
import { runCompletion } from './completion-pipeline.js';
import type { ProviderModelResult } from './completion-pipeline.js';
import { resolveSettings } from './defaults.js';
import type { CommonPortOptions, ResolvedSettings } from './defaults.js';
import { ProviderFailure } from './failure.js';
import { attemptSignal } from './retry.js';
import type { RepairRequest, ProviderTurn } from './structured-output.js';

export interface BedrockModelPortOptions extends CommonPortOptions {
  /**
   * Build it with `maxAttempts: 1` so this port's retry policy is the only one (the SDK's own
   * retries would otherwise multiply attempts and hide them from `attempts`).
   */
  readonly client: BedrockRuntimeClient;
  /** Overrides `request.model` (a model id, inference profile id or ARN). */
  readonly modelId?: string;
  /** Default 250 ms. */
  readonly initialBackoffMs?: number;
  /** Default 2 000 ms. */
  readonly maxBackoffMs?: number;
}

/**
 * A `ModelPort` on Amazon Bedrock's Converse API: JSON output by system instruction, validated, one
 * repair attempt; tool calls mapped from `toolUse` blocks; bounded retries on throttling and 5xx.
 * @example
 * const port = new BedrockModelPort({
 *   client: new BedrockRuntimeClient({ maxAttempts: 1 }),
 *   modelId: 'us.anthropic.claude-haiku-4-5-20251001-v1:0',
 * });
 * const result = await port.complete(request);
 */
export class BedrockModelPort implements ModelPort {
  private readonly client: BedrockRuntimeClient;
  private readonly modelId: string | undefined;
  private readonly settings: ResolvedSettings;

  constructor(options: BedrockModelPortOptions) {
    this.client = options.client;
    this.modelId = options.modelId;
    this.settings = resolveSettings(options, { initialMs: options.initialBackoffMs, maxMs: options.maxBackoffMs });
  }

  complete(request: ModelRequest): Promise<ProviderModelResult> {
    const model = this.modelId ?? request.model;
    return runCompletion(this.settings.pipeline, {
      provider: 'bedrock',
      model,
      request,
      callOnce: (repair) => this.converse(request, model, repair),
    });
  }

  private async converse(request: ModelRequest, model: string, repair: RepairRequest | undefined): Promise<ProviderTurn> {
    const input = toConverseInput(request, model, repair);
    const signal = attemptSignal(this.settings.timeoutMs, request.signal);
    try {
      const output = await this.client.send(new ConverseCommand(input), { abortSignal: signal });
      return fromConverseOutput(output);
    } catch (error) {
      if (error instanceof ProviderFailure) throw error;
      throw classifyBedrockError(error, signal.aborted);
    }
  }
}
