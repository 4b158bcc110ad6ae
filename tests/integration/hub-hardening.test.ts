// The hub against a hostile classmate (attack probe 10, items 5 and 6, and the ids laptops cannot
// store), over real HTTP on a real PostgreSQL (support/postgres.ts) and on the SQLite hub:
//   - a student cannot mint device tokens without end: MAX_LIVE_DEVICES live devices per user,
//     counted in the transaction that inserts (concurrent calls included), `conflict` beyond it
//     until an old one is revoked; and a student's devices share one rate-limit budget;
//   - the teachers' routes refuse a student before any lookup: `forbidden` alike for a real and a
//     made-up class, assignment or hand-in, so a student cannot probe ids (and revoking another's
//     device reads as an unknown one);
//   - an assignment id a laptop could not store is refused when a teacher sets it, naming `id`.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubServer, type HubServerOptions } from '../../src/main/core/hub/server.ts';
import { boolParam, jsonParam, sql } from '../../src/main/core/hub/sql.ts';
import { MAX_LIVE_DEVICES, type HubStore } from '../../src/main/core/hub/store.ts';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { hubTeacher, openHub } from '../support/hub.ts';
import { startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
let server: PgServer | null = null;
beforeAll(async () => {
  if (!postgres.skip) server = await startPostgres();
});
afterAll(() => server?.stop());

type Body = { code?: string; detail?: string; issues?: { path: string; message: string }[]; token?: string; device_id?: string; user_id?: string };

async function hub(kind: 'pg' | 'sqlite', options: Partial<HubServerOptions> = {}) {
  const store: HubStore = await openHub(kind, server);
  const running = await startHubServer({ store, port: 0, ...options });
  onCleanup(() => void running.close().then(() => store.close()));
  const call = async (method: string, route: string, token: string | null, body?: unknown) => {
    const response = await fetch(running.url + HUB_PREFIX + route, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as Body };
  };
  const teacher = await hubTeacher(store, '李老师');
  const klass = await store.createClass(teacher.caller, '初二（3）班');
  const join = async (name: string) => {
    const joined = await call('POST', '/join', null, { code: klass.code, name, device_name: 'laptop' });
    expect(joined.status).toBe(201);
    return joined.json as { token: string; device_id: string; user_id: string };
  };
  const liveDevices = async (userId: string) =>
    Number((await store.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_device WHERE user_id = ${userId} AND revoked_at IS NULL`))[0]!.n);
  return { store, call, teacher, klass, join, liveDevices };
}

describe.each([
  { kind: 'pg' as const, skip: postgres.skip, name: `PostgreSQL${postgres.note}` },
  { kind: 'sqlite' as const, skip: false, name: 'SQLite' },
])('the hub against a hostile classmate, on the $name hub', ({ kind, skip }) => {
  test.skipIf(skip)('a student has at most MAX_LIVE_DEVICES live devices: beyond it conflict, naming the cap and what to do; revoking one makes room', async () => {
    const { call, join, liveDevices } = await hub(kind);
    const student = await join('王小明');
    const issued: string[] = [];
    for (let i = 1; i < MAX_LIVE_DEVICES; i++) {
      const made = await call('POST', '/devices', student.token, { name: `device ${i}` });
      expect(made.status).toBe(201);
      issued.push(made.json.device_id!);
    }
    expect(await liveDevices(student.user_id)).toBe(MAX_LIVE_DEVICES);
    const refused = await call('POST', '/devices', student.token, { name: 'one too many' });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('conflict');
    expect(refused.json.detail).toContain(`already has ${MAX_LIVE_DEVICES} devices`);
    expect(refused.json.detail).toMatch(/revoke an old device first/);
    expect(await liveDevices(student.user_id)).toBe(MAX_LIVE_DEVICES);
    // Any of the student's tokens still works, and revokes one of their own devices: room for one more.
    expect((await call('POST', `/devices/${issued[0]}/revoke`, student.token)).status).toBe(200);
    expect((await call('POST', '/devices', student.token, { name: 'new phone' })).status).toBe(201);
    expect((await call('POST', '/devices', student.token, { name: 'and another' })).json.code).toBe('conflict');
    // Another student is not held by this one's devices.
    const other = await join('李小红');
    expect((await call('POST', '/devices', other.token, { name: 'tablet' })).status).toBe(201);
  });

  test.skipIf(skip)('the cap holds against calls at once: counted in the transaction that inserts', async () => {
    const { call, join, liveDevices } = await hub(kind);
    const student = await join('王小明');
    const room = 4;
    for (let i = 1; i < MAX_LIVE_DEVICES - room; i++) expect((await call('POST', '/devices', student.token, { name: `device ${i}` })).status).toBe(201);
    // Ten at once (under the 16 requests at once a student may make) for the last four places.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => call('POST', '/devices', student.token, { name: `racer ${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(room);
    expect(results.filter((r) => r.status === 409 && r.json.code === 'conflict')).toHaveLength(10 - room);
    expect(await liveDevices(student.user_id)).toBe(MAX_LIVE_DEVICES);
  });

  test.skipIf(skip)('a student’s devices share one rate-limit budget: a second device gives no second one', async () => {
    const { call, join } = await hub(kind, { limits: { perSecond: 0.001, burst: 3 } });
    const student = await join('王小明');
    const second = await call('POST', '/devices', student.token, { name: 'phone' });
    expect(second.status).toBe(201);
    expect((await call('GET', '/me', student.token)).status).toBe(200);
    expect((await call('GET', '/me', student.token)).status).toBe(200);
    // Three requests spent by the first device: the second is limited too, said per student.
    const limited = await call('GET', '/me', second.json.token!);
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: 'rate_limited' });
    expect(limited.json.detail).toContain('per student');
    // Another student has their own budget.
    const other = await join('李小红');
    expect((await call('GET', '/me', other.token)).status).toBe(200);
  });

  test.skipIf(skip)('the teachers’ routes refuse a student before any lookup: forbidden alike for a real and a made-up id', async () => {
    const { store, call, teacher, klass, join } = await hub(kind);
    const student = await join('王小明');
    const classmate = await join('李小红');
    const assignment = await store.upsertAssignment(teacher.caller, { id: 'hw_001', class_id: klass.id, title: '二次函数', description: null, due_at: null, policy: {} });
    // A hand-in of the classmate's, filed as receiveHandin files one (its bundle is never read here).
    const now = Date.now();
    await store.db.run(
      sql`INSERT INTO hub_handin (id, assignment_id, user_id, device_id, submission_id, bundle, bundle_hash, submitted_at, late, received_at, verification, status, updated_at, meta)
          VALUES ('handin-real', ${assignment.id}, ${classmate.user_id}, ${classmate.device_id}, 'sub-1', '{}', ${'0'.repeat(64)}, ${now}, ${boolParam(store.db.dialect, false)},
            ${now}, ${jsonParam(store.db.dialect, {})}, 'submitted', ${now}, ${jsonParam(store.db.dialect, {})})`,
    );
    const probes: [string, (id: string) => [method: string, route: string, body?: unknown]][] = [
      ['feedback', (id) => ['POST', '/feedback', { assignment_id: id, user_id: student.user_id, grade: 'A', feedback: null }]],
      ['an assignment’s hand-ins', (id) => ['GET', `/assignments/${id}/handins`]],
      ['setting an assignment', (id) => ['POST', '/assignments', { class_id: id, title: '偷偷布置' }]],
      ['a class’s overview', (id) => ['GET', `/classes/${id}/overview`]],
      ['a class’s roster', (id) => ['GET', `/classes/${id}/roster`]],
      ['a class’s allowances', (id) => ['GET', `/classes/${id}/allowances`]],
      ['a learner’s days', (id) => ['GET', `/classes/${id}/students/${classmate.user_id}/learner-days?from=2026-01-01&to=2026-01-07`]],
      ['a hand-in', (id) => ['GET', `/handins/${id}`]],
      ['grading a hand-in', (id) => ['POST', `/handins/${id}/return`, { score: 0, feedback: '零分' }]],
    ];
    const real: Record<string, string> = {
      feedback: assignment.id,
      'an assignment’s hand-ins': assignment.id,
      'a hand-in': 'handin-real',
      'grading a hand-in': 'handin-real',
    };
    for (const [what, route] of probes) {
      const existing = await call(...withToken(route(real[what] ?? klass.id), student.token));
      const madeUp = await call(...withToken(route('no-such-id'), student.token));
      expect([existing.status, existing.json.code], what).toEqual([403, 'forbidden']);
      // Word for word: nothing tells the two apart.
      expect(madeUp, what).toEqual(existing);
    }
    // Nothing was changed by the student.
    expect(await store.db.all(sql`SELECT assignment_id FROM hub_feedback`)).toEqual([]);
    expect((await store.db.all<{ status: string }>(sql`SELECT status FROM hub_handin`)).map((r) => r.status)).toEqual(['submitted']);
    // A teacher of the class still tells them apart (they may know which of their class's ids exist).
    expect((await call('POST', '/feedback', teacher.token, { assignment_id: 'no-such-id', user_id: student.user_id })).json.code).toBe('not_found');
    // Revoking a classmate's device reads as revoking one that does not exist; the classmate stays signed in.
    const theirs = await call('POST', `/devices/${classmate.device_id}/revoke`, student.token);
    const unknown = await call('POST', `/devices/no-such-id/revoke`, student.token);
    expect(theirs.json.code).toBe('not_found');
    expect(theirs.json.detail).toBe(unknown.json.detail?.replace('no-such-id', classmate.device_id));
    expect((await call('GET', '/me', classmate.token)).status).toBe(200);
  });

  test.skipIf(skip)('an assignment id a laptop could not store is refused when a teacher sets it, naming id; a storable one is kept as given', async () => {
    const { call, teacher, klass } = await hub(kind);
    for (const id of ['../../x y', 'hw 1', ' hw1', 'hw1 ', 'a/b', '..', 'x'.repeat(129)]) {
      const refused = await call('POST', '/assignments', teacher.token, { id, class_id: klass.id, title: '一次函数' });
      expect([refused.status, refused.json.code], JSON.stringify(id)).toEqual([422, 'validation_error']);
      expect(
        refused.json.issues?.map((i) => i.path),
        JSON.stringify(id),
      ).toEqual(['id']);
      expect(refused.json.detail).toContain('id: ');
    }
    // IdSchema's own words (the dashboard says them in Chinese: lib/errors.ts idChars).
    expect((await call('POST', '/assignments', teacher.token, { id: 'hw 1', class_id: klass.id, title: '一次函数' })).json.issues?.[0]?.message).toMatch(
      /only letters, digits and _/,
    );
    const listed = async () => ((await call('GET', `/classes/${klass.id}/assignments`, teacher.token)).json as unknown as { id: string }[]).map((a) => a.id);
    expect(await listed()).toEqual([]);
    for (const id of ['hw_001', '第一单元-练习1', 'unit.2:part@a+b~c'])
      expect((await call('POST', '/assignments', teacher.token, { id, class_id: klass.id, title: id })).status).toBe(200);
    // A new one without an id gets the hub's own (a UUIDv7).
    expect((await call('POST', '/assignments', teacher.token, { class_id: klass.id, title: '无编号' })).status).toBe(200);
    expect((await listed()).sort()).toEqual(expect.arrayContaining(['hw_001', '第一单元-练习1', 'unit.2:part@a+b~c']));
    expect(await listed()).toHaveLength(4);
  });
});

function withToken([method, route, body]: [string, string, unknown?], token: string): [string, string, string, unknown?] {
  return body === undefined ? [method, route, token] : [method, route, token, body];
}
