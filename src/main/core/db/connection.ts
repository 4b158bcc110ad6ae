/**
 * The one place that opens the Studylog database. Order of events on open:
 *   1. Inspect the existing file read-only: unreadable/corrupt → db_corrupt naming the file;
 *      an applied migration this build does not know (newer app, or drift) → db_unknown_migration.
 *      Either way the file is left byte-for-byte untouched.
 *   2. If migrations are pending on a file that already holds data, copy it to a timestamped
 *      backup beside it (VACUUM INTO: a consistent copy even with a WAL).
 *   3. Open read-write with the production pragmas, apply pending migrations in one transaction
 *      with foreign keys off (a table rebuild must not cascade-delete turns), then verify the FTS
 *      triggers and foreign keys before turning foreign keys back on.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { ApiError, DATABASE_ISSUE } from '../../../shared/errors.ts';
import * as schema from './schema.ts';
import { ensureDerivedTables } from './derived.ts';
import { drizzle, migrate, readMigrationFiles } from './drizzle.ts';
import { inTransaction } from './db-errors.ts';
import { GroupCommit } from './group-commit.ts';
import { hasTable, writeHandle, type WritableDB } from './handles.ts';
import { registerFtsFunction } from './fts.ts';
import { SearchIndexer } from './fts-indexer.ts';

export const DEFAULT_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../../migrations', import.meta.url));
export const DB_FILE_NAME = 'studylog.db';
const MIGRATIONS_TABLE = '__drizzle_migrations';
/** How long a writer waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

export type Orm = BetterSQLite3Database<typeof schema>;

export interface Store {
  readonly file: string;
  readonly sqlite: Database.Database;
  readonly orm: Orm;
  /** What happened while opening: migrations applied, backup written, triggers repaired. */
  readonly openReport: OpenReport;
  /**
   * Writes that share one transaction (and one fsync) with others queued in the same tick: how
   * every write of a running app is made (`store.writes.run(action, (db) => repo.write(db, …))`).
   */
  readonly writes: GroupCommit;
  /**
   * The full-text index follows the turns outside their writes (fts-indexer.ts): whatever reads
   * turn_fts calls `searchIndex.catchUp()` first.
   */
  readonly searchIndex: SearchIndexer;
  /**
   * Runs `write` at once in its own transaction, outside the group commit: start-up repair,
   * one-shot commands, imports and tests. SQLite's failures become ApiErrors naming `action`.
   */
  transaction<T>(action: string, write: (db: WritableDB) => T): T;
  /** Commits queued writes, then closes the connection. */
  close(): void;
}

export interface OpenReport {
  created: boolean;
  appliedMigrations: string[];
  backupFile: string | null;
  repairedTriggers: string[];
}

export interface OpenOptions {
  migrationsFolder?: string;
  /** Clock for the backup file name; tests pin it. */
  now?: () => Date;
}

interface KnownMigration {
  tag: string;
  hash: string;
  createdAt: number;
}

function knownMigrations(migrationsFolder: string): KnownMigration[] {
  const files = readMigrationFiles({ migrationsFolder });
  // readMigrationFiles returns hashes and times but not names; the journal lists them in order.
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  return files.map((m, i) => ({ tag: journal.entries[i]?.tag ?? String(m.folderMillis), hash: m.hash, createdAt: m.folderMillis }));
}

/** SQLite codes that say the file could not be reached or written, not that it is damaged. */
function isAccessProblem(file: string, cause: unknown): boolean {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^SQLITE_(CANTOPEN|READONLY|IOERR|PERM|BUSY|LOCKED|FULL|AUTH)/.test(code)) return false;
  // Something other than a file in its place is not a permission problem.
  return !statSync(file, { throwIfNoEntry: false })?.isDirectory();
}

/**
 * A failure to open `file`, with the file (and whether it was left unchanged, and a backup made
 * before a failed migration) as a structured field: the command line's Chinese advice names them
 * from there, not from the English detail (cli-text.ts databaseAdvice).
 */
