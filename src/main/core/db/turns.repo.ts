import { v7 as uuidv7 } from 'uuid';
import {
  IdSchema,
  NewTurnSchema,
  PageSchema,
  SearchQuerySchema,
  TimeRangeSchema,
  TurnPatchSchema,
  type NewTurn,
  type Page,
  type Paged,
  type Turn,
  type TurnPatch,
  type TurnSearchHit,
} from '../../../shared/api/schemas.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import { withDbErrors } from './db-errors.ts';
import { ftsQuery, SEARCH_SCAN_LIMIT } from './fts.ts';

interface TurnRow extends Omit<Turn, 'tool_calls' | 'meta'> {
  tool_calls: string | null;
  meta: string;
}

const TURN_FIELDS = ['id', 'session_id', 'role', 'content', 'tool_calls', 'model', 'tokens_in', 'tokens_out', 'cost', 'created_at', 'meta'] as const;
const TURN_COLUMNS = TURN_FIELDS.map((f) => `t.${f}`).join(', ');

/**
 * A row read from SQLite as a Turn: its JSON columns parsed in place. Reading a month of history
 * builds tens of thousands of these; a copy of each would double the memory it takes.
 */
function fromRow(row: TurnRow): Turn {
  const turn = row as unknown as Turn;
  turn.tool_calls = row.tool_calls === null ? null : (JSON.parse(row.tool_calls) as unknown[]);
  turn.meta = JSON.parse(row.meta) as Record<string, unknown>;
  return turn;
}

/** Turn fields as SQLite stores them: the JSON columns as text. */
function toRow<T extends Partial<Turn>>(fields: T): Record<string, unknown> {
  const row: Record<string, unknown> = { ...fields };
  if (fields.tool_calls !== undefined) row.tool_calls = fields.tool_calls === null ? null : JSON.stringify(fields.tool_calls);
  if (fields.meta !== undefined) row.meta = JSON.stringify(fields.meta);
  return row;
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
 * The seed's Turns model methods over the `turn` table, plus full-text search. The methods every
 * message calls are written as SQL (compiled once, see connection.ts): through drizzle's query
 * builder they were a fifth of the proxy's CPU time (bench/NOTES.md, B1).
 */
export class TurnsRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  insertNewTurn(input: NewTurn): Turn {
    const data = parseInput(NewTurnSchema, input, 'turn');
    const row: Turn = { ...data, id: data.id ?? uuidv7(), created_at: data.created_at ?? Date.now() };
    withDbErrors('record the turn', () =>
      this.#store.sqlite.prepare(`INSERT INTO turn (${TURN_FIELDS.join(', ')}) VALUES (${TURN_FIELDS.map((f) => `@${f}`).join(', ')})`).run(toRow(row)),
    );
    return row;
  }

  getTurnById(id: string): Turn | null {
    const turnId = parseInput(IdSchema, id, 'turn id');
    const row = this.#store.sqlite.prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE t.id = ?`).get(turnId) as TurnRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Updates a turn (streamed text, accounting, meta); returns it, or null when it does not exist. */
  updateTurnById(id: string, patch: TurnPatch): Turn | null {
    const turnId = parseInput(IdSchema, id, 'turn id');
    // A field given as undefined is left alone (zod keeps such keys; SQLite would store NULL).
    const changes = Object.fromEntries(Object.entries(parseInput(TurnPatchSchema, patch, 'turn update')).filter(([, v]) => v !== undefined)) as TurnPatch;
    if (Object.keys(changes).length === 0) return this.getTurnById(turnId);
    // The column names come from TurnPatchSchema's keys (a strict object), never from the caller.
    const assignments = Object.keys(changes).map((f) => `${f} = @${f}`).join(', ');
    const row = withDbErrors('update the turn', () =>
      this.#store.sqlite.prepare(`UPDATE turn SET ${assignments} WHERE id = @id RETURNING ${TURN_FIELDS.join(', ')}`).get({ ...toRow(changes), id: turnId }),
    ) as TurnRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** A session's turns in the order they were written (created_at, then id: UUIDv7 is monotonic). */
  getTurnsBySessionId(sessionId: string): Turn[] {
    const id = parseInput(IdSchema, sessionId, 'session id');
    const rows = this.#store.sqlite.prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE t.session_id = ? ORDER BY t.created_at, t.id`).all(id) as TurnRow[];
    return rows.map(fromRow);
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
    return rows.map(fromRow);
  }

  /** The user turn a client sent with this request id (idempotent retries), with its owner. */
  findByClientRequestId(clientRequestId: string): (Turn & { user_id: string }) | null {
    const row = this.#store.sqlite
      .prepare(
        `SELECT ${TURN_COLUMNS}, s.user_id FROM turn t JOIN session s ON s.id = t.session_id
         WHERE json_extract(t.meta, '$.client_request_id') = ?`,
      )
      .get(clientRequestId) as (TurnRow & { user_id: string }) | undefined;
    return row ? { ...fromRow(row), user_id: row.user_id } : null;
  }

  /** Turns a stopped process left open: user turns still 'pending', assistant turns still 'streaming'. */
  getOpenTurns(): Turn[] {
    const rows = this.#store.sqlite
      .prepare(`SELECT ${TURN_COLUMNS} FROM turn t WHERE json_extract(meta, '$.status') IN ('pending', 'streaming')`)
      .all() as TurnRow[];
    return rows.map(fromRow);
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
      items: rows.map((r) => ({ ...fromRow(r), session_mode: r.session_mode, snippet: snippetOf(r.content, text) })),
      total: Math.min(counted, SEARCH_SCAN_LIMIT),
      total_capped: counted > SEARCH_SCAN_LIMIT,
    };
  }
}
