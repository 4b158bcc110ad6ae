/**
 * Durability without blocking the event loop. With `synchronous=FULL` SQLite calls fsync() on the
 * WAL inside every COMMIT, on the thread that runs the COMMIT: the serving process's event loop
 * stood still for every fsync (~30 % of its time at 16 concurrent messages, bench/NOTES.md). So
 * the connection runs with `synchronous=NORMAL` (COMMIT writes the WAL frames, no fsync) and this
 * module makes the WAL durable itself: `fdatasync` on the WAL file, on libuv's thread pool, and no
 * write is reported done before the sync that covers it has returned. That is the same guarantee
 * FULL gives — an acknowledged commit's frames are on the disk — for what matters:
 *   - the WAL is appended in order, so a sync started after a COMMIT covers it and every commit
 *     before it (one sync acknowledges every commit made while the previous one ran: group commit
 *     across ticks);
 *   - a checkpoint (which copies the WAL into the database file) syncs the WAL before and the
 *     database after, in NORMAL as in FULL, so frames a later commit overwrites after a WAL
 *     restart are already in the synced database file;
 *   - the WAL file stays the same file while this connection is open (SQLite deletes it only when
 *     the last connection closes), so the descriptor opened here is the WAL's;
 *   - the folder is synced once, after the WAL file was first seen, so a new WAL file's name
 *     survives a power cut too (SQLite's FULL does the same for a new WAL).
 * `fdatasync` skips only the timestamps that fsync also writes; on macOS libuv's fdatasync is
 * F_FULLFSYNC (a real flush to the platter, stronger than SQLite's default fsync there).
 * What a reader may see earlier: a commit not yet synced is visible to reads on this connection
 * while its sync runs (a power cut then loses it, and its writer was never told it was written).
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../../shared/errors.ts';

/** The disk refused the sync: the write may not survive a power cut, so it is not reported written. */
export function notSynced(action: string, error: unknown): ApiError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ApiError('db_unavailable', `Could not ${action}: the database could not be saved to the disk (${reason}).`);
}

export class WalSync {
  readonly #walFile: string;
  #fd: number | null = null;
  #folderSynced = false;
  /** A sync running on the thread pool (its descriptor must not close under it). */
  #running = 0;
  #closed = false;

  constructor(databaseFile: string) {
    this.#walFile = `${databaseFile}-wal`;
  }

  /** Syncs the WAL on the thread pool: resolves once everything committed before the call is on the disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        fd = this.#open();
      } catch (error) {
        reject(error);
        return;
      }
      this.#running++;
      fdatasync(fd, (error) => {
        this.#running--;
        if (this.#closed && this.#running === 0) this.#release();
        if (error) reject(error);
        else resolve();
      });
    });
  }

  /** Syncs the WAL now, on this thread (one-shot transactions, start-up, close). */
  syncNow(): void {
    fdatasyncSync(this.#open());
  }

  /** Closes the descriptor (after a sync still running on the thread pool returns). */
  close(): void {
    this.#closed = true;
    if (this.#running === 0) this.#release();
  }

  #open(): number {
    if (this.#closed) throw new Error('the database is closed');
    if (this.#fd === null) {
      // r+: Windows flushes a file only through a handle that may write to it.
      this.#fd = openSync(this.#walFile, 'r+');
      if (!this.#folderSynced && process.platform !== 'win32') {
        const dir = openSync(path.dirname(this.#walFile), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
        this.#folderSynced = true;
      }
    }
    return this.#fd;
  }

  #release(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
  }
}
