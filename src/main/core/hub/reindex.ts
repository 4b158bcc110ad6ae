/**
 * One-time re-computation of what search reads, for turns stored by an older hub. Search
 * normalizes queries (attachments/normalize.ts: NFKC and the CJK radicals); a turn indexed before
 * that keeps grams (PostgreSQL) or FTS text (SQLite) of its raw text, so its full-width ＰＨ值, a
 * PDF's ⽜顿 or a ligature was no longer found — not even by the query typed exactly as stored. A
 * migration (hub_search_reindex) inserts the `search_index` row of hub_reindex; `studylog hub
 * serve` then carries on with it in the background until it is done (SearchReindex.run):
 *
 * - after the server answers: a school term's hub re-indexes for minutes, and its teachers and
 *   students are not kept waiting for it; while it is pending, search says `index_behind` (an
 *   older turn may be missing) and the one-shot commands (`hub token create`, …) do not do it;
 * - in batches of REINDEX_BATCH turns, each its own short transaction (a big hub holds no long
 *   transaction and no lock the pushes wait on for more than one batch), yielding to the event
 *   loop between batches (better-sqlite3 is synchronous: one batch at a time blocks requests);
 * - with the function new turns are indexed with (searchGrams, ftsText), so it is idempotent: a
 *   row already right is left unwritten;
 * - the batch moves the row's `cursor` in the same transaction as the rows it rewrote, so a stop
 *   at any point (a crash, Ctrl-C, a failed batch) loses at most the uncommitted batch and the
 *   next start continues from the cursor; two processes on one hub take turns on the row, batch
 *   by batch; closing the hub stops between batches (SearchReindex.stop), never under one.
 *
 * The cursor is the last turn id done on PostgreSQL (hub_turn's primary key), and the last
 * hub_turn_fts rowid on SQLite: that table's turn_id is UNINDEXED, so its rows are found by rowid.
 */
import type Database from 'better-sqlite3';
import { sql } from '../db/drizzle.ts';
import { ftsText } from '../db/fts.ts';
import { searchGrams } from './search.ts';
import type { HubSql } from './sql.ts';

export const SEARCH_INDEX = 'search_index';
/** Turns per transaction: about 10 ms of JavaScript and a few hundred KB of writes at most. */
export const REINDEX_BATCH = 1000;

export interface ReindexOptions {
  /** Turns per transaction (tests make it small). */
  batchSize?: number;
  /**
   * Called after each committed batch with the turns it looked at, and awaited before the next
   * (a test holds the work here, or throws to stop it as a crash would).
   */
  afterBatch?: (seen: number) => void | Promise<void>;
}

/** One batch in its own transaction: the turns it looked at and whether that finished the work; null when it was done already (another process finished it). */
type Batch = (size: number) => Promise<{ seen: number; done: boolean } | null>;

/** Lets the event loop run what is waiting (requests, timers, I/O) before the next batch. */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The pending re-index of one opened hub (HubSql.searchIndex). */
export class SearchReindex {
  #pending: boolean;
  #stopping = false;
  #running: Promise<'done' | 'stopped'> | null = null;
  readonly #batch: Batch;

  constructor(pending: boolean, batch: Batch) {
    this.#pending = pending;
    this.#batch = batch;
  }

  /** True until this process has seen the re-index done: search may then miss an older turn (index_behind). */
  get pending(): boolean {
    return this.#pending;
  }

