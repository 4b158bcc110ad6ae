/**
 * Full-text search over turns in Chinese and English with SQLite FTS5.
 *
 * FTS5's unicode61 tokenizer sees a run of Chinese characters as one long "word", and the trigram
 * tokenizer cannot match queries shorter than three characters, so neither finds a two-character
 * word such as 数学 inside 帮我解答数学题. We index CJK text as overlapping bigrams instead (the
 * approach of Lucene's CJK analyzer): 数学题 → "数学 学题 题". Every character then starts a token or
 * ends its run (the trailing unigram), so a one-character query is a prefix query and a longer
 * one is a phrase of bigrams. Latin words go to unicode61 as they are (case- and accent-folded).
 *
 * The indexed text and the query are both normalized first (attachments/normalize.ts: a PDF's
 * radical ⽜ is the ideograph 牛, Ａ is A), so either form typed finds either form written.
 *
 * Two things keep a phrase whole across what does not split it for a reader:
 * - Markdown's inline markers between two Chinese characters (`**叶绿体**中` reads 叶绿体中) are
 *   dropped from the indexed text and the query alike (joinMarkup), so the run stays one run;
 * - a Chinese run followed by more of the same term (测试429) ends the query's phrase with the
 *   run's last character, as the index has it (测试 → "测试 试"), so 429 is adjacent.
 * When what ftsText makes changes, FTS_TEXT_VERSION goes up and every turn is indexed again in
 * the background (requeueOutdatedFtsText, fts-indexer.ts).
 */
import type Database from 'better-sqlite3';
import { foldEachCharacter, normalizeText } from '../attachments/normalize.ts';
import { hasTable, type ReadableDB, type WritableDB } from './handles.ts';

// Han (incl. extensions), Hiragana, Katakana, Hangul, CJK symbols used as word characters.
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

function bigramsOf(run: string): string[] {
  const chars = Array.from(run);
  if (chars.length === 1) return chars;
  const grams: string[] = [];
  for (let i = 0; i + 1 < chars.length; i++) grams.push(chars[i]! + chars[i + 1]!);
  grams.push(chars[chars.length - 1]!);
  return grams;
}

/**
 * Markdown's inline markers — emphasis and strong (`*`, `_`), strikethrough (`~`), code (`` ` ``) —
 * between two CJK characters. They split a Chinese run where a reader sees none: an answer's
 * `**叶绿体**中的叶绿素` reads 叶绿体中的叶绿素. Chinese text has no other use for these ASCII
 * characters (its own punctuation is full-width), so dropping them there loses nothing a student
 * would search for; elsewhere they are left to the tokenizer, which treats them as spaces.
 */
