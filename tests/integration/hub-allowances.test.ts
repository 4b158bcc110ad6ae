// Allowance changes from the class hub are applied: a teacher sets a student's daily token
// allowance on the hub, the laptop pulls it, and the proxy refuses (daily_allowance_exhausted, the
// message kept, the provider never asked) once the day's tokens on that class's assignments are
// used — not on the laptop's own assignments. Raising it on the hub lets the next message through.
import { describe, expect, test } from 'vitest';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { startOfDay } from '../../src/main/core/learner-summary.ts';
import { hubDailyAllowance } from '../../src/main/core/sync/allowances.ts';
import { SyncClient } from '../../src/main/core/sync/client.ts';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import type { AssignmentStatus } from '../../src/shared/api/schemas.ts';
import { ApiError } from '../../src/shared/errors.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { hubTeacher, openHub } from '../support/hub.ts';
import { onCleanup } from '../support/temp.ts';

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('allowances from the class hub', () => {
  test('a daily allowance set on the hub limits the class’s assignments on the laptop; raised, the next message goes', async () => {
    const store = await openHub('sqlite', null);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.upsertAssignment(teacher.caller, { id: 'hw_hub', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: {} });
    const joined = await store.joinClass({ code: klass.code, name: '王小明', device_name: 'laptop' });

    const core = await setupCore();
    const client = new SyncClient({ store: core.store, hubUrl: hub.url, token: joined.token });
    expect((await client.sync()).pulled.assignments).toBe(1);
    // No allowance from the hub yet: no limit beyond the assignment's own.
    const status = async (id: string) => {
      const envelope = await dispatch(core, 'getAssignmentStatus', TEST_CALLER, { id }, { validateOutput: true });
      expect(envelope.ok).toBe(true);
      return envelope.body as AssignmentStatus;
    };
    await expect(status('hw_hub')).resolves.toMatchObject({ daily: null, exhausted: false });
    const first = await core.proxy.send(TEST_CALLER, { message: '斜率是什么？', mode: 'homework', assignment_id: 'hw_hub' });
    const used = core.turns.getTurnById(first.turn_id)!;
    const spent = used.tokens_in + used.tokens_out;
    expect(spent).toBeGreaterThan(0);

    // The teacher allows a little less than what was already used today.
    const set = await fetch(`${hub.url}${HUB_PREFIX}/allowances`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${teacher.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ class_id: klass.id, user_id: joined.user_id, daily_tokens: spent }),
    });
    expect(set.status).toBe(200);
    expect((await client.sync({ force: true })).pulled.allowances).toBe(1);
    // The assignment's status says so before a message is refused (the panel and the composer read it).
    await expect(status('hw_hub')).resolves.toMatchObject({ left: { tokens: null, cost: null }, daily: { tokens: spent, used: spent, left: 0 }, exhausted: true });
    await expect(status('hw_1')).resolves.toMatchObject({ daily: null, exhausted: false });
    const sent = core.chatRequests().length;
    const refused = await failure(core.proxy.send(TEST_CALLER, { message: '截距呢？', meta: { session_id: first.session_id } }));
    expect(refused).toMatchObject({ code: 'daily_allowance_exhausted', detail: expect.stringContaining(`${spent} of ${spent} tokens today`) });
    expect(core.chatRequests()).toHaveLength(sent);
    expect(core.turns.getTurnsBySessionId(first.session_id).at(-1)).toMatchObject({
      role: 'user',
      content: '截距呢？',
      meta: { status: 'failed', error: { code: 'daily_allowance_exhausted' } },
    });
    // A new session on the class's assignment too; the laptop's own assignment (not from the hub) is not limited.
    expect(await failure(core.proxy.send(TEST_CALLER, { message: '再问一次', mode: 'homework', assignment_id: 'hw_hub' }))).toMatchObject({ code: 'daily_allowance_exhausted' });
    await core.proxy.send(TEST_CALLER, { message: 'own homework', mode: 'homework', assignment_id: 'hw_1' });

    // Tomorrow the day's count starts again.
    const daily = hubDailyAllowance(core.store);
    const assignment = core.assignments.get('hw_hub')!;
    expect(daily(TEST_CALLER.user_id, assignment, Date.now())).toMatchObject({ daily_tokens: spent, used_today: spent, class_id: klass.id });
    expect(daily(TEST_CALLER.user_id, assignment, startOfDay(Date.now()) + 86_400_000 + 3_600_000)).toMatchObject({ used_today: 0 });
    expect(daily(TEST_CALLER.user_id, core.assignments.get('hw_1')!, Date.now())).toBeNull();

    // The teacher raises it: after the next sync the message goes.
    await store.setAllowance(teacher.caller, { class_id: klass.id, user_id: joined.user_id, daily_tokens: 100_000 });
    await client.sync({ force: true });
    await expect(status('hw_hub')).resolves.toMatchObject({ daily: { tokens: 100_000, used: spent, left: 100_000 - spent }, exhausted: false });
    const after = await core.proxy.send(TEST_CALLER, { message: '截距呢？', meta: { session_id: first.session_id } });
    expect(after.content.length).toBeGreaterThan(0);

    // 0 is the teacher's "no AI on this class's assignments": refused as the assignment's own, not "tomorrow".
    await store.setAllowance(teacher.caller, { class_id: klass.id, user_id: joined.user_id, daily_tokens: 0 });
    await client.sync({ force: true });
    await expect(status('hw_hub')).resolves.toMatchObject({ daily: { tokens: 0, left: 0 }, exhausted: true });
    expect(await failure(core.proxy.send(TEST_CALLER, { message: '还能问吗？', meta: { session_id: first.session_id } }))).toMatchObject({
      code: 'allowance_exhausted',
      detail: expect.stringContaining('turned AI off'),
    });
  });
});

