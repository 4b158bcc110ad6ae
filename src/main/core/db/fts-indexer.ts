/**
 * Keeps the full-text index (fts.ts) following the turns, outside the writes that record them.
 * The triggers note each written turn in turn_fts_pending; this indexes every noted turn in ONE
 * write (indexPendingTurns), at three moments:
 *   - in the background, INDEX_DELAY_MS after a commit, queued on the group commit like any write:
 *     it never holds up a message's commit, shares an fsync with the messages of its batch, and
 *     indexes a streamed answer once, with its final text, rather than at every flush;
 *   - synchronously before any read of turn_fts (catchUp), so a search right after a message finds
 *     it;
 *   - at open (connection.ts), for what a crash, or a process that stopped, left noted.
 * The last two are best-effort: they wait at most CATCH_UP_WAIT_MS for another process's writer
 * (a CLI command beside the server, the server beside a CLI command) and give up on any failure
 * (that wait over, a read-only file, a full disk): the notes stay for the next timer, search or
 * open, and a search then reads the index as it is — missing only what is still noted, never
 * failing or holding the event loop for the full busy_timeout because of the index.
 * The notes are in the database, so a CLI command writing beside the server is caught up by
 * whichever process reads or indexes next.
 *
 * A write indexes INDEX_BATCH noted turns at most, the newest first. That is every note in normal
 * use; after an update that changed what is indexed (fts.ts FTS_TEXT_VERSION), the open notes
 * every turn (requeueOutdated) and the backlog is worked off batch by batch in the background,
 * one write after another, with the event loop free between them. Until it is done each old turn
 * keeps its former entry, and a search says the index is behind (catchUp returns false).
 */
import type Database from 'better-sqlite3';
import { hasPendingTable, hasPendingTurns, indexPendingTurns, requeueOutdatedFtsText } from './fts.ts';
import type { GroupCommit } from './group-commit.ts';
import type { WritableDB } from './handles.ts';

/** How long after a commit the background indexing runs: turns written meanwhile join its write. */
export const INDEX_DELAY_MS = 250;
/** How long a catch-up (before a search, at open) waits for another connection's write lock. */
export const CATCH_UP_WAIT_MS = 100;

/** The background write's name (as errors and tests see it). */
export const INDEX_ACTION = 'index new messages for search';

export class SearchIndexer {
  readonly #sqlite: Database.Database;
  readonly #db: WritableDB;
  readonly #writes: GroupCommit;
  /** False on a database at a migration before fts_pending, whose triggers still index in place. */
  readonly #deferred: boolean;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  /** `db` is `sqlite`'s write handle (connection.ts hands it out), migrated. */
  constructor(sqlite: Database.Database, db: WritableDB, writes: GroupCommit) {
    this.#sqlite = sqlite;
    this.#db = db;
    this.#writes = writes;
    this.#deferred = hasPendingTable(sqlite);
  }

  /**
   * After a commit: index what is noted by then a little later, in the background (one timer at a
   * time); after a batch that left notes (a re-index's backlog), the next batch at once.
   */
  soon(delay = INDEX_DELAY_MS): void {
    if (!this.#deferred || this.#stopped || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#sqlite.open || !hasPendingTurns(this.#db)) return;
      // A failure leaves the notes in place: the next read, timer or open indexes them.
      this.#writes
        .run(INDEX_ACTION, (db) => indexPendingTurns(db))
        .then((left) => {
          if (left > 0) this.soon(0);
        })
        .catch(() => {});
    }, delay);
    // Pending indexing never keeps a process alive: what it leaves is indexed at the next open.
    this.#timer.unref();
  }

  /**
   * At open: when the index was made by an earlier version of what is indexed (fts.ts
   * FTS_TEXT_VERSION), notes every turn for indexing again, best-effort as catchUp (a read-only
   * file, another process's long write: the next open does it). Returns how many turns it noted.
   */
  requeueOutdated(): number {
    if (!this.#deferred) return 0;
    try {
      return this.#briefly(() => this.#sqlite.transaction(() => requeueOutdatedFtsText(this.#db)).immediate());
    } catch {
      return 0;
    }
  }

  /** `work` with the connection's busy_timeout (seconds, for a message's write) at CATCH_UP_WAIT_MS. */
  #briefly<T>(work: () => T): T {
    const busyTimeout = this.#sqlite.pragma('busy_timeout', { simple: true }) as number;
    this.#sqlite.pragma(`busy_timeout = ${CATCH_UP_WAIT_MS}`);
    try {
      return work();
    } finally {
      this.#sqlite.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  /**
   * Before reading turn_fts, and at open: indexes every noted turn now, in a write of its own
   * (IMMEDIATE: it waits for another writer instead of failing on a read's upgrade), when it can
   * within CATCH_UP_WAIT_MS. Returns whether nothing is left noted. Costs one indexed read when
   * nothing is noted. Writes queued on the group commit but not yet committed are not part of it,
   * as they are not yet visible to the search either. One batch at most (INDEX_BATCH, the newest
   * notes): with a re-index's backlog left it returns false, and the background goes on with it.
   */
  catchUp(): boolean {
    if (!this.#deferred || !hasPendingTurns(this.#db)) return true;
    try {
      const left = this.#briefly(() => this.#sqlite.transaction(() => indexPendingTurns(this.#db)).immediate());
      if (left > 0) this.soon(0);
      return left === 0;
    } catch {
      // Left noted (see the top of this file); the background timer tries again.
      this.soon();
      return false;
    }
  }

  /** Before the connection closes: no background indexing after it. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
