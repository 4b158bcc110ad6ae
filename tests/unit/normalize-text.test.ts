import { describe, expect, it } from 'vitest';
import { foldForMatching, normalizeText } from '../../src/main/core/attachments/normalize.ts';
import { ftsQuery, ftsText, highlightRanges } from '../../src/main/core/db/fts.ts';

// Written with escapes: the radicals look like the ideographs they stand for.
const RADICAL_TEXT = '物理作业：\u2F5C顿第\u2F06定律，\u2F00个\u2F54平拉\u2F12\u2F1C'; // ⽜ ⼆ ⼀ ⽔ ⼒ ⼜

describe('normalizeText (text read from a PDF or a photo)', () => {
  it('turns Kangxi radicals into the ideographs (NFKC), keeping the Chinese punctuation', () => {
    expect(normalizeText(RADICAL_TEXT)).toBe('物理作业：牛顿第二定律，一个水平拉力又');
  });

  it('maps the CJK Radicals Supplement by Unicode’s table, where NFKC maps only two; U+2E80 has no equivalent', () => {
    expect('\u2ED3\u2EA0\u2EC5'.normalize('NFKC')).toBe('\u2ED3\u2EA0\u2EC5'); // ⻓⺠⻅: NFKC leaves them
    expect(normalizeText('\u2ED3\u2EA0\u2EC5\u2E9F\u2EF3')).toBe('长民见母龟');
    expect(normalizeText('\u2EAE')).toBe('\u{25AD7}'); // ⺮ → 𥫗, outside the BMP
    expect(normalizeText('\u2E80')).toBe('\u2E80');
  });

  it('folds ligatures, full-width letters and mathematical letters; keeps superscripts, circled numbers, ㎡ and the ellipsis', () => {
    expect(normalizeText('ﬁnd Ａ１ 𝑥')).toBe('find A1 x');
    expect(normalizeText('x²+y² H₂O ① 3㎡ （见上）……')).toBe('x²+y² H₂O ① 3㎡ （见上）……');
  });

  it('foldForMatching keeps every offset: one character for one', () => {
    const text = `${RADICAL_TEXT} ﬁ Ａ`;
    expect(foldForMatching(text)).toHaveLength(text.length);
    expect(foldForMatching(text)).toBe('物理作业：牛顿第二定律，一个水平拉力又 ﬁ A');
  });
});

describe('search with either form', () => {
  it('indexes and queries the normalized text: 牛顿 and ⽜顿 are the same words', () => {
    expect(ftsText('\u2F5C顿')).toBe(ftsText('牛顿'));
    expect(ftsQuery('\u2F5C顿')).toBe(ftsQuery('牛顿'));
    expect(ftsQuery('牛顿')).toBe('"牛顿"');
  });

  it('marks the words in text written with radicals, at their offsets', () => {
    expect(highlightRanges(RADICAL_TEXT, '牛顿')).toEqual([[5, 7]]);
    expect(highlightRanges('物理作业：牛顿第二定律', '\u2F5C顿')).toEqual([[5, 7]]);
  });
});
