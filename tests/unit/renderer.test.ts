// The renderer's pure pieces, without a browser: money formatting and currency conversion, dates
// that never throw, maths delimiters, the usage chart's day labels, the teacher's import file, and
// the two translations having the same keys and placeholders.
import { SERVER_TOKEN_NAMES } from '../../src/shared/token-names.ts';
import { describe, expect, test } from 'vitest';
import { IMPORT_EXAMPLE, importPayload, isGeneratedId } from '../../src/renderer/src/features/assignments/import.ts';
import { allowanceBlocker } from '../../src/renderer/src/features/chat/composer.ts';
import { hasMath, normalizeMathDelimiters } from '../../src/renderer/src/features/chat/math.ts';
import { tokenDisplayName, userDisplayName } from '../../src/renderer/src/lib/display-names.ts';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';
import { dayLabel, dayLabelIndexes, LABEL_SPACE } from '../../src/renderer/src/features/usage/axis.ts';
import {
  convertCost,
  dateInputToMs,
  formatCost,
  formatDate,
  formatDateTime,
  formatTimestamp,
  fromDateTimeInput,
  INVALID_DATE,
  isValidTimestamp,
  localDayKey,
  nextLocalDay,
  parseRate,
  toDateTimeInput,
} from '../../src/renderer/src/lib/format.ts';

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

describe('costs in the currency the student picks', () => {
  const cny = { currency: 'CNY', rate: 7.1 } as const;
  test('micro-cents convert to yuan at the rate; USD is the default and unchanged', () => {
    expect(convertCost(100_000_000)).toBe(1);
    expect(convertCost(100_000_000, cny)).toBeCloseTo(7.1, 10);
    expect(formatCost(123_456_789, cny)).toBe('¥8.77');
    expect(formatCost(1_000_000, cny)).toBe('¥0.0710');
    expect(formatCost(37_500, cny)).toBe('¥0.0027');
    expect(formatCost(0, cny)).toBe('¥0');
    expect(formatCost(123_456_789, { currency: 'USD', rate: 7.1 })).toBe('$1.23');
  });
  test('the rate setting accepts positive numbers only', () => {
    expect(parseRate('7.25')).toBe(7.25);
    expect(parseRate(6.9)).toBe(6.9);
    for (const bad of ['', '0', '-1', 'abc', 'NaN', 'Infinity', null, undefined]) expect(parseRate(bad), String(bad)).toBeNull();
  });
});

describe('dates never throw', () => {
  // Beyond JavaScript's Date range (±8.64e15 ms), NaN and infinities: a placeholder, not a crash.
  const bad = [8.64e15 + 1, -8.64e15 - 1, 9e15, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity];
  test.each(bad)('%s renders as the placeholder', (ms) => {
    expect(isValidTimestamp(ms)).toBe(false);
    expect(formatDateTime(ms, 'zh-CN')).toBe(INVALID_DATE);
    expect(formatDate(ms, 'en')).toBe(INVALID_DATE);
    expect(formatTimestamp(ms, 'en', { month: 'numeric', day: 'numeric' })).toBe(INVALID_DATE);
    expect(localDayKey(ms)).toBe('');
    expect(toDateTimeInput(ms)).toBe('');
  });
  test('the edges of the range still format', () => {
    expect(formatDate(8.64e15, 'en')).toMatch(/275760/);
    expect(formatDate(0, 'en')).toMatch(/1970/);
    expect(formatDateTime(Date.UTC(2026, 2, 8, 12), 'zh-CN')).toMatch(/2026/);
  });
  test('a date the datetime input cannot hold starts empty; a bad input is no date', () => {
    expect(toDateTimeInput(Date.UTC(10_000, 0, 2))).toBe('');
    expect(toDateTimeInput(null)).toBe('');
    expect(fromDateTimeInput('not a date')).toBeNull();
    expect(fromDateTimeInput('+275761-01-01T00:00')).toBeNull();
  });
  test('an invalid language tag does not throw either', () => {
    expect(formatDate(0, 'not a language!')).toBe(INVALID_DATE);
  });
});

