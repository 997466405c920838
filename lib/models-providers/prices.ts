/** USD per one million tokens. */
export interface ModelPrice {
  readonly inputPerMillionUsd: number;
  readonly outputPerMillionUsd: number;
}

/** Model id (or id prefix) → price. Override by spreading: `{ ...DEFAULT_PRICES, 'my-model': { ... } }`. */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

const p = (inputPerMillionUsd: number, outputPerMillionUsd: number): ModelPrice => ({
  inputPerMillionUsd,
  outputPerMillionUsd,
});

/**
 * List prices, on-demand, standard tier (Bedrock: us-east-1). Checked 2025-10-01 — prices change:
 * verify against the provider's pricing page and override what you rely on for budgets.
 */
export const DEFAULT_PRICES: PriceTable = {
  // Amazon Bedrock — Anthropic
  'anthropic.claude-3-haiku-20240307-v1:0': p(0.25, 1.25),
  'anthropic.claude-3-5-haiku-20241022-v1:0': p(0.8, 4),
  'anthropic.claude-3-5-sonnet-20241022-v2:0': p(3, 15),
  'anthropic.claude-3-7-sonnet-20250219-v1:0': p(3, 15),
  'anthropic.claude-sonnet-4-20250514-v1:0': p(3, 15),
  'anthropic.claude-sonnet-4-5-20250929-v1:0': p(3, 15),
  'anthropic.claude-haiku-4-5-20251001-v1:0': p(1, 5),
  'anthropic.claude-opus-4-1-20250805-v1:0': p(15, 75),
  // Amazon Bedrock — Amazon Nova
  'amazon.nova-micro-v1:0': p(0.035, 0.14),
  'amazon.nova-lite-v1:0': p(0.06, 0.24),
  'amazon.nova-pro-v1:0': p(0.8, 3.2),
  // Amazon Bedrock — Meta Llama
  'meta.llama3-1-8b-instruct-v1:0': p(0.22, 0.22),
  'meta.llama3-1-70b-instruct-v1:0': p(0.72, 0.72),
  'meta.llama3-3-70b-instruct-v1:0': p(0.72, 0.72),
  // OpenAI (prefixes also price dated snapshots such as gpt-4o-mini-2024-07-18)
  'gpt-4o': p(2.5, 10),
  'gpt-4o-mini': p(0.15, 0.6),
  'gpt-4.1': p(2, 8),
  'gpt-4.1-mini': p(0.4, 1.6),
  'gpt-4.1-nano': p(0.1, 0.4),
  'gpt-5': p(1.25, 10),
  'gpt-5-mini': p(0.25, 2),
  'gpt-5-nano': p(0.05, 0.4),
};

/** Bedrock cross-region inference profile prefixes (`us.anthropic…`, `global.anthropic…`). */
const PROFILE_PREFIX = /^(us|eu|apac|us-gov|jp|au|ca|global)\./;

/**
 * Finds a price: exact id, then the id without an inference-profile prefix, then the longest table key
 * that prefixes the id at a `-`/`:` boundary (dated snapshots).
 */
export function priceFor(table: PriceTable, modelId: string): ModelPrice | undefined {
  const candidates = [modelId, modelId.replace(PROFILE_PREFIX, '')];
  for (const id of candidates) {
    const exact = table[id];
    if (exact) return exact;
  }
  const base = candidates[1] ?? modelId;
  const keys = Object.keys(table)
    .filter((key) => base.startsWith(key) && /^[-:]/.test(base.slice(key.length)))
    .sort((a, b) => b.length - a.length);
  const best = keys[0];
  return best === undefined ? undefined : table[best];
}

export interface CostResult {
  readonly costUsd: number;
  /** True when tokens were used but the model has no price (cost reported as 0). */
  readonly costUnknown: boolean;
}

export function costOf(
  table: PriceTable,
  modelId: string,
  usage: { readonly promptTokens: number; readonly completionTokens: number },
): CostResult {
  const price = priceFor(table, modelId);
  if (!price) return { costUsd: 0, costUnknown: usage.promptTokens + usage.completionTokens > 0 };
  const costUsd =
    (usage.promptTokens * price.inputPerMillionUsd + usage.completionTokens * price.outputPerMillionUsd) / 1_000_000;
  return { costUsd, costUnknown: false };
}
