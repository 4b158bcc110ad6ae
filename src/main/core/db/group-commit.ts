/**
 * Group commit. With synchronous=FULL every COMMIT waits for an fsync, and better-sqlite3 waits on
 * the event loop's thread: at 16 concurrent messages, two fsyncs each were most of the proxy's
 * blocking time (bench/NOTES.md, B1/B3). Writes queued in the same turn of the event loop run in
 * one transaction, so they share one fsync. Each runs in its own savepoint: one that throws is
 * rolled back alone and rejects alone. Every promise settles only after the shared COMMIT has
 * returned, so a resolved write is as durable as one committed on its own.
 */
import type Database from 'better-sqlite3';
import { toApiError } from './db-errors.ts';
import { writeHandle, type WritableDB } from './handles.ts';

interface QueuedWrite {
  action: string;
  write: (db: WritableDB) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class GroupCommit {
  readonly #sqlite: Database.Database;
  readonly #db: WritableDB;
  readonly #afterCommit: (() => void) | undefined;
  #queue: QueuedWrite[] = [];

  /**
   * The batch's transaction and each write's savepoint, wrapped once: better-sqlite3 builds four
   * wrappers and their properties on every `transaction()` call, per batch and per write.
   * IMMEDIATE: take the write lock first (waiting busy_timeout for another process's writer, such
   * as a CLI command). A deferred transaction that reads before it writes cannot wait for it:
   * SQLite refuses the upgrade at once with SQLITE_BUSY.
   */
  readonly #inBatch: (batch: QueuedWrite[], outcomes: Outcome[]) => void;
  /** Inside the batch's transaction this is a savepoint (better-sqlite3 nests that way). */
  readonly #inSavepoint: (item: QueuedWrite) => unknown;

  /** `afterCommit` runs after each committed batch (the full-text indexer's cue: fts-indexer.ts). */
  constructor(sqlite: Database.Database, afterCommit?: () => void) {
    this.#sqlite = sqlite;
    this.#db = writeHandle(sqlite);
    this.#afterCommit = afterCommit;
    this.#inSavepoint = sqlite.transaction((item: QueuedWrite) => item.write(this.#db));
    this.#inBatch = sqlite.transaction((batch: QueuedWrite[], outcomes: Outcome[]) => {
      for (const item of batch) {
        try {
          outcomes.push({ ok: true, value: this.#inSavepoint(item) });
        } catch (error) {
          // Some failures (a full disk, an I/O error) make SQLite roll back the whole
          // transaction: nothing of this batch is written then, and the rest must not run
          // outside it.
          if (!this.#sqlite.inTransaction) throw error;
          outcomes.push({ ok: false, error });
        }
      }
    }).immediate;
  }

  /**
   * Runs `write` (synchronous; it reads and writes through this connection, the write handle it
   * is given) in the next group transaction. `action` names it in errors ("Could not record the
   * message: …").
   */
  run<T>(action: string, write: (db: WritableDB) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ action, write, resolve: resolve as (value: unknown) => void, reject });
      if (this.#queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is queued now. Also called before the connection closes. */
  flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const outcomes: Outcome[] = [];
    try {
      this.#inBatch(batch, outcomes);
    } catch (error) {
      for (const item of batch) item.reject(toApiError(item.action, error));
      return;
    }
    this.#afterCommit?.();
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(toApiError(item.action, outcome.error));
    });
  }
}
