/**
 * Group commit. Writes queued in the same turn of the event loop run in one transaction. Each runs
 * in its own savepoint: one that throws is rolled back alone and rejects alone. The COMMIT does not
 * wait for the disk (wal-sync.ts): the WAL is then synced on libuv's thread pool, so the event loop
 * goes on serving while the disk works, and every commit made while a sync runs shares the next
 * one. A write's promise resolves only after the shared COMMIT and a sync started after it have
 * returned, so a resolved write is on the disk, as with synchronous=FULL.
 */
import type Database from 'better-sqlite3';
import { toApiError } from './db-errors.ts';
import { writeHandle, type WritableDB } from './handles.ts';
import { notSynced, type WalSync } from './wal-sync.ts';

interface QueuedWrite {
  action: string;
  write: (db: WritableDB) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A committed write waiting for the sync that makes it durable. */
interface Unsynced {
  item: QueuedWrite;
  value: unknown;
}

export class GroupCommit {
  readonly #sqlite: Database.Database;
  readonly #db: WritableDB;
  readonly #wal: WalSync;
  #queue: QueuedWrite[] = [];
  /** Committed, not yet covered by a sync that started after their COMMIT. */
  #unsynced: Unsynced[] = [];
  /** Covered by the sync running now. */
  #syncing: Unsynced[] | null = null;

  constructor(sqlite: Database.Database, wal: WalSync) {
    this.#sqlite = sqlite;
    this.#db = writeHandle(sqlite);
    this.#wal = wal;
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

  /**
   * Commits what is queued and syncs it at once, on this thread, settling every write still
   * waiting: called before the connection closes.
   */
  close(): void {
    this.flush();
    const waiting = [...(this.#syncing ?? []), ...this.#unsynced];
    this.#syncing = null;
    this.#unsynced = [];
    if (waiting.length === 0) return;
    try {
      this.#wal.syncNow();
    } catch (error) {
      for (const w of waiting) w.item.reject(notSynced(w.item.action, error));
      return;
    }
    for (const w of waiting) w.item.resolve(w.value);
  }

  /** Commits what is queued now; its promises settle once a sync covers the COMMIT. */
  flush(): void {
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const outcomes: Outcome[] = [];
    try {
      // IMMEDIATE: take the write lock first (waiting busy_timeout for another process's
      // writer, such as a CLI command). A deferred transaction that reads before it writes cannot
      // wait for it: SQLite refuses the upgrade at once with SQLITE_BUSY.
      this.#sqlite
        .transaction(() => {
          for (const item of batch) {
            try {
              outcomes.push({ ok: true, value: this.#sqlite.transaction(() => item.write(this.#db))() });
            } catch (error) {
              // Some failures (a full disk, an I/O error) make SQLite roll back the whole
              // transaction: nothing of this batch is written then, and the rest must not run
              // outside it.
              if (!this.#sqlite.inTransaction) throw error;
              outcomes.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const item of batch) item.reject(toApiError(item.action, error));
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      // A rolled-back write wrote nothing: it need not wait for the disk.
      if (outcome.ok) this.#unsynced.push({ item, value: outcome.value });
      else item.reject(toApiError(item.action, outcome.error));
    });
    this.#sync();
  }

  /** Starts a sync for the committed writes unless one runs (they then wait for the next). */
  #sync(): void {
    if (this.#syncing || this.#unsynced.length === 0) return;
    const covered = this.#unsynced;
    this.#unsynced = [];
    this.#syncing = covered;
    const done = (error?: unknown) => {
      // close() settled them already (it synced on its own thread).
      if (this.#syncing !== covered) return;
      this.#syncing = null;
      for (const w of covered) {
        if (error === undefined) w.item.resolve(w.value);
        else w.item.reject(notSynced(w.item.action, error));
      }
      this.#sync();
    };
    this.#wal.sync().then(() => done(), done);
  }
}
