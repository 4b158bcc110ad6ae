/**
 * Text read from a PDF or a photo, normalized before it is stored, sent to a model or indexed.
 *
 * PDFs typeset with Noto / Source Han fonts often map some glyphs to the CJK radical characters
 * instead of the ideographs that look the same — 牛顿第二定律 comes out as ⽜顿第⼆定律 (U+2F5C KANGXI
 * RADICAL COW, U+2F06 KANGXI RADICAL TWO) — so a search for 牛顿 never finds it and a model reads odd
 * text. Unicode's NFKC maps all 214 Kangxi radicals (U+2F00–U+2FD5) to their ideographs, and also
 * folds ligatures (ﬁ → fi), full-width letters and digits (Ａ１ → A1), mathematical letters (𝑥 → x).
 * Of the CJK Radicals Supplement (U+2E80–U+2EFF) NFKC maps only two (⺟, ⻳): the others come from
 * Unicode's EquivalentUnifiedIdeograph.txt (below), which maps 114 of its 115 characters; U+2E80
 * CJK RADICAL REPEAT has no equivalent ideograph and is left as it is.
 *
 * A few kinds of character keep their form, because NFKC would change what a study text says or
 * how Chinese reads: superscripts and subscripts (x² would become x2, H₂O H2O), circled and
 * squared forms (① → 1, ㎡ → m2), Chinese full-width punctuation and the ideographic space
 * (：，（） would become :,() ) and the ellipsis (… → ...).
 */

/**
 * Equivalent_Unified_Ideograph for U+2E81..U+2EF3 (Unicode 14.0.0 EquivalentUnifiedIdeograph.txt,
 * © Unicode, Inc., http://www.unicode.org/terms_of_use.html), one code point per character in
 * order; U+0000 marks U+2E9A, which is unassigned.
 */
const RADICALS_SUPPLEMENT_FROM = 0x2e81;
const RADICALS_SUPPLEMENT = Array.from(
  '厂乛乚乙亻冂𠘨刀刂卜㔾小小兀尣尢𡯂巳幺彑彐忄心扌攵\u0000旡日月歺母民氵氺灬爫爫丬牛犭王𤴔目示礻𥫗糹纟罓罒㓁冗𦉫羊𦍌𦍋耂肀聿肉𦥑艹艹艹虎衤覀西见角𧢲讠贝𧾷车辶辶辶邑钅長镸长门𨸏阝雨青韦页风飞食𩙿飠饣𩠐马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀龟',
);
const RADICAL = /[\u2e81-\u2ef3]/gu;

// What NFKC leaves alone here (see above): superscripts and subscripts, enclosed and squared forms,
// full-width punctuation and symbols, the ideographic space, the two-dot and three-dot leaders.
const KEEP = '\u00b2\u00b3\u00b9\u2070-\u209f\u2025\u2026\u2460-\u24ff\u3000\u3200-\u33ff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff60\uffe0-\uffee';
const NOT_KEPT = new RegExp(`[^${KEEP}]+`, 'gu');

/** The text with radicals as ideographs and compatibility characters folded (NFKC, the kept forms aside). */
export function normalizeText(text: string): string {
  const ideographs = text.replace(RADICAL, (c) => {
    const to = RADICALS_SUPPLEMENT[c.codePointAt(0)! - RADICALS_SUPPLEMENT_FROM]!;
    return to === '\u0000' ? c : to;
  });
  return ideographs.replace(NOT_KEPT, (run) => run.normalize('NFKC'));
}

/**
 * `fold` one character at a time, where that keeps the text's length (UTF-16 units): each
 * character folded alone, kept as it is when its fold is longer or shorter (ﬁ, two letters, stays).
 * Offsets found in the folded text are offsets in the original, so a search result can mark ⽜顿
 * for the query 牛顿. Each character's fold is remembered (at most 10,000 of them).
 */
export function foldEachCharacter(fold: (text: string) => string): (text: string) => string {
  const folded = new Map<string, string>();
  return (text) =>
    text.replace(/[^\p{ASCII}]/gu, (c) => {
      let to = folded.get(c);
      if (to === undefined) {
        const n = fold(c);
        to = n.length === c.length ? n : c;
        if (folded.size < 10_000) folded.set(c, to);
      }
      return to;
    });
}

/** normalizeText one character at a time (foldEachCharacter): a radical becomes its ideograph, Ａ becomes A. */
export const foldForMatching = foldEachCharacter(normalizeText);
