/**
 * Local token counts: the encoder built from gpt-tokenizer's rank file must be o200k_base, the
 * same as the package's own module (which holds the ranks as a JavaScript literal).
 */
import { describe, expect, it } from 'vitest';
import { encode as packageEncode } from 'gpt-tokenizer/encoding/o200k_base';
import packageRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { countTokens, o200kRanks } from '../../src/main/core/llm/tokens.ts';
import { mulberry32 } from '../support/random.ts';

/** Counts by o200k_base (gpt-tokenizer 4.0.0's module, the counts Studylog recorded before). */
const KNOWN: [name: string, text: string, tokens: number][] = [
  ['English', 'The derivative of x squared is 2x, because the slope of the tangent grows linearly.', 20],
  ['Chinese', '光合作用是植物利用光能，把二氧化碳和水转化为葡萄糖并释放氧气的过程。', 29],
  ['mixed', "请解释 Newton's second law：F = ma，其中 a 是加速度 (acceleration)。Why 为什么?", 22],
  ['byte-order marks', '\uFEFFusing namespace std;\n\uFEFF\n\n', 9],
  ['special tokens as plain text', 'text <|endoftext|> and <|im_start|> stay plain', 17],
  ['emoji and symbols', '😀👍🏽 数学 🧮 ∫x dx', 13],
  ['code', 'function f(x) {\n  return x ** 2; // 平方\n}\n\t\t\n', 18],
  ['a long CJK run, counted in pieces', '数'.repeat(1234), 1234],
];

describe('countTokens (o200k_base)', () => {
  it.each(KNOWN)('counts %s as o200k_base does', (_name, text, tokens) => {
    expect(countTokens(text)).toBe(tokens);
  });

  it('builds the ranks of gpt-tokenizer’s o200k_base module, entry for entry', () => {
    const ranks = o200kRanks();
    expect(ranks.length).toBe(packageRanks.length);
    const differing = ranks.flatMap((value, rank) => (JSON.stringify(value) === JSON.stringify(packageRanks[rank]) ? [] : [rank]));
    expect(differing).toEqual([]);
    // Both kinds of entry exist (text, and bytes that are not UTF-8 of their own).
    expect(ranks.some((v) => Array.isArray(v))).toBe(true);
  });

  it('counts random mixed text as the package’s encoder does', () => {
    const random = mulberry32(15);
    const pieces = ['数学', '导数', ' integral', ' the', '，', '。', ' ', '\n', '2x', '∑', '😀', 'photosynthesis', '光合作用', ' Ça', 'ß', '\uFEFF', '<|endoftext|>'];
    for (let i = 0; i < 200; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 60) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
      expect(countTokens(text), text).toBe(packageEncode(text, { disallowedSpecial: new Set() }).length);
    }
  });
});