describe("the usage chart's day axis", () => {
  const DAY = 86_400_000;
  test.each([
    [7, 700],
    [30, 700],
    [90, 700],
    [90, 300],
    [30, 1_400],
  ])('%i days at %i px: distinct days, spaced, today labelled', (days, width) => {
    const start = new Date(2026, 0, 1).getTime();
    const points = Array.from({ length: days }, (_, i) => start + i * DAY + 3_600_000);
    const idx = dayLabelIndexes(days, width);
    expect(idx.at(-1)).toBe(days - 1);
    expect(idx.length).toBeLessThanOrEqual(Math.max(1, Math.floor(width / LABEL_SPACE)));
    for (let i = 1; i < idx.length; i++) expect(idx[i]! - idx[i - 1]!).toBe(idx[1]! - idx[0]!);
    for (const lang of ['zh-CN', 'en']) {
      const labels = idx.map((i) => dayLabel(points[i]!, lang));
      expect(new Set(labels).size, labels.join(' ')).toBe(labels.length);
    }
  });
  test('every day is labelled when there is room', () => {
    expect(dayLabelIndexes(7, 700)).toEqual([0, 1, 2, 3, 4, 5, 6]);
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
  test('a one-line $$…$$ on its own line becomes a display block; mid-sentence it stays inline', () => {
    expect(normalizeMathDelimiters('$$x^2$$')).toBe('$$\nx^2\n$$');
    expect(normalizeMathDelimiters('text\n\n  $$x^2$$  \n\nmore')).toBe('text\n\n  $$\nx^2\n  $$\n\nmore');
    expect(normalizeMathDelimiters('a $$x$$ b')).toBe('a $$x$$ b');
    expect(normalizeMathDelimiters('$$a$$ and\n$$b$$')).toBe('$$a$$ and\n$$\nb\n$$');
  });
  test('$$ with maths on the opening or closing line (remark-math would drop it) becomes a block', () => {
    expect(normalizeMathDelimiters('$$ a +\n b $$')).toBe('$$\na +\n b\n$$');
    expect(normalizeMathDelimiters('$$\ny = 1\n$$')).toBe('$$\ny = 1\n$$');
  });
  test('a LaTeX line break \\\\[2pt] is not a delimiter; $$ in code is left alone', () => {
    expect(normalizeMathDelimiters('$$a \\\\[2pt] b$$')).toBe('$$\na \\\\[2pt] b\n$$');
    expect(normalizeMathDelimiters('`$$y$$` and\n```\n$$z$$\n```')).toBe('`$$y$$` and\n```\n$$z$$\n```');
  });
});

// Whether the Markdown view loads KaTeX for a text: generous (a lone $ counts), but never for code.
describe('hasMath', () => {
  test('a dollar outside code is maths; code and plain text are not', () => {
    for (const text of ['$x^2$', 'so $a$ and', '$$\ny = 1\n$$', normalizeMathDelimiters('so \\(x\\) here'), 'it costs $5']) expect(hasMath(text), text).toBe(true);
    for (const text of ['**bold** and `code`', '二次函数的顶点', '`echo $HOME`', '```sh\n$ npm test\n```', '```\n$x$', normalizeMathDelimiters('`\\(x\\)`')])
      expect(hasMath(text), text).toBe(false);
  });
});

describe("a teacher's import file", () => {
  test('a bare array or an object with "assignments"', () => {
    expect(importPayload('[{"title":"A"}]')).toEqual({ assignments: [{ title: 'A' }] });
    expect(importPayload('\uFEFF{"assignments":[{"title":"B"}]}')).toEqual({ assignments: [{ title: 'B' }] });
  });
  test('anything else is refused, saying whether it was JSON at all', () => {
    expect(importPayload('not json')).toEqual({ error: 'not_json' });
    expect(importPayload('{"title":"A"}')).toEqual({ error: 'no_list' });
    expect(importPayload('42')).toEqual({ error: 'no_list' });
  });
  test('the example on the page is a file the import takes', () => {
    expect(importPayload(IMPORT_EXAMPLE)).toMatchObject({ assignments: [{ id: 'hw_001', due_at: '2026-12-10' }] });
  });
  test('ids the server made are told from ids a teacher chose', () => {
    expect(isGeneratedId('01a22531-e0b0-72bc-a948-177f73927266')).toBe(true);
    expect(['hw_001', 'math-01', '01a22531']).toEqual(['hw_001', 'math-01', '01a22531'].filter((id) => !isGeneratedId(id)));
  });
});

describe('names the server writes, in the UI language', () => {
  const translate = (messages: object) => (key: string) => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], messages) as string;
  test('the tokens the server makes (the names it gives them: src/shared/token-names.ts)', () => {
    const made = [SERVER_TOKEN_NAMES.signinLink, SERVER_TOKEN_NAMES.firstAdmin];
    expect(made.map((name) => tokenDisplayName(name, translate(zhCN)))).toEqual(['浏览器登录（一次性链接）', '首个管理员令牌（studylog serve）']);
    expect(tokenDisplayName('browser sign-in (one-time link)', translate(en))).toBe('Browser sign-in (one-time link)');
    expect(tokenDisplayName('小明的平板', translate(zhCN))).toBe('小明的平板');
  });
  test("the installation's owner; anyone else as named", () => {
    expect(userDisplayName({ name: 'owner', role: 'admin' }, translate(zhCN))).toBe('本机所有者');
    expect(userDisplayName({ name: 'owner', role: 'admin' }, translate(en))).toBe("This computer's owner");
    expect(userDisplayName({ name: 'owner', role: 'student' }, translate(zhCN))).toBe('owner');
    expect(userDisplayName({ name: '小明', role: 'student' }, translate(zhCN))).toBe('小明');
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
    const sameOk = /^(Studylog|ID|OpenAI|DeepSeek|OpenRouter|Ollama|LM Studio|Token|slk_…)$/;
    // A string of only placeholders and punctuation (“{{title}}”) has no words to translate.
    const wordless = (text: string) => !/\p{L}/u.test(text.replace(/\{\{\w+\}\}/g, ''));
    const same = Object.keys(english).filter((k) => english[k] === chinese[k] && !sameOk.test(english[k]!) && !wordless(english[k]!));
    expect(same).toEqual([]);
  });
});

