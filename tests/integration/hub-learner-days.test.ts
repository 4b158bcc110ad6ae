// The learner summary on the class hub (GET /classes/:id/students/:user_id/learner-days): a teacher
// of the class reads, per day, a student's time on task, messages, sessions by mode and assignment,
// highest hint level and topics — computed by the desktop's summarizeDays from exactly what the hub
// holds of that student for that class: the sessions they shared and their hand-ins to its
// assignments (a turn both shared and handed in counts once; a session of another class's
// assignment, another student's turns and days outside the range do not count). Read a page at a
// time: any page size gives the same days. Other classes' teachers and students get the same
// not_found / forbidden as the class's other routes; the range is checked (days, order, at most
// MAX_RANGE_DAYS). On a real PostgreSQL (support/postgres.ts), and on the SQLite hub.
import { generateKeyPairSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleText, buildBundle } from '../../src/main/core/handin/bundle.ts';
import { publicKeyOf } from '../../src/main/core/handin/signing.ts';
import { hubLearnerDays } from '../../src/main/core/hub/learner-days.ts';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { sql } from '../../src/main/core/hub/sql.ts';
import { type HubCaller } from '../../src/main/core/hub/store.ts';
import { summarizeDays, type SessionInfo } from '../../src/main/core/learner-summary.ts';
import { HUB_PREFIX } from '../../src/shared/api/hub.ts';
import { MAX_RANGE_DAYS, type LearnerDay } from '../../src/shared/api/schemas.ts';
import { chained, hubAdmin, hubBeforeMigration, hubTeacher, openHub, session, type TurnSpec } from '../support/hub.ts';
import { startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { onCleanup } from '../support/temp.ts';

const postgres = requirePackage('postgresql');
let server: PgServer | null = null;
beforeAll(async () => {
  if (!postgres.skip) server = await startPostgres();
});
afterAll(() => server?.stop());

/** A local time (the hub's calendar days are its process's). */
const at = (day: number, hour: number, minute: number) => new Date(2026, 2, day, hour, minute).getTime();
const MIN = 60_000;

async function world(kind: 'pg' | 'sqlite') {
  const store = await openHub(kind, server);
  onCleanup(() => void store.close());
  const hub = await startHubServer({ store, port: 0 });
  onCleanup(() => void hub.close());
  const teacher = await hubTeacher(store, '李老师');
  const other = await hubTeacher(store, '赵老师');
  const admin = await hubAdmin(store);
  const klass = await store.createClass(teacher.caller, '初二（3）班');
  const otherClass = await store.createClass(other.caller, '初二（5）班');
  await store.upsertAssignment(teacher.caller, { id: 'hw_1', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: { share_sessions: true } });
  await store.upsertAssignment(other.caller, { id: 'hw_b', class_id: otherClass.id, title: '光合作用', description: null, due_at: null, policy: {} });
  const join = async (code: string, name: string) => {
    const joined = await store.joinClass({ code, name, device_name: 'laptop' });
    return { caller: (await store.authenticate(joined.token)) as HubCaller, token: joined.token };
  };
  const student = await join(klass.code, '王小明');
  const quiet = await join(klass.code, '李华');
  const empty = await join(klass.code, '赵六');
  const elsewhere = await join(otherClass.code, '张三');

  // What 王小明 shared. P1: homework on hw_1 over two days; P2: a chat he opted in; P3: a session
  // of the other class's assignment (not this class's); P4: a chat the day before the range.
  const p1 = uuidv7();
  const p1Turns: TurnSpec[] = [
    { content: '一次函数的斜率怎么求？一次函数', created_at: at(2, 9, 0) },
    { content: '想想两点之间的变化。', role: 'assistant', created_at: at(2, 9, 1), meta: { hint_level: 2 } },
    { content: '斜率是什么意思', created_at: at(2, 9, 3) },
    { content: '纵坐标变化除以横坐标变化。', role: 'assistant', created_at: at(2, 9, 20), meta: { hint_level: 3 } },
    { content: '那截距呢？', created_at: at(3, 9, 0) },
    { content: '令 x = 0。', role: 'assistant', created_at: at(3, 9, 2), meta: { hint_level: 4 } },
  ];
  const p2 = uuidv7();
  const p3 = uuidv7();
  const p4 = uuidv7();
  const p1Chained = chained(p1, p1Turns);
  await store.push(student.caller, {
    sessions: [
      session(p1, p1Chained, { assignment_id: 'hw_1' }),
      session(
        p2,
        chained(p2, [
          { content: '光合作用需要光照', created_at: at(2, 10, 0) },
          { content: '还需要水和二氧化碳。', role: 'assistant', created_at: at(2, 10, 2) },
        ]),
        { mode: 'chat' },
      ),
      session(
        p3,
        chained(p3, [
          { content: '叶绿体叶绿体叶绿体', created_at: at(2, 9, 30) },
          { content: '在叶片里。', role: 'assistant', created_at: at(2, 9, 31), meta: { hint_level: 5 } },
        ]),
        { assignment_id: 'hw_b' },
      ),
      session(p4, chained(p4, [{ content: '前一天的问题', created_at: at(1, 23, 0) }]), { mode: 'chat' }),
    ],
  });
  // Another student of the class, the same morning: never counted for 王小明.
  const q = uuidv7();
  await store.push(quiet.caller, { sessions: [session(q, chained(q, [{ content: '细胞膜是什么？细胞膜', created_at: at(2, 9, 10) }]), { mode: 'chat' })] });

  // 王小明's hand-in to hw_1: P1 as shared (the same turns) and H1, a session he never shared.
  const h1 = uuidv7();
  const unchain = (sid: string, turns: ReturnType<typeof chained>) => turns.map(({ prev_hash: _p, hash: _h, ...t }) => ({ ...t, session_id: sid }));
  const { privateKey } = generateKeyPairSync('ed25519');
  const handedSessions = [
    { session: { id: p1, assignment_id: 'hw_1', mode: 'homework', started_at: at(2, 9, 0), ended_at: null, title: null, models: [] }, turns: unchain(p1, p1Chained) },
    {
      session: { id: h1, assignment_id: 'hw_1', mode: 'homework', started_at: at(3, 10, 0), ended_at: null, title: null, models: [] },
      turns: unchain(
        h1,
        chained(h1, [
          { content: '再问一个截距问题', created_at: at(3, 10, 0) },
          { content: 'y = 2x + 1，截距是 1。', role: 'assistant', created_at: at(3, 10, 4), meta: { hint_level: 5 } },
        ]),
      ),
    },
  ];
  const bundle = buildBundle(
    {
      assignment: { id: 'hw_1', title: '一次函数', subject: null, due_at: null },
      student: { id: 'laptop-user', name: '王小明' },
      submission: { id: uuidv7(), submitted_at: at(3, 11, 0), late: false },
      sessions: handedSessions,
      answer: 'y = 2x + 1',
      note: '',
      language: 'zh-CN',
    },
    { privateKey, publicKey: publicKeyOf(privateKey) },
  );
  await store.receiveHandin(student.caller, bundleText(bundle), 'zh-CN');
  /** Another hand-in of 王小明's, signed with the same key: one session of `turns` to `assignmentId`. */
  const handIn = async (assignmentId: string, turns: TurnSpec[], submittedAt: number) => {
    const id = uuidv7();
    const handed = buildBundle(
      {
        assignment: { id: assignmentId, title: assignmentId, subject: null, due_at: null },
        student: { id: 'laptop-user', name: '王小明' },
        submission: { id: uuidv7(), submitted_at: submittedAt, late: false },
        sessions: [
          {
            session: { id, assignment_id: assignmentId, mode: 'homework', started_at: turns[0]!.created_at!, ended_at: null, title: null, models: [] },
            turns: unchain(id, chained(id, turns)),
          },
        ],
        answer: '见过程',
        note: '',
        language: 'zh-CN',
      },
      { privateKey, publicKey: publicKeyOf(privateKey) },
    );
    await store.receiveHandin(student.caller, bundleText(handed), 'zh-CN');
    return id;
  };

  const call = async <T>(route: string, token: string | null, headers: Record<string, string> = {}) => {
    const response = await fetch(hub.url + HUB_PREFIX + route, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
    return { status: response.status, body: (await response.json()) as T };
  };
  const daysRoute = (classId: string, userId: string, from: string, to: string) =>
    `/classes/${classId}/students/${userId}/learner-days?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  return { store, teacher, other, admin, klass, otherClass, student, quiet, empty, elsewhere, call, daysRoute, bundle, handIn, p1, p2, h1 };
}

describe.each([
  { kind: 'pg' as const, skip: postgres.skip, name: `PostgreSQL${postgres.note}` },
  { kind: 'sqlite' as const, skip: false, name: 'SQLite' },
])('the learner summary on the hub ($name)', ({ kind, skip }) => {
  test.skipIf(skip)('a teacher reads a student’s days, from what was shared with the class and handed in to it', async () => {
    const w = await world(kind);
    const got = await w.call<LearnerDay[]>(w.daysRoute(w.klass.id, w.student.caller.user_id, '2026-03-02', '2026-03-04'), w.teacher.token);
    expect(got.status).toBe(200);
    expect(got.body.map((d) => d.day)).toEqual(['2026-03-02', '2026-03-03']);
    const [monday, tuesday] = got.body.map((d) => d.summary);
    // 2 March: P1's four turns and P2's two (not P3's: the other class's assignment; not 李华's).
    // Gaps 1, 2, 5 (17 capped), 5 (40 capped), 2 minutes.
    expect(monday).toMatchObject({
      time_on_task_ms: 15 * MIN,
      messages: 3,
      answers: 3,
      sessions: 2,
      by_mode: { homework: 1, chat: 1 },
      assignments: [{ assignment_id: 'hw_1', sessions: 1, messages: 2, max_hint_level: 3 }],
      first_at: at(2, 9, 0),
      last_at: at(2, 10, 2),
    });
    // Words said twice that day (一次函数 as one term: 一次 and 函数 only inside it); 光合作用 once, 叶绿体 only in P3.
    expect(monday!.topics.map((t) => t.term).sort()).toEqual(['一次函数', '斜率'].sort());
    expect(monday!.topics.find((t) => t.term === '一次函数')).toEqual({ term: '一次函数', count: 2 });
    // 3 March: P1's last two turns (shared and handed in: once) and H1, handed in only.
    // Gaps 2, 5 (58 capped), 4 minutes.
    expect(tuesday).toMatchObject({
      time_on_task_ms: 11 * MIN,
      messages: 2,
      answers: 2,
      sessions: 2,
      by_mode: { homework: 2 },
      assignments: [{ assignment_id: 'hw_1', sessions: 2, messages: 2, max_hint_level: 5 }],
      first_at: at(3, 9, 0),
      last_at: at(3, 10, 4),
    });
    expect(tuesday!.topics.map((t) => t.term)).toEqual(['截距']);
    expect(got.body.every((d) => d.user_id === w.student.caller.user_id)).toBe(true);

    // The day before is there when the range has it; the range's end is not included.
    const wider = await w.call<LearnerDay[]>(w.daysRoute(w.klass.id, w.student.caller.user_id, '2026-03-01', '2026-03-03'), w.teacher.token);
    expect(wider.body.map((d) => [d.day, d.summary.messages])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 3],
    ]);

    // Exactly the desktop's summarizeDays over those turns (the hub's union of shared and handed-in).
    const sessions = new Map<string, SessionInfo>([
      [w.p1, { mode: 'homework', assignment_id: 'hw_1' }],
      [w.p2, { mode: 'chat', assignment_id: null }],
      [w.h1, { mode: 'homework', assignment_id: 'hw_1' }],
    ]);
    const pushedP2 = await w.store.db.all<{ id: string; session_id: string; role: string; content: string; created_at: number; meta: unknown }>(
      sql`SELECT id, session_id, role, content, created_at, meta FROM hub_turn WHERE session_id = ${w.p2}`,
    );
    const union = [
      ...w.bundle.sessions.flatMap((s) => s.turns),
      ...pushedP2.map((t) => ({
        ...t,
        created_at: Number(t.created_at),
        meta: typeof t.meta === 'string' ? (JSON.parse(t.meta) as Record<string, unknown>) : (t.meta as Record<string, unknown>),
      })),
    ];
    expect(got.body.map(({ day, summary }) => ({ day, summary }))).toEqual(summarizeDays(union, (id) => sessions.get(id) ?? null, '2026-03-02', '2026-03-04'));

    // A page at a time: the same days whatever the page size.
    for (const pageSize of [1, 2, 3])
      expect(
        (await hubLearnerDays(w.store, w.teacher.caller, w.klass.id, w.student.caller.user_id, { from: '2026-03-02', to: '2026-03-04' }, { pageSize })).map(({ day, summary }) => ({
          day,
          summary,
        })),
      ).toEqual(got.body.map(({ day, summary }) => ({ day, summary })));

    // 李华's days are his own message; a student of the class with nothing shared has none. An admin reads them too.
    const quiet = await w.call<LearnerDay[]>(w.daysRoute(w.klass.id, w.quiet.caller.user_id, '2026-03-02', '2026-03-04'), w.teacher.token);
    expect(quiet.body.map((d) => [d.day, d.summary.messages, d.summary.topics.map((t) => t.term)])).toEqual([['2026-03-02', 1, ['细胞膜']]]);
    expect((await w.call<LearnerDay[]>(w.daysRoute(w.klass.id, w.empty.caller.user_id, '2026-03-02', '2026-03-04'), w.teacher.token)).body).toEqual([]);
    const admin = await w.store.issueDevice(w.admin.user_id, 'cli');
    expect((await w.call<LearnerDay[]>(w.daysRoute(w.klass.id, w.student.caller.user_id, '2026-03-02', '2026-03-04'), admin.token)).body).toHaveLength(2);
  });

  test.skipIf(skip)('a hand-in whose turns all fall outside the range is not read (its first and last turn times are kept), and the days are the same', async () => {
    const w = await world(kind);
    for (const id of ['hw_2', 'hw_3', 'hw_4'])
      await w.store.upsertAssignment(w.teacher.caller, { id, class_id: w.klass.id, title: id, description: null, due_at: null, policy: {} });
    // Before the range (handed in on 21 February), after it (10 March), and one made on a laptop
    // whose clock said 1 February when it was handed in, its turns on 3 March: read by its turns' times.
    await w.handIn(
      'hw_2',
      [
        { content: '二月的问题', created_at: at(-7, 9, 0) },
        { content: '二月的回答', role: 'assistant', created_at: at(-7, 9, 1) },
      ],
      at(-6, 9, 0),
    );
    await w.handIn('hw_3', [{ content: '三月十日的问题', created_at: at(10, 9, 0) }], at(10, 10, 0));
    await w.handIn('hw_4', [{ content: '钟表不准的那天', created_at: at(3, 15, 0) }], new Date(2026, 1, 1).getTime());
    const kept = await w.store.db.all<{ assignment_id: string; first_turn_at: number | null; last_turn_at: number | null }>(
      sql`SELECT assignment_id, first_turn_at, last_turn_at FROM hub_handin ORDER BY assignment_id`,
    );
    expect(kept.map((r) => [r.assignment_id, Number(r.first_turn_at), Number(r.last_turn_at)])).toEqual([
      ['hw_1', at(2, 9, 0), at(3, 10, 4)],
      ['hw_2', at(-7, 9, 0), at(-7, 9, 1)],
      ['hw_3', at(10, 9, 0), at(10, 9, 0)],
      ['hw_4', at(3, 15, 0), at(3, 15, 0)],
    ]);
    const me = w.student.caller.user_id;
    const days = async (from: string, to: string) => (await hubLearnerDays(w.store, w.teacher.caller, w.klass.id, me, { from, to })).map(({ day, summary }) => ({ day, summary }));
    const got = await days('2026-03-02', '2026-03-04');
    // 3 March has the clock-off hand-in's message besides P1's and H1's.
    expect(got.map((d) => [d.day, d.summary.messages, d.summary.sessions])).toEqual([
      ['2026-03-02', 3, 2],
      ['2026-03-03', 3, 3],
    ]);

    // The bundles before and after the range are not read: stored as text no JSON reader takes,
    // the days are the same — and a range holding their turns does read them (and fails).
    const texts = await w.store.db.all<{ id: string; bundle: string }>(sql`SELECT id, bundle FROM hub_handin WHERE assignment_id IN ('hw_2', 'hw_3')`);
    expect(texts).toHaveLength(2);
    await w.store.db.run(sql`UPDATE hub_handin SET bundle = 'not a bundle' WHERE assignment_id IN ('hw_2', 'hw_3')`);
    expect(await days('2026-03-02', '2026-03-04')).toEqual(got);
    await expect(days('2026-02-21', '2026-03-04')).rejects.toThrow(SyntaxError);
    await expect(days('2026-03-04', '2026-03-11')).rejects.toThrow(SyntaxError);
    // Times not known (a hand-in the migration could not read): always read.
    await w.store.db.run(sql`UPDATE hub_handin SET first_turn_at = NULL, last_turn_at = NULL WHERE assignment_id = 'hw_3'`);
    await expect(days('2026-03-02', '2026-03-04')).rejects.toThrow(SyntaxError);

    // Every bundle read, as before the times were kept (all NULL): the very same days.
    for (const { id, bundle } of texts) await w.store.db.run(sql`UPDATE hub_handin SET bundle = ${bundle} WHERE id = ${id}`);
    await w.store.db.run(sql`UPDATE hub_handin SET first_turn_at = NULL, last_turn_at = NULL`);
    expect(await days('2026-03-02', '2026-03-04')).toEqual(got);
    expect((await days('2026-02-21', '2026-02-22')).map((d) => [d.day, d.summary.messages])).toEqual([['2026-02-21', 1]]);
  });

  test.skipIf(skip)('a hub from before the kept turn times upgrades: each stored bundle’s first and last turn times are filled in, or left unknown', async () => {
    // Migrated up to the migration before hub_handin_turn_times, holding hand-ins as that hub stored them.
    const turns = (...times: number[]) => times.map((created_at) => ({ content: '问题', created_at }));
    const bundles: Record<string, string> = {
      // Two sessions, their turns out of order: the smallest and the largest of all.
      ok: JSON.stringify({ sessions: [{ turns: turns(300, 100) }, { turns: turns(200) }] }),
      // A time with a fraction: PostgreSQL keeps it rounded down (as receiveHandin), SQLite as it is; either bounds the turns.
      fraction: JSON.stringify({ sessions: [{ turns: turns(500.5) }] }),
      // A message with a NUL character: JSON, and PostgreSQL's json type (not jsonb) reads it.
      nul: JSON.stringify({ sessions: [{ turns: [{ content: 'a\u0000b', created_at: 700 }] }] }),
      // An unpaired surrogate: JavaScript's JSON writes it as an escape, which both databases read.
      surrogate: JSON.stringify({ sessions: [{ turns: [{ content: 'a\ud800b', created_at: 800 }] }] }),
      // The same letters typed as text (an escaped backslash before them).
      typed: JSON.stringify({ sessions: [{ turns: [{ content: 'C:\\u0000 \\ud800', created_at: 900 }] }] }),
      // Not read: not JSON, no turns, a time beyond what a date can be.
      bad: 'not a bundle',
      empty: JSON.stringify({ sessions: [{ turns: [] }] }),
      huge: JSON.stringify({ sessions: [{ turns: turns(100, 1e300) }] }),
    };
    const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
    const names = Object.keys(bundles);
    const seed = [
      `INSERT INTO hub_class (id, name, code, created_at) VALUES ('c1', '旧班', 'OLDCLASS', 1)`,
      `INSERT INTO hub_user (id, name, role, created_at) VALUES ${names.map((n) => `('u_${n}', '${n}', 'student', 1)`).join(', ')}`,
      `INSERT INTO hub_assignment (id, class_id, title, policy, created_at, updated_at) VALUES ('a1', 'c1', '作业', '{}', 1, 1)`,
      ...names.map(
        (n) =>
          `INSERT INTO hub_handin (id, assignment_id, user_id, device_id, submission_id, bundle, bundle_hash, submitted_at, late, received_at, verification, status, updated_at, meta)
           VALUES ('h_${n}', 'a1', 'u_${n}', 'd1', 's_${n}', ${quote(bundles[n]!)}, '${'0'.repeat(64)}', 1, false, 1, '{}', 'submitted', 1, '{}')`,
      ),
    ];
    const store = await hubBeforeMigration(kind, server, '_hub_handin_turn_times', seed);
    onCleanup(() => void store.close());
    const rows = await store.db.all<{ id: string; first_turn_at: number | null; last_turn_at: number | null }>(
      sql`SELECT id, first_turn_at, last_turn_at FROM hub_handin ORDER BY id`,
    );
    const times = Object.fromEntries(
      rows.map((r) => [r.id.slice(2), [r.first_turn_at === null ? null : Number(r.first_turn_at), r.last_turn_at === null ? null : Number(r.last_turn_at)]]),
    );
    expect(times).toEqual({
      ok: [100, 300],
      fraction: kind === 'pg' ? [500, 500] : [500.5, 500.5],
      nul: [700, 700],
      surrogate: [800, 800],
      typed: [900, 900],
      bad: [null, null],
      empty: [null, null],
      huge: [null, null],
    });
  });

  test.skipIf(skip)('other classes’ teachers and students get what the class’s other routes give them', async () => {
    const w = await world(kind);
    const me = w.student.caller.user_id;
    const range = ['2026-03-02', '2026-03-04'] as const;
    const codeOf = async (route: string, token: string | null) => {
      const r = await w.call<{ code: string; detail: string }>(route, token);
      return [r.status, r.body.code];
    };
    const overview = (classId: string, token: string | null) => codeOf(`/classes/${classId}/overview`, token);
    // Another class's teacher: forbidden, as on the class's overview.
    expect(await codeOf(w.daysRoute(w.klass.id, me, ...range), w.other.token)).toEqual(await overview(w.klass.id, w.other.token));
    expect(await codeOf(w.daysRoute(w.klass.id, me, ...range), w.other.token)).toEqual([403, 'forbidden']);
    // The student himself, and a student of another class: forbidden.
    expect(await codeOf(w.daysRoute(w.klass.id, me, ...range), w.student.token)).toEqual([403, 'forbidden']);
    expect(await codeOf(w.daysRoute(w.klass.id, me, ...range), w.elsewhere.token)).toEqual([403, 'forbidden']);
    // Their own class, asking about him: he is not its student.
    const notHere = await w.call<{ code: string; detail: string }>(w.daysRoute(w.otherClass.id, me, ...range), w.other.token);
    expect(notHere).toMatchObject({ status: 404, body: { code: 'not_found', detail: `There is no student '${me}' in class '${w.otherClass.id}'.` } });
    // The class's teacher asking about another class's student, or a teacher of it: not found.
    expect(await codeOf(w.daysRoute(w.klass.id, w.elsewhere.caller.user_id, ...range), w.teacher.token)).toEqual([404, 'not_found']);
    expect(await codeOf(w.daysRoute(w.klass.id, w.teacher.caller.user_id, ...range), w.teacher.token)).toEqual([404, 'not_found']);
    // No such class; no token.
    expect(await codeOf(w.daysRoute('no-such-class', me, ...range), w.teacher.token)).toEqual(await overview('no-such-class', w.teacher.token));
    expect(await codeOf(w.daysRoute('no-such-class', me, ...range), w.teacher.token)).toEqual([404, 'not_found']);
    expect(await codeOf(w.daysRoute(w.klass.id, me, ...range), null)).toEqual([401, 'unauthorized']);
  });

  test.skipIf(skip)('the range: real days, from before to, at most MAX_RANGE_DAYS days', async () => {
    const w = await world(kind);
    const me = w.student.caller.user_id;
    const invalid = async (route: string) => {
      const r = await w.call<{ code: string; detail: string; issues: { path: string; message: string }[] }>(route, w.teacher.token);
      expect(r.status).toBe(422);
      expect(r.body.code).toBe('validation_error');
      return r.body;
    };
    expect((await invalid(w.daysRoute(w.klass.id, me, '2026-3-2', '2026-03-04'))).issues[0]).toEqual({ path: 'from', message: 'must be a day as YYYY-MM-DD' });
    expect((await invalid(w.daysRoute(w.klass.id, me, '2026-02-30', '2026-03-04'))).issues[0]!.path).toBe('from');
    expect((await invalid(w.daysRoute(w.klass.id, me, '2026-03-04', '2026-03-04'))).detail).toBe('Invalid range: to: must be after from');
    expect((await invalid(`/classes/${w.klass.id}/students/${me}/learner-days`)).issues.map((i) => i.path)).toEqual(['from', 'to']);
    // 31 days is the most; 32 are refused (from 1 March, 31 days end on 1 April).
    expect(MAX_RANGE_DAYS).toBe(31);
    const longest = await w.call<LearnerDay[]>(w.daysRoute(w.klass.id, me, '2026-03-01', '2026-04-01'), w.teacher.token);
    expect(longest.status).toBe(200);
    expect(longest.body.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect((await invalid(w.daysRoute(w.klass.id, me, '2026-03-01', '2026-04-02'))).detail).toBe(`Invalid range: to: at most ${MAX_RANGE_DAYS} days at a time`);
  });
});
