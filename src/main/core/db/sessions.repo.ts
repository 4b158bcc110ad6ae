import type { SQL } from 'drizzle-orm';
import { and, count, desc, eq, gte, inArray, lt, or, sql } from './drizzle.ts';
import { newId } from '../ids.ts';
import { ApiError } from '../../../shared/errors.ts';
import {
  IdSchema,
  NewSessionSchema,
  PageSchema,
  SearchQuerySchema,
  SessionPatchSchema,
  type Mode,
  type NewSession,
  type Page,
  type Paged,
  type Session,
  type SessionPatch,
} from '../../../shared/api/schemas.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import { withDbErrors } from './db-errors.ts';
import { foldedTitleSqlite, ftsQuery, likePattern, SEARCH_SCAN_LIMIT, titleTerms } from './fts.ts';
import type { WritableDB } from './handles.ts';
import { hydrateSession, type SessionRow } from './hydrate.ts';
import { session } from './schema.ts';

export interface SessionFilters {
  mode?: Mode;
  assignment_id?: string;
  /** started_at in [from, to) */
  from?: number;
  to?: number;
  /** Only sessions with a turn that matches this full-text query (see fts.ts), or whose title or assignment's title holds its terms. */
  q?: string;
}

const SESSION_FIELDS = ['id', 'user_id', 'assignment_id', 'mode', 'started_at', 'ended_at', 'policy_snapshot', 'meta'] as const;

/** Session fields as SQLite stores them: the JSON columns as text. */
function toRow<T extends Partial<Session>>(fields: T): Record<string, unknown> {
  const row: Record<string, unknown> = { ...fields };
  if (fields.policy_snapshot !== undefined) row.policy_snapshot = JSON.stringify(fields.policy_snapshot);
  if (fields.meta !== undefined) row.meta = JSON.stringify(fields.meta);
  return row;
}

/**
 * The seed's Sessions model methods over the `session` table. The two every message calls are
 * written as SQL (compiled once): the query builder's cost showed in the proxy's profile.
 */
