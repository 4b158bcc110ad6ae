// A laptop joins a class from Settings (the desktop API's joinHub, with the QR code's content),
// keeps its device token in the keychain, and its serving process syncs in the background: a
// shared homework session arrives on the hub without anyone running `studylog sync`. The state
// reads in words (last success, pending, last error), "sync now" works, a hub gone offline shows
// as hub_unreachable, and closing the core stops the timer. On a real PostgreSQL hub when
// installed (support/postgres.ts), else on the SQLite hub.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { sql } from '../../src/main/core/hub/sql.ts';
import type { HubStore } from '../../src/main/core/hub/store.ts';
import { HUB_TOKEN_ACCOUNT } from '../../src/main/core/sync/link.ts';
import type { HubLinkStatus } from '../../src/shared/api/hub.ts';
import { CLASS_QR_PREFIX } from '../../src/shared/hub-text.ts';
import { hubTeacher, openHub } from '../support/hub.ts';
import { startApi, type ApiFixture } from '../support/http.ts';
import { startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
const kind: 'pg' | 'sqlite' = postgres.skip ? 'sqlite' : 'pg';
let server: PgServer | null = null;
beforeAll(async () => {
  if (kind === 'pg') server = await startPostgres();
});
afterAll(() => server?.stop());

/** Resolves at the end of the first background round after which `done` holds (no sleeping: each round reports). */
function roundUntil(api: ApiFixture, done: (status: HubLinkStatus) => boolean | Promise<boolean>): Promise<HubLinkStatus> {
  return new Promise((resolve) => {
    const stop = api.core.hub.onRound((status) => {
      void (async () => {
        if (await done(status)) {
          stop();
          resolve(status);
        }
      })();
    });
  });
}

async function hubTurns(store: HubStore): Promise<number> {
  return Number((await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_turn`))[0]!.n);
}

describe(`joining a class hub from the desktop, and the background sync (${kind === 'pg' ? 'PostgreSQL' : `SQLite${postgres.note}`})`, () => {
  test('a joined laptop’s shared session arrives on the hub without `studylog sync`; the state reads in words', async () => {
    const store = await openHub(kind, server);
    onCleanup(() => void store.close());
    let hub = await startHubServer({ store, port: 0 });
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.upsertAssignment(teacher.caller, { id: 'hw_hub', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: { share_sessions: true } });
    // The serving process, with a short interval for the test (the app's is a minute).
    const api = await startApi({ core: { hubSync: 100 } });
    onCleanup(() => void api.close());

    expect((await api.api('GET', '/hub/link')).json).toMatchObject({ joined: false, background: true, pending: 0 });
    // A student cannot join this laptop to a class: the owner's Settings only.
    const student = api.token('student', '小明');
    expect((await api.api('POST', '/hub/join', { token: student.token, body: { hub_url: hub.url, code: klass.code, name: '王小明' } })).status).toBe(403);
    // (And while that student's token works, this Studylog is shared: tests/integration/hub-shared-install.test.ts.)
    api.core.users.revokeToken(student.token_id);

    const joined = await api.api('POST', '/hub/join', { body: { hub_url: `${hub.url}/`, code: ` ${CLASS_QR_PREFIX}${klass.code.toLowerCase()} `, name: '王小明' } });
    expect(joined.status).toBe(200);
    expect(joined.json).toMatchObject({ joined: true, class_name: '初二（3）班', student_name: '王小明', hub_url: hub.url, last_error: null });
    expect((joined.json as HubLinkStatus).last_success_at).toBeGreaterThan(0);
    // The token is in the keychain under this link's own account (hub:device-token:<device id>), and nowhere in the database.
    const device = await store.db.all<{ id: string }>(sql`SELECT d.id FROM hub_device d JOIN hub_user u ON u.id = d.user_id WHERE u.role = 'student'`);
    expect(device).toHaveLength(1);
    const token = api.secrets.secrets.get(`${HUB_TOKEN_ACCOUNT}:${device[0]!.id}`)!;
    expect(token).toMatch(/^slh_/);
    api.core.store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path.join(api.dataDir, 'studylog.db')).includes(Buffer.from(token.slice(-20)))).toBe(false);
    // The first round pulled the class's assignment.
    expect(api.core.assignments.get('hw_hub')).toMatchObject({ title: '一次函数' });

    // The student works; nobody syncs by hand: a background round brings it to the hub.
    const arrived = roundUntil(api, async () => (await hubTurns(store)) === 2);
    await api.core.proxy.send({ user_id: api.core.owner.id, role: 'admin' }, { message: '斜率是什么？', mode: 'homework', assignment_id: 'hw_hub' });
    const status = await arrived;
    expect(status).toMatchObject({ pending: 0, last_error: null, background: true });
    expect(await store.overview(teacher.caller, klass.id)).toMatchObject([{ name: '王小明', sessions: 1, turns: 2 }]);

    // The hub goes away: the next round says so in the state, and the new turns wait.
    const port = Number(new URL(hub.url).port);
    await hub.close();
    const offline = roundUntil(api, (s) => s.last_error?.code === 'hub_unreachable');
    await api.core.proxy.send({ user_id: api.core.owner.id, role: 'admin' }, { message: '截距呢？', mode: 'homework', assignment_id: 'hw_hub' });
    expect(await offline).toMatchObject({ pending: 2, last_error: { code: 'hub_unreachable' } });
    expect((await api.api('GET', '/hub/link')).json).toMatchObject({ pending: 2, last_error: { code: 'hub_unreachable' } });

    // Back on the same address: "Sync now" does not wait for the backoff.
    hub = await startHubServer({ store, port });
    onCleanup(() => void hub.close());
    const now = await api.api('POST', '/hub/sync');
    expect(now.json).toMatchObject({ pending: 0, last_error: null, next_attempt_at: null });
    expect(await hubTurns(store)).toBe(4);

    // Closing stops the background sync.
    api.core.hub.stop();
    expect(api.core.hub.status().background).toBe(false);
    // Leaving deletes the token from the keychain; what was sent stays sent.
    expect((await api.api('DELETE', '/hub/link')).json).toMatchObject({ joined: false, pending: 0 });
    expect([...api.secrets.secrets.keys()].filter((account) => account.startsWith(HUB_TOKEN_ACCOUNT))).toEqual([]);
  });

  test('with a join code the name is optional and the roster’s wins (said so); with the class code alone it is needed, and said to be the typed one', async () => {
    const store = await openHub(kind, server);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const open = await store.createClass(teacher.caller, '初二（5）班');
    const listed = await store.createClass(teacher.caller, '初二（3）班');
    const { codes } = await store.importRoster(teacher.caller, listed.id, '学号,姓名\n2024001,欧阳小明\n2024002,李华\n');
    const [ouyang, lihua] = codes as [(typeof codes)[0], (typeof codes)[0]];

    // No name typed, the student's own join code: the link keeps the roster's name, and says it is the roster's.
    const first = await startApi();
    onCleanup(() => void first.close());
    const joined = await first.api('POST', '/hub/join', { body: { hub_url: hub.url, code: listed.code, student_no: '2024001', join_code: ouyang.join_code } });
    expect(joined.status, joined.text).toBe(200);
    expect(joined.json).toMatchObject({ joined: true, class_name: '初二（3）班', student_name: '欧阳小明', name_from_roster: true });
    // A nickname typed anyway: the roster's name is kept (the teacher's name for the student).
    const second = await startApi();
    onCleanup(() => void second.close());
    const nick = await second.api('POST', '/hub/join', { body: { hub_url: hub.url, code: listed.code, name: '小李', student_no: '2024002', join_code: lihua.join_code } });
    expect(nick.json).toMatchObject({ joined: true, student_name: '李华', name_from_roster: true });
    const names = await store.db.all<{ name: string }>(sql`SELECT name FROM hub_user WHERE role = 'student' ORDER BY name`);
    expect(names.map((n) => n.name)).toEqual(['李华', '欧阳小明']);

    // With the class code alone the name is needed: refused by the hub, naming the field, and nothing issued.
    const third = await startApi();
    onCleanup(() => void third.close());
    const nameless = await third.api('POST', '/hub/join', { body: { hub_url: hub.url, code: open.code } });
    expect(nameless.json).toMatchObject({ code: 'validation_error', issues: [{ path: 'name' }] });
    expect((await third.api('GET', '/hub/link')).json).toMatchObject({ joined: false });
    // Given, it is the one kept, and not said to be the roster's.
    const typed = await third.api('POST', '/hub/join', { body: { hub_url: hub.url, code: open.code, name: '王五' } });
    expect(typed.json).toMatchObject({ joined: true, class_name: '初二（5）班', student_name: '王五', name_from_roster: false });
  });

  test('joining needs the keychain (checked before the hub issues a token), a known class code and a hub at the address', async () => {
    const store = await openHub(kind, server);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（4）班');
    const devices = async () => Number((await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_device`))[0]!.n);
    const before = await devices();

    const noKeychain = await startApi({ core: { secrets: null } });
    onCleanup(() => void noKeychain.close());
    const refused = await noKeychain.api('POST', '/hub/join', { body: { hub_url: hub.url, code: klass.code, name: '李四' } });
    expect(refused.json).toMatchObject({ code: 'keychain_unavailable' });
    expect(await devices()).toBe(before);

    const api = await startApi();
    onCleanup(() => void api.close());
    expect((await api.api('POST', '/hub/join', { body: { hub_url: hub.url, code: 'ZZZZ2345', name: '李四' } })).json).toMatchObject({ code: 'not_found' });
    expect((await api.api('POST', '/hub/join', { body: { hub_url: 'http://127.0.0.1:9', code: klass.code, name: '李四' } })).json).toMatchObject({ code: 'hub_unreachable' });
    expect((await api.api('POST', '/hub/join', { body: { hub_url: 'hub.school.lan', code: klass.code, name: '李四' } })).json).toMatchObject({ code: 'validation_error' });
    expect((await api.api('POST', '/hub/sync')).json).toMatchObject({ code: 'conflict' });
    expect(await devices()).toBe(before);
    expect((await api.api('GET', '/hub/link')).json).toMatchObject({ joined: false, background: false });
  });
});
