// The desktop's outbox (core/sync/outbox.ts): exactly what the student agreed to share, chained
// in order and frozen, and the upgrade of a database from before migration sync_outbox.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { chainHashes } from '../../src/main/core/handin/chain.ts';
import type { WritableDB } from '../../src/main/core/db/handles.ts';
import { Outbox } from '../../src/main/core/sync/outbox.ts';
import { collect, setupCore, TEST_CALLER } from '../support/core.ts';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
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

  test('a message that has not taken its place yet (meta.queued) waits, even failed: its parent and time will change', () => {
    const store = openTempStore();
    const db = testWrites(store);
    seed(db);
    // Failed while it waited behind the answer s_hw_2 (written before it, its parent for now),
    // then that answer's next message… as a database the proxy had not placed it in yet holds.
    db.prepare(
      `INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES ('s_hw_3', 's_hw', 'user', '排队', 30, '{"status":"failed","queued":true}'), ('s_hw_4', 's_hw', 'user', '再问', 40, '{"status":"failed"}')`,
    ).run();
    const outbox = new Outbox(store, { now: () => 5 });
    outbox.collect();
    expect(
      outbox
        .pending(100)
        .filter((e) => e.session_id === 's_hw')
        .map((e) => e.item_id),
    ).toEqual(['s_hw_1', 's_hw_2']);
    // Placed (parent, time, queued dropped): frozen as it is now, in its new order.
    db.prepare(`UPDATE turn SET parent_id = 's_hw_2', created_at = 50, meta = '{"status":"failed"}' WHERE id = 's_hw_3'`).run();
    outbox.collect();
    const hw = outbox.pending(100).filter((e) => e.session_id === 's_hw');
    expect(hw.map((e) => e.item_id)).toEqual(['s_hw_1', 's_hw_2', 's_hw_4', 's_hw_3']);
    expect(hw.at(-1)!.payload).toMatchObject({ parent_id: 's_hw_2', created_at: 50, meta: { status: 'failed' } });
  });

  test('through the proxy: a queued message stopped while it waits reaches the hub only in its place, as the student has it', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'q1' });
    const session = first.session_id;
    await core.store.writes.run('share it', (db) => db.prepare(`UPDATE session SET meta = json_set(meta, '$.share_with_teacher', json('true')) WHERE id = ?`).run(session));
    // The earlier answer has not begun (a model thinking before its first token): the queued
    // message waits below the earlier message itself for now.
    const stopEarlier = new AbortController();
    core.server.script({ fault: { kind: 'hang' } });
    const earlier = collect(core.proxy.stream(TEST_CALLER, { message: 'long', meta: { session_id: session } }, stopEarlier.signal));
    await core.server.waitForRequest((r) => r.body?.messages?.at(-1)?.content === 'long');
    const stop = new AbortController();
    const queued = collect(core.proxy.stream(TEST_CALLER, { message: 'queued', meta: { session_id: session }, client_request_id: 'outbox-q-1' }, stop.signal));
    const waiting = await vi.waitFor(() => {
      const id = core.store.sqlite.prepare(`SELECT id FROM turn WHERE content = 'queued'`).pluck().get() as string | undefined;
      expect(id).toBeDefined();
      return core.turns.getTurnById(id!)!;
    });
    stop.abort();
    await expect(queued).rejects.toMatchObject({ code: 'aborted' });
    const outbox = new Outbox(core.store);
    outbox.collect();
    expect(outbox.pending(100).map((e) => e.item_id)).not.toContain(waiting.id);
    stopEarlier.abort();
    await earlier;
    outbox.collect();
    const retried = await core.proxy.send(TEST_CALLER, { message: 'queued', meta: { session_id: session }, client_request_id: 'outbox-q-1' });
    outbox.collect();
    const local = core.turns.getTurnById(retried.meta.user_turn_id)!;
    const long = core.store.sqlite.prepare(`SELECT id FROM turn WHERE content = 'long'`).pluck().get() as string;
    expect(waiting.parent_id).toBe(long);
    expect(local.parent_id).not.toBe(long);
    const entries = outbox.pending(100);
    const sent = entries.find((e) => e.item_id === local.id)!.payload;
    expect({ parent_id: sent.parent_id, created_at: sent.created_at }).toEqual({ parent_id: local.parent_id, created_at: local.created_at });
    // In the hub's order, as on the branch: the message after the answer it follows.
    const order = entries.map((e) => e.item_id);
    expect(order.indexOf(local.id)).toBeGreaterThan(order.indexOf(local.parent_id!));
  });

  test('what the hub holds of a session: sharedAt once a turn or a hand-in carrying it is acknowledged; GET /sessions/{id}?include=hub_shared_at says so, a plain GET does not look', async () => {
    const core = await setupCore();
    const db = testWrites(core.store);
    seed(db);
    const mine = `UPDATE session SET user_id = '${TEST_CALLER.user_id}'`;
    db.prepare(mine).run();
    let now = 100;
    const outbox = new Outbox(core.store, { now: () => now });
    const sharedAt = async (id: string) => {
      const envelope = await dispatch(core, 'getSession', TEST_CALLER, { id, include: 'hub_shared_at' }, { validateOutput: true });
      expect(envelope.ok).toBe(true);
      return (envelope.body as { hub_shared_at?: number }).hub_shared_at;
    };
    const plainRead = async (id: string) => ((await dispatch(core, 'getSession', TEST_CALLER, { id }, { validateOutput: true })).body as { hub_shared_at?: number }).hub_shared_at;
    outbox.collect();
    // Collected, not yet acknowledged: the teacher has nothing yet.
    expect(outbox.sharedAt('s_hw')).toBeNull();
    await expect(sharedAt('s_hw')).resolves.toBeUndefined();
    now = 200;
    outbox.ack(['s_hw_1']);
    expect(outbox.sharedAt('s_hw')).toBe(200);
    await expect(sharedAt('s_hw')).resolves.toBe(200);
    // The chat reads the session after every message: that read leaves the outbox alone.
    await expect(plainRead('s_hw')).resolves.toBeUndefined();
    // Never shared (a practice chat, a private assignment): nothing, whatever else was acknowledged.
    now = 300;
    outbox.ack(outbox.pending(100).map((e) => e.item_id));
    expect(outbox.sharedAt('s_hw')).toBe(300);
    await expect(sharedAt('s_chat')).resolves.toBeUndefined();
    await expect(sharedAt('s_private_hw')).resolves.toBeUndefined();
    // A hand-in to a hub assignment carries its sessions, the private one too: once the hub has it, so does the teacher.
    db.prepare(`UPDATE assignment SET meta = '{"hub_class_id":"c1"}' WHERE id = 'private'`).run();
    db.prepare(
      `INSERT INTO submission (id, assignment_id, user_id, status, session_ids, answer, ai_note, bundle, bundle_hash, submitted_at, source, created_at, updated_at, meta)
       VALUES ('sub1', 'private', ?, 'submitted', '["s_private_hw"]', '', '', '{}', 'h1', 1, 'server', 1, 1, '{}')`,
    ).run(TEST_CALLER.user_id);
    expect(outbox.collectHandins()).toBe(1);
    expect(outbox.sharedAt('s_private_hw')).toBeNull();
    now = 400;
    outbox.ack(outbox.pendingHandins().map((e) => e.item_id));
    expect(outbox.sharedAt('s_private_hw')).toBe(400);
    await expect(sharedAt('s_private_hw')).resolves.toBe(400);
    await expect(sharedAt('s_chat')).resolves.toBeUndefined();
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
