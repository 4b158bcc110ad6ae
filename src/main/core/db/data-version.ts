/**
 * `PRAGMA data_version` changes when another connection (a CLI command beside the server) has
 * committed: what caches of database rows check before they answer. Each statement opens a read
 * transaction on the WAL (a few lock system calls), and a message asked for it several times, so
 * the value is kept for the rest of the current task: what another process commits meanwhile is
 * seen by the next request, as it would be had it committed a moment later. (Not longer, e.g. to
 * the end of the event loop's turn: a value first read in a check-phase callback would then stay
 * through the next poll phase's requests — a token revoked from the CLI accepted once more.)
 */
import type Database from 'better-sqlite3';

const current = new WeakMap<Database.Database, number>();

export function dataVersion(sqlite: Database.Database): number {
  let version = current.get(sqlite);
  if (version === undefined) {
    // prepare() is cached (connection.ts); db.pragma() would compile the statement on every call.
    version = sqlite.prepare('PRAGMA data_version').pluck().get() as number;
    current.set(sqlite, version);
    queueMicrotask(() => current.delete(sqlite));
  }
  return version;
}