  /**
   * Runs the pending re-index batch by batch until it is done ('done') or stop() is called
   * ('stopped'). A failed batch rejects: its transaction was rolled back, so the cursor is where
   * the last committed batch left it and the next run continues there.
   */
  run(options: ReindexOptions = {}): Promise<'done' | 'stopped'> {
    if (this.#running) throw new Error('The search re-index is already running.');
    const running = this.#loop(options);
    this.#running = running;
    void running.then(
      () => (this.#running = null),
      () => (this.#running = null),
    );
    return running;
  }

  /** Stops between batches: resolves when no batch runs (the one running, if any, has committed or rolled back). */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#running?.catch(() => {});
  }

  async #loop(options: ReindexOptions): Promise<'done' | 'stopped'> {
    const size = options.batchSize ?? REINDEX_BATCH;
    while (this.#pending) {
      if (this.#stopping) return 'stopped';
      const seen = await this.#batch(size);
      if (seen === null || seen.done) this.#pending = false;
      if (seen) await options.afterBatch?.(seen.seen);
      if (this.#pending) await yieldToLoop();
    }
    return 'done';
  }
}

const sameArray = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The re-index of a PostgreSQL hub (see above), as it stands at open. Done already (every open
 * after the first): a plain read, no row lock taken. Nothing stored yet (a new hub): marked done
 * at once, as there is nothing to re-index.
 */
export async function openSearchReindexPg(db: HubSql): Promise<SearchReindex> {
  const batch: Batch = (size) =>
    db.transaction(async (tx) => {
      // FOR UPDATE: another process doing the same waits for this batch, then reads its cursor.
      const mark = (await tx.all<{ cursor: string | null; done_at: number | null }>(sql`SELECT cursor, done_at FROM hub_reindex WHERE name = ${SEARCH_INDEX} FOR UPDATE`))[0];
      if (!mark || mark.done_at !== null) return null;
      const rows = await tx.all<{ id: string; content: string; grams: string[] }>(
        sql`SELECT id, content, grams FROM hub_turn ${mark.cursor === null ? sql`` : sql`WHERE id > ${mark.cursor}`} ORDER BY id LIMIT ${size}`,
      );
      const changed = rows.map((r) => ({ id: r.id, grams: searchGrams(r.content), old: r.grams })).filter((r) => !sameArray(r.grams, r.old));
      if (changed.length > 0)
        await tx.run(
          sql`UPDATE hub_turn AS t SET grams = v.grams
              FROM (VALUES ${sql.join(
                changed.map((r) => sql`(${r.id}, ${sql.param(r.grams)}::text[])`),
                sql`, `,
              )}) AS v(id, grams)
              WHERE t.id = v.id`,
        );
      const done = rows.length < size;
      await tx.run(sql`UPDATE hub_reindex SET cursor = ${rows.at(-1)?.id ?? mark.cursor}, done_at = ${done ? Date.now() : null} WHERE name = ${SEARCH_INDEX}`);
      return { seen: rows.length, done };
    });
  const first = (await db.all<{ done_at: number | null }>(sql`SELECT done_at FROM hub_reindex WHERE name = ${SEARCH_INDEX}`))[0];
  let pending = first !== undefined && first.done_at === null;
  if (pending && (await db.all(sql`SELECT 1 FROM hub_turn LIMIT 1`)).length === 0) {
    await db.run(sql`UPDATE hub_reindex SET done_at = ${Date.now()} WHERE name = ${SEARCH_INDEX} AND done_at IS NULL`);
    pending = false;
  }
  return new SearchReindex(pending, batch);
}

/**
 * The re-index of a SQLite hub (see above), as it stands at open; `serial` runs a batch in the
 * hub's queue of statements (sql.ts), so it never lands inside another caller's transaction on the
 * one connection. Done already: a plain read, so a one-shot command beside a process holding the
 * write lock (or a read-only hub.db) is not held up here. Nothing stored yet: marked done at once.
 */
export function openSearchReindexSqlite(sqlite: Database.Database, serial: <T>(work: () => Promise<T>) => Promise<T>): SearchReindex {
  const readMark = sqlite.prepare<[string], { cursor: string | null; done_at: number | null }>('SELECT cursor, done_at FROM hub_reindex WHERE name = ?');
  // A LEFT JOIN keeps hub_turn_fts outside (SQLite never reorders one): a rowid range of it, each
  // turn found by its primary key. An entry whose turn is gone still counts toward the batch (and is skipped).
  const readRows = sqlite.prepare<[number, number], { rowid: number; body: string; content: string | null }>(
    `SELECT f.rowid AS rowid, f.body AS body, t.content AS content
     FROM hub_turn_fts AS f LEFT JOIN hub_turn AS t ON t.id = f.turn_id
     WHERE f.rowid > ? ORDER BY f.rowid LIMIT ?`,
  );
  const writeBody = sqlite.prepare<[string, number]>('UPDATE hub_turn_fts SET body = ? WHERE rowid = ?');
  const writeMark = sqlite.prepare<[string | null, number | null, string]>('UPDATE hub_reindex SET cursor = ?, done_at = ? WHERE name = ?');
  const transaction = sqlite.transaction((size: number): { seen: number; done: boolean } | null => {
    const mark = readMark.get(SEARCH_INDEX);
    if (!mark || mark.done_at !== null) return null;
    const rows = readRows.all(mark.cursor === null ? 0 : Number(mark.cursor), size);
    for (const row of rows) {
      if (row.content === null) continue;
      const body = ftsText(row.content);
      if (body !== row.body) writeBody.run(body, row.rowid);
    }
    const done = rows.length < size;
    const last = rows.at(-1);
    writeMark.run(last ? String(last.rowid) : mark.cursor, done ? Date.now() : null, SEARCH_INDEX);
    return { seen: rows.length, done };
  });
  // IMMEDIATE: the write lock from the start, so a second process reads the cursor after this batch.
  const batch: Batch = (size) => serial(async () => transaction.immediate(size));
  const first = readMark.get(SEARCH_INDEX);
  let pending = first !== undefined && first.done_at === null;
  if (pending && sqlite.prepare('SELECT 1 FROM hub_turn_fts LIMIT 1').get() === undefined) {
    sqlite.prepare('UPDATE hub_reindex SET done_at = ? WHERE name = ? AND done_at IS NULL').run(Date.now(), SEARCH_INDEX);
    pending = false;
  }
  return new SearchReindex(pending, batch);
}
