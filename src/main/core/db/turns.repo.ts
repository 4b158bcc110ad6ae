import { v7 as uuidv7 } from 'uuid';
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
  type TurnSearchHit,
} from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import { withDbErrors } from './db-errors.ts';
import { ftsQuery, SEARCH_SCAN_LIMIT } from './fts.ts';
import type { WritableDB } from './handles.ts';
import { hydrateTurn, type TurnRow } from './hydrate.ts';

const TURN_FIELDS = ['id', 'session_id', 'role', 'content', 'tool_calls', 'model', 'tokens_in', 'tokens_out', 'cost', 'created_at', 'meta'] as const;
const TURN_COLUMNS = TURN_FIELDS.map((f) => `t.${f}`).join(', ');

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

/** A short excerpt around the first place any query word occurs, for a search hit. */
function snippetOf(content: string, query: string, radius = 60): string {
  const haystack = content.toLowerCase();
  let at = -1;
  for (const word of query.toLowerCase().split(/\s+/u).filter(Boolean)) {
    at = haystack.indexOf(word);
    if (at >= 0) break;
  }
  if (at < 0) return content.slice(0, radius * 2);
  const start = Math.max(0, at - radius);
  return (start > 0 ? '…' : '') + content.slice(start, at + radius) + (at + radius < content.length ? '…' : '');
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
    const row = { ...data, id: data.id ?? uuidv7(), created_at: data.created_at ?? Date.now() } as Extract<Turn, { role: I['role'] }>;
    withDbErrors('record the turn', () => db.prepare(`INSERT INTO turn (${TURN_FIELDS.join(', ')}) VALUES (${TURN_FIELDS.map((f) => `@${f}`).join(', ')})`).run(toRow(row)));
    return row;
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
    return rows.map(hydrateTurn);
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
   * says there are more. A query with nothing searchable in it (only punctuation) finds nothing.
   */
  searchTurns(userId: string, query: string, page: Page = {}): Paged<TurnSearchHit> & { total_capped: boolean } {
    const owner = parseInput(IdSchema, userId, 'user id');
    const text = parseInput(SearchQuerySchema, query, 'search query');
    const { skip, limit } = parseInput(PageSchema, page, 'page');
    const match = ftsQuery(text);
    if (match === null) return { items: [], total: 0, total_capped: false };
    const from = `FROM turn_fts f JOIN turn t ON t.rowid = f.rowid JOIN session s ON s.id = t.session_id
                  WHERE turn_fts MATCH ? AND s.user_id = ?`;
    const rows = this.#store.sqlite
      .prepare(`SELECT ${TURN_COLUMNS}, s.mode AS session_mode ${from} ORDER BY f.rowid DESC LIMIT ? OFFSET ?`)
      .all(match, owner, limit, skip) as (TurnRow & { session_mode: TurnSearchHit['session_mode'] })[];
    const counted = (this.#store.sqlite.prepare(`SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ?)`).get(match, owner, SEARCH_SCAN_LIMIT + 1) as { n: number }).n;
    return {
      items: rows.map((r) => ({ ...hydrateTurn(r), session_mode: r.session_mode, snippet: snippetOf(r.content, text) })),
      total: Math.min(counted, SEARCH_SCAN_LIMIT),
      total_capped: counted > SEARCH_SCAN_LIMIT,
    };
  }
}
