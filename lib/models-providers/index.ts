export { BedrockModelPort } from './bedrock-model-port.js';
export type { BedrockModelPortOptions } from './bedrock-model-port.js';
export type { ProviderModelResult } from './completion-pipeline.js';
export type { CommonPortOptions } from './defaults.js';
export type { ErrorCategory } from './failure.js';
export { DEFAULT_PRICES, costOf, priceFor } from './prices.js';
export type { CostResult, ModelPrice, PriceTable } from './prices.js';
export type { Sleep } from './retry.js';
