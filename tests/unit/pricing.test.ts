import { describe, expect, it } from 'vitest';
import { costOf, PRICE_TABLE_VERSION } from '../../src/main/core/llm/pricing.ts';

// Hand-computed: cost (micro-cents) = tokens × USD-per-1M × 100.
describe('cost in micro-cents', () => {
  it('gpt-4o-mini: 1,000 in ($0.15/M) + 500 out ($0.60/M) = $0.00045 = 45,000 µ¢', () => {
    expect(costOf('gpt-4o-mini', { tokensIn: 1000, cachedTokens: 0, tokensOut: 500 })).toEqual({ cost: 45_000, price_known: true, price_table_version: PRICE_TABLE_VERSION });
  });

  it('deepseek-chat with a cache hit: 800 miss × 0.27 + 200 hit × 0.07 + 300 out × 1.10 = 56,000 µ¢', () => {
    // 800×0.27×100 = 21,600; 200×0.07×100 = 1,400; 300×1.10×100 = 33,000
    expect(costOf('deepseek-chat', { tokensIn: 1000, cachedTokens: 200, tokensOut: 300 }).cost).toBe(56_000);
  });

  it('gpt-5-nano rounds the call total once: 3 in × 0.05 + 1 out × 0.40 = 55 µ¢', () => {
    expect(costOf('gpt-5-nano', { tokensIn: 3, cachedTokens: 0, tokensOut: 1 }).cost).toBe(55);
  });

  it('gpt-5-nano cached tokens at $0.005/M: 7 cached tokens = 3.5 µ¢ → 4', () => {
    expect(costOf('gpt-5-nano', { tokensIn: 7, cachedTokens: 7, tokensOut: 0 }).cost).toBe(4);
  });

  it('an unknown or local model costs 0 with price_known=false', () => {
    expect(costOf('llama3.2', { tokensIn: 1_000_000, cachedTokens: 0, tokensOut: 1_000_000 })).toEqual({ cost: 0, price_known: false, price_table_version: PRICE_TABLE_VERSION });
  });

  it('a settings override prices any model, local ones included', () => {
    const overrides = { 'llama3.2': { input: 1, cached_input: 0.5, output: 2 }, 'gpt-4o-mini': { input: 10, cached_input: 10, output: 10 } };
    expect(costOf('llama3.2', { tokensIn: 100, cachedTokens: 0, tokensOut: 100 }, overrides)).toMatchObject({ cost: 30_000, price_known: true });
    expect(costOf('gpt-4o-mini', { tokensIn: 1, cachedTokens: 0, tokensOut: 1 }, overrides).cost).toBe(2_000);
  });

  it('a million-token call stays exact', () => {
    // gpt-4o: 1M in × $2.50 + 1M out × $10 = $12.50 = 1,250 cents = 1.25e9 µ¢
    expect(costOf('gpt-4o', { tokensIn: 1_000_000, cachedTokens: 0, tokensOut: 1_000_000 }).cost).toBe(1_250_000_000);
  });
});