function databaseError(
  code: 'db_corrupt' | 'db_unavailable' | 'db_unknown_migration',
  file: string,
  detail: string,
  facts: { unchanged: boolean; backupFile?: string | null },
): ApiError {
  const params = { file, unchanged: facts.unchanged ? 1 : 0, ...(facts.backupFile ? { backup_file: facts.backupFile } : {}) };
  const message = `${detail}${facts.backupFile ? ` A copy from before the attempt is at ${facts.backupFile}.` : ''}`;
  return new ApiError(code, message, [{ path: DATABASE_ISSUE, message: file, params }]);
}

function unavailable(file: string, reason: string, backupFile: string | null = null): ApiError {
  return databaseError(
    'db_unavailable',
    file,
    `The Studylog database ${file} cannot be opened for reading and writing (${reason}). It was not changed. ` +
      'Check that the file and its folder are writable by this user, that the disk is not full, and that no other program holds it.',
    { unchanged: true, backupFile },
  );
}

function corrupt(file: string, cause: unknown): ApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // A read-only folder, a full disk or a missing permission is not damage: "restore a backup"
  // or "move it away" would be the wrong advice.
  if (isAccessProblem(file, cause)) return unavailable(file, reason);
  return databaseError(
    'db_corrupt',
    file,
    `The Studylog database ${file} cannot be read (${reason}). It was not changed. ` + 'Restore it from a backup (studylog.db.*.bak beside it) or move it away to start afresh.',
    { unchanged: true },
  );
}

/** Read-only look at an existing file: which known migrations are applied, which are pending. */
function inspect(file: string, known: KnownMigration[]): { pending: KnownMigration[]; hasData: boolean } {
  // A read-only connection to a WAL database creates -wal/-shm files it cannot remove on close.
  // Ones that were not there before hold nothing (this connection wrote nothing): remove them.
  const sidecars = ['-wal', '-shm'].map((suffix) => file + suffix).filter((f) => !existsSync(f));
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // Reads the header and the schema: a file that is not a database fails here. A full
    // integrity check would read every page (seconds on a large history) on every start; damage
    // deeper in the file surfaces as db_corrupt on the query that meets it.
    db.pragma('schema_version');
    const applied = hasTable(db, MIGRATIONS_TABLE)
      ? (db.prepare(`SELECT hash, created_at AS createdAt FROM ${MIGRATIONS_TABLE} ORDER BY created_at`).all() as { hash: string; createdAt: number }[])
      : [];
    const tableCount = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
    for (const row of applied) {
      const match = known.find((k) => k.createdAt === Number(row.createdAt));
      if (!match || match.hash !== row.hash) {
        throw databaseError(
          'db_unknown_migration',
          file,
          `The Studylog database ${file} has a migration applied (created ${new Date(Number(row.createdAt)).toISOString()}) ` +
            `that this version of Studylog does not know${match ? ' (its contents differ from ours)' : ''}. ` +
            'It was probably written by a newer Studylog. Update Studylog; the file was not changed.',
          { unchanged: true },
        );
      }
    }
    const appliedAt = new Set(applied.map((r) => Number(r.createdAt)));
    return { pending: known.filter((k) => !appliedAt.has(k.createdAt)), hasData: tableCount > 0 };
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw corrupt(file, error);
  } finally {
    db?.close();
    for (const f of sidecars) rmSync(f, { force: true });
  }
}

