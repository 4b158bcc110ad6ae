// A Studylog used by more than one student (`studylog serve` with students' API tokens) and a class
// hub: a hub device token is one student's identity, so such an installation cannot join (the hub
// issues nothing), no student token can be made while joined, and — whatever is in the local
// database or the outbox — only the joined owner's shared items go to the hub under that token,
// never another local student's — also when the student's token is made while the join is on its
// way to the hub. Real HTTP both ways; the hub on PostgreSQL when installed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { sql } from '../../src/main/core/hub/sql.ts';
import { HUB_TOKEN_ACCOUNT, HubLink } from '../../src/main/core/sync/link.ts';
import { Outbox } from '../../src/main/core/sync/outbox.ts';
import { hubTeacher, openHub } from '../support/hub.ts';
import { startApi } from '../support/http.ts';
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

describe(`a Studylog shared by several students and a class hub (${kind === 'pg' ? 'PostgreSQL' : `SQLite${postgres.note}`})`, () => {
  test('two local students: joining is refused, no student is added while joined, and one student’s items never go under the other’s identity', async () => {
    const store = await openHub(kind, server);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（5）班');
    await store.upsertAssignment(teacher.caller, { id: 'hw_shared', class_id: klass.id, title: '分享的作业', description: null, due_at: null, policy: { share_sessions: true } });
    const devices = async () => Number((await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_device`))[0]!.n);
    const before = await devices();

    const api = await startApi();
    onCleanup(() => void api.close());
    const other = api.token('student', '李四');
    const join = () => api.api('POST', '/hub/join', { body: { hub_url: hub.url, code: klass.code, name: '王小明' } });

    // Another student uses this Studylog: joining is refused before the hub issues anything.
    const refused = await join();
    expect([refused.status, (refused.json as { code: string }).code]).toEqual([409, 'hub_shared_install']);
    expect((refused.json as { detail: string }).detail).toContain('李四');
    expect(await devices()).toBe(before);

    // Their token revoked, the owner joins (and the first round pulls the hub's assignment).
    api.core.users.revokeToken(other.token_id);
    expect((await join()).json).toMatchObject({ joined: true, last_error: null });
    expect(api.core.assignments.get('hw_shared')).toMatchObject({ title: '分享的作业' });

    // While joined, no token for another student (a new one, or the old student again); the owner's and a teacher's are fine.
    expect((await api.api('POST', '/tokens', { body: { name: '赵六', role: 'student' } })).json).toMatchObject({ code: 'hub_shared_install' });
    expect((await api.api('POST', '/tokens', { body: { name: 'again', user_id: other.user_id } })).json).toMatchObject({ code: 'hub_shared_install' });
    expect((await api.api('POST', '/tokens', { body: { name: 'scripts', user_id: api.core.owner.id } })).status).toBe(200);
    expect((await api.api('POST', '/tokens', { body: { name: '陈老师', role: 'teacher' } })).status).toBe(200);

    // Both local users work on the hub's shared assignment (the other student's session as if made
    // before the join); an old version's outbox may even hold the other student's turns already.
    await api.core.proxy.send({ user_id: api.core.owner.id, role: 'admin' }, { message: '我的问题', mode: 'homework', assignment_id: 'hw_shared' });
    await api.core.proxy.send({ user_id: other.user_id, role: 'student' }, { message: '李四的问题', mode: 'homework', assignment_id: 'hw_shared' });
    expect(new Outbox(api.core.store).collect()).toBe(4);

    const synced = await api.api('POST', '/hub/sync');
    expect(synced.json).toMatchObject({ pending: 0, last_error: null });
    const onHub = await store.db.all<{ content: string; user_id: string }>(sql`SELECT content, user_id FROM hub_turn ORDER BY created_at, id`);
    expect(onHub.map((t) => t.content)).toEqual(['我的问题', expect.any(String)]);
    expect(JSON.stringify(onHub)).not.toContain('李四的问题');
    expect(new Set(onHub.map((t) => t.user_id)).size).toBe(1);
    expect(await store.overview(teacher.caller, klass.id)).toMatchObject([{ name: '王小明', sessions: 1, turns: 2 }]);
  });

  test('a student token made while the hub answers the join: the link is not stored, the token leaves the keychain and is revoked on the hub', async () => {
    const store = await openHub(kind, server);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（6）班');
    const api = await startApi();
    onCleanup(() => void api.close());
    // The real hub answers; when its answer to the join arrives, another student's token is made
    // (the window between the check before the round trip and the write after it).
    let made = false;
    const link = new HubLink({
      store: api.core.store,
      secrets: api.secrets,
      ownerId: api.core.owner.id,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/join')) {
          api.core.users.createToken({ name: '李四', role: 'student' });
          made = true;
        }
        return response;
      },
    });
    await expect(link.join({ hub_url: hub.url, code: klass.code, name: '王小明' })).rejects.toMatchObject({ code: 'hub_shared_install' });
    expect(made).toBe(true);
    expect(link.status().joined).toBe(false);
    expect(api.core.hub.status().joined).toBe(false);
    // No hub token is left in the keychain under any account (each link has its own).
    expect([...api.secrets.secrets.keys()].filter((account) => account.startsWith(HUB_TOKEN_ACCOUNT))).toEqual([]);
    // The hub issued a device for the join; it is revoked, so no working token is left anywhere.
    const devices = await store.db.all<{ revoked_at: number | null }>(sql`SELECT d.revoked_at FROM hub_device d JOIN hub_user u ON u.id = d.user_id WHERE u.role = 'student'`);
    expect(devices).toHaveLength(1);
    expect(devices[0]!.revoked_at).not.toBeNull();
  });
});
