/**
 * Reads and writes are different handles (Signal Desktop's ReadableDB/WritableDB). A repository's
 * write method takes a WritableDB, and only two places hand one out: the group commit
 * (`store.writes.run(action, (db) => …)`, every write of a running app) and a transaction
 * (`store.transaction(action, (db) => …)`, for start-up repair, one-shot commands and tests).
 * (The full-text indexer, given the handle by connection.ts, writes through both: fts-indexer.ts.)
 * So no write can happen outside a transaction, or skip the group commit by accident: the type
 * checker refuses a write without the handle. Both are the same better-sqlite3 connection; the
 * brands exist only for the type checker.
 */
import type Database from 'better-sqlite3';

declare const readable: unique symbol;
declare const writable: unique symbol;

/** The connection, for reading. */
export type ReadableDB = Database.Database & { readonly [readable]: true };
/** The connection inside a write (a group-commit savepoint or a transaction). */
export type WritableDB = ReadableDB & { readonly [writable]: true };

/** For connection.ts and group-commit.ts only: the one place a connection becomes a write handle. */
export function writeHandle(sqlite: Database.Database): WritableDB {
  return sqlite as WritableDB;
}

/** Whether the database has the table `name` (a migration not yet applied, an older file). */
export function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