const MARKUP_BETWEEN_CJK =
  /(?<=[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])[*_~`]+(?=[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])/gu;

/** The text with Markdown's inline markers between CJK characters dropped (MARKUP_BETWEEN_CJK): the index and the query alike. */
export function joinMarkup(text: string): string {
  return text.replace(MARKUP_BETWEEN_CJK, '');
}

/**
 * The version of what ftsText makes. An index made by an earlier version is indexed again, turn
 * by turn in the background, at the next open (requeueOutdatedFtsText): 2 joined Markdown's markers
 * between Chinese characters (joinMarkup).
 */
export const FTS_TEXT_VERSION = 2;
/** The setting row holding the FTS_TEXT_VERSION the index was made with (absent: version 1). */
export const FTS_TEXT_VERSION_KEY = 'fts_text_version';

/** The text FTS5 indexes for one turn's content. Deterministic: the delete trigger relies on it. */
export function ftsText(content: string): string {
  return joinMarkup(normalizeText(content)).replace(CJK_RUN, (run) => ` ${bigramsOf(run).join(' ')} `);
}

const quote = (token: string) => `"${token.replaceAll('"', '""')}"`;

/**
 * Turns what a student typed into an FTS5 MATCH expression. Every whitespace-separated term must
 * match (AND); FTS5 syntax in the input is never interpreted, so `"`, `*`, `NEAR`, `-` are plain
 * text. Returns null when nothing searchable is left (e.g. only punctuation).
 */
export function ftsQuery(input: string): string | null {
  const terms: string[] = [];
  for (const term of joinMarkup(normalizeText(input)).split(/\s+/u)) {
    const parts: string[] = [];
    // The last character of the previous run, which the index has after its bigrams (bigramsOf):
    // part of the phrase when anything follows the run in this term (测试429 is "测试" + "试" +
    // "429"), not when the run ends it (测试 alone is found inside 测试题, whose "试" is no token).
    let tail: string | null = null;
    const push = (...tokens: string[]) => {
      if (tokens.length === 0) return;
      if (tail !== null) parts.push(tail);
      tail = null;
      parts.push(...tokens);
    };
    let last = 0;
    for (const match of term.matchAll(CJK_RUN)) {
      push(...latinTokens(term.slice(last, match.index)));
      const run = match[0];
      const chars = Array.from(run);
      if (chars.length === 1) push(quote(run) + '*');
      else {
        const grams: string[] = [];
        for (let i = 0; i + 1 < chars.length; i++) grams.push(quote(chars[i]! + chars[i + 1]!));
        push(...grams);
        tail = quote(chars[chars.length - 1]!);
      }
      last = match.index + run.length;
    }
    push(...latinTokens(term.slice(last)));
    if (parts.length === 0) continue;
    // Latin words match as prefixes ("integr" finds "integral"); a term's parts form one phrase.
    const lastPart = parts[parts.length - 1]!;
    if (!lastPart.endsWith('*') && /^"[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]*"$/u.test(lastPart)) {
      parts[parts.length - 1] = lastPart + '*';
    }
    terms.push(parts.length === 1 ? parts[0]! : phrase(parts));
  }
  return terms.length ? terms.join(' AND ') : null;
}

/** A phrase of quoted tokens; FTS5 allows `*` only on the last token of a phrase. */
function phrase(parts: string[]): string {
  const body = parts.map((p, i) => (i < parts.length - 1 ? p.replace(/\*$/u, '') : p));
  // `"a" + "b"` is FTS5's phrase syntax for adjacent tokens.
  return body.join(' + ');
}

function latinTokens(text: string): string[] {
  return (text.match(/[\p{L}\p{N}_]+/gu) ?? []).map(quote);
}

export const FTS_FUNCTION = 'studylog_fts_text';

/**
 * Search counts matches up to this many: a common word in a year of history matches hundreds of
 * thousands of turns, and counting them all takes longer than the page itself. Results are in
 * the order turns were written (FTS5's rowid order), newest first, so a page never needs them all.
 */
export const SEARCH_SCAN_LIMIT = 1_000;

/**
 * Turns whose index entry is due. Indexing is not part of the write that records a message (it
 * would run the text through JavaScript and FTS5 inside the transaction the model call waits for,
 * and again at every flush of a streamed answer): the triggers below only note the turn's rowid
 * here, one b-tree insert, and fts-indexer.ts indexes every noted turn in one write — in the
 * background shortly after, before anything reads turn_fts, and at open for what a crash left.
 * The table is in the database, so whichever process reads next catches up on any process's writes.
 */
export const FTS_PENDING_TABLE = 'turn_fts_pending';

/** The triggers that keep turn_fts in step with turn (verified on every open: derived.ts). */
export const FTS_TRIGGERS: Record<string, string> = {
  turn_fts_after_insert: `CREATE TRIGGER turn_fts_after_insert AFTER INSERT ON turn BEGIN
  INSERT OR IGNORE INTO turn_fts_pending(turn_rowid) VALUES (new.rowid);
END`,
  // A turn deleted before it was indexed leaves nothing behind: neither an entry nor a note.
  turn_fts_after_delete: `CREATE TRIGGER turn_fts_after_delete AFTER DELETE ON turn BEGIN
  DELETE FROM turn_fts WHERE rowid = old.rowid;
  DELETE FROM turn_fts_pending WHERE turn_rowid = old.rowid;
END`,
  turn_fts_after_update: `CREATE TRIGGER turn_fts_after_update AFTER UPDATE OF content ON turn WHEN new.content IS NOT old.content BEGIN
  INSERT OR IGNORE INTO turn_fts_pending(turn_rowid) VALUES (new.rowid);
END`,
};

/**
 * A message's attachments are found by their text too (OCR of a photo, a PDF's text): when a user
 * turn is linked to its attachments (in the write that records it), the turn is noted for
 * indexing again, and its entry then holds that text after its content (TURN_TEXT). Verified on
 * every open like the others (derived.ts).
 */
export const ATTACHMENT_FTS_TRIGGERS: Record<string, string> = {
  turn_attachment_fts_after_insert: `CREATE TRIGGER turn_attachment_fts_after_insert AFTER INSERT ON turn_attachment BEGIN
  INSERT OR IGNORE INTO turn_fts_pending(turn_rowid) SELECT rowid FROM turn WHERE id = new.turn_id;
END`,
};

/**
 * The triggers as they were before turn_fts_pending (migration fts_pending), indexing inside the
 * write. A database at an earlier migration (a test's partial folder) gets these, since the table
 * the new ones write is not there yet; and they kept the index in step just as the new ones do, so
 * replacing them on upgrade needs no rebuild of the index (derived.ts).
 */
export const FTS_TRIGGERS_BEFORE_PENDING: Record<string, string> = {
  turn_fts_after_insert: `CREATE TRIGGER turn_fts_after_insert AFTER INSERT ON turn BEGIN
  INSERT INTO turn_fts(rowid, body) VALUES (new.rowid, ${FTS_FUNCTION}(new.content));
END`,
  turn_fts_after_delete: `CREATE TRIGGER turn_fts_after_delete AFTER DELETE ON turn BEGIN
  DELETE FROM turn_fts WHERE rowid = old.rowid;
END`,
  turn_fts_after_update: `CREATE TRIGGER turn_fts_after_update AFTER UPDATE OF content ON turn BEGIN
  DELETE FROM turn_fts WHERE rowid = old.rowid;
  INSERT INTO turn_fts(rowid, body) VALUES (new.rowid, ${FTS_FUNCTION}(new.content));
END`,
};

/** See FTS_TRIGGERS_BEFORE_PENDING. */
export const ATTACHMENT_FTS_TRIGGERS_BEFORE_PENDING: Record<string, string> = {
  turn_attachment_fts_after_insert: `CREATE TRIGGER turn_attachment_fts_after_insert AFTER INSERT ON turn_attachment BEGIN
  DELETE FROM turn_fts WHERE rowid = (SELECT rowid FROM turn WHERE id = new.turn_id);
  INSERT INTO turn_fts(rowid, body) SELECT rowid, ${FTS_FUNCTION}(content || ' ' || (SELECT group_concat(text, ' ') FROM turn_attachment WHERE turn_id = new.turn_id)) FROM turn WHERE id = new.turn_id;
END`,
};

export const NORMALIZE_FUNCTION = 'studylog_normalize_text';

export function registerFtsFunction(db: Database.Database): void {
  db.function(FTS_FUNCTION, { deterministic: true }, (content: unknown) => ftsText(String(content ?? '')));
  registerTitleFoldFunction(db);
  // For migration nfkc_attachment_text, which normalizes attachment text stored before.
  db.function(NORMALIZE_FUNCTION, { deterministic: true }, (text: unknown) => normalizeText(String(text ?? '')));
}

/** Whether the database has turn_fts_pending (it is at migration fts_pending or later). */
export const hasPendingTable = (db: Database.Database): boolean => hasTable(db, FTS_PENDING_TABLE);

/**
 * What the index holds for the turn `t`: its content and its attachments' text (a database from
 * before attachments has no such table). One expression for the rebuild and the indexer alike.
 */
function turnText(db: Database.Database): string {
  const attachments = hasTable(db, 'turn_attachment') ? `coalesce(' ' || (SELECT group_concat(a.text, ' ') FROM turn_attachment a WHERE a.turn_id = t.id), '')` : `''`;
  return `${FTS_FUNCTION}(t.content || ${attachments})`;
}

/**
 * Which turns the index holds: messages and answers. A system turn (a title call's record, an
 * imported prompt) is in no chat, and every search leaves it out anyway (turns.repo.ts,
 * sessions.repo.ts: `t.role <> 'system'`); not indexing it keeps the index to what is searched.
 * Entries made for system turns before this stay, unseen, until the next rebuild.
 */
const INDEXED_TURNS = `t.role <> 'system'`;

/** Re-indexes every turn: after a migration (a rebuilt `turn` renumbers rowids) or a repair. */
export function rebuildFtsIndex(db: Database.Database): void {
  db.exec(`DELETE FROM turn_fts; INSERT INTO turn_fts(rowid, body) SELECT t.rowid, ${turnText(db)} FROM turn t WHERE ${INDEXED_TURNS};`);
  if (hasPendingTable(db)) db.exec(`DELETE FROM ${FTS_PENDING_TABLE}`);
  // Every entry is now of this version's text.
  if (hasTable(db, 'setting')) writeFtsTextVersion(db);
}

function writeFtsTextVersion(db: Database.Database): void {
  db.prepare('INSERT INTO setting (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at').run(
    FTS_TEXT_VERSION_KEY,
    JSON.stringify(FTS_TEXT_VERSION),
    Date.now(),
  );
}

/**
 * Whether the index was made by an earlier ftsText (FTS_TEXT_VERSION): a plain read, nothing to
 * do on every open but the first after an update. A database without turn_fts_pending (a test's
 * partial folder) is left alone.
 */
export function ftsTextOutdated(db: Database.Database): boolean {
  if (!hasPendingTable(db) || !hasTable(db, 'setting')) return false;
  const stored = db.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(FTS_TEXT_VERSION_KEY);
  return stored !== JSON.stringify(FTS_TEXT_VERSION);
}

/**
 * For an index made by an earlier ftsText: notes every indexed turn in turn_fts_pending (one
 * b-tree insert each, a second or so for a million turns) and records the version, in the write
 * `db` is in. The indexer then indexes them again, newest first, in batches (indexPendingTurns):
 * meanwhile a turn keeps its old entry, so search finds what it found before, and says it is
 * behind (fts-indexer.ts). Returns how many turns it noted (0 when the index is current).
 */
export function requeueOutdatedFtsText(db: WritableDB): number {
  if (!ftsTextOutdated(db)) return 0;
  const noted = db.prepare(`INSERT OR IGNORE INTO ${FTS_PENDING_TABLE}(turn_rowid) SELECT t.rowid FROM turn t WHERE ${INDEXED_TURNS}`).run().changes;
  writeFtsTextVersion(db);
  return noted;
}

/**
 * The rowids indexPendingTurns takes next: the newest noted turns first, so a message just written
 * is searchable before a re-index's backlog of old ones (requeueOutdatedFtsText).
 */
const nextPending = (limit: number) => `SELECT turn_rowid FROM ${FTS_PENDING_TABLE} ORDER BY turn_rowid DESC LIMIT ${limit}`;

/**
 * The noted turns' rowids and text (the newest `limit` of them when given). CROSS JOIN makes SQLite read the notes and
 * look each turn up by rowid: with a plain JOIN it preferred to scan all of `turn` in rowid order
 * (no sort needed) — 0.2 s for one noted turn among a million (bench/NOTES.md).
 */
export function pendingTextSql(db: Database.Database, limit?: number): string {
  const notes = limit === undefined ? FTS_PENDING_TABLE : `(${nextPending(limit)})`;
  return `SELECT p.turn_rowid, ${turnText(db)} FROM ${notes} p CROSS JOIN turn t ON t.rowid = p.turn_rowid WHERE ${INDEXED_TURNS} ORDER BY p.turn_rowid`;
}

/** Whether any turn waits for its index entry (a read of one row). */
export function hasPendingTurns(db: ReadableDB): boolean {
  return db.prepare(`SELECT 1 FROM ${FTS_PENDING_TABLE} LIMIT 1`).get() !== undefined;
}

/**
 * Noted turns one write indexes at most: the messages of a busy moment fit many times over, while a
 * re-index's backlog (requeueOutdatedFtsText: every turn) goes in writes of about 0.1 s each,
 * never one that holds the event loop and the write lock for a minute.
 */
export const INDEX_BATCH = 2_000;

/**
 * Indexes the noted turns in the write `db` is in — the newest `limit` of them (INDEX_BATCH): their old entries out, their text now in (a
 * system turn's not: INDEXED_TURNS), their notes cleared. Returns how many notes are left. A noted rowid whose turn is gone (not possible
 * through the triggers, which clear the note with the turn) only loses its entry.
 */
export function indexPendingTurns(db: WritableDB, limit: number = INDEX_BATCH): number {
  const pending = (db.prepare(`SELECT count(*) FROM ${FTS_PENDING_TABLE}`).pluck().get() as number) ?? 0;
  if (pending === 0) return 0;
  const some = pending > limit;
  // The same notes three times: nothing else writes inside this write.
  const notes = some ? `(${nextPending(limit)})` : FTS_PENDING_TABLE;
  // turn_fts is contentless with contentless_delete=1: its rows are deleted by rowid (one lookup
  // each through the IN list; a new turn's rowid is past every segment, so its delete is free).
  db.prepare(`DELETE FROM turn_fts WHERE rowid IN (SELECT turn_rowid FROM ${notes})`).run();
  db.prepare(`INSERT INTO turn_fts(rowid, body) ${pendingTextSql(db, some ? limit : undefined)}`).run();
  if (some) db.prepare(`DELETE FROM ${FTS_PENDING_TABLE} WHERE turn_rowid IN (SELECT turn_rowid FROM ${notes})`).run();
  else db.prepare(`DELETE FROM ${FTS_PENDING_TABLE}`).run();
  return Math.max(0, pending - limit);
}

// ---------------------------------------------------------------------------------------------
// Titles (a session's meta.title, an assignment's title) are short and few per student, so they
// are matched without an index: every whitespace-separated term of the query must occur in the
// title (LIKE, case-insensitive for Latin letters). Chinese needs nothing more — 数学 is found
// inside 我们今天学数学 — and a Latin term matches inside a word as well as at its start.
// Both sides are folded first (foldTitle): a Chinese IME in full-width mode types ｆ（ｘ）, ＡＢＣ,
// ２次函数, and finds the title f(x) 的导数, ABC, 2次函数 (and the other way round).

/**
 * A title or a query term as title matching compares them: the CJK radicals as ideographs (as
 * normalizeText), then NFKC throughout — full-width punctuation and the ideographic space too
 * (ｆ（ｘ） is f(x)), which normalizeText keeps in what is stored and shown, but which must not
 * decide a match. The same fold on both sides, so it only ever joins forms, never splits them.
 * The hub's PostgreSQL does it in SQL (hub/search.ts foldedTitleSql); SQLite calls this as
 * TITLE_FOLD_FUNCTION.
 */
export function foldTitle(text: string): string {
  return normalizeText(text).normalize('NFKC');
}

/** foldTitle in SQLite's SQL (registered on the desktop's connection and the hub's SQLite). */
export const TITLE_FOLD_FUNCTION = 'studylog_fold_title';

/**
 * Characters foldTitle leaves as they are (a unit test checks each): printable ASCII, the CJK
 * unified ideographs (U+4E00–9FFF), and 、。〃〄々〆〇〈〉《》「」『』【】 (U+3001–3011). A title made
 * only of them is its own fold, so SQL skips the call for it: called for every title of a
 * 20,000-session history, the function more than doubled a search (bench B2), while most titles
 * need nothing.
 */
export const TITLE_KEPT_RANGES: readonly (readonly [number, number])[] = [
  [0x20, 0x7e],
  [0x4e00, 0x9fff],
  [0x3001, 0x3011],
];
/** A GLOB pattern: any character outside TITLE_KEPT_RANGES (the ranges' ends are neither special to GLOB nor a quote). */
const TITLE_NEEDS_FOLD_GLOB = `*[^${TITLE_KEPT_RANGES.map(([from, to]) => `${String.fromCodePoint(from)}-${String.fromCodePoint(to)}`).join('')}]*`;

/** SQLite's SQL for foldTitle(expr), calling the function only for a title that may change (TITLE_KEPT_RANGES). */
export function foldedTitleSqlite(expr: string): string {
  return `CASE WHEN ${expr} GLOB '${TITLE_NEEDS_FOLD_GLOB}' THEN ${TITLE_FOLD_FUNCTION}(${expr}) ELSE ${expr} END`;
}

export function registerTitleFoldFunction(db: Database.Database): void {
  db.function(TITLE_FOLD_FUNCTION, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? foldTitle(text) : text));
}

