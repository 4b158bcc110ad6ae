// Hub test helpers: open the hub store on SQLite or on a fresh PostgreSQL database, and build
// chained sessions as a desktop would push them.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { drizzle as drizzleSqlite, migrate as migrateSqlite } from '../../src/main/core/db/drizzle.ts';
import { drizzle as drizzlePg, migrate as migratePg } from '../../src/main/core/hub/drizzle-pg.ts';
import { openPgHub, openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { createDatabase, type PgServer } from './postgres.ts';
import { tempDir } from './temp.ts';

export async function openHub(kind: 'pg' | 'sqlite', server: PgServer | null, now?: () => number): Promise<HubStore> {
  const db = kind === 'pg' ? await openPgHub(await createDatabase(server!)) : openSqliteHub(path.join(tempDir(), 'hub.db'));
  return new HubStore(db, now ? { now } : {});
}

export { chained, session, type TurnSpec } from './hub-chain.ts';

/** An admin caller with a real device (a token) on the hub. */
export async function hubAdmin(store: HubStore): Promise<HubCaller> {
  const user = await store.createUser('Admin', 'admin');
  const device = await store.issueDevice(user.id, 'cli');
  return (await store.authenticate(device.token)) as HubCaller;
}

export async function hubTeacher(store: HubStore, name = 'Teacher Li'): Promise<{ caller: HubCaller; token: string }> {
  const user = await store.createUser(name, 'teacher');
  const device = await store.issueDevice(user.id, 'browser');
  return { caller: (await store.authenticate(device.token)) as HubCaller, token: device.token };
}

/**
 * A hub as an older version left it: migrated up to (not including) the migration whose tag ends
 * with `beforeTag`, with `seed`'s rows written then, opened by this version (which runs the rest).
 * What the upgrade tests of each hub migration start from.
 */
export async function hubBeforeMigration(kind: 'pg' | 'sqlite', server: PgServer | null, beforeTag: string, seed: string[]): Promise<HubStore> {
  const dir = path.join(tempDir('studylog-hub-migrations-'), kind);
  cpSync(fileURLToPath(new URL(`../../migrations-hub/${kind}`, import.meta.url)), dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const at = journal.entries.findIndex((e) => e.tag.endsWith(beforeTag));
  if (at <= 0) throw new Error(`no hub migration before one tagged …${beforeTag}`);
  journal.entries = journal.entries.slice(0, at);
  writeFileSync(journalFile, JSON.stringify(journal));
  if (kind === 'pg') {
    const url = await createDatabase(server!);
    const pool = new pg.Pool({ connectionString: url });
    await migratePg(drizzlePg(pool), { migrationsFolder: dir });
    for (const statement of seed) await pool.query(statement);
    await pool.end();
    return new HubStore(await openPgHub(url));
  }
  const file = path.join(tempDir(), 'hub.db');
  const sqlite = new Database(file);
  migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder: dir });
  for (const statement of seed) sqlite.exec(statement);
  sqlite.close();
  return new HubStore(openSqliteHub(file));
}
