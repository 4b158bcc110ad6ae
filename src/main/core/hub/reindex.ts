/**
 * One-time re-computation of what search reads, for turns stored by an older hub. Search
 * normalizes queries (attachments/normalize.ts: NFKC and the CJK radicals); a turn indexed before
 * that keeps grams (PostgreSQL) or FTS text (SQLite) of its raw text, so its full-width ＰＨ值, a
 * PDF's ⽜顿 or a ligature was no longer found — not even by the query typed exactly as stored. A
 * migration (hub_search_reindex) inserts the `search_index` row of hub_reindex; every open of the
 * hub then carries on with it until it is done:
 *
 * - in batches of REINDEX_BATCH turns, each its own short transaction (a big hub holds no long
 *   transaction and no lock the pushes wait on for more than one batch);
 * - with the function new turns are indexed with (searchGrams, ftsText), so it is idempotent: a
 *   row already right is left unwritten;
 * - the batch moves the row's `cursor` in the same transaction as the rows it rewrote, so a stop
 *   at any point (a crash, Ctrl-C) loses at most the uncommitted batch and the next open continues
 *   from the cursor; two processes opening one hub at once take turns on the row, batch by batch.
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
  /** Called after each committed batch with the turns it looked at (a test throws here to stop the work midway). */
  afterBatch?: (seen: number) => void;
}

const sameArray = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Re-computes the grams of every turn of a PostgreSQL hub that still needs it (see above). */
export async function reindexPg(db: HubSql, options: ReindexOptions = {}): Promise<void> {
  const size = options.batchSize ?? REINDEX_BATCH;
  // Done already (every open after the first): a plain read, no row lock taken.
  const first = (await db.all<{ done_at: number | null }>(sql`SELECT done_at FROM hub_reindex WHERE name = ${SEARCH_INDEX}`))[0];
  if (!first || first.done_at !== null) return;
  for (;;) {
    const seen = await db.transaction(async (tx) => {
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
    if (seen === null) return;
    options.afterBatch?.(seen.seen);
    if (seen.done) return;
  }
}

/** Re-computes the FTS text of every turn of a SQLite hub that still needs it (see above). Synchronous, as the SQLite hub's open is. */
export function reindexSqlite(sqlite: Database.Database, options: ReindexOptions = {}): void {
  const size = options.batchSize ?? REINDEX_BATCH;
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
  const batch = sqlite.transaction((): { seen: number; done: boolean } | null => {
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
  // Done already (every open after the first): a plain read, so a one-shot command beside a
  // process holding the write lock (or a read-only hub.db) is not held up here.
  const first = readMark.get(SEARCH_INDEX);
  if (!first || first.done_at !== null) return;
  for (;;) {
    // IMMEDIATE: the write lock from the start, so a second process reads the cursor after this batch.
    const seen = batch.immediate();
    if (seen === null) return;
    options.afterBatch?.(seen.seen);
    if (seen.done) return;
  }
}
