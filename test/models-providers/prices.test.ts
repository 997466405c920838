import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, costOf, priceFor } from '../../lib/models-providers/index.js';

describe('priceFor', () => {
  it('finds exact ids, inference-profile ids and dated snapshots', () => {
    expect(priceFor(DEFAULT_PRICES, 'amazon.nova-lite-v1:0')).toEqual({ inputPerMillionUsd: 0.06, outputPerMillionUsd: 0.24 });
    expect(priceFor(DEFAULT_PRICES, 'us.amazon.nova-lite-v1:0')).toEqual(DEFAULT_PRICES['amazon.nova-lite-v1:0']);
    expect(priceFor(DEFAULT_PRICES, 'gpt-4o-mini-2024-07-18')).toEqual(DEFAULT_PRICES['gpt-4o-mini']);
  });

  it('does not match a key that is only a partial word of the id', () => {
    expect(priceFor({ 'gpt-4': { inputPerMillionUsd: 1, outputPerMillionUsd: 1 } }, 'gpt-4o')).toBeUndefined();
  });
});

describe('costOf', () => {
  it('prices input and output tokens per million', () => {
    const table = { m: { inputPerMillionUsd: 3, outputPerMillionUsd: 15 } };

    expect(costOf(table, 'm', { promptTokens: 2_000, completionTokens: 1_000 })).toEqual({ costUsd: 0.021, costUnknown: false });
  });

  it('flags unknown models only when tokens were used', () => {
    expect(costOf({}, 'x', { promptTokens: 1, completionTokens: 0 })).toEqual({ costUsd: 0, costUnknown: true });
    expect(costOf({}, 'x', { promptTokens: 0, completionTokens: 0 })).toEqual({ costUsd: 0, costUnknown: false });
  });
});
