/**
 * The hub's one seam between its store and the two databases it runs on. Queries are written
 * once with drizzle's `sql` template (placeholders are compiled per dialect: `$1` for
 * PostgreSQL, `?` for SQLite); the few places where the dialects differ ask `dialect`.
 * PostgreSQL: drizzle's node-postgres driver over a `pg` pool. SQLite: better-sqlite3 through
 * drizzle, its calls made one at a time (an async queue), so a transaction spanning awaits is
 * never interleaved with another caller's statements on the one connection.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import pg from 'pg';
import { ApiError, DATABASE_ISSUE } from '../../../shared/errors.ts';
import { systemLanguage } from '../config.ts';
import { drizzle as drizzleSqlite, migrate as migrateSqlite, sql } from '../db/drizzle.ts';
import { registerTitleFoldFunction } from '../db/fts.ts';
import { drizzle as drizzlePg, migrate as migratePg } from './drizzle-pg.ts';
import { openSearchReindexPg, openSearchReindexSqlite, type SearchReindex } from './reindex.ts';

export { sql };
export type Dialect = 'pg' | 'sqlite';

export interface HubSql {
  readonly dialect: Dialect;
  all<T>(query: SQL): Promise<T[]>;
  /** Rows changed. */
  run(query: SQL): Promise<number>;
  /** Runs `work` in one transaction: committed when it returns, rolled back when it throws. */
  transaction<T>(work: (tx: HubSql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Where the data lives, for messages (a URL without its password, or a file). */
  readonly where: string;
  /** The opened hub's pending search re-index (reindex.ts; `hub serve` runs it); absent on a transaction's handle. */
  readonly searchIndex?: SearchReindex;
}

const MIGRATIONS = fileURLToPath(new URL('../../../../migrations-hub/', import.meta.url));

/** A JSON document as a parameter: jsonb on PostgreSQL, JSON text on SQLite. */
export function jsonParam(dialect: Dialect, value: unknown): SQL {
  return dialect === 'pg' ? sql`${JSON.stringify(value)}::jsonb` : sql`${JSON.stringify(value)}`;
}

/** A JSON column as read back: an object from jsonb, a string from SQLite. */
export function jsonValue<T = Record<string, unknown>>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function boolParam(dialect: Dialect, value: boolean): SQL {
  return dialect === 'pg' ? sql`${value}` : sql`${value ? 1 : 0}`;
}

/**
 * bigint (int8: times, counts) and numeric (sums) as JavaScript numbers: every value the hub keeps
 * fits in 2^53. Set on pg's global parsers because drizzle's node-postgres session passes its own
 * per-query `types`, which fall back to the globals (a pool's `types` would be ignored); the hub
 * is the only user of `pg` in the process.
 */
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value: string) => Number(value));

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database URL';
  }
}

type PgDb = ReturnType<typeof drizzlePg>;
type PgRunner = Pick<PgDb, 'execute'> & { transaction?: PgDb['transaction'] };

function pgSql(runner: PgRunner, where: string, close: () => Promise<void>, inTransaction: boolean): HubSql {
  return {
    dialect: 'pg',
    where,
    all: async <T>(query: SQL) => (await runner.execute(query)).rows as T[],
    run: async (query: SQL) => (await runner.execute(query)).rowCount ?? 0,
    transaction: async <T>(work: (tx: HubSql) => Promise<T>): Promise<T> => {
      if (inTransaction || !runner.transaction) return work(pgSql(runner, where, close, true));
      return runner.transaction(async (tx) => work(pgSql(tx, where, close, true)));
    },
    close,
  };
}

/**
 * The hub refuses a PostgreSQL database whose encoding is not UTF8, before it changes anything in
 * it. Search folds the content with normalize(…, NFKC), which PostgreSQL has only in UTF8
 * databases (elsewhere it is an error, and every search would fail). Skipping it there was the
 * other choice, and was not taken: on SQL_ASCII (bytes kept unchecked) PostgreSQL's text
 * functions work on bytes, so lower() does not fold Δ and triage's excerpt (substr) cuts a
 * Chinese character in half; any other server encoding (LATIN1, EUC_CN, …) cannot store all that
 * students write (Chinese, or a PDF's ⽜ and emoji), so pushes would fail in the middle of a
 * sync. A clear refusal at start, naming the fix, is better than a hub that half works.
 */