function backupName(file: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${file}.${stamp}.bak`;
}

/**
 * better-sqlite3 compiles SQL on every prepare(), and drizzle prepares on every query: a message
 * would compile the same dozen statements each time. Keep compiled statements by their SQL text.
 * A cached statement is handed out with its output modes reset, since callers set them per use
 * (drizzle's values() turns raw() on; our repositories use pluck()).
 */
function cacheStatements(sqlite: Database.Database): void {
  const compile = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) {
      statement = compile(source);
      // Statements that change the schema (migrations, triggers) run once: not worth keeping.
      if (!/^\s*(CREATE|DROP|ALTER)\b/i.test(source)) {
        if (cache.size >= 500) cache.clear(); // IN (?, ?, …) lists vary in length: keep it bounded
        cache.set(source, statement);
      }
    } else if (statement.reader) {
      statement.raw(false).pluck(false).expand(false);
    }
    return statement;
  }) as typeof sqlite.prepare;
}

export function openDatabase(file: string, options: OpenOptions = {}): Store {
  const migrationsFolder = options.migrationsFolder ?? DEFAULT_MIGRATIONS_FOLDER;
  const known = knownMigrations(migrationsFolder);
  const existed = existsSync(file) && statSync(file).size > 0;
  const report: OpenReport = { created: !existed, appliedMigrations: [], backupFile: null, repairedTriggers: [] };

  let pending = known;
  if (existed) {
    const inspected = inspect(file, known);
    pending = inspected.pending;
    if (pending.length > 0 && inspected.hasData) {
      report.backupFile = backupName(file, (options.now ?? (() => new Date()))());
      const source = new Database(file, { readonly: true, fileMustExist: true });
      try {
        source.prepare('VACUUM INTO ?').run(report.backupFile);
      } finally {
        source.close();
      }
    }
  } else {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
  } catch (error) {
    throw corrupt(file, error);
  }
  cacheStatements(sqlite);
  try {
    sqlite.pragma('journal_mode = WAL');
    // FULL: a laptop can lose power at any moment, and a student's message must survive it.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    registerFtsFunction(sqlite);
    const orm = drizzle(sqlite, { schema });

    // The PRAGMA is a no-op inside a transaction, and migrate() runs in one: switch it here.
    sqlite.pragma('foreign_keys = OFF');
    if (pending.length > 0) {
      // drizzle-kit rebuilds a table by copy, DROP and RENAME. With the modern ALTER TABLE rules
      // the RENAME fails when a trigger elsewhere (usage-rollup.ts) names the dropped table;
      // the legacy rules let the new table take the old name and the triggers keep working.
      sqlite.pragma('legacy_alter_table = ON');
      migrate(orm, { migrationsFolder, migrationsTable: MIGRATIONS_TABLE });
      sqlite.pragma('legacy_alter_table = OFF');
      // New indexes have no statistics yet; without them the planner guesses. A sampled ANALYZE
      // takes well under a second even on a million turns.
      sqlite.pragma('analysis_limit = 1000');
      sqlite.exec('ANALYZE');
      report.appliedMigrations = pending.map((m) => m.tag);
    }
    const db = writeHandle(sqlite);
    sqlite.transaction(() => {
      // Missing triggers mean a table was rebuilt (DROP TABLE drops them) or predates the derived
      // table: rowids may have changed, so the derived tables are rebuilt. Otherwise left alone.
      report.repairedTriggers = ensureDerivedTables(sqlite);
      // Only after a migration ran: the check reads every row (a second on a large history).
      const violations = report.appliedMigrations.length > 0 ? (sqlite.pragma('foreign_key_check') as unknown[]) : [];
      if (violations.length > 0) {
        throw new Error(`${violations.length} row(s) violate foreign keys after migrating`);
      }
    })();
    sqlite.pragma('foreign_keys = ON');

    // Every commit reminds the indexer: the turns it noted are indexed shortly after. (No commit
    // can happen before the indexer exists: the first is at the earliest in the next tick.)
    const writes = new GroupCommit(sqlite, () => searchIndex.soon());
    const searchIndex = new SearchIndexer(sqlite, db, writes);
    // Turns a crash (or a process that stopped) left noted for the full-text index: after the
    // open's transaction, not inside it (a read there cannot wait for another process's writer,
    // and a read-only file must still open), best-effort (fts-indexer.ts). Before that, an index
    // made by an earlier version of what is indexed is queued to be made again (fts.ts FTS_TEXT_VERSION).
    searchIndex.requeueOutdated();
    searchIndex.catchUp();
    return {
      file,
      sqlite,
      orm,
      openReport: report,
      writes,
      searchIndex,
      transaction: (action, write) => {
        const result = inTransaction(sqlite, action, () => write(db));
        // Turns it noted (an import, a one-shot command) are indexed in the background too.
        searchIndex.soon();
        return result;
      },
      close: () => {
        searchIndex.stop();
        writes.flush();
        sqlite.close();
      },
    };
  } catch (error) {
    sqlite.close();
    if (error instanceof ApiError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    if (isAccessProblem(file, error)) throw unavailable(file, reason, report.backupFile);
    throw databaseError('db_corrupt', file, `Could not prepare the Studylog database ${file}: ${reason}.`, { unchanged: false, backupFile: report.backupFile });
  }
}
