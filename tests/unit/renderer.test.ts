// The renderer's pure pieces, without a browser: money formatting, maths delimiters, the teacher's
// import file, and the two translations having the same keys and placeholders.
import { describe, expect, test } from 'vitest';
import { importPayload } from '../../src/renderer/src/features/assignments/import.ts';
import { normalizeMathDelimiters } from '../../src/renderer/src/features/chat/math.ts';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';
import { dateInputToMs, formatCost, nextLocalDay } from '../../src/renderer/src/lib/format.ts';

describe('formatCost (micro-cents → USD)', () => {
  test.each([
    [0, '$0'],
    [1, '$0.00000001'],
    [15, '$0.00000015'],
    [37_500, '$0.00038'],
    [1_000_000, '$0.0100'],
    [123_456_789, '$1.23'],
    [99_999, '$0.00100'],
  ])('%i micro-cents is %s', (microCents, shown) => {
    expect(formatCost(microCents)).toBe(shown);
  });

  test('never uses exponent notation', () => {
    for (let m = 1; m < 1e12; m *= 7) expect(formatCost(m)).not.toMatch(/e/i);
  });
});

describe('normalizeMathDelimiters', () => {
  test('turns \\( \\) and \\[ \\] into dollar maths', () => {
    expect(normalizeMathDelimiters('so \\(x^2\\) and \\[y = 1\\]')).toBe('so $x^2$ and \n$$\ny = 1\n$$\n');
  });
  test('leaves code alone', () => {
    const text = 'inline `\\(a\\)` and\n```\n\\[b\\]\n```';
    expect(normalizeMathDelimiters(text)).toBe(text);
  });
  test('leaves text without brackets untouched', () => {
    expect(normalizeMathDelimiters('$a$ costs $5')).toBe('$a$ costs $5');
  });
});

describe("a teacher's import file", () => {
  test('a bare array or an object with "assignments"', () => {
    expect(importPayload('[{"title":"A"}]')).toEqual({ assignments: [{ title: 'A' }] });
    expect(importPayload('\uFEFF{"assignments":[{"title":"B"}]}')).toEqual({ assignments: [{ title: 'B' }] });
  });
  test('anything else is refused', () => {
    expect(importPayload('not json')).toBeNull();
    expect(importPayload('{"title":"A"}')).toBeNull();
    expect(importPayload('42')).toBeNull();
  });
});

describe('date filters', () => {
  test('a date input is local midnight, and the next day is exclusive', () => {
    const ms = dateInputToMs('2026-03-08')!;
    expect(new Date(ms).getHours()).toBe(0);
    expect(new Date(nextLocalDay(ms)).getDate()).toBe(9);
    expect(dateInputToMs('')).toBeUndefined();
  });
});

describe('translations', () => {
  type Tree = { [k: string]: string | Tree };
  const flatten = (tree: Tree, prefix = ''): Record<string, string> =>
    Object.entries(tree).reduce<Record<string, string>>((out, [k, v]) => (typeof v === 'string' ? { ...out, [prefix + k]: v } : { ...out, ...flatten(v, `${prefix}${k}.`) }), {});
  const english = flatten(en as Tree);
  const chinese = flatten(zhCN as Tree);
  const placeholders = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();

  test('zh-CN has every key of en and no other', () => {
    expect(Object.keys(chinese).sort()).toEqual(Object.keys(english).sort());
  });
  test('every string has the same {{placeholders}} in both languages', () => {
    for (const key of Object.keys(english)) expect(placeholders(chinese[key]!), key).toEqual(placeholders(english[key]!));
  });
  test('no Chinese string was left in English (except names and codes)', () => {
    const sameOk = /^(Studylog|ID|OpenAI|OpenRouter|DeepSeek|Ollama|LM Studio|Token|slk_…)$/;
    const same = Object.keys(english).filter((k) => english[k] === chinese[k] && !sameOk.test(english[k]!));
    expect(same).toEqual([]);
  });
});