export function encodingError(database: string, encoding: string): ApiError {
  // A new name beside the old one (never the old one's: the copy would load into what it dumps);
  // add the connection's -h/-U/-p to both commands when the server is not the local default.
  const utf8 = `${database}_utf8`;
  const create = `createdb -E UTF8 --locale=C.UTF-8 -T template0 ${utf8}`;
  const copy = `pg_dump -d ${database} | psql -d ${utf8}`;
  return new ApiError(
    'db_unavailable',
    systemLanguage() === 'zh-CN'
      ? `班级中心的 PostgreSQL 数据库 ${database} 的编码是 ${encoding}，班级中心需要 UTF8 编码的数据库（搜索要用只有 UTF8 数据库才有的 normalize() 统一字形，中文也要按字符而不是按字节处理）。请新建一个 UTF8 数据库：${create}，把原有数据复制过去：${copy}，再用 --database-url 指向新数据库启动班级中心。`
      : `The hub's PostgreSQL database ${database} uses the encoding ${encoding}; the hub needs a UTF8 database (its search folds text with normalize(), which PostgreSQL has only in UTF8 databases, and Chinese text must be handled by characters, not bytes). Create a UTF8 database: ${create}, copy the data into it: ${copy}, and start the hub with --database-url naming the new database.`,
  );
}

/** A PostgreSQL hub that could not be opened; the address (without its password) travels as an issue for the CLI's advice (cli-text.ts). */
function openError(url: string, error: unknown): ApiError {
  const hub = redact(url);
  return new ApiError('db_unavailable', `Could not open the hub database at ${hub}: ${error instanceof Error ? error.message : String(error)}`, [
    { path: DATABASE_ISSUE, message: hub, params: { hub } },
  ]);
}

/**
 * Connects to PostgreSQL (UTF8 only: encodingError) and applies the hub's pending migrations. A
 * pending search re-index is not run here (`hub serve` runs it in the background: searchIndex);
 * close() stops it between batches before it ends the pool.
 */
export async function openPgHub(url: string, options: { poolSize?: number } = {}): Promise<HubSql> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client's error (the server restarted) must not end the process; the next query fails instead.
  pool.on('error', () => {});
  const db = drizzlePg(pool);
  let encoding: { server_encoding: string; database: string } | undefined;
  try {
    encoding = (
      await pool.query<{ server_encoding: string; database: string }>('SELECT current_setting($1) AS server_encoding, current_database() AS database', ['server_encoding'])
    ).rows[0];
    if (encoding?.server_encoding === 'UTF8') await migratePg(db, { migrationsFolder: path.join(MIGRATIONS, 'pg') });
  } catch (error) {
    await pool.end();
    throw openError(url, error);
  }
  if (encoding?.server_encoding !== 'UTF8') {
    await pool.end();
    throw encodingError(encoding?.database ?? redact(url), encoding?.server_encoding ?? 'unknown');
  }
  let searchIndex: SearchReindex | undefined;
  // Once, however often it is called (a server's stop and its caller's cleanup both close it).
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await searchIndex?.stop();
      await pool.end();
    })());
  const hub = pgSql(db, redact(url), close, false);
  try {
    searchIndex = await openSearchReindexPg(hub);
  } catch (error) {
    await pool.end();
    throw openError(url, error);
  }
  return { ...hub, searchIndex };
}

/**
 * Opens (creating) the hub's SQLite file and applies its pending migrations. A pending search
 * re-index is not run here (`hub serve` runs it in the background: searchIndex); close() stops it
 * between batches before it closes the file.
 */
export function openSqliteHub(file: string): HubSql {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new Database(file);
  // Title search folds the stored titles in SQL (db/fts.ts foldTitle; PostgreSQL has normalize()).
  registerTitleFoldFunction(sqlite);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzleSqlite(sqlite);
  // One statement or transaction at a time on the one connection (the re-index's batches too).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  };
  let searchIndex: SearchReindex;
  try {
    migrateSqlite(db, { migrationsFolder: path.join(MIGRATIONS, 'sqlite') });
    searchIndex = openSearchReindexSqlite(sqlite, serial);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const direct = (inTransaction: boolean): HubSql => ({
    dialect: 'sqlite',
    where: file,
    all: async <T>(query: SQL) => db.all<T>(query),
    run: async (query: SQL) => db.run(query).changes,
    transaction: async <T>(work: (tx: HubSql) => Promise<T>): Promise<T> => {
      if (inTransaction) return work(direct(true));
      sqlite.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(direct(true));
        sqlite.exec('COMMIT');
        return result;
      } catch (error) {
        sqlite.exec('ROLLBACK');
        throw error;
      }
    },
    close: async () => {
      await queue;
      sqlite.close();
    },
  });
  const inner = direct(false);
  let closed: Promise<void> | undefined;
  return {
    dialect: 'sqlite',
    where: file,
    all: (query) => serial(() => inner.all(query)),
    run: (query) => serial(() => inner.run(query)),
    transaction: (work) => serial(() => inner.transaction(work)),
    // Once, however often it is called (a server's stop and its caller's cleanup both close it).
    close: () =>
      (closed ??= (async () => {
        await searchIndex.stop();
        await inner.close();
      })()),
    searchIndex,
  };
}
