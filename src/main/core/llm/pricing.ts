/**
 * What a model call cost, in integer micro-cents (10⁻⁶ of a US cent), from a versioned price
 * table in USD per 1M tokens. Settings may override any model's price; a model with no price
 * (local Ollama / LM Studio models, or one we do not know) costs 0 with price_known = false.
 */
import type { ModelPrice } from '../../../shared/api/schemas.ts';

/**
 * Bump the version whenever a price changes: every assistant turn records the version it was
 * costed with, so old costs can be explained after prices move. Sources: the providers' public
 * pricing pages (OpenAI, DeepSeek api-docs "pricing-details-usd", Alibaba Model Studio
 * international). Prices change often; override them in settings when yours differ.
 */
export const PRICE_TABLE_VERSION = '2026-11-01';

export const PRICE_TABLE: Readonly<Record<string, ModelPrice>> = {
  // OpenAI
  'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cached_input: 0.005, output: 0.4 },
  'gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, cached_input: 0.025, output: 0.4 },
  'gpt-4o': { input: 2.5, cached_input: 1.25, output: 10 },
  'gpt-4o-mini': { input: 0.15, cached_input: 0.075, output: 0.6 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  'o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
  // DeepSeek (cache hit = cached_input)
  'deepseek-chat': { input: 0.27, cached_input: 0.07, output: 1.1 },
  'deepseek-reasoner': { input: 0.55, cached_input: 0.14, output: 2.19 },
  // Qwen (Model Studio, international; implicit cache hits billed at 20% of input)
  'qwen-max': { input: 1.6, cached_input: 0.32, output: 6.4 },
  'qwen-plus': { input: 0.4, cached_input: 0.08, output: 1.2 },
  'qwen-turbo': { input: 0.05, cached_input: 0.01, output: 0.2 },
  'qwen3-max': { input: 1.2, cached_input: 0.24, output: 6 },
};

export interface TokenCounts {
  /** All prompt tokens, cached ones included. */
  tokensIn: number;
  /** Of tokensIn, served from the provider's prompt cache. */
  cachedTokens: number;
  tokensOut: number;
}

export interface Costing {
  cost: number;
  price_known: boolean;
  price_table_version: string;
}

/** Prices are kept as exact integers (USD per 1M tokens × 10⁴) so the sum has no float drift. */
const scaled = (usdPerMillion: number) => Math.round(usdPerMillion * 10_000);

export function priceOf(model: string, overrides: Readonly<Record<string, ModelPrice>> = {}): ModelPrice | null {
  return overrides[model] ?? PRICE_TABLE[model] ?? null;
}

/**
 * tokens × (USD per 1M) × 10⁸ micro-cents per USD ÷ 10⁶ = tokens × USD-per-1M × 100, i.e.
 * tokens × scaled ÷ 100 — rounded half up once, for the whole call.
 */
export function costOf(model: string, counts: TokenCounts, overrides: Readonly<Record<string, ModelPrice>> = {}): Costing {
  const price = priceOf(model, overrides);
  if (!price) return { cost: 0, price_known: false, price_table_version: PRICE_TABLE_VERSION };
  const cached = Math.min(counts.cachedTokens, counts.tokensIn);
  const uncached = counts.tokensIn - cached;
  const total = uncached * scaled(price.input) + cached * scaled(price.cached_input) + counts.tokensOut * scaled(price.output);
  return { cost: Math.round(total / 100), price_known: true, price_table_version: PRICE_TABLE_VERSION };
}
