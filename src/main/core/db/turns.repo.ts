import { newId } from '../ids.ts';
import {
  IdSchema,
  NewTurnSchema,
  PageSchema,
  SearchQuerySchema,
  TimeRangeSchema,
  TurnPageSchema,
  TurnPatchSchema,
  TURN_PAGE_BYTES,
  type CursorPage,
  type NewTurn,
  type Page,
  type Paged,
  type Turn,
  type TurnPage,
  type TurnPatch,
  type TitleSearchHit,
  type TurnSearchHit,
} from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import { withDbErrors } from './db-errors.ts';
import { markdownToText } from '../../../shared/markdown-text.ts';
import { ftsQuery, highlightRanges, SEARCH_SCAN_LIMIT, titleMatchSql, titleTerms } from './fts.ts';
import type { WritableDB } from './handles.ts';
import { hydrateTurn, hydrateTurns, type TurnRow } from './hydrate.ts';

const TURN_FIELDS = ['id', 'session_id', 'role', 'content', 'tool_calls', 'model', 'tokens_in', 'tokens_out', 'cost', 'created_at', 'meta', 'parent_id'] as const;
const TURN_COLUMNS = TURN_FIELDS.map((f) => `t.${f}`).join(', ');
/** Title hits a search returns, of sessions and of assignments each. */
const TITLE_HIT_LIMIT = 20;

/** Turn fields as SQLite stores them: the JSON columns as text. */
function toRow<T extends Partial<Turn>>(fields: T): Record<string, unknown> {
  const row: Record<string, unknown> = { ...fields };
  if (fields.tool_calls !== undefined) row.tool_calls = fields.tool_calls === null ? null : JSON.stringify(fields.tool_calls);
  if (fields.meta !== undefined) row.meta = JSON.stringify(fields.meta);
  return row;
}

/** What makes a client_request_id unique: the id within its user (JSON, so no two pairs collide). */
export function clientRequestKey(userId: string, clientRequestId: string): string {
  return JSON.stringify([userId, clientRequestId]);
}

