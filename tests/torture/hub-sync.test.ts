// Sync torture: the hub vanishing mid-push (a child process that exits after committing, before
// answering), duplicate and concurrent pushes, three devices of one student, a week offline (a
// fake clock in the client, no sleeps), a device revoked mid-sync, a tampered chain, clock skew.
// Every scenario ends with the hub holding each shared turn exactly once. PostgreSQL when
// installed (a throwaway cluster), else the SQLite hub.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { Store } from '../../src/main/core/db/connection.ts';
import { openPgHub, openSqliteHub, sql } from '../../src/main/core/hub/sql.ts';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { HubStore } from '../../src/main/core/hub/store.ts';
import { BACKOFF_MAX_MS, SyncClient } from '../../src/main/core/sync/client.ts';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { createDatabase, startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup, openTempStore, tempDir, testWrites } from '../support/temp.ts';
import { hubTeacher } from '../support/hub.ts';
import { setupCore } from '../support/core.ts';
import { MemorySecretStore } from '../support/http.ts';
import type { Caller } from '../../src/main/core/caller.ts';

const postgres = requirePackage('postgresql');
// HUB_TORTURE_DB=sqlite runs these on the SQLite hub even where PostgreSQL is installed.
const kind: 'pg' | 'sqlite' = postgres.skip || process.env.HUB_TORTURE_DB === 'sqlite' ? 'sqlite' : 'pg';
let server: PgServer | null = null;
beforeAll(async () => {
  if (kind === 'pg') server = await startPostgres();
});
afterAll(() => server?.stop());

const DAY = 86_400_000;

/** A fresh hub database: its location, and a store on it for the test's own setup and checks. */
async function hubDatabase(): Promise<{ where: string; store: HubStore }> {
  const where = kind === 'pg' ? await createDatabase(server!) : path.join(tempDir(), 'hub.db');
  const store = new HubStore(kind === 'pg' ? await openPgHub(where) : openSqliteHub(where));
  onCleanup(() => void store.close());
  return { where, store };
}

async function startChild(where: string, fault?: 'exit-after-push' | 'exit-after-handin'): Promise<{ url: string; child: ChildProcess; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, '../support/hub-child.ts'), kind, where, ...(fault ? [fault] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onCleanup(() => child.kill('SIGKILL'));
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) return { url: (JSON.parse(line) as { url: string }).url, child, exited };
  throw new Error('the hub child exited before listening');
}

/** A class with one student, joined over HTTP the way a laptop does; the student's first token. */
async function classAndStudent(store: HubStore, url: string) {
  const teacher = await hubTeacher(store);
  const klass = await store.createClass(teacher.caller, '高一（2）班');
  const hw = await store.upsertAssignment(teacher.caller, { id: 'hw_week', class_id: klass.id, title: '函数', description: null, due_at: null, policy: { share_sessions: true } });
  const response = await fetch(`${url}${HUB_PREFIX}/join`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code: klass.code, name: '陈同学', device_name: 'laptop 1' }),
  });
  expect(response.status).toBe(201);
  const joined = (await response.json()) as { token: string; user_id: string; device_id: string };
  return { teacher, klass, hw, ...joined };
}

/** A desktop: its own SQLite store with the assignment (pulled or imported), and sessions of turns. */
function desktop(): { store: Store; addSession: (opts: { assignment_id?: string | null; turns: number; at: number; share?: boolean }) => string } {
  const store = openTempStore();
  const writes = testWrites(store);
  writes
    .prepare(`INSERT OR IGNORE INTO assignment (id, title, created_at, meta) VALUES ('hw_week', '函数', 0, json_object('policy', json_object('share_sessions', json('true'))))`)
    .run();
  return {
    store,
    addSession: ({ assignment_id = 'hw_week', turns, at, share = false }) => {
      const id = uuidv7();
      writes
        .prepare(`INSERT INTO session (id, user_id, assignment_id, mode, started_at, policy_snapshot, meta) VALUES (?, 'u', ?, 'homework', ?, '{}', ?)`)
        .run(id, assignment_id, at, JSON.stringify(share ? { share_with_teacher: true } : {}));
      const insert = writes.prepare(`INSERT INTO turn (id, session_id, role, content, model, created_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?)`);
      for (let i = 0; i < turns; i++)
        insert.run(
          uuidv7(),
          id,
          i % 2 ? 'assistant' : 'user',
          i % 2 ? `提示：先想想定义域（${i}）` : `第${i}个问题`,
          i % 2 ? 'test-model' : null,
          at + i * 1000,
          JSON.stringify(i % 2 ? { hint_level: 2, status: 'complete' } : {}),
        );
      return id;
    },
  };
}