describe('which allowance stops a message (the composer and the assignment panel)', () => {
  const status = (own: number | null, daily: number | null, exhausted = true) => ({
    exhausted,
    left: { tokens: own, cost: null },
    daily: daily === null ? null : { tokens: 1_000, used: 1_000 - daily, left: daily },
  });
  test('only today’s from the class hub: it starts again tomorrow', () => {
    expect(allowanceBlocker(status(500, 0))).toBe('daily_allowance');
    expect(allowanceBlocker(status(null, 0))).toBe('daily_allowance');
  });
  test('the assignment’s own first: tomorrow does not help with it, even when today’s is used up too', () => {
    expect(allowanceBlocker(status(0, 0))).toBe('allowance');
    expect(allowanceBlocker(status(0, null))).toBe('allowance');
    expect(allowanceBlocker(status(0, 300))).toBe('allowance');
  });
  test('a daily allowance of 0 is the teacher’s “no AI here”: ask the teacher, not tomorrow', () => {
    expect(allowanceBlocker({ exhausted: true, left: { tokens: null, cost: null }, daily: { tokens: 0, used: 0, left: 0 } })).toBe('allowance');
  });
  test('nothing used up: nothing stops it', () => {
    expect(allowanceBlocker(status(500, 300, false))).toBeNull();
  });
});
