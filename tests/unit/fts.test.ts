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

describe('phrases where Chinese touches Latin letters or digits, and across Markdown (tryout 10, item 7)', () => {
  /** Which of `texts` the query finds, through a real FTS5 table as turn_fts indexes them. */
  function found(texts: string[], query: string): string[] {
    const db = new Database(':memory:');
    db.exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')");
    texts.forEach((text, i) => db.prepare('INSERT INTO t(rowid, body) VALUES (?, ?)').run(i + 1, ftsText(text)));
    const rows = db.prepare('SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid').pluck().all(ftsQuery(query)) as number[];
    db.close();
    return rows.map((r) => texts[r - 1]!);
  }

  it('finds 测试429 typed as written, and 429 before or between Chinese', () => {
    const texts = ['测试429：太快了吗', '再测一次429', '429测试', '测试 429 次', '考试429分'];
    // A phrase is of tokens, so a space between them does not matter (as for Latin words); before
    // this, 测试429 found nothing at all.
    expect(found(texts, '测试429')).toEqual(['测试429：太快了吗', '测试 429 次']);
    expect(found(texts, '测试 429')).toEqual(['测试429：太快了吗', '429测试', '测试 429 次']);
    expect(found(texts, '429测试')).toEqual(['429测试']);
    expect(found(texts, '试429')).toEqual(['测试429：太快了吗', '测试 429 次', '考试429分']);
    expect(found(texts, '考试429分')).toEqual(['考试429分']);
    expect(found(['y=2x+1 的斜率是2', '函数y=2x+1'], '函数y')).toEqual(['函数y=2x+1']);
  });

  it('ends the phrase with the run’s last character only when the term goes on', () => {
    expect(ftsQuery('测试429')).toBe('"测试" + "试" + "429"*');
    expect(ftsQuery('测试')).toBe('"测试"');
    expect(ftsQuery('叶绿体，中')).toBe('"叶绿" + "绿体" + "体" + "中"*');
    expect(found(['叶绿体，中间', '叶绿体中'], '叶绿体，中')).toEqual(['叶绿体，中间']);
  });

  it('finds a phrase across Markdown’s emphasis, strikethrough and code markers', () => {
    const answer = '3. **叶绿体**中的叶绿素。~~旧~~说法，`代码`块，__光合__作用';
    for (const query of ['叶绿体中', '体中的叶', '旧说法', '代码块', '光合作用', '**叶绿体**中']) expect(found([answer], query), query).toEqual([answer]);
    expect(ftsText('**叶绿体**中')).toBe('** 叶绿 绿体 体中 中 ');
    // Elsewhere the markers stay to the tokenizer: Latin words and formulas are as before.
    expect(ftsText('x_1 * y')).toBe('x_1 * y');
    expect(found(['a **bold** word', 'snake_case'], 'bold word')).toEqual(['a **bold** word']);
    // What does not join still does not: a space or Chinese punctuation between.
    expect(found(['**叶绿体** 中', '叶绿体，中'], '叶绿体中')).toEqual([]);
  });

  it('keeps what worked: 光合作用, 一次函数, y=2x+1, English words', () => {
    const texts = ['光合作用需要哪些条件？', '请详细讲讲一次函数的图像和性质', '直线 y=2x+1 的斜率', 'Photosynthesis needs light'];
    expect(found(texts, '光合作用')).toEqual([texts[0]]);
    expect(found(texts, '一次函数')).toEqual([texts[1]]);
    expect(found(texts, 'y=2x+1')).toEqual([texts[2]]);
    expect(found(texts, '斜率 y=2x')).toEqual([texts[2]]);
    expect(found(texts, 'photosynth')).toEqual([texts[3]]);
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