describe('the class’s daily allowances over HTTP', () => {
  test('its teachers read and set each student’s (another class’s teacher and a student may not), sensible numbers only; cleared, the laptop has no daily limit', async () => {
    const store = await openHub('sqlite', null);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const call = async (method: string, route: string, token: string, body?: unknown) => {
      const response = await fetch(`${hub.url}${HUB_PREFIX}${route}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> & Record<number, Record<string, unknown>> };
    };
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.upsertAssignment(teacher.caller, { id: 'hw_hub', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: {} });
    const joined = await store.joinClass({ code: klass.code, name: '王小明', device_name: 'laptop' });
    await store.importRoster(teacher.caller, klass.id, '学号,姓名\n2024001,张三\n');
    const other = await hubTeacher(store, '赵老师');
    await store.createClass(other.caller, '初二（4）班');

    // Every student of the class, none set yet (the roster entry that has not joined too).
    const first = await call('GET', `/classes/${klass.id}/allowances`, teacher.token);
    expect(first.status).toBe(200);
    expect(first.json).toEqual([
      { user_id: expect.any(String), name: '张三', student_no: '2024001', daily_tokens: null, updated_at: null, used_today: 0 },
      { user_id: joined.user_id, name: '王小明', student_no: null, daily_tokens: null, updated_at: null, used_today: 0 },
    ]);
    expect(await call('GET', `/classes/${klass.id}/allowances`, other.token)).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await call('GET', `/classes/${klass.id}/allowances`, joined.token)).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    expect(await call('GET', `/classes/nope/allowances`, teacher.token)).toMatchObject({ status: 404, json: { code: 'not_found' } });
    const set = (token: string, daily_tokens: unknown, user_id = joined.user_id) => call('POST', '/allowances', token, { class_id: klass.id, user_id, daily_tokens });
    expect(await set(other.token, 5000)).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    // Not a whole number of tokens from 0 to a billion: refused naming the field, nothing stored.
    for (const bad of [-1, 2.5, '5000', 1e10]) {
      const refused = await set(teacher.token, bad);
      expect([refused.status, refused.json.code, (refused.json.issues as { path: string }[]).map((i) => i.path)]).toEqual([422, 'validation_error', ['daily_tokens']]);
    }
    expect((await call('GET', `/classes/${klass.id}/allowances`, teacher.token)).json[1]).toMatchObject({ daily_tokens: null });

    expect(await set(teacher.token, 5000)).toMatchObject({ status: 200, json: { daily_tokens: 5000 } });
    expect((await call('GET', `/classes/${klass.id}/allowances`, teacher.token)).json[1]).toMatchObject({ daily_tokens: 5000, updated_at: expect.any(Number) });

    const core = await setupCore();
    const client = new SyncClient({ store: core.store, hubUrl: hub.url, token: joined.token });
    await client.sync();
    const daily = hubDailyAllowance(core.store);
    expect(daily(TEST_CALLER.user_id, core.assignments.get('hw_hub')!, Date.now())).toMatchObject({ daily_tokens: 5000 });
    // Cleared: read back as none, and after its next sync the laptop applies no daily allowance.
    expect(await set(teacher.token, null)).toMatchObject({ status: 200, json: { daily_tokens: null } });
    expect((await call('GET', `/classes/${klass.id}/allowances`, teacher.token)).json[1]).toMatchObject({ daily_tokens: null, updated_at: expect.any(Number) });
    expect((await client.sync({ force: true })).pulled.allowances).toBe(1);
    expect(daily(TEST_CALLER.user_id, core.assignments.get('hw_hub')!, Date.now())).toBeNull();
  });
});

describe('assignments from the class hub', () => {
  test('never take over one of this laptop’s own with the same id (its hand-ins would go to the hub’s teacher)', async () => {
    const store = await openHub('sqlite', null);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.upsertAssignment(teacher.caller, { id: 'hw_local', class_id: klass.id, title: 'The hub’s', description: null, due_at: null, policy: { hint_ceiling: 5 } });
    await store.upsertAssignment(teacher.caller, { id: 'hw_new', class_id: klass.id, title: 'Only on the hub', description: null, due_at: null, policy: {} });
    const joined = await store.joinClass({ code: klass.code, name: '王小明', device_name: 'laptop' });

    const core = await setupCore();
    core.store.sqlite
      .prepare("INSERT INTO assignment (id, title, created_at, meta) VALUES ('hw_local', 'The laptop’s own', 1, ?)")
      .run(JSON.stringify({ policy: { hint_ceiling: 2 } }));
    const report = await new SyncClient({ store: core.store, hubUrl: hub.url, token: joined.token }).sync();
    expect(report.conflicts).toEqual([expect.stringContaining("assignment 'hw_local' exists on this computer")]);
    expect(core.assignments.get('hw_local')).toMatchObject({ title: 'The laptop’s own', policy: { hint_ceiling: 2 } });
    expect(core.assignments.get('hw_local')!.meta).not.toHaveProperty('hub_class_id');
    expect(core.assignments.get('hw_new')).toMatchObject({ title: 'Only on the hub', meta: { hub_class_id: klass.id } });
  });

  test('belong to the hub: nobody changes or deletes them here, and every sync sets a hand-edited copy back', async () => {
    // The hub's clock: moved on below so that the later pull brings nothing (the hub resends a few seconds back).
    let clock = Date.now();
    const store = await openHub('sqlite', null, () => clock);
    onCleanup(() => void store.close());
    const hub = await startHubServer({ store, port: 0 });
    onCleanup(() => void hub.close());
    const teacher = await hubTeacher(store);
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    const policy = { hint_ceiling: 2 as const, allowance: { tokens: 500 } };
    await store.upsertAssignment(teacher.caller, { id: 'hw_hub', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy });
    const joined = await store.joinClass({ code: klass.code, name: '王小明', device_name: 'laptop' });

    clock += 60_000;
    const core = await setupCore();
    const client = new SyncClient({ store: core.store, hubUrl: hub.url, token: joined.token });
    await client.sync();
    expect(core.assignments.get('hw_hub')).toMatchObject({ policy, meta: { hub_class_id: klass.id } });

    // The laptop's owner (an admin: a student on their own laptop) is refused, with its own code;
    // a student account (a shared install) may not change assignments at all.
    const owner = { user_id: 'owner', role: 'admin' as const, local_owner: true };
    const loosen = { id: 'hw_hub', policy: { hint_ceiling: 5, allowance: { tokens: 999_999 } } };
    expect(await dispatch(core, 'updateAssignment', owner, loosen)).toMatchObject({
      ok: false,
      body: { code: 'hub_managed', detail: expect.stringContaining('set by your teacher on the class hub') },
    });
    expect(await dispatch(core, 'deleteAssignment', owner, { id: 'hw_hub' })).toMatchObject({ ok: false, body: { code: 'hub_managed' } });
    expect(await dispatch(core, 'updateAssignment', TEST_CALLER, loosen)).toMatchObject({ ok: false, body: { code: 'forbidden' } });
    // Nor through a file import with its id.
    const imported = await dispatch(core, 'importAssignments', owner, { assignments: [{ id: 'hw_hub', title: 'mine now', policy: { hint_ceiling: 5 } }] });
    expect(imported).toMatchObject({ ok: true, body: { imported: 0, updated: 0, errors: [{ index: 0, detail: expect.stringContaining('class hub') }] } });
    expect(core.assignments.get('hw_hub')).toMatchObject({ title: '一次函数', policy });

    // The database edited by hand: the next sync (nothing changed on the hub) sets the hub's policy back.
    core.store.sqlite
      .prepare("UPDATE assignment SET title = 'loosened', meta = json_set(meta, '$.policy', json(?)) WHERE id = 'hw_hub'")
      .run(JSON.stringify({ hint_ceiling: 5, allowance: { tokens: 999_999 } }));
    expect(core.assignments.get('hw_hub')).toMatchObject({ policy: { hint_ceiling: 5 } });
    const again = await client.sync({ force: true });
    expect(again.pulled.assignments).toBe(0);
    expect(again.conflicts ?? []).toEqual([]);
    expect(core.assignments.get('hw_hub')).toMatchObject({ title: '一次函数', policy, meta: { hub_class_id: klass.id } });

    // Nothing new on the hub: the pull writes nothing at all (a student's database is not rewritten every minute).
    const changes = () => core.store.sqlite.prepare('SELECT total_changes()').pluck().get() as number;
    clock += 60_000;
    let before = changes();
    expect(await client.sync({ force: true })).toMatchObject({ status: 'synced', pulled: { assignments: 0, feedback: 0, allowances: 0 } });
    expect(changes()).toBe(before);

    // Changed on the hub (and a grade given): written once; the same sent again (the pull repeats
    // its last seconds) writes only the pull's cursor.
    await store.upsertAssignment(teacher.caller, { id: 'hw_hub', class_id: klass.id, title: '一次函数（二）', description: null, due_at: null, policy });
    await store.setFeedback(teacher.caller, { assignment_id: 'hw_hub', user_id: joined.user_id, grade: 'A', feedback: '好' });
    await store.setAllowance(teacher.caller, { class_id: klass.id, user_id: joined.user_id, daily_tokens: 5_000 });
    before = changes();
    expect(await client.sync({ force: true })).toMatchObject({ pulled: { assignments: 1, feedback: 1, allowances: 1 } });
    expect(core.assignments.get('hw_hub')).toMatchObject({ title: '一次函数（二）', policy });
    expect(changes()).toBe(before + 5); // the assignment, the hub's copies, feedback, allowances, the cursor
    before = changes();
    expect(await client.sync({ force: true })).toMatchObject({ pulled: { assignments: 1, feedback: 1, allowances: 1 } });
    expect(changes()).toBe(before + 1);
    // A minute on, the last repeat (sent since the cursor: only the cursor moves), then nothing at all.
    clock += 60_000;
    before = changes();
    await client.sync({ force: true });
    expect(changes()).toBe(before + 1);
    before = changes();
    expect(await client.sync({ force: true })).toMatchObject({ pulled: { assignments: 0, feedback: 0, allowances: 0 } });
    expect(changes()).toBe(before);
  });
});
