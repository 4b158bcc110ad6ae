/**
 * Search on the hub, behind one adapter with two faces. On PostgreSQL, pg_trgm cannot match a
 * two-character word (its trigrams need three), and the `simple` text-search parser keeps a run of
 * Chinese as one word; so each turn carries `grams`, a text[] of the tokens below under a GIN
 * index: CJK runs as overlapping bigrams plus each character alone, Latin words lower-cased.
 * A query needs all its tokens (`grams @> …`, served by the index) and then the words themselves
 * in the content (`strpos`), which removes bigrams that occur apart. 数学 is one bigram, so it
 * finds 我们今天学数学. On SQLite the hub uses FTS5 over the desktop's bigram text (db/fts.ts).
 *
 * Both normalize as the desktop's search does (attachments/normalize.ts): a PDF's ⽜顿 (a Kangxi
 * radical) is indexed and found as 牛顿, full-width Ａ as A. On PostgreSQL the grams are made from
 * the normalized text and the query normalized alike; the content check folds both sides with
 * NFKC (PostgreSQL's normalize(): a UTF8 database, the only kind the hub opens, sql.ts) and the
 * CJK Radicals Supplement's ideographs. Turns indexed before this are indexed again once (reindex.ts).
 */
import type { SQL } from 'drizzle-orm';
import { normalizeText } from '../attachments/normalize.ts';
import { sql } from '../db/drizzle.ts';
import { foldedTitleSqlite, ftsQuery, ftsText, joinMarkup } from '../db/fts.ts';
// The type alone: sql.ts opens the hub and runs reindex.ts, which imports this file.
import type { Dialect } from './sql.ts';

const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;
const WORD = /[\p{L}\p{N}_]+/gu;

function cjkTokens(run: string, withUnigrams: boolean): string[] {
  const chars = Array.from(run);
  const tokens: string[] = withUnigrams || chars.length === 1 ? [...chars] : [];
  for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i]! + chars[i + 1]!);
  return tokens;
}

/** A text's tokens; Markdown's markers between Chinese characters do not split a run (db/fts.ts joinMarkup), in a turn and a query alike. */
function tokensOf(text: string, withUnigrams: boolean): string[] {
  const tokens: string[] = [];
  const lower = joinMarkup(text).toLowerCase();
  let last = 0;
  for (const match of lower.matchAll(CJK_RUN)) {
    tokens.push(...(lower.slice(last, match.index).match(WORD) ?? []));
    tokens.push(...cjkTokens(match[0], withUnigrams));
    last = match.index + match[0].length;
  }
  tokens.push(...(lower.slice(last).match(WORD) ?? []));
  return tokens;
}

/** What a turn is indexed under on PostgreSQL (distinct, sorted: a stable array), from its normalized text. */
export function searchGrams(content: string): string[] {
  return [...new Set(tokensOf(normalizeText(content), true))].sort();
}

/**
 * The CJK Radicals Supplement characters normalizeText maps to ideographs and NFKC leaves alone
 * (all but ⺟ and ⻳): PostgreSQL's translate() maps them in the content check, as normalizeText does.
 */
const SUPPLEMENT: [string, string][] = [];
for (let cp = 0x2e80; cp <= 0x2eff; cp++) {
  const c = String.fromCodePoint(cp);
  const to = normalizeText(c);
  if (to !== c && to.normalize('NFKC') !== c.normalize('NFKC') && Array.from(to).length === 1) SUPPLEMENT.push([c, to]);
}
const SUPPLEMENT_FROM = SUPPLEMENT.map(([from]) => from).join('');
const SUPPLEMENT_TO = SUPPLEMENT.map(([, to]) => to).join('');
const SUPPLEMENT_MAP = new Map(SUPPLEMENT);

/**
 * Markdown's inline markers (`*`, `_`, `~`, `` ` ``), which the content check drops on both sides:
 * `**叶绿体**中` holds 叶绿体中 as a reader sees it. Dropped everywhere, not only between Chinese
 * characters (the grams, db/fts.ts joinMarkup), which keeps the SQL a plain regexp_replace: the
 * check only ever passes more, and the grams have narrowed already.
 */
const MARKUP = /[*_~`]+/gu;
const MARKUP_SQL = '[*_~`]+';

/**
 * A word as the content check compares it: NFKC and the supplement's radicals as ideographs, and
 * Markdown's markers dropped (MARKUP), what foldedContent does in SQL. Lower case is left to SQL's
 * lower() on both sides, so they agree whatever the database's LC_CTYPE (under C it folds only
 * A–Z: Δx typed as stored still finds Δx).
 */
function foldedTerm(term: string): string {
  return Array.from(term.normalize('NFKC').replace(MARKUP, ''), (c) => SUPPLEMENT_MAP.get(c) ?? c).join('');
}
const foldedContent = sql`lower(translate(regexp_replace(normalize(t.content, NFKC), ${MARKUP_SQL}, '', 'g'), ${SUPPLEMENT_FROM}, ${SUPPLEMENT_TO}))`;

/**
 * db/fts.ts foldTitle in SQL, for title search: on PostgreSQL NFKC and the supplement's radicals,
 * as foldedContent (NFKC first, then translate(): the same result, since NFKC leaves those
 * radicals alone and never makes one); on SQLite the function the hub registers (sql.ts).
 */
export function foldedTitleSql(dialect: Dialect, expr: string): SQL {
  return dialect === 'pg' ? sql`translate(normalize(${sql.raw(expr)}, NFKC), ${SUPPLEMENT_FROM}, ${SUPPLEMENT_TO})` : sql.raw(foldedTitleSqlite(expr));
}

/** The text the SQLite hub's FTS5 table indexes (the desktop's bigram text). */
export const sqliteSearchText = ftsText;

/**
 * The WHERE condition that finds `query` in hub_turn (aliased `t`), or null when nothing in it is
 * searchable. Every whitespace-separated term must occur.
 */
export function searchCondition(dialect: Dialect, query: string): SQL | null {
  const terms = normalizeText(query)
    .split(/\s+/u)
    .map((t) => t.trim())
    .filter((t) => tokensOf(t, false).length > 0);
  if (terms.length === 0) return null;
  if (dialect === 'sqlite') {
    const match = ftsQuery(query);
    return match ? sql`t.id IN (SELECT turn_id FROM hub_turn_fts WHERE hub_turn_fts MATCH ${match})` : null;
  }
  const grams = [...new Set(terms.flatMap((t) => tokensOf(t, false)))];
  const conditions = [sql`t.grams @> ${sql.param(grams)}::text[]`];
  // The index narrows; the words themselves (folded alike on both sides) decide.
  for (const term of terms) conditions.push(sql`strpos(${foldedContent}, lower(${foldedTerm(term)}::text)) > 0`);
  return sql.join(conditions, sql` AND `);
}
