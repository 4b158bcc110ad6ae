// Migration safety: upgrades keep data and leave a backup; unknown migrations and garbage files
// are refused without touching a byte; a table rebuild keeps turns, triggers and the FTS index.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/shared/errors.ts';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { ASSIGNMENT_USE_SQL, UsageRepo } from '../../src/main/core/db/usage.repo.ts';
import { clientRequestKey, TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { onCleanup, tempDir, testWrites } from '../support/temp.ts';

type Journal = { version: string; dialect: string; entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[] };

/** A copy of our migrations folder cut to the first `keep` migrations, plus any extra ones. */
function migrationsFolder(keep: number, extra: { tag: string; sql: string }[] = []): string {
  const dir = path.join(tempDir('studylog-migrations-'), 'migrations');
  cpSync(DEFAULT_MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as Journal;
  journal.entries = journal.entries.slice(0, keep);
  let when = journal.entries.at(-1)!.when;
  for (const m of extra) {
    when += 1000;
    journal.entries.push({ idx: journal.entries.length, version: '6', when, tag: m.tag, breakpoints: true });
    writeFileSync(path.join(dir, `${m.tag}.sql`), m.sql);
  }
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/** Every migration this build ships, in order. */
const ALL = (JSON.parse(readFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as Journal).entries.map((e) => e.tag);

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function open(file: string, options: Parameters<typeof openDatabase>[1] = {}) {
  const store = openDatabase(file, options);
  onCleanup(() => store.sqlite.open && store.close());
  return store;
}

function refusal(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error('expected the database to be refused');
}

describe('migrations', () => {
  it('creates a new database with every migration and no backup', () => {
    const store = open(path.join(tempDir(), 'studylog.db'));
    expect(store.openReport).toMatchObject({ created: true, appliedMigrations: ALL, backupFile: null });
  });

  it('is idempotent: a second open applies nothing and writes no backup', () => {
    const file = path.join(tempDir(), 'studylog.db');
    open(file).close();
    const again = open(file);
    expect(again.openReport).toMatchObject({ created: false, appliedMigrations: [], backupFile: null, repairedTriggers: [] });
  });

  it('upgrades a database built at an earlier migration with its data intact and a backup beside it', () => {
    const dir = tempDir();
    const file = path.join(dir, 'studylog.db');
    const old = open(file, { migrationsFolder: migrationsFolder(1) });
    expect(old.openReport.appliedMigrations).toEqual(['0000_init']);
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{\"title\":\"旧\"}')").run();
    old.sqlite.prepare("INSERT INTO turn VALUES ('t1', 's1', 'user', '以前的数学问题', NULL, NULL, 0, 0, 0, 2, '{}')").run();
    old.close();

    const upgraded = open(file, { now: () => new Date('2026-11-24T08:30:00.123Z') });
    expect(upgraded.openReport.appliedMigrations).toEqual(ALL.slice(1));
    expect(upgraded.openReport.backupFile).toBe(`${file}.20261124T083000Z.bak`);
    expect(new SessionsRepo(upgraded).getSessionById('s1')?.meta).toEqual({ title: '旧' });
    // Turns written before the FTS index existed are searchable after the upgrade.
    expect(new TurnsRepo(upgraded).searchTurns('u1', '数学').items.map((t) => t.id)).toEqual(['t1']);

    const backup = new Database(upgraded.openReport.backupFile!, { readonly: true });
    expect(backup.prepare('SELECT content FROM turn').pluck().all()).toEqual(['以前的数学问题']);
    expect(backup.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(1);
    backup.close();
  });

  it('0007 gives every old client_request_id its per-user key, in the form new rows use', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const before = ALL.indexOf('0007_client_request_per_user');
    const old = open(file, { migrationsFolder: migrationsFolder(before) });
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    old.sqlite.prepare(`INSERT INTO turn VALUES ('t1', 's1', 'user', 'q', NULL, NULL, 0, 0, 0, 2, '{"client_request_id":"r-1"}')`).run();
    old.close();
    const upgraded = open(file);
    const turns = new TurnsRepo(upgraded);
    expect(turns.findByClientRequestId('u1', 'r-1')?.id).toBe('t1');
    expect(turns.findByClientRequestId('u2', 'r-1')).toBeNull();
    expect(turns.getTurnById('t1')?.meta.client_request_key).toBe(clientRequestKey('u1', 'r-1'));
  });

  it('0013 adds the day rollup and fills it from the turns already there, in the zone it records', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const old = open(file, { migrationsFolder: migrationsFolder(ALL.indexOf('0013_usage_day_rollup')) });
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    const turn = old.sqlite.prepare(
      'INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)',
    );
    turn.run('t1', 's1', 'assistant', 'a', 'm', 3, 4, 5, 86_400_000 + 1, '{}');
    turn.run('t2', 's1', 'assistant', 'b', 'm', 30, 40, 50, 2 * 86_400_000 + 1, '{}');
    expect(old.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'usage_day'").pluck().get()).toBe(0);
    old.close();
    const upgraded = open(file);
    expect(upgraded.openReport.appliedMigrations[0]).toBe('0013_usage_day_rollup');
    const offset = JSON.parse(upgraded.sqlite.prepare("SELECT value FROM setting WHERE key = 'usage_day_offset_minutes'").pluck().get() as string) as number;
    expect(offset).toBe(-new Date().getTimezoneOffset() || 0);
    expect(upgraded.sqlite.prepare('SELECT sum(turns), sum(tokens_in), sum(tokens_out), sum(cost) FROM usage_day').raw().get()).toEqual([2, 33, 44, 55]);
    expect(upgraded.sqlite.prepare('SELECT count(*) FROM usage_day').pluck().get()).toBe(2); // two days apart in any zone
  });

  it('allowance_sum: an assignment’s allowance is summed from one covering index, with the same answer as before', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const tag = ALL.find((t) => t.endsWith('_allowance_sum'))!;
    const old = open(file, { migrationsFolder: migrationsFolder(ALL.indexOf(tag)) });
    const session = old.sqlite.prepare("INSERT INTO session VALUES (?, ?, ?, 'homework', 1, NULL, '{}', '{}')");
    session.run('s1', 'u1', 'hw');
    session.run('s2', 'u1', 'hw');
    session.run('s3', 'u1', null); // a chat: not the assignment's
    session.run('s4', 'u2', 'hw'); // another student's
    const turn = old.sqlite.prepare(
      'INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta, parent_id) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)',
    );
    turn.run('q1', 's1', 'user', '问题', null, 0, 0, 0, 10, '{"status":"answered"}', null);
    turn.run('a1', 's1', 'assistant', '答案', 'm', 10, 20, 3, 11, '{"status":"complete"}', 'q1');
    turn.run('a1b', 's1', 'assistant', '另一个答案', 'm', 100, 200, 30, 12, '{"status":"complete"}', 'q1'); // a regeneration: a version, counted
    turn.run('q2', 's1', 'user', '失败的问题', null, 0, 0, 0, 13, '{"status":"failed"}', 'a1b'); // failed: no call
    turn.run('a2', 's1', 'assistant', '半个答案', 'm', 1000, 2000, 300, 14, '{"status":"interrupted"}', 'q2');
    turn.run('title', 's1', 'system', '标题', 'm', 5, 6, 7, 15, '{"purpose":"title"}', null); // the title's call: the app's, not charged
    turn.run('sys', 's1', 'system', 'other', 'm', 50_000, 0, 0, 16, '{}', null); // not a call
    turn.run('a3', 's2', 'assistant', '答案', 'm', 1, 2, 3, 17, '{}', null);
    turn.run('a4', 's3', 'assistant', 'chat', 'm', 70_000, 0, 0, 18, '{}', null);
    turn.run('a5', 's4', 'assistant', 'other student', 'm', 80_000, 0, 0, 19, '{}', null);
    const before = new UsageRepo(old).assignmentUse('u1', 'hw');
    expect(before).toEqual({ tokens: 10 + 20 + 100 + 200 + 1000 + 2000 + 1 + 2, cost: 3 + 30 + 300 + 3 });
    old.close();
    const upgraded = open(file);
    expect(upgraded.openReport.appliedMigrations[0]).toBe(tag);
    expect(new UsageRepo(upgraded).assignmentUse('u1', 'hw')).toEqual(before);
    // The turns are read through the index alone (a student's whole history is never scanned for it).
    const plan = (upgraded.sqlite.prepare(`EXPLAIN QUERY PLAN ${ASSIGNMENT_USE_SQL}`).all('hw', 'u1') as { detail: string }[]).map((r) => r.detail);
    expect(plan).toContainEqual(expect.stringMatching(/^SEARCH t USING COVERING INDEX turn_call_usage_idx \(session_id=\? AND role=\?\)$/));
  });

  it('fts_pending: the index triggers note turns from then on; the index built before stays, without a rebuild', async () => {
    const file = path.join(tempDir(), 'studylog.db');
    const tag = ALL.find((t) => t.endsWith('_fts_pending'))!;
    const old = open(file, { migrationsFolder: migrationsFolder(ALL.indexOf(tag)) });
    // Before the migration the triggers index inside the write (what that version installed).
    expect(old.sqlite.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'turn_fts_pending'").pluck().get()).toBe(0);
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    const turn = old.sqlite.prepare(
      "INSERT INTO turn (id, session_id, role, content, tool_calls, model, tokens_in, tokens_out, cost, created_at, meta) VALUES (?, 's1', 'user', ?, NULL, NULL, 0, 0, 0, ?, '{}')",
    );
    turn.run('t1', '以前的数学问题', 2);
    turn.run('t2', 'an old question on vectors', 3);
    const matches = (s: typeof old, q: string) => s.sqlite.prepare('SELECT count(*) FROM turn_fts WHERE turn_fts MATCH ?').pluck().get(q) as number;
    expect(matches(old, '"数学"')).toBe(1);
    // A marker a rebuild of the index would drop: t2's entry says something its text does not.
    const rowid = old.sqlite.prepare("SELECT rowid FROM turn WHERE id = 't2'").pluck().get();
    old.sqlite.prepare('DELETE FROM turn_fts WHERE rowid = ?').run(rowid);
    old.sqlite.prepare('INSERT INTO turn_fts(rowid, body) VALUES (?, ?)').run(rowid, 'an old question on vectors kept');
    old.close();

    const upgraded = open(file);
    expect(upgraded.openReport.appliedMigrations).toEqual([tag]);
    // Replaced, not rebuilt: the marker is still in the index.
    expect(upgraded.openReport.repairedTriggers.sort()).toEqual(['turn_attachment_fts_after_insert', 'turn_fts_after_delete', 'turn_fts_after_insert', 'turn_fts_after_update']);
    expect(matches(upgraded, '"kept"')).toBe(1);
    const turns = new TurnsRepo(upgraded);
    expect(turns.searchTurns('u1', '数学').items.map((t) => t.id)).toEqual(['t1']);
    expect(turns.searchTurns('u1', 'vectors').items.map((t) => t.id)).toEqual(['t2']);
    // New writes are noted, not indexed in the write, and found by search all the same.
    const fresh = await upgraded.writes.run('record', (db) => turns.insertNewTurn(db, { session_id: 's1', role: 'user', content: '新的物理问题' }));
    await upgraded.writes.run('edit', (db) => turns.updateTurnById(db, 't1', { content: '以前的化学问题' }));
    expect(upgraded.sqlite.prepare('SELECT count(*) FROM turn_fts_pending').pluck().get()).toBe(2);
    expect(matches(upgraded, '"物理"')).toBe(0);
    expect(turns.searchTurns('u1', '物理').items.map((t) => t.id)).toEqual([fresh.id]);
    expect(turns.searchTurns('u1', '化学').items.map((t) => t.id)).toEqual(['t1']);
    expect(turns.searchTurns('u1', '数学').total).toBe(0);
    // And the next open finds every trigger as it should be.
    upgraded.close();
    expect(open(file).openReport.repairedTriggers).toEqual([]);
  });

  it('refuses a database with an applied migration this build does not know, bytes untouched', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const newer = open(file, { migrationsFolder: migrationsFolder(ALL.length, [{ tag: '9000_from_the_future', sql: 'CREATE TABLE future (id text);' }]) });
    newer.close();
    const before = sha(file);
    const filesBefore = readdirSync(path.dirname(file)).sort();
    const error = refusal(() => openDatabase(file));
    expect(error.code).toBe('db_unknown_migration');
    expect(error.detail).toContain(file);
    expect(error.detail).toMatch(/newer Studylog/);
    expect(sha(file)).toBe(before);
    expect(readdirSync(path.dirname(file)).sort()).toEqual(filesBefore); // no backup, no WAL left behind
  });

  it('refuses a database whose applied migration differs from ours (drift)', () => {
    const file = path.join(tempDir(), 'studylog.db');
    open(file).close();
    const raw = new Database(file);
    raw.prepare('UPDATE __drizzle_migrations SET hash = ? WHERE created_at = (SELECT max(created_at) FROM __drizzle_migrations)').run('0'.repeat(64));
    raw.close();
    const before = sha(file);
    const error = refusal(() => openDatabase(file));
    expect(error.code).toBe('db_unknown_migration');
    expect(error.detail).toMatch(/contents differ/);
    expect(sha(file)).toBe(before);
  });

  it('gives a clear error naming a garbage file, and leaves it alone', () => {
    const file = path.join(tempDir(), 'studylog.db');
    writeFileSync(file, 'this is not a database, it is a shopping list: rice, tofu, 青菜\n'.repeat(100));
    const before = sha(file);
    const error = refusal(() => openDatabase(file));
    expect(error.code).toBe('db_corrupt');
    expect(error.detail).toContain(file);
    expect(error.detail).toMatch(/not a database/);
    expect(sha(file)).toBe(before);
    // Asking again gives the same answer: no silent re-create on the second try.
    expect(refusal(() => openDatabase(file)).code).toBe('db_corrupt');
    expect(sha(file)).toBe(before);
  });

  it('gives a clear error when the path is not a file', () => {
    const file = path.join(tempDir(), 'studylog.db');
    mkdirSync(file);
    const error = refusal(() => openDatabase(file));
    expect(error.code).toBe('db_corrupt');
    expect(error.detail).toContain(file);
  });

  it('survives a later migration that rebuilds session and turn: no cascade loss, triggers and FTS restored', () => {
    const file = path.join(tempDir(), 'studylog.db');
    const store = open(file);
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    const db = testWrites(store);
    const s = sessions.insertNewSession(db, { user_id: 'u1' });
    const gone = turns.insertNewTurn(db, { session_id: s.id, role: 'user', content: 'deleted first' });
    turns.insertNewTurn(db, { session_id: s.id, role: 'user', content: '光合作用是什么' });
    turns.insertNewTurn(db, { session_id: s.id, role: 'assistant', content: 'Photosynthesis turns light into sugar' });
    store.sqlite.prepare('DELETE FROM turn WHERE id = ?').run(gone.id); // leaves a rowid gap the rebuild closes
    store.close();

    // What drizzle-kit emits for a column change: copy into __new_x, drop, rename. Its PRAGMA lines
    // are no-ops inside the migration transaction; dropping `session` with foreign keys on would
    // cascade-delete every turn, and dropping `turn` drops its triggers.
    const rebuild = readFileSync(path.join(DEFAULT_MIGRATIONS_FOLDER, '0000_init.sql'), 'utf8')
      .split('--> statement-breakpoint')
      .filter((stmt) => stmt.includes('CREATE TABLE'))
      .map((stmt) => stmt.replace(/CREATE TABLE `(\w+)`/, 'CREATE TABLE `__new_$1`'));
    const sql = [
      'PRAGMA foreign_keys=OFF;',
      rebuild[0]!,
      'INSERT INTO `__new_session` SELECT * FROM `session`;',
      'DROP TABLE `session`;',
      'ALTER TABLE `__new_session` RENAME TO `session`;',
      // The turn table as it is since 0008 (with its parent), rebuilt.
      rebuild[1]!.replace('`meta` text NOT NULL,', '`meta` text NOT NULL,\n\t`parent_id` text REFERENCES turn(id) ON DELETE cascade,'),
      'INSERT INTO `__new_turn` SELECT * FROM `turn`;',
      'DROP TABLE `turn`;',
      'ALTER TABLE `__new_turn` RENAME TO `turn`;',
      'PRAGMA foreign_keys=ON;',
      'CREATE INDEX `session_user_id_started_at_idx` ON `session` (`user_id`,`started_at`);',
      'CREATE INDEX `session_assignment_id_idx` ON `session` (`assignment_id`);',
      'CREATE INDEX `turn_session_id_created_at_idx` ON `turn` (`session_id`,`created_at`);',
      'CREATE INDEX `turn_created_at_idx` ON `turn` (`created_at`);',
      'CREATE INDEX `turn_parent_id_idx` ON `turn` (`parent_id`);',
    ].join('\n--> statement-breakpoint\n');

    const upgraded = open(file, { migrationsFolder: migrationsFolder(ALL.length, [{ tag: '9001_rebuild', sql }]) });
    expect(upgraded.openReport.appliedMigrations).toEqual(['9001_rebuild']);
    expect(existsSync(upgraded.openReport.backupFile!)).toBe(true);
    // Dropping `turn` dropped every trigger on it; dropping `session` the ones on it.
    expect(upgraded.openReport.repairedTriggers.sort()).toEqual([
      'turn_fts_after_delete',
      'turn_fts_after_insert',
      'turn_fts_after_update',
      'usage_after_session_regroup',
      'usage_after_turn_delete',
      'usage_after_turn_insert',
      'usage_after_turn_update',
      'usage_before_session_delete',
      'usage_day_after_session_regroup',
      'usage_day_after_turn_delete',
      'usage_day_after_turn_insert',
      'usage_day_after_turn_update',
      'usage_day_before_session_delete',
    ]);
    const after = new TurnsRepo(upgraded);
    expect(after.getTurnsBySessionId(s.id).map((t) => t.content)).toEqual(['光合作用是什么', 'Photosynthesis turns light into sugar']);
    expect(after.searchTurns('u1', '光合').items.map((t) => t.content)).toEqual(['光合作用是什么']);
    expect(after.searchTurns('u1', 'sugar').items.map((t) => t.content)).toEqual(['Photosynthesis turns light into sugar']);
    // The restored triggers keep working for new writes, and the cascade is back on.
    after.insertNewTurn(testWrites(upgraded), { session_id: s.id, role: 'user', content: '叶绿体' });
    expect(after.searchTurns('u1', '叶绿').total).toBe(1);
    expect(upgraded.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    new SessionsRepo(upgraded).deleteSessionById(testWrites(upgraded), s.id);
    expect(upgraded.sqlite.prepare('SELECT count(*) FROM turn').pluck().get()).toBe(0);
  });
});
