import type { ChatMessage } from '../models/index.js';
import type { KernelMiddleware, ModelInvocation, PreparedToolRequest, ToolRequestDraft, ToolResultDraft } from './middleware-port.js';
import { MIDDLEWARE_PRIORITY, PII_SCRUBBER_NAME } from './names.js';
import { type ScrubOptions, scrubJsonText, scrubText } from './pii-patterns.js';

export interface PiiScrubberOptions extends ScrubOptions {
  /**
   * Tools whose arguments are passed unredacted (their results are still redacted), e.g. a `send_email` tool
   * whose recipient a safety rule must check. Everything else is redacted.
   */
  readonly exemptToolArguments?: readonly string[];
}

/**
 * Priority 0. Redacts PII (see `scrubText`) from the prompt, every message's content and tool-call arguments, tool
 * arguments and tool results, before anything is stored or sent. JSON is redacted value by value and re-emitted
 * as canonical JSON. Demo-grade regexes, not a DLP product.
 * @example
 * const pii = new PiiScrubberMiddleware();
 * const inv = await pii.prepareModel({ ...invocation, prompt: 'mail bob@example.com' }); // prompt: 'mail [REDACTED_EMAIL]'
 */
export class PiiScrubberMiddleware implements KernelMiddleware {
  readonly name = PII_SCRUBBER_NAME;
  readonly priority = MIDDLEWARE_PRIORITY.piiScrubber;
  readonly #options: ScrubOptions;
  readonly #exempt: ReadonlySet<string>;

  constructor(options: PiiScrubberOptions = {}) {
    this.#options = { ...(options.awsSecretKeys !== undefined ? { awsSecretKeys: options.awsSecretKeys } : {}) };
    this.#exempt = new Set(options.exemptToolArguments ?? []);
  }

  async prepareModel(invocation: ModelInvocation): Promise<ModelInvocation> {
    return {
      ...invocation,
      prompt: scrubText(invocation.prompt, this.#options),
      messages: invocation.messages.map((m) => this.#scrubMessage(m)),
    };
  }

  async prepareToolRequest(draft: ToolRequestDraft): Promise<PreparedToolRequest> {
    if (this.#exempt.has(draft.toolName)) return { argumentsJson: draft.argumentsJson };
    return { argumentsJson: scrubJsonText(draft.argumentsJson, this.#options) };
  }

  async prepareToolResult(draft: ToolResultDraft): Promise<string> {
    return scrubJsonText(draft.resultJson, this.#options);
  }

  #scrubMessage(message: ChatMessage): ChatMessage {
    const scrubbed: ChatMessage = { ...message, content: scrubText(message.content, this.#options) };
    if (message.toolCalls) {
      scrubbed.toolCalls = message.toolCalls.map((call) => ({
        ...call,
        argumentsJson: scrubJsonText(call.argumentsJson, this.#options),
      }));
    }
    return scrubbed;
  }
}
