import Database from 'better-sqlite3';
import { describe, expect, it, test } from 'vitest';
import { foldedTitleSqlite, foldTitle, ftsQuery, ftsText, registerFtsFunction, TITLE_KEPT_RANGES } from '../../src/main/core/db/fts.ts';

describe('ftsText (what is indexed)', () => {
  it('splits Chinese runs into overlapping bigrams plus the run’s last character', () => {
    expect(ftsText('数学题').trim().split(/\s+/)).toEqual(['数学', '学题', '题']);
  });
  it('keeps a one-character run as itself and leaves Latin text alone', () => {
    expect(ftsText('用GPT写').trim().split(/\s+/)).toEqual(['用', 'GPT', '写']);
    expect(ftsText('plain English')).toBe('plain English');
  });
  it('handles Japanese and Korean runs the same way', () => {
    expect(ftsText('ひらがな').trim().split(/\s+/)).toEqual(['ひら', 'らが', 'がな', 'な']);
    expect(ftsText('한국어').trim().split(/\s+/)).toEqual(['한국', '국어', '어']);
  });
});

describe('ftsQuery (what is matched)', () => {
  it('makes a two-character word one token and a longer one a phrase of bigrams', () => {
    expect(ftsQuery('数学')).toBe('"数学"');
    expect(ftsQuery('数学题')).toBe('"数学" + "学题"');
  });
  it('makes a single character a prefix query', () => {
    expect(ftsQuery('题')).toBe('"题"*');
  });
  it('matches Latin words by prefix and requires every term', () => {
    expect(ftsQuery('integral squared')).toBe('"integral"* AND "squared"*');
  });
  it('quotes FTS syntax so it is never interpreted', () => {
    expect(ftsQuery('NEAR(a b)')).toBe('"NEAR" + "a"* AND "b"*');
    expect(ftsQuery('"; DROP')).toBe('"DROP"*');
    expect(ftsQuery('*** --- !!!')).toBeNull();
  });
});

describe('title folding skips what it cannot change', () => {
  test('every character of TITLE_KEPT_RANGES is its own fold, so SQL may skip the call for a title made only of them', () => {
    for (const [from, to] of TITLE_KEPT_RANGES) {
      for (let code = from; code <= to; code++) {
        const c = String.fromCodePoint(code);
        if (foldTitle(c) !== c) throw new Error(`U+${code.toString(16)} (${c}) folds to ${foldTitle(c)}`);
      }
    }
  });

  test('SQLite folds a title with a character outside them, and leaves the others as they are', () => {
    const db = new Database(':memory:');
    registerFtsFunction(db);
    const fold = (title: string) =>
      db
        .prepare(`SELECT ${foldedTitleSqlite('t')} FROM (SELECT ? AS t)`)
        .pluck()
        .get(title);
    expect(fold('ｆ（ｘ）的导数')).toBe('f(x)的导数');
    expect(fold('⽜顿第二定律')).toBe('牛顿第二定律');
    expect(fold('二次函数　顶点')).toBe('二次函数 顶点');
    expect(fold('二次函数的顶点《练习》')).toBe('二次函数的顶点《练习》');
    expect(fold('Newton 2nd law')).toBe('Newton 2nd law');
    db.close();
  });
});