/** A page cursor: the (created_at, id) of the last turn given, base64url so it is opaque. */
function encodeCursor(turn: Turn): string {
  return Buffer.from(`${turn.created_at}.${turn.id}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { created_at: number; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const dot = text.indexOf('.');
  const createdAt = Number(text.slice(0, dot));
  if (dot < 1 || !/^\d+$/.test(text.slice(0, dot)) || !Number.isSafeInteger(createdAt) || !text.slice(dot + 1)) {
    throw new ApiError('validation_error', 'Invalid request: cursor: not a cursor this server gave out', [{ path: 'cursor', message: 'not a cursor this server gave out' }]);
  }
  return { created_at: createdAt, id: text.slice(dot + 1) };
}

/** How much text a snippet shows either side of the first match. */
const SNIPPET_RADIUS = 60;
/** Above this many characters, only the paragraphs around the match are read as Markdown. */
const SNIPPET_PARSE_LIMIT = 4_000;

/**
 * A short excerpt of a turn around the first place a query term occurs, as plain text (the
 * Markdown and LaTeX read as text: markdown-text.ts), with the terms marked. A long turn is cut to
 * the paragraphs around the match before it is parsed, so a hit never parses 100,000 characters.
 */
export function snippetOf(content: string, query: string): { snippet: string; highlights: [number, number][] } {
  let source = content;
  if (content.length > SNIPPET_PARSE_LIMIT) {
    const lower = content.toLowerCase();
    const found = Math.min(...titleTerms(query).map((t) => (lower.indexOf(t) < 0 ? Infinity : lower.indexOf(t))));
    const at = Number.isFinite(found) ? found : 0;
    const start = Math.max(0, content.lastIndexOf('\n\n', Math.max(0, at - SNIPPET_PARSE_LIMIT / 4)));
    const end = content.indexOf('\n\n', Math.min(content.length, at + SNIPPET_PARSE_LIMIT / 4));
    source = content.slice(start, end < 0 ? content.length : end);
  }
  const plain = markdownToText(source, { math: 'text' }).replace(/\s+/gu, ' ');
  const first = highlightRanges(plain, query)[0]?.[0] ?? 0;
  const start = Math.max(0, first - SNIPPET_RADIUS);
  const end = Math.min(plain.length, first + SNIPPET_RADIUS * 2);
  const prefix = start > 0 ? '…' : '';
  const snippet = prefix + plain.slice(start, end) + (end < plain.length ? '…' : '');
  return { snippet, highlights: highlightRanges(snippet, query) };
}

/** How much of an attachment's text a snippet shows before the match (after the file's name). */
const ATTACHMENT_SNIPPET_LEAD = 20;

/**
 * For a message found by the text of one of its attachments (a photo's OCR, a PDF's text), not by
 * its own words: an excerpt of the first attachment whose text holds a term, after the file's
 * name — "📎 物理作业.pdf：…加速度…" — with the terms marked. Null when no attachment's text does.
 */
export function attachmentSnippetOf(files: readonly { name: string; text: string }[], query: string): { snippet: string; highlights: [number, number][] } | null {
  for (const file of files) {
    const plain = file.text.replace(/\s+/gu, ' ').trim();
    const first = highlightRanges(plain, query)[0]?.[0];
    if (first === undefined) continue;
    const start = Math.max(0, first - ATTACHMENT_SNIPPET_LEAD);
    const end = Math.min(plain.length, first + SNIPPET_RADIUS * 2);
    // No words, so nothing to translate: the colon is a Chinese one after a Chinese name.
    const label = `📎 ${file.name}${/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u.test(file.name) ? '：' : ': '}`;
    const snippet = label + (start > 0 ? '…' : '') + plain.slice(start, end) + (end < plain.length ? '…' : '');
    return { snippet, highlights: highlightRanges(snippet, query) };
  }
  return null;
}

/**
 * Reads rows (limit + 1 of them at most) into a page: stops at `limit` turns or before the JSON
 * would pass TURN_PAGE_BYTES, and says where the next page starts.
 */
function takePage(rows: IterableIterator<TurnRow>, limit: number): CursorPage<Turn> {
  const items: Turn[] = [];
  let bytes = 0;
  let more = false;
  try {
    for (const row of rows) {
      if (items.length === limit) {
        more = true;
        break;
      }
      const turn = hydrateTurn(row);
      const size = Buffer.byteLength(JSON.stringify(turn), 'utf8');
      if (items.length > 0 && bytes + size > TURN_PAGE_BYTES) {
        more = true;
        break;
      }
      items.push(turn);
      bytes += size;
    }
  } finally {
    rows.return?.();
  }
  return { items, next_cursor: more ? encodeCursor(items[items.length - 1]!) : null };
}

/**
 * The seed's Turns model methods over the `turn` table, plus full-text search. The methods every
 * message calls are written as SQL (compiled once, see connection.ts): through drizzle's query
 * builder they were a fifth of the proxy's CPU time (bench/NOTES.md, B1).
 */
export class TurnsRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Writes take the write handle (handles.ts): inside `store.writes.run` or `store.transaction`. */
  insertNewTurn<I extends NewTurn>(db: WritableDB, input: I): Extract<Turn, { role: I['role'] }> {
    const data = parseInput(NewTurnSchema, input, 'turn');
    // The schema keeps the role as given, and the meta as that role's.
    const row = { ...data, id: data.id ?? newId(), created_at: data.created_at ?? Date.now() } as Extract<Turn, { role: I['role'] }>;
    // A turn written without a parent (history written directly: imports, seeds) follows the
    // session's turns in the order written, as migration 0008 linked the turns before it.
    if (data.parent_id === undefined) row.parent_id = data.role === 'system' ? null : this.#writtenParent(row);
    withDbErrors('record the turn', () => db.prepare(`INSERT INTO turn (${TURN_FIELDS.join(', ')}) VALUES (${TURN_FIELDS.map((f) => `@${f}`).join(', ')})`).run(toRow(row)));
    return row;
  }

  /** 0008's rule: an answer follows its message (meta.user_turn_id, else the last message before it), a message the last answer before it. */
  #writtenParent(turn: Turn): string | null {
    const role = turn.role === 'assistant' ? 'user' : 'assistant';
    const named = turn.role === 'assistant' ? turn.meta.user_turn_id : undefined;
    const sqlite = this.#store.sqlite;
    if (named) {
      const found = sqlite.prepare(`SELECT t.id FROM turn t WHERE t.id = ? AND t.session_id = ? AND t.role = 'user'`).pluck().get(named, turn.session_id) as string | undefined;
      if (found) return found;
    }
    // Walks turn(session_id, created_at, id) backwards from the new turn's place.
    const before = sqlite
      .prepare(`SELECT t.id FROM turn t WHERE t.session_id = ? AND (t.created_at, t.id) < (?, ?) AND t.role = ? ORDER BY t.created_at DESC, t.id DESC LIMIT 1`)
      .pluck()
      .get(turn.session_id, turn.created_at, turn.id, role) as string | undefined;
    return before ?? null;
  }

  getTurnById(id: string): Turn | null {
    const turnId = parseInput(IdSchema, id, 'turn id');
    const row = this.#store.sqlite.prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE t.id = ?`).get(turnId) as TurnRow | undefined;
    return row ? hydrateTurn(row) : null;
  }

  /** Updates a turn (streamed text, accounting, meta); returns it, or null when it does not exist. */
  updateTurnById(db: WritableDB, id: string, patch: TurnPatch): Turn | null {
    const turnId = parseInput(IdSchema, id, 'turn id');
    // A field given as undefined is left alone (zod keeps such keys; SQLite would store NULL).
    const changes = Object.fromEntries(Object.entries(parseInput(TurnPatchSchema, patch, 'turn update')).filter(([, v]) => v !== undefined)) as TurnPatch;
    if (Object.keys(changes).length === 0) return this.getTurnById(turnId);
    // The column names come from TurnPatchSchema's keys (a strict object), never from the caller.
    const assignments = Object.keys(changes)
      .map((f) => `${f} = @${f}`)
      .join(', ');
    const row = withDbErrors('update the turn', () =>
      db.prepare(`UPDATE turn SET ${assignments} WHERE id = @id RETURNING ${TURN_FIELDS.join(', ')}`).get({ ...toRow(changes), id: turnId }),
    ) as TurnRow | undefined;
    return row ? hydrateTurn(row) : null;
  }

  /** A session's turns in the order they were written (created_at, then id: UUIDv7 is monotonic). */
  getTurnsBySessionId(sessionId: string): Turn[] {
    const id = parseInput(IdSchema, sessionId, 'session id');
    const rows = this.#store.sqlite.prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE t.session_id = ? ORDER BY t.created_at, t.id`).all(id) as TurnRow[];
    return rows.map(hydrateTurn);
  }

  /**
   * One page of a session's turns, in order, after `page.cursor` (the start when absent): at most
   * `page.limit` turns and never more than TURN_PAGE_BYTES of JSON (at least one turn, which alone
   * is far smaller). `next_cursor` continues it; null on the last page.
   */
  getTurnsBySessionIdPage(sessionId: string, page: TurnPage = {}): CursorPage<Turn> {
    const id = parseInput(IdSchema, sessionId, 'session id');
    const { limit, cursor } = parseInput(TurnPageSchema, page, 'page');
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = this.#store.sqlite
      .prepare(
        `SELECT ${TURN_COLUMNS} FROM turn t WHERE t.session_id = ? ${after ? 'AND (t.created_at, t.id) > (?, ?)' : ''}
         ORDER BY t.created_at, t.id LIMIT ?`,
      )
      .iterate(...[id, ...(after ? [after.created_at, after.id] : []), limit + 1]) as IterableIterator<TurnRow>;
    return takePage(rows, limit);
  }

  /** One page of the user's turns in [from, to), oldest first; see getTurnsBySessionIdPage for the rules. */
  getTurnsByUserAndDatePage(userId: string, from: number, to: number, page: TurnPage = {}): CursorPage<Turn> {
    const owner = parseInput(IdSchema, userId, 'user id');
    const range = parseInput(TimeRangeSchema, { from, to }, 'time range');
    const { limit, cursor } = parseInput(TurnPageSchema, page, 'page');
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = this.#store.sqlite
      .prepare(
        // As in getTurnsByUserAndDate: turn leads, walking turn(created_at, id) in order.
        `SELECT ${TURN_COLUMNS} FROM turn t CROSS JOIN session s ON s.id = t.session_id
         WHERE s.user_id = ? AND t.created_at >= ? AND t.created_at < ? ${after ? 'AND (t.created_at, t.id) > (?, ?)' : ''}
         ORDER BY t.created_at, t.id LIMIT ?`,
      )
      .iterate(...[owner, range.from, range.to, ...(after ? [after.created_at, after.id] : []), limit + 1]) as IterableIterator<TurnRow>;
    return takePage(rows, limit);
  }

  /**
   * Versions (src/shared/turn-tree.ts): the leaf of a session's active branch — `chosenLeafId` when
   * it is a message or answer of that session, else the newest one; null for a session with none.
   * `placedOnly`: where a new message goes (versions.ts) — queued messages not yet given their
   * place (meta.queued, proxy.service.ts) are passed over.
   */
  activeLeafId(sessionId: string, chosenLeafId?: string | null, placedOnly = false): string | null {
    const id = parseInput(IdSchema, sessionId, 'session id');
    const placed = placedOnly ? ` AND json_extract(t.meta, '$.queued') IS NULL` : '';
    if (chosenLeafId) {
      const chosen = this.#store.sqlite
        .prepare(`SELECT t.id FROM turn t WHERE t.id = ? AND t.session_id = ? AND t.role IN ('user', 'assistant')${placed}`)
        .pluck()
        .get(chosenLeafId, id) as string | undefined;
      if (chosen) return chosen;
    }
    // Walks turn(session_id, created_at, id) from the end: system turns (the title's record) are skipped.
    const newest = this.#store.sqlite
      .prepare(`SELECT t.id FROM turn t WHERE t.session_id = ? AND t.role IN ('user', 'assistant')${placed} ORDER BY t.created_at DESC, t.id DESC LIMIT 1`)
      .pluck()
      .get(id) as string | undefined;
    return newest ?? null;
  }

  /**
   * The branch ending at `leafId`: its turns from the first message down to it, in order (each
   * turn's parent by primary key, so a branch of a long session costs its length, not the session's).
   */
  getPathTo(leafId: string | null): Turn[] {
    if (!leafId) return [];
    const rows = this.#store.sqlite
      .prepare(
        `WITH RECURSIVE up(id, depth) AS (
           SELECT ?, 0
           UNION ALL SELECT t.parent_id, up.depth + 1 FROM turn t JOIN up ON t.id = up.id WHERE t.parent_id IS NOT NULL AND up.depth < 1000000
         )
         SELECT ${TURN_COLUMNS} FROM up JOIN turn t ON t.id = up.id ORDER BY up.depth DESC`,
      )
      .all(leafId) as TurnRow[];
    return rows.map(hydrateTurn);
  }

  /** One page of a session's active branch, in the same paging as getTurnsBySessionIdPage (a child is always newer than its parent). */
  getActivePathPage(sessionId: string, chosenLeafId: string | null | undefined, page: TurnPage = {}): CursorPage<Turn> {
    const { limit, cursor } = parseInput(TurnPageSchema, page, 'page');
    const after = cursor ? decodeCursor(cursor) : null;
    const path = this.getPathTo(this.activeLeafId(sessionId, chosenLeafId)).filter(
      (t) => !after || t.created_at > after.created_at || (t.created_at === after.created_at && t.id > after.id),
    );
    // takePage hydrates rows; these are hydrated already (hydrating again is a no-op on parsed JSON).
    return takePage(
      path.map((t) => ({ ...t, tool_calls: t.tool_calls === null ? null : JSON.stringify(t.tool_calls), meta: JSON.stringify(t.meta) }) as TurnRow)[Symbol.iterator](),
      limit,
    );
  }

  /**
   * The messages and answers of a session that have versions: each one's number among its
   * versions (siblings of the same role, oldest first) and how many there are. Turns without
   * versions are left out, so a long linear session gives an empty map.
   */
  versionNumbers(sessionId: string): Map<string, { n: number; of: number }> {
    const id = parseInput(IdSchema, sessionId, 'session id');
    const rows = this.#store.sqlite
      .prepare(
        `SELECT id, n, "of" FROM (
           SELECT t.id, row_number() OVER w AS n, count(*) OVER (PARTITION BY t.parent_id, t.role) AS "of"
           FROM turn t WHERE t.session_id = ? AND t.role IN ('user', 'assistant')
           WINDOW w AS (PARTITION BY t.parent_id, t.role ORDER BY t.created_at, t.id)
         ) WHERE "of" > 1`,
      )
      .all(id) as { id: string; n: number; of: number }[];
    return new Map(rows.map((r) => [r.id, { n: r.n, of: r.of }]));
  }

  /** Every turn of a session, a page at a time (bounded memory for a caller that streams them out). */
  *iterateTurnsBySessionId(sessionId: string): Generator<Turn[]> {
    let cursor: string | null | undefined;
    do {
      const page = this.getTurnsBySessionIdPage(sessionId, { ...(cursor ? { cursor } : {}) });
      if (page.items.length) yield page.items;
      cursor = page.next_cursor;
    } while (cursor);
  }

  /**
   * The user's turns in [from, to), oldest first, a page at a time (getTurnsByUserAndDatePage's
   * pages: at most TURN_PAGE_BYTES of JSON each): what a job over weeks of history reads, in
   * bounded memory, where getTurnsByUserAndDate would hold every turn at once.
   */
  *iterateTurnsByUserAndDate(userId: string, from: number, to: number, page: Omit<TurnPage, 'cursor'> = {}): Generator<Turn[]> {
    let cursor: string | null | undefined;
    do {
      const next = this.getTurnsByUserAndDatePage(userId, from, to, { ...page, ...(cursor ? { cursor } : {}) });
      if (next.items.length) yield next.items;
      cursor = next.next_cursor;
    } while (cursor);
  }

  /**
   * The user's turns with created_at in [from, to) — `from` included, `to` excluded, epoch ms —
   * oldest first. The nightly learner analysis reads one day as [midnight, next midnight).
   */
  getTurnsByUserAndDate(userId: string, from: number, to: number): Turn[] {
    const owner = parseInput(IdSchema, userId, 'user id');
    const range = parseInput(TimeRangeSchema, { from, to }, 'time range');
    const rows = this.#store.sqlite
      .prepare(
        // CROSS JOIN keeps turn the outer loop: the range walks turn(created_at, id) in order (no
        // sort), and each turn's session is one primary-key lookup. Led by session instead, a
        // student with 20,000 sessions means 20,000 index searches for one day.
        `SELECT ${TURN_COLUMNS} FROM turn t CROSS JOIN session s ON s.id = t.session_id
         WHERE s.user_id = ? AND t.created_at >= ? AND t.created_at < ?
         ORDER BY t.created_at, t.id`,
      )
      .all(owner, range.from, range.to) as TurnRow[];
    return hydrateTurns(rows);
  }

  /**
   * The user turn this user sent with this request id (idempotent retries). Request ids are scoped
   * per user: another user's use of the same id is invisible (meta.client_request_key, unique).
   */
  findByClientRequestId(userId: string, clientRequestId: string): Turn | null {
    const row = this.#store.sqlite
      .prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE json_extract(t.meta, '$.client_request_key') = ?`)
      .get(clientRequestKey(userId, clientRequestId)) as TurnRow | undefined;
    return row ? hydrateTurn(row) : null;
  }

  /** Turns a stopped process left open: user turns still 'pending', assistant turns still 'streaming'. */
  getOpenTurns(): Turn[] {
    const rows = this.#store.sqlite.prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE json_extract(meta, '$.status') IN ('pending', 'streaming')`).all() as TurnRow[];
    return rows.map(hydrateTurn);
  }

  /**
   * Full-text search over the user's turns, Chinese and English (see fts.ts for how terms match),
   * most recently written first. `total` counts matches up to SEARCH_SCAN_LIMIT; `total_capped`
   * says there are more. A query with nothing searchable in it (only punctuation) finds no turns.
   * The first page (skip 0) also carries `title_hits`: the user's sessions and the assignments
   * whose titles hold every term of the query (`assignmentsOf`: only that teacher's assignments).
   * `index_behind`: the index could not catch up, so the newest messages may be missing.
   */
  searchTurns(
    userId: string,
    query: string,
    page: Page = {},
    assignmentsOf?: string,
  ): Paged<TurnSearchHit> & { total_capped: boolean; index_behind?: true; title_hits?: TitleSearchHit[] } {
    const owner = parseInput(IdSchema, userId, 'user id');
    const text = parseInput(SearchQuerySchema, query, 'search query');
    const { skip, limit } = parseInput(PageSchema, page, 'page');
    const titles = skip === 0 ? { title_hits: this.searchTitles(owner, text, assignmentsOf) } : {};
    const match = ftsQuery(text);
    if (match === null) return { items: [], total: 0, total_capped: false, ...titles };
    // Turns written since the last indexing (fts-indexer.ts); when that cannot happen now, the
    // answer comes from the index as it is, and says so.
    const behind = this.#store.searchIndex.catchUp() ? {} : { index_behind: true as const };
    // Messages and answers only: a system turn (the record of the call that named the session,
    // an imported prompt) is not shown in any chat, so a hit on it would open nothing; a title
    // match comes as a title hit instead.
    const from = `FROM turn_fts f JOIN turn t ON t.rowid = f.rowid JOIN session s ON s.id = t.session_id
                  WHERE turn_fts MATCH ? AND s.user_id = ? AND t.role <> 'system'`;
    const rows = this.#store.sqlite
      .prepare(`SELECT ${TURN_COLUMNS}, s.mode AS session_mode ${from} ORDER BY f.rowid DESC LIMIT ? OFFSET ?`)
      .all(match, owner, limit, skip) as (TurnRow & { session_mode: TurnSearchHit['session_mode'] })[];
    const counted = (this.#store.sqlite.prepare(`SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ?)`).get(match, owner, SEARCH_SCAN_LIMIT + 1) as { n: number }).n;
    return {
      items: rows.map((r) => ({ ...hydrateTurn(r), session_mode: r.session_mode, kind: 'turn' as const, ...this.#hitSnippet(r, text) })),
      total: Math.min(counted, SEARCH_SCAN_LIMIT),
      total_capped: counted > SEARCH_SCAN_LIMIT,
      ...behind,
      ...titles,
    };
  }

  /** A search hit's excerpt: from the message, or from its attachments when the match is only there. */
  #hitSnippet(row: TurnRow, query: string): { snippet: string; highlights: [number, number][] } {
    const own = snippetOf(row.content, query);
    if (own.highlights.length > 0 || row.role !== 'user') return own;
    const files = this.#store.sqlite.prepare('SELECT name, text FROM turn_attachment WHERE turn_id = ? ORDER BY position').all(row.id) as { name: string; text: string }[];
    return attachmentSnippetOf(files, query) ?? own;
  }

  /** The user's sessions (newest first) and the assignments whose titles hold every term, TITLE_HIT_LIMIT of each at most. */
  searchTitles(userId: string, query: string, assignmentsOf?: string): TitleSearchHit[] {
    const terms = titleTerms(query);
    if (terms.length === 0) return [];
    const sessionTitle = titleMatchSql("json_extract(meta, '$.title')", terms);
    const sessions = this.#store.sqlite
      .prepare(
        `SELECT id, mode, assignment_id, started_at, json_extract(meta, '$.title') AS title FROM session
         WHERE user_id = ? AND json_type(meta, '$.title') = 'text' AND ${sessionTitle.sql}
         ORDER BY started_at DESC, id DESC LIMIT ?`,
      )
      .all(userId, ...sessionTitle.params, TITLE_HIT_LIMIT) as {
      id: string;
      mode: TurnSearchHit['session_mode'];
      assignment_id: string | null;
      started_at: number;
      title: string;
    }[];
    const assignmentTitle = titleMatchSql('a.title', terms);
    const assignments = this.#store.sqlite
      .prepare(
        `SELECT a.id, a.title, (SELECT count(*) FROM session s WHERE s.user_id = ? AND s.assignment_id = a.id) AS sessions FROM assignment a
         WHERE ${assignmentTitle.sql} ${assignmentsOf === undefined ? '' : 'AND a.owner_id = ?'} ORDER BY sessions DESC, a.created_at DESC, a.id LIMIT ?`,
      )
      .all(userId, ...assignmentTitle.params, ...(assignmentsOf === undefined ? [] : [assignmentsOf]), TITLE_HIT_LIMIT) as { id: string; title: string; sessions: number }[];
    return [
      ...sessions.map((s) => ({
        kind: 'session' as const,
        session_id: s.id,
        session_mode: s.mode,
        assignment_id: s.assignment_id,
        started_at: s.started_at,
        title: s.title,
        highlights: highlightRanges(s.title, query),
      })),
      ...assignments.map((a) => ({ kind: 'assignment' as const, assignment_id: a.id, title: a.title, sessions: a.sessions, highlights: highlightRanges(a.title, query) })),
    ];
  }
}