/** The query's terms as title matching uses them (folded: foldTitle, and lowercase). */
export function titleTerms(input: string): string[] {
  return foldTitle(input)
    .toLowerCase()
    .split(/\s+/u)
    .filter((term) => term !== '');
}

/** A LIKE pattern that finds `term` anywhere (its `%`, `_` and `\` taken literally, ESCAPE '\'). */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** `<expr folded> LIKE ? ESCAPE '\' AND …` for every term (titleTerms), and its parameters. */
export function titleMatchSql(expr: string, terms: string[]): { sql: string; params: string[] } {
  return { sql: terms.map(() => `${foldedTitleSqlite(expr)} LIKE ? ESCAPE '\\'`).join(' AND '), params: terms.map(likePattern) };
}

/** foldTitle one character at a time, keeping offsets (normalize.ts foldEachCharacter). */
const foldTitleChars = foldEachCharacter(foldTitle);

/**
 * Where the query's terms occur in `text` (case-insensitive, radicals and full-width forms as
 * their ideographs and letters), as [start, end) ranges of UTF-16
 * offsets, sorted and merged: what a search result marks.
 */
export function highlightRanges(text: string, query: string): [number, number][] {
  // Folded one character for one, as titleTerms folds the query (foldTitle): 牛顿 marks ⽜顿 too,
  // ｆ（ｘ） marks f(x) and f(x) marks ｆ（ｘ）, at the same offsets.
  const haystack = foldTitleChars(text.toLowerCase());
  const ranges: [number, number][] = [];
  for (const term of titleTerms(query)) {
    for (let at = haystack.indexOf(term); at >= 0; at = haystack.indexOf(term, at + term.length)) ranges.push([at, at + term.length]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}
