// The desktop's outbox (core/sync/outbox.ts): exactly what the student agreed to share, chained
// in order and frozen, and the upgrade of a database from before migration sync_outbox.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { chainHashes } from '../../src/main/core/handin/chain.ts';
import type { WritableDB } from '../../src/main/core/db/handles.ts';
import { Outbox } from '../../src/main/core/sync/outbox.ts';
import { onCleanup, openTempStore, tempDir, testWrites } from '../support/temp.ts';

function seed(sqlite: WritableDB) {
  sqlite.prepare(`INSERT INTO assignment (id, title, created_at, meta) VALUES ('shared', 'A', 0, '{"policy":{"share_sessions":true}}'), ('private', 'B', 0, '{}')`).run();
  const session = sqlite.prepare(`INSERT INTO session (id, user_id, assignment_id, mode, started_at, policy_snapshot, meta) VALUES (?, 'u', ?, ?, 1, '{}', ?)`);
  session.run('s_hw', 'shared', 'homework', '{}');
  session.run('s_private_hw', 'private', 'homework', '{}');
  session.run('s_chat', null, 'chat', '{}');
  session.run('s_optin', null, 'chat', '{"share_with_teacher":true}');
  const turn = sqlite.prepare(`INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES (?, ?, ?, ?, ?, ?)`);
  for (const s of ['s_hw', 's_private_hw', 's_chat', 's_optin']) {
    turn.run(`${s}_1`, s, 'user', '问题', 10, '{}');
    turn.run(`${s}_2`, s, 'assistant', '提示', 20, '{"status":"complete","hint_level":1}');
  }
}

describe('the outbox', () => {
  test('holds shared assignments and opted-in chats only, chained in order; a turn still streaming waits', () => {
    const store = openTempStore();
    const db = testWrites(store);
    seed(db);
    db.prepare(
      `INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES ('s_hw_3', 's_hw', 'user', '再问', 30, '{}'), ('s_hw_4', 's_hw', 'assistant', '', 40, '{"status":"streaming"}')`,
    ).run();
    const outbox = new Outbox(store, { now: () => 5 });
    expect(outbox.collect()).toBe(5);
    const entries = outbox.pending(100);
    expect(entries.map((e) => e.item_id)).toEqual(['s_hw_1', 's_hw_2', 's_hw_3', 's_optin_1', 's_optin_2']);
    // The chain is the hand-in chain over the turn rows.
    const hw = entries.filter((e) => e.session_id === 's_hw');
    expect(hw.map((e) => e.hash)).toEqual(chainHashes(hw.map((e) => e.payload)));
    expect(hw[1]!.prev_hash).toBe(hw[0]!.hash);
    // Finished later: appended after, continuing the frozen chain even if an earlier row changed.
    db.prepare(`UPDATE turn SET meta = '{"status":"complete"}', content = '答' WHERE id = 's_hw_4'`).run();
    db.prepare(`UPDATE turn SET content = '改过' WHERE id = 's_hw_1'`).run();
    expect(outbox.collect()).toBe(1);
    const last = outbox.pending(100).at(-1)!;
    expect(last).toMatchObject({ item_id: 's_hw_4', prev_hash: hw[2]!.hash });
    expect(outbox.collect()).toBe(0);
    outbox.ack(['s_hw_1', 's_hw_2']);
    expect(outbox.counts()).toEqual({ pending: 4, acked: 2 });
    expect(outbox.resendAfter('s_hw', hw[1]!.hash)).toBe(0); // s_hw_3 was never acked: nothing to undo…
    expect(outbox.counts()).toEqual({ pending: 4, acked: 2 });
    expect(outbox.resendAfter('s_hw', '0'.repeat(64))).toBe(2); // …the hub lost everything: the two it had go again
    expect(outbox.counts()).toEqual({ pending: 6, acked: 0 });
  });

  test('a database from before the outbox upgrades, and its shared history is collected', () => {
    const journalOf = (dir: string) => path.join(dir, 'meta', '_journal.json');
    const dir = path.join(tempDir('studylog-migrations-'), 'migrations');
    cpSync(DEFAULT_MIGRATIONS_FOLDER, dir, { recursive: true });
    const journal = JSON.parse(readFileSync(journalOf(dir), 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((e) => e.tag.endsWith('_sync_outbox')),
    );
    writeFileSync(journalOf(dir), JSON.stringify(journal));
    const file = path.join(tempDir(), 'studylog.db');
    const old = openDatabase(file, { migrationsFolder: dir });
    expect(old.sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'sync_outbox'").get()).toEqual({ n: 0 });
    seed(testWrites(old));
    old.close();
    const upgraded = openDatabase(file);
    onCleanup(() => upgraded.sqlite.open && upgraded.close());
    expect(upgraded.openReport.appliedMigrations.some((m) => m.endsWith('_sync_outbox'))).toBe(true);
    expect(new Outbox(upgraded).collect()).toBe(4);
  });
});