export class SessionsRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Writes take the write handle (handles.ts): inside `store.writes.run` or `store.transaction`. */
  insertNewSession(db: WritableDB, input: NewSession): Session {
    const data = parseInput(NewSessionSchema, input, 'session');
    const row: Session = {
      id: data.id ?? newId(),
      user_id: data.user_id,
      assignment_id: data.assignment_id,
      mode: data.mode,
      started_at: data.started_at ?? Date.now(),
      ended_at: data.ended_at,
      policy_snapshot: data.policy_snapshot,
      meta: data.meta,
    };
    if (row.ended_at !== null && row.ended_at < row.started_at) {
      throw new ApiError('validation_error', 'Invalid session: ended_at: must not be before started_at', [{ path: 'ended_at', message: 'must not be before started_at' }]);
    }
    withDbErrors('create the session', () =>
      db.prepare(`INSERT INTO session (${SESSION_FIELDS.join(', ')}) VALUES (${SESSION_FIELDS.map((f) => `@${f}`).join(', ')})`).run(toRow(row)),
    );
    return row;
  }

  getSessionById(id: string): Session | null {
    const sessionId = parseInput(IdSchema, id, 'session id');
    const row = this.#store.sqlite.prepare(`SELECT ${SESSION_FIELDS.join(', ')} FROM session WHERE id = ?`).get(sessionId) as SessionRow | undefined;
    return row ? hydrateSession(row) : null;
  }

  /**
   * The user's sessions, newest first (started_at, then id, descending), with the total count.
   * With `q`, only sessions holding one of the newest SEARCH_SCAN_LIMIT matching turns are
   * considered (and `total_capped` says there may be more): counting every match of a common
   * word in a large history would take longer than a student should wait.
   */
  getSessionsByUserId(userId: string, page: Page = {}, filters: SessionFilters = {}): Paged<Session> & { total_capped?: boolean; index_behind?: true } {
    const owner = parseInput(IdSchema, userId, 'user id');
    const { skip, limit } = parseInput(PageSchema, page, 'page');
    const conditions: SQL[] = [eq(session.user_id, owner)];
    if (filters.mode) conditions.push(eq(session.mode, filters.mode));
    if (filters.assignment_id) conditions.push(eq(session.assignment_id, filters.assignment_id));
    if (filters.from !== undefined) conditions.push(gte(session.started_at, filters.from));
    if (filters.to !== undefined) conditions.push(lt(session.started_at, filters.to));
    let totalCapped: boolean | undefined;
    let behind: { index_behind?: true } = {}; // when the search index could not catch up (as searchTurns)
    if (filters.q !== undefined) {
      const text = parseInput(SearchQuerySchema, filters.q, 'search query');
      const match = ftsQuery(text);
      // Turns written since the last indexing (fts-indexer.ts).
      if (match !== null && !this.#store.searchIndex.catchUp()) behind = { index_behind: true as const };
      const matched =
        match === null
          ? []
          : (this.#store.sqlite
              // Messages and answers only, as searchTurns (a title call's record is not the conversation).
              .prepare(`SELECT t.session_id FROM turn_fts f JOIN turn t ON t.rowid = f.rowid WHERE turn_fts MATCH ? AND t.role <> 'system' ORDER BY f.rowid DESC LIMIT ?`)
              .pluck()
              .all(match, SEARCH_SCAN_LIMIT) as string[]);
      totalCapped = matched.length === SEARCH_SCAN_LIMIT;
      // A session matches by a message, by its title or by its assignment's title (fts.ts, titles).
      const terms = titleTerms(text);
      if (match === null && terms.length === 0) return { items: [], total: 0, total_capped: false };
      const like = (expr: string, term: string) => sql`${sql.raw(foldedTitleSqlite(expr))} LIKE ${likePattern(term)} ESCAPE '\\'`;
      const byTitle = terms.length ? and(sql`json_type(${session.meta}, '$.title') = 'text'`, ...terms.map((t) => like(`json_extract("session"."meta", '$.title')`, t))) : sql`0`;
      const byAssignment = terms.length ? sql`${session.assignment_id} IN (SELECT a.id FROM assignment a WHERE ${and(...terms.map((t) => like('a.title', t)))})` : sql`0`;
      conditions.push(or(inArray(session.id, [...new Set(matched)]), byTitle, byAssignment)!);
    }
    const where = and(...conditions);
    // Page over the covering index first, then read only the rows of the page.
    const pageIds = this.#store.orm.select({ id: session.id }).from(session).where(where).orderBy(desc(session.started_at), desc(session.id)).limit(limit).offset(skip);
    const items = this.#store.orm.select().from(session).where(inArray(session.id, pageIds)).orderBy(desc(session.started_at), desc(session.id)).all().map(hydrateSession);
    const total = this.#store.orm.select({ n: count() }).from(session).where(where).get()?.n ?? 0;
    return totalCapped === undefined ? { items, total } : { items, total, total_capped: totalCapped, ...behind };
  }

  /** Applies the patch and returns the updated session, or null when there is no such session. */
  updateSessionById(db: WritableDB, id: string, patch: SessionPatch): Session | null {
    const sessionId = parseInput(IdSchema, id, 'session id');
    // A field given as undefined is left alone (zod keeps such keys; SQLite would store NULL).
    const changes = Object.fromEntries(Object.entries(parseInput(SessionPatchSchema, patch, 'session update')).filter(([, v]) => v !== undefined));
    if (Object.keys(changes).length === 0) return this.getSessionById(sessionId);
    // The column names come from SessionPatchSchema's keys (a strict object), never from the caller.
    const assignments = Object.keys(changes)
      .map((f) => `${f} = @${f}`)
      .join(', ');
    const row = withDbErrors('update the session', () =>
      db.prepare(`UPDATE session SET ${assignments} WHERE id = @id RETURNING ${SESSION_FIELDS.join(', ')}`).get({ ...toRow(changes), id: sessionId }),
    ) as SessionRow | undefined;
    return row ? hydrateSession(row) : null;
  }

  /** Deletes the session and, by cascade, its turns. Returns whether a session was deleted. */
  deleteSessionById(db: WritableDB, id: string): boolean {
    const sessionId = parseInput(IdSchema, id, 'session id');
    return withDbErrors('delete the session', () => db.prepare('DELETE FROM session WHERE id = ?').run(sessionId).changes > 0);
  }
}