async function hubTurnCount(store: HubStore): Promise<{ turns: number; distinct: number }> {
  const rows = await store.db.all<{ turns: number; distinct: number }>(sql`SELECT count(*) AS turns, count(DISTINCT id) AS "distinct" FROM hub_turn`);
  return { turns: Number(rows[0]!.turns), distinct: Number(rows[0]!.distinct) };
}

describe(`hub sync torture on ${kind === 'pg' ? 'PostgreSQL' : `SQLite${postgres.note}`}`, () => {
  test('the hub vanishes after storing a push and before answering: the retry stores nothing twice', async () => {
    const { where, store } = await hubDatabase();
    let hub = await startChild(where, 'exit-after-push');
    const { token } = await classAndStudent(store, hub.url);
    const laptop = desktop();
    laptop.addSession({ turns: 6, at: 1_800_000_000_000 });
    let now = 1_800_000_100_000;
    const client = new SyncClient({ store: laptop.store, hubUrl: hub.url, token, now: () => now, random: () => 0 });

    expect((await client.sync()).status).toBe('offline');
    await hub.exited;
    expect(await hubTurnCount(store)).toEqual({ turns: 6, distinct: 6 }); // committed, never answered
    expect(client.outbox.counts()).toEqual({ pending: 6, acked: 0 });
    expect(client.state.next_attempt_at).toBe(now + 2_000);

    hub = await startChild(where);
    const retrying = new SyncClient({ store: laptop.store, hubUrl: hub.url, token, now: () => now, random: () => 0 });
    now += 2_000;
    const report = await retrying.sync();
    expect(report).toMatchObject({ status: 'synced', pushed: 0, duplicates: 6, pending: 0 });
    expect(await hubTurnCount(store)).toEqual({ turns: 6, distinct: 6 });
  });

  test('duplicate and concurrent pushes of the same turns store them once', async () => {
    const { store } = await hubDatabase();
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const { token } = await classAndStudent(store, hub.url);
    const laptop = desktop();
    laptop.addSession({ turns: 10, at: 1_800_000_000_000 });
    const client = new SyncClient({ store: laptop.store, hubUrl: hub.url, token });
    client.outbox.collect();
    // The same push, five times at once, as a retry storm would send it.
    const body = JSON.stringify({
      sessions: [
        {
          id: client.outbox.pending(1)[0]!.session_id,
          assignment_id: 'hw_week',
          mode: 'homework',
          started_at: 1_800_000_000_000,
          meta: {},
          turns: client.outbox.pending(100).map((e) => {
            const { session_id: _s, ...t } = e.payload;
            return { ...t, prev_hash: e.prev_hash, hash: e.hash };
          }),
        },
      ],
    });
    const push = () => fetch(`${hub.url}${HUB_PREFIX}/sync/push`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body });
    const answers = await Promise.all([push(), push(), push(), push(), push()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const results = (await Promise.all(answers.map((a) => a.json()))) as { sessions: { stored: string[]; duplicate: string[] }[] }[];
    expect(results.reduce((n, r) => n + r.sessions[0]!.stored.length, 0)).toBe(10);
    expect(await hubTurnCount(store)).toEqual({ turns: 10, distinct: 10 });
    expect(await client.sync({ force: true })).toMatchObject({ status: 'synced', pushed: 0, duplicates: 10, pending: 0 });
  });

  test('three devices of one student: every session arrives, under one student', async () => {
    const { store } = await hubDatabase();
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const { token, user_id, teacher, klass } = await classAndStudent(store, hub.url);
    const tokens = [token];
    for (const name of ['desktop at home', 'tablet']) {
      const r = await fetch(`${hub.url}${HUB_PREFIX}/devices`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(r.status).toBe(201);
      tokens.push(((await r.json()) as { token: string }).token);
    }
    const laptops = tokens.map((t, i) => {
      const d = desktop();
      d.addSession({ turns: 4 + i, at: 1_800_000_000_000 + i * DAY });
      d.addSession({ assignment_id: null, turns: 3, at: 1_800_000_000_000 }); // a practice chat: never shared
      d.addSession({ assignment_id: null, turns: 2, at: 1_800_000_000_000, share: true }); // opted in
      return new SyncClient({ store: d.store, hubUrl: hub.url, token: t });
    });
    const reports = await Promise.all(laptops.map((c) => c.sync()));
    expect(reports.map((r) => r.pushed)).toEqual([6, 7, 8]);
    expect(await hubTurnCount(store)).toEqual({ turns: 21, distinct: 21 });
    expect(await store.overview(teacher.caller, klass.id)).toMatchObject([{ user_id, sessions: 6, turns: 21 }]);
  });

  test('a week offline, then back: backoff grows to its ceiling, then everything arrives exactly once', async () => {
    const { store } = await hubDatabase();
    // The hub exists (the student joined at school) but is unreachable from home all week.
    const hub = await startHubServer({ store, port: 0 });
    const { token } = await classAndStudent(store, hub.url);
    const url = hub.url;
    await hub.close();
    const laptop = desktop();
    let now = 1_800_000_000_000;
    const client = new SyncClient({ store: laptop.store, hubUrl: url, token, now: () => now, random: () => 0, batch: 25 });
    const delays: number[] = [];
    for (let day = 0; day < 7; day++) {
      laptop.addSession({ turns: 20, at: now });
      // Every hour the app would try; only due attempts reach the network.
      for (let hour = 0; hour < 24; hour++) {
        now += 3_600_000;
        const r = await client.sync();
        if (r.status === 'offline') delays.push(client.state.next_attempt_at - now);
      }
    }
    expect(delays.slice(0, 3)).toEqual([2_000, 4_000, 8_000]); // tried each hour while due, the backoff doubling
    expect(Math.max(...delays)).toBe(BACKOFF_MAX_MS);
    expect(client.outbox.counts()).toEqual({ pending: 140, acked: 0 });

    const back = await startHubServer({ store, port: Number(new URL(url).port) });
    onCleanup(() => void back.close());
    now += BACKOFF_MAX_MS;
    const report = await client.sync();
    expect(report).toMatchObject({ status: 'synced', pushed: 140, duplicates: 0, pending: 0 });
    expect(await hubTurnCount(store)).toEqual({ turns: 140, distinct: 140 });
    // Client times are kept as data; the hub stamped its own.
    const times = await store.db.all<{ min: number; max: number }>(sql`SELECT min(created_at) AS min, max(created_at) AS max FROM hub_turn`);
    expect(Number(times[0]!.max) - Number(times[0]!.min)).toBeGreaterThan(6 * DAY);
  });

  test('a device revoked mid-sync: the push stops with device_revoked, nothing is lost or duplicated', async () => {
    const { store } = await hubDatabase();
    let deviceId = '';
    let pushes = 0;
    const hub = await startHubServer({
      store,
      port: 0,
      // The teacher revokes the laptop while its second batch is on the way.
      onPushStored: async () => {
        if (++pushes === 1) await store.db.run(sql`UPDATE hub_device SET revoked_at = 1 WHERE id = ${deviceId}`);
      },
    });
    onCleanup(() => void hub.close());
    const joined = await classAndStudent(store, hub.url);
    deviceId = joined.device_id;
    const laptop = desktop();
    laptop.addSession({ turns: 30, at: 1_800_000_000_000 });
    const client = new SyncClient({ store: laptop.store, hubUrl: hub.url, token: joined.token, batch: 10 });
    const report = await client.sync();
    expect(report.status).toBe('revoked');
    expect(client.state.last_error?.code).toBe('device_revoked');
    expect(report.pushed).toBe(10);
    expect(client.outbox.counts()).toEqual({ pending: 20, acked: 10 });
    expect(await hubTurnCount(store)).toEqual({ turns: 10, distinct: 10 });
    expect((await client.sync({ force: true })).status).toBe('revoked'); // it does not hammer the hub
    // A new device for the same student (the teacher re-admits them) sends the rest, once.
    const again = await store.issueDevice(joined.user_id, 'laptop, re-admitted');
    const resumed = new SyncClient({ store: laptop.store, hubUrl: hub.url, token: again.token, batch: 10 });
    expect(await resumed.sync()).toMatchObject({ status: 'synced', pushed: 20, pending: 0 });
    expect(await hubTurnCount(store)).toEqual({ turns: 30, distinct: 30 });
  });

  test('a chain changed after it was shared is refused with chain_broken; other sessions still arrive; clock skew is data', async () => {
    const { store } = await hubDatabase();
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const { token } = await classAndStudent(store, hub.url);
    const laptop = desktop();
    const tampered = laptop.addSession({ turns: 4, at: 1_800_000_000_000 });
    // This laptop's clock runs three hours ahead of the hub's.
    const skewed = laptop.addSession({ turns: 2, at: Date.now() + 3 * 3_600_000 });
    const client = new SyncClient({ store: laptop.store, hubUrl: hub.url, token });
    client.outbox.collect();
    // Someone edits a shared reply in the outbox itself (after it was chained).
    testWrites(laptop.store)
      .prepare(
        `UPDATE sync_outbox SET payload = json_set(payload, '$.content', '改过的答案') WHERE seq = (SELECT seq FROM sync_outbox WHERE session_id = ? ORDER BY seq LIMIT 1 OFFSET 1)`,
      )
      .run(tampered);
    const before = Date.now();
    const report = await client.sync();
    expect(report.pushed).toBe(2);
    expect(client.state.refused[tampered]).toMatch(/^chain_broken: /);
    expect(await hubTurnCount(store)).toEqual({ turns: 2, distinct: 2 });
    const rows = await store.db.all<{ created_at: number; received_at: number }>(sql`SELECT created_at, received_at FROM hub_turn WHERE session_id = ${skewed}`);
    for (const r of rows) {
      expect(Number(r.created_at)).toBeGreaterThan(Number(r.received_at) + 2 * 3_600_000);
      expect(Number(r.received_at)).toBeGreaterThanOrEqual(before);
    }
  });

  test('a hand-in: the hub vanishes after filing it, the retry files nothing twice, a tampered copy is refused, the grade comes down', async () => {
    const { where, store } = await hubDatabase();
    let hub = await startChild(where, 'exit-after-handin');
    const { token, teacher, hw } = await classAndStudent(store, hub.url);
    // A real laptop: it pulls the assignment, works on it and hands in (signed bundle).
    const laptop = await setupCore({ core: { secrets: new MemorySecretStore() } });
    const user = laptop.users.createUser('陈同学', 'student');
    const student: Caller = { user_id: user.id, role: 'student', name: user.name };
    let now = 1_800_000_000_000;
    const client = new SyncClient({ store: laptop.store, hubUrl: hub.url, token, now: () => now, random: () => 0 });
    // The first round finds the hub; it pulls the assignment (and nothing to push yet).
    expect((await client.sync()).pulled.assignments).toBe(1);
    await laptop.proxy.send(student, { message: '函数的定义域是什么？', mode: 'homework', assignment_id: hw.id });
    const draft = await laptop.handin.create(student, hw.id, { answer: 'x ≥ 0' });
    const submitted = await laptop.handin.submit(student, draft.id);

    expect((await client.sync({ force: true })).status).toBe('offline'); // filed, never answered
    await hub.exited;
    const count = async () => Number((await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_handin`))[0]!.n);
    expect(await count()).toBe(1);
    expect(client.outbox.pendingHandins()).toHaveLength(1);

    hub = await startChild(where);
    const retrying = new SyncClient({ store: laptop.store, hubUrl: hub.url, token, now: () => now, random: () => 0 });
    now += 2_000;
    expect(await retrying.sync()).toMatchObject({ status: 'synced', handins: 1, pending: 0 });
    expect(await count()).toBe(1);

    // A copy changed on the way (its answer rewritten): refused with a stable code, nothing filed over the real one.
    const text = laptop.handin.submissions.bundleText(submitted.id)!;
    const changed = text.replace('"answer":"x ≥ 0"', '"answer":"x > 0"');
    expect(changed).not.toBe(text);
    const refused = await fetch(`${hub.url}${HUB_PREFIX}/sync/handins`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: changed });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ code: 'bundle_invalid', issues: [{ path: 'signature_invalid' }] });
    const rows = await store.db.all<{ id: string; bundle: string }>(sql`SELECT id, bundle FROM hub_handin`);
    expect(rows.map((r) => r.bundle)).toEqual([text]);

    // The teacher grades on the hub; the next round brings it to the laptop.
    await store.returnHandin(teacher.caller, rows[0]!.id, { score: 88, feedback: '定义域写对了。' });
    now += 60_000;
    expect((await retrying.sync()).pulled.grades).toBe(1);
    expect(laptop.handin.listMine(student)[0]).toMatchObject({ id: submitted.id, status: 'returned', score: 88, feedback: '定义域写对了。' });
  });
});
