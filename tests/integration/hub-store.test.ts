// The hub's store on both databases: identity (classes, class codes, rosters, devices), push
// verified by the hash chain and idempotent by turn id, pull, the dashboard's queries, and search
// that finds a two-character Chinese word and pages newest first across its recent window.
// PostgreSQL is a real throwaway cluster (support/postgres.ts).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sql } from '../../src/main/core/hub/sql.ts';
import { v7 as uuidv7 } from 'uuid';
import { isApiError } from '../../src/shared/errors.ts';
import { SEARCH_HIT_MAX_CHARS, TRIAGE_EXCERPT_CHARS } from '../../src/shared/api/hub.ts';
import type { HubStore } from '../../src/main/core/hub/store.ts';
import { SEARCH_RECENT_MS, TITLE_HIT_LIMIT, type HubCaller } from '../../src/main/core/hub/store.ts';
import { startOfDay } from '../../src/main/core/learner-summary.ts';
import { startPostgres, type PgServer } from '../support/postgres.ts';
import { requirePackage } from '../support/requirements.ts';
import { chained, hubBeforeMigration, hubTeacher, openHub, session, type TurnSpec } from '../support/hub.ts';
import { AssistantTurnMetaSchema } from '../../src/shared/api/schemas.ts';

// The flag exactly as the laptop writes it (not `true`: the hub once only counted `true`).
const FLAG = AssistantTurnMetaSchema.shape.flagged.unwrap().value;

const postgres = requirePackage('postgresql');
let server: PgServer | null = null;

beforeAll(async () => {
  if (!postgres.skip) server = await startPostgres();
});
afterAll(() => server?.stop());

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isApiError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

async function classWithStudent(store: HubStore) {
  const teacher = await hubTeacher(store);
  const klass = await store.createClass(teacher.caller, '初二（3）班');
  const joined = await store.joinClass({ code: klass.code.toLowerCase(), name: '王小明', device_name: 'laptop' });
  const student = (await store.authenticate(joined.token)) as HubCaller;
  return { teacher: teacher.caller, klass, joined, student };
}

describe.each([
  { kind: 'sqlite' as const, skip: false, name: 'SQLite' },
  { kind: 'pg' as const, skip: postgres.skip, name: `PostgreSQL${postgres.note}` },
])('the hub store on $name', ({ kind, skip }) => {
  test.skipIf(skip)('a class code joins a student; a roster entry is taken once, with its own join code; a revoked device is told so', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    expect(klass.code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(student.role).toBe('student');
    const roster = await store.importRoster(teacher, klass.id, '\uFEFF学号,姓名\n2024001,张三\n2024002,李四\n');
    expect(roster).toMatchObject({ added: 2, updated: 0, total: 2 });
    expect(roster.codes.map((c) => c.student_no)).toEqual(['2024001', '2024002']);
    // A known entry keeps its code (none is issued again).
    expect(await store.importRoster(teacher, klass.id, 'student_no,name\n2024001,张三丰\n')).toEqual({ added: 0, updated: 1, total: 1, codes: [] });
    expect(await codeOf(store.joinClass({ code: klass.code, name: 'x', student_no: '2024001', device_name: 'other' }))).toBe('join_code_required');
    const zhang = await store.joinClass({ code: klass.code, name: 'whatever', student_no: '2024001', join_code: roster.codes[0]!.join_code, device_name: 'laptop' });
    expect(await codeOf(store.joinClass({ code: klass.code, name: 'x', student_no: '2024001', join_code: roster.codes[0]!.join_code, device_name: 'other' }))).toBe(
      'join_code_spent',
    );
    expect((await store.overview(teacher, klass.id)).map((r) => r.name)).toEqual(['张三丰', '李四', '王小明']);
    expect(await codeOf(store.joinClass({ code: 'NOPE2345', name: 'x', device_name: 'l' }))).toBe('not_found');
    expect(await codeOf(store.importRoster(teacher, klass.id, 'name\nonly names\n'))).toBe('validation_error');
    expect(await codeOf(store.overview(student, klass.id))).toBe('forbidden');
    await store.revokeDevice(teacher, zhang.device_id);
    expect(await store.authenticate(zhang.token)).toBe('revoked');
    expect(await store.authenticate(zhang.token.slice(0, -2) + 'xx')).toBeNull();
    await store.close();
  });

  test.skipIf(skip)('push stores each turn once, acknowledges replays, refuses a broken chain and a gap', async () => {
    const store = await openHub(kind, server);
    const { student } = await classWithStudent(store);
    const sid = uuidv7();
    const turns = chained(sid, [{ content: '我们今天学数学' }, { content: '好的，先看第一题。', meta: { hint_level: 1 } }, { content: '第二步呢？' }]);
    const first = await store.push(student, { sessions: [session(sid, turns.slice(0, 2))] });
    expect(first.sessions[0]).toMatchObject({ stored: [turns[0]!.id, turns[1]!.id], duplicate: [], turn_count: 2, head: turns[1]!.hash });
    // A replay of everything plus the next turn: two duplicates, one stored.
    const again = await store.push(student, { sessions: [session(sid, turns)] });
    expect(again.sessions[0]).toMatchObject({ stored: [turns[2]!.id], duplicate: [turns[0]!.id, turns[1]!.id], turn_count: 3 });
    const count = await store.db.all<{ n: number }>((await import('../../src/main/core/hub/sql.ts')).sql`SELECT count(*) AS n FROM hub_turn`);
    expect(Number(count[0]!.n)).toBe(3);

    // Changed content under a valid-looking chain: refused, nothing of the batch stored.
    const sid2 = uuidv7();
    const good = chained(sid2, [{ content: 'a' }, { content: 'b' }]);
    const tampered = [good[0]!, { ...good[1]!, content: 'b (edited after chaining)' }];
    const broken = await store.push(student, { sessions: [session(sid2, tampered)] });
    expect(broken.sessions[0]!.error).toMatchObject({ code: 'chain_broken', turn_id: good[1]!.id });
    expect(broken.sessions[0]!.stored).toEqual([]);
    // A turn whose predecessor the hub lacks: a gap, with the head to resend from.
    const gap = await store.push(student, { sessions: [session(sid2, good.slice(1))] });
    expect(gap.sessions[0]).toMatchObject({ error: { code: 'chain_gap' }, head: '0'.repeat(64), turn_count: 0 });
    // Another student cannot add to this student's session.
    const other = await store.joinClass({ code: (await store.listClasses(student))[0]!.code, name: 'Other', device_name: 'l' });
    const otherCaller = (await store.authenticate(other.token)) as HubCaller;
    const hijack = await store.push(otherCaller, { sessions: [session(sid, chained(sid, [{ content: 'x' }], turns[2]!.hash))] });
    expect(hijack.sessions[0]!.error?.code).toBe('forbidden');
    await store.close();
  });

  test.skipIf(skip)('pull brings assignments, grades and allowances; the dashboard triages; search finds 数学', async () => {
    let clock = 1_800_000_000_000;
    const store = await openHub(kind, server, () => clock);
    const { teacher, klass, student } = await classWithStudent(store);
    const hw = await store.upsertAssignment(teacher, {
      id: 'hw_001',
      class_id: klass.id,
      title: '二次函数',
      description: null,
      due_at: null,
      policy: { share_sessions: true, hint_ceiling: 5 },
    });
    await store.setFeedback(teacher, { assignment_id: hw.id, user_id: student.user_id, grade: 'A-', feedback: '思路清楚' });
    await store.setAllowance(teacher, { class_id: klass.id, user_id: student.user_id, daily_tokens: 20_000 });
    const pulled = await store.pull(student, 0);
    expect(pulled.assignments).toMatchObject([{ id: 'hw_001', policy: { share_sessions: true, hint_ceiling: 5 } }]);
    expect(pulled.feedback).toMatchObject([{ grade: 'A-', feedback: '思路清楚' }]);
    expect(pulled.allowances).toMatchObject([{ daily_tokens: 20_000 }]);
    // The next pull repeats the last PULL_OVERLAP_MS (a write stamped before a pull but committed
    // after it is not missed; the desktop applies them idempotently); once past it, nothing is new.
    clock += 60_000;
    const overlap = await store.pull(student, pulled.cursor);
    expect(overlap.assignments).toHaveLength(1);
    expect(await store.pull(student, overlap.cursor)).toMatchObject({ assignments: [], feedback: [], allowances: [] });
    const hw2 = await store.upsertAssignment(teacher, { id: 'hw_002', class_id: klass.id, title: '几何', description: null, due_at: null, policy: {} });
    expect((await store.pull(student, overlap.cursor)).assignments.map((a) => a.id)).toEqual(['hw_002']);

    // Stuck at level 3 for three replies; leaning on level 5 in another session; one flagged reply.
    const s1 = uuidv7();
    const levels = [1, 3, 3, 3];
    const specs = levels.flatMap((level, i) => [{ content: `第${i}次提问` }, { content: `提示 ${level}`, role: 'assistant' as const, meta: { hint_level: level } }]);
    specs.push({ content: '我们今天学数学' });
    const stuckTurns = chained(s1, specs);
    await store.push(student, { sessions: [session(s1, stuckTurns, { assignment_id: hw.id })] });
    const s2 = uuidv7();
    const worked = chained(s2, [
      { content: '直接给答案' },
      { content: '完整解答……', role: 'assistant', meta: { hint_level: 5 } },
      { content: '下一题也要' },
      { content: '完整解答……', role: 'assistant', meta: { hint_level: 5, flagged: FLAG } },
    ]);
    await store.push(student, { sessions: [session(s2, worked, { assignment_id: hw2.id })] });

    const triage = await store.triage(teacher, klass.id);
    // Each row opens at the reply it is about: the latest reply, the latest worked solution, the flagged reply.
    const lastReply = stuckTurns.findLast((t) => t.role === 'assistant')!;
    expect(triage.stuck).toMatchObject([{ user_id: student.user_id, name: '王小明', assignment_id: 'hw_001', level: 3, count: 3, of: 4, session_id: s1, turn_id: lastReply.id }]);
    const inbox = await store.inbox(teacher, klass.id);
    expect(inbox.find((r) => r.assignment_id === 'hw_001')).toMatchObject({ students_started: 1, students_in_class: 1, turns: 9 });
    expect(inbox.find((r) => r.assignment_id === 'hw_002')).toMatchObject({ students_started: 1, turns: 4 });
    const overview = await store.overview(teacher, klass.id);
    expect(overview).toMatchObject([{ user_id: student.user_id, sessions: 2, turns: 13 }]);
    expect(triage.worked_solutions).toMatchObject([{ user_id: student.user_id, assignment_id: 'hw_002', level: 5, count: 2, of: 2, session_id: s2, turn_id: worked[3]!.id }]);
    expect(triage.flagged).toMatchObject([{ session_id: s2, turn_id: worked[3]!.id, excerpt: '完整解答……' }]);

    // Triage is about current work: two weeks later, nobody is listed.
    clock += 15 * 86_400_000;
    expect(await store.triage(teacher, klass.id)).toEqual({ stuck: [], worked_solutions: [], flagged: [], out_of_allowance: [], allowance_unseen: [], out_of_daily_allowance: [] });

    const hits = await store.search(teacher, klass.id, '数学');
    expect(hits.map((h) => h.content)).toEqual(['我们今天学数学']);
    expect(await store.search(teacher, klass.id, '学数')).toHaveLength(1);
    expect(await store.search(teacher, klass.id, '数理')).toHaveLength(0);
    expect((await store.search(teacher, klass.id, '提示')).length).toBe(4);
    await store.close();
  });
  test.skipIf(skip)('a flagged reply’s excerpt: its first 160 characters (a 𠀀 is one), and whether the hub cut it', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    // Chinese replies at, and one over, the limit; astral characters (two UTF-16 units each) too.
    const replies = {
      short: '完整解答……',
      at: '解'.repeat(TRIAGE_EXCERPT_CHARS),
      over: '答'.repeat(TRIAGE_EXCERPT_CHARS + 1),
      astralAt: '𠀀'.repeat(TRIAGE_EXCERPT_CHARS),
      astralOver: `${'𠀀'.repeat(TRIAGE_EXCERPT_CHARS - 1)}解𠀁`,
    };
    const sid = uuidv7();
    const turns = chained(
      sid,
      Object.values(replies).flatMap((content) => [{ content: '给我答案' }, { content, role: 'assistant' as const, meta: { hint_level: 5, flagged: FLAG } }]),
    );
    await store.push(student, { sessions: [session(sid, turns)] });
    const flagged = new Map((await store.triage(teacher, klass.id)).flagged.map((r) => [r.turn_id, r]));
    const of = (content: string) => {
      const row = flagged.get(turns.find((t) => t.content === content)!.id)!;
      return { excerpt: row.excerpt, excerpt_truncated: row.excerpt_truncated };
    };
    expect(of(replies.short)).toEqual({ excerpt: '完整解答……', excerpt_truncated: false });
    expect(of(replies.at)).toEqual({ excerpt: replies.at, excerpt_truncated: false });
    expect(of(replies.over)).toEqual({ excerpt: '答'.repeat(TRIAGE_EXCERPT_CHARS), excerpt_truncated: true });
    // 320 UTF-16 units, 160 characters: whole, not cut (what the dashboard's length guess got wrong).
    expect(of(replies.astralAt)).toEqual({ excerpt: replies.astralAt, excerpt_truncated: false });
    expect(of(replies.astralOver)).toEqual({ excerpt: `${'𠀀'.repeat(TRIAGE_EXCERPT_CHARS - 1)}解`, excerpt_truncated: true });
    await store.close();
  });
  test.skipIf(skip)('needs attention lists who ran out of a shared assignment’s token allowance, and names the allowances it cannot see', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    const other = (await store.authenticate((await store.joinClass({ code: klass.code, name: '李华', device_name: 'laptop' })).token)) as HubCaller;
    await store.upsertAssignment(teacher, {
      id: 'hw_a',
      class_id: klass.id,
      title: '一次函数',
      description: null,
      due_at: null,
      policy: { share_sessions: true, allowance: { tokens: 150 } },
    });
    await store.upsertAssignment(teacher, { id: 'hw_b', class_id: klass.id, title: '二元一次方程组', description: null, due_at: null, policy: { allowance: { tokens: 150 } } });
    await store.upsertAssignment(teacher, { id: 'hw_c', class_id: klass.id, title: '不限额', description: null, due_at: null, policy: { share_sessions: true } });
    // 王小明: one answer of 242 tokens (the tryout's trivial exchange) and a title call the allowance does not count; 李华: 100 tokens.
    const s1 = uuidv7();
    await store.push(student, {
      sessions: [
        session(
          s1,
          chained(s1, [
            { content: '二次函数是什么？' },
            { content: '先想一想……', role: 'assistant', tokens_in: 191, tokens_out: 51 },
            { content: '一次函数', role: 'system', tokens_in: 400, tokens_out: 10, meta: { purpose: 'title' } },
            { content: '然后呢？', role: 'user', meta: { status: 'failed', error: { code: 'allowance_exhausted' } } },
          ]),
          { assignment_id: 'hw_a' },
        ),
      ],
    });
    const s2 = uuidv7();
    await store.push(other, {
      sessions: [session(s2, chained(s2, [{ content: '怎么做？' }, { content: '提示', role: 'assistant', tokens_in: 60, tokens_out: 40 }]), { assignment_id: 'hw_a' })],
    });
    const triage = await store.triage(teacher, klass.id);
    expect(triage.out_of_allowance).toEqual([{ user_id: student.user_id, name: '王小明', assignment_id: 'hw_a', title: '一次函数', used: 242, allowance: 150 }]);
    // hw_b has an allowance and shares nothing: the hub cannot tell who ran out, and says so.
    expect(triage.allowance_unseen).toEqual([{ assignment_id: 'hw_b', title: '二元一次方程组' }]);
    expect(await codeOf(store.triage(student, klass.id))).toBe('forbidden');
    await store.close();
  });

  test.skipIf(skip)('needs attention lists who used up today’s daily allowance for the class (the hub’s day, from the turns pushed); the allowances read back', async () => {
    let clock = Date.now();
    const store = await openHub(kind, server, () => clock);
    const { teacher, klass, student } = await classWithStudent(store);
    const li = (await store.authenticate((await store.joinClass({ code: klass.code, name: '李华', device_name: 'laptop' })).token)) as HubCaller;
    const zhao = (await store.authenticate((await store.joinClass({ code: klass.code, name: '赵敏', device_name: 'laptop' })).token)) as HubCaller;
    await store.upsertAssignment(teacher, { id: 'hw_a', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: {} });
    const midnight = startOfDay(clock);
    // Made a minute apart from `at` (the laptop's clock), pushed now (the hub's).
    const push = async (who: HubCaller, at: number, specs: TurnSpec[], assignment_id: string | null = 'hw_a') => {
      const sid = uuidv7();
      await store.push(who, { sessions: [session(sid, chained(sid, specs, undefined, at), { assignment_id, started_at: at })] });
    };
    const ask = (tokens: number): TurnSpec[] => [
      { content: '怎么做？', role: 'user', tokens_in: 0, tokens_out: 0 },
      { content: '先想一想……', role: 'assistant', tokens_in: tokens - 40, tokens_out: 40 },
    ];
    // 王小明: 350 today on the class's assignment (a title call not counted), 500 yesterday (pushed only today: not today's).
    await push(student, midnight + 60_000, [...ask(200), { content: '一次函数', role: 'system', tokens_in: 900, tokens_out: 9, meta: { purpose: 'title' } }, ...ask(150)]);
    await push(student, midnight - 3_600_000, ask(500));
    // 李华: 300 on the class's assignment, 5000 on his own practice (not the class's: the laptop does not count it either).
    await push(li, midnight + 60_000, ask(300));
    await push(li, midnight + 60_000, ask(5000), null);
    // 赵敏: 400 today, her allowance cleared.
    await push(zhao, midnight + 60_000, ask(400));
    await store.setAllowance(teacher, { class_id: klass.id, user_id: student.user_id, daily_tokens: 300 });
    await store.setAllowance(teacher, { class_id: klass.id, user_id: li.user_id, daily_tokens: 1000 });
    await store.setAllowance(teacher, { class_id: klass.id, user_id: zhao.user_id, daily_tokens: 100 });
    await store.setAllowance(teacher, { class_id: klass.id, user_id: zhao.user_id, daily_tokens: null });

    expect((await store.triage(teacher, klass.id)).out_of_daily_allowance).toEqual([{ user_id: student.user_id, name: '王小明', used: 350, allowance: 300 }]);
    const read = new Map((await store.allowances(teacher, klass.id)).map((r) => [r.name, [r.daily_tokens, r.used_today]]));
    expect(read).toEqual(
      new Map([
        ['王小明', [300, 350]],
        ['李华', [1000, 300]],
        ['赵敏', [null, 400]],
      ]),
    );
    // Raised above what was used: no longer listed. An allowance of 0 ("no AI today") is not "used up".
    await store.setAllowance(teacher, { class_id: klass.id, user_id: student.user_id, daily_tokens: 351 });
    await store.setAllowance(teacher, { class_id: klass.id, user_id: li.user_id, daily_tokens: 0 });
    expect((await store.triage(teacher, klass.id)).out_of_daily_allowance).toEqual([]);
    await store.setAllowance(teacher, { class_id: klass.id, user_id: student.user_id, daily_tokens: 350 });
    expect((await store.triage(teacher, klass.id)).out_of_daily_allowance).toMatchObject([{ name: '王小明', used: 350 }]);
    // The next day of the hub's calendar: a new allowance, nobody has used it yet.
    clock = midnight + 86_400_000 + 3_600_000;
    expect((await store.triage(teacher, klass.id)).out_of_daily_allowance).toEqual([]);
    expect((await store.allowances(teacher, klass.id)).map((r) => r.used_today)).toEqual([0, 0, 0]);
    expect(await codeOf(store.allowances(student, klass.id))).toBe('forbidden');
    await store.close();
  });

  test.skipIf(skip)('a hub from before an allowance could be cleared upgrades: its allowances kept, and one can now be cleared', async () => {
    // Migrated up to the migration before hub_allowance_clear (daily_tokens NOT NULL), seeded, then opened.
    const seed = [
      `INSERT INTO hub_class (id, name, code, created_at) VALUES ('c1', '旧班', 'OLDCLASS', 1)`,
      `INSERT INTO hub_user (id, name, role, created_at) VALUES ('t1', '老师', 'teacher', 1), ('u1', '甲', 'student', 1), ('u2', '乙', 'student', 1)`,
      `INSERT INTO hub_member (class_id, user_id, role, student_no, joined_at) VALUES ('c1', 't1', 'teacher', NULL, 1), ('c1', 'u1', 'student', '1', 1), ('c1', 'u2', 'student', '2', 1)`,
      `INSERT INTO hub_allowance (class_id, user_id, daily_tokens, updated_at) VALUES ('c1', 'u1', 5000, 7), ('c1', 'u2', 0, 8)`,
    ];
    const store = await hubBeforeMigration(kind, server, '_hub_allowance_clear', seed);
    try {
      const teacher = (await store.authenticate((await store.issueDevice('t1', 'browser')).token)) as HubCaller;
      const read = async () => new Map((await store.allowances(teacher, 'c1')).map((r) => [r.user_id, [r.daily_tokens, r.updated_at]]));
      expect(await read()).toEqual(
        new Map([
          ['u1', [5000, 7]],
          ['u2', [0, 8]],
        ]),
      );
      await store.setAllowance(teacher, { class_id: 'c1', user_id: 'u1', daily_tokens: null });
      expect((await read()).get('u1')).toEqual([null, expect.any(Number)]);
      const student = (await store.authenticate((await store.issueDevice('u1', 'laptop')).token)) as HubCaller;
      expect((await store.pull(student, 0)).allowances).toMatchObject([{ class_id: 'c1', user_id: 'u1', daily_tokens: null }]);
      // The index the pull reads by survived the table's rebuild (SQLite).
      if (kind === 'sqlite') expect(await store.db.all(sql`SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'hub_allowance_user_updated_idx'`)).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  test.skipIf(skip)('the overview and the inbox count what the laptop counts: messages without the title calls, the answers’ tokens; who has not joined', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    await store.upsertAssignment(teacher, {
      id: 'hw_a',
      class_id: klass.id,
      title: '一次函数：求解析式',
      description: null,
      due_at: null,
      policy: { share_sessions: true, allowance: { tokens: 1000 } },
    });
    const roster = await store.importRoster(teacher, klass.id, '学号,姓名\n2024002,张华\n');
    // Two questions, two answers, and the title call (a system turn) between them, pushed in two
    // parts as a laptop syncs: the title call after the first answer.
    const sid = uuidv7();
    const turns = chained(sid, [
      { content: '一次函数过 (1,3)、(2,5)，怎么求？' },
      { content: '先设 y = kx + b。', role: 'assistant', tokens_in: 600, tokens_out: 90 },
      { content: '一次函数求解析式', role: 'system', tokens_in: 80, tokens_out: 12, meta: { purpose: 'title' } },
      { content: '代入以后呢？', role: 'user', tokens_in: 0, tokens_out: 0 },
      { content: '两式相减求 k。', role: 'assistant', tokens_in: 560, tokens_out: 97 },
    ]);
    await store.push(student, { sessions: [session(sid, turns.slice(0, 3), { assignment_id: 'hw_a' })] });
    const pushed = await store.push(student, { sessions: [session(sid, turns.slice(3), { assignment_id: 'hw_a' })] });
    // The chain's count stays the chain's (what push answers): all five turns.
    expect(pushed.sessions[0]).toMatchObject({ turn_count: 5 });
    const used = 600 + 90 + 560 + 97;
    expect((await store.triage(teacher, klass.id)).out_of_allowance).toMatchObject([{ user_id: student.user_id, used }]);
    const overview = await store.overview(teacher, klass.id);
    // By name as the database's collation orders them: compared here in code-point order.
    const rows = overview.map((r) => [r.name, r.sessions, r.turns, r.tokens, r.joined]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
    expect(rows).toEqual([
      ['张华', 0, 0, 0, false],
      ['王小明', 1, 4, used, true],
    ]);
    expect(roster.codes).toHaveLength(1);
    // The hand-in's transcript counts the same four messages.
    expect((await store.inbox(teacher, klass.id)).map((r) => [r.assignment_id, r.turns])).toEqual([['hw_a', 4]]);
    await store.close();
  });

  test.skipIf(skip)('search finds a shared conversation by its title: the latest title, every term, bounded, scoped as message hits', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    const other = (await store.authenticate((await store.joinClass({ code: klass.code, name: '李华', device_name: 'laptop' })).token)) as HubCaller;
    const titled = async (who: HubCaller, titles: string[], extra: Partial<Parameters<typeof session>[2]> = {}) => {
      const sid = uuidv7();
      const specs = titles.flatMap((title) => [
        { content: '问一个问题' },
        { content: '回答', role: 'assistant' as const },
        { content: title, role: 'system' as const, meta: { purpose: 'title' } },
      ]);
      await store.push(who, { sessions: [session(sid, chained(sid, specs), extra)] });
      return sid;
    };
    const linear = await titled(student, ['一次函数求解析式']);
    // Retitled: only its latest title counts (the one its view shows).
    const renamed = await titled(other, ['一次函数的图像', '二次函数的顶点']);
    const percent = await titled(other, ['100% 正确率的 Review']);
    expect((await store.searchTitles(teacher, klass.id, '求解析式')).map((h) => [h.session_id, h.name, h.title, h.highlights])).toEqual([
      [linear, '王小明', '一次函数求解析式', [[4, 8]]],
    ]);
    expect((await store.searchTitles(teacher, klass.id, '一次函数')).map((h) => h.session_id)).toEqual([linear]);
    expect((await store.searchTitles(teacher, klass.id, '二次函数')).map((h) => h.session_id)).toEqual([renamed]);
    // Every term, anywhere, case-insensitive; LIKE's wildcards are taken literally.
    expect((await store.searchTitles(teacher, klass.id, '函数 顶点')).map((h) => h.session_id)).toEqual([renamed]);
    expect(await store.searchTitles(teacher, klass.id, '函数 图像')).toEqual([]);
    expect((await store.searchTitles(teacher, klass.id, 'review 100%')).map((h) => h.session_id)).toEqual([percent]);
    expect(await store.searchTitles(teacher, klass.id, '%')).toHaveLength(1);
    expect(await store.searchTitles(teacher, klass.id, '_')).toEqual([]);
    expect(await store.searchTitles(teacher, klass.id, '   ')).toEqual([]);
    // Bounded: the most recently active TITLE_HIT_LIMIT.
    for (let i = 0; i < TITLE_HIT_LIMIT + 2; i++) await titled(student, [`练习 ${i}`]);
    const many = await store.searchTitles(teacher, klass.id, '练习');
    expect(many).toHaveLength(TITLE_HIT_LIMIT);
    expect(many[0]!.title).toBe(`练习 ${TITLE_HIT_LIMIT + 1}`);
    await store.close();
  });

  test.skipIf(skip)('title search folds full-width forms and radicals on both sides, as the desktop’s: ｆ（ｘ）, ＡＢＣ, ２次函数 find f(x), ABC, 2次函数', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    const titled = async (title: string) => {
      const sid = uuidv7();
      const specs = [{ content: '问一个问题' }, { content: '回答', role: 'assistant' as const }, { content: title, role: 'system' as const, meta: { purpose: 'title' } }];
      await store.push(student, { sessions: [session(sid, chained(sid, specs))] });
      return sid;
    };
    const fx = await titled('f(x) 的导数');
    const abc = await titled('ABC 猜想');
    const quadratic = await titled('2次函数的图像');
    // Stored in full width, with a PDF's Kangxi radical (⽜ U+2F5C) and a Supplement one NFKC leaves alone (⻄ U+2EC4).
    const gx = await titled('ｇ（ｘ）＝\u2F5C顿 \u2EC4瓜');
    const found = async (q: string) => (await store.searchTitles(teacher, klass.id, q)).map((h) => [h.session_id, h.title, h.highlights]);
    expect(await found('ｆ（ｘ）')).toEqual([[fx, 'f(x) 的导数', [[0, 4]]]]);
    expect(await found('ａｂｃ')).toEqual([[abc, 'ABC 猜想', [[0, 3]]]]);
    expect(await found('ＡＢＣ　猜想')).toEqual([
      [
        abc,
        'ABC 猜想',
        [
          [0, 3],
          [4, 6],
        ],
      ],
    ]);
    expect(await found('２次函数')).toEqual([[quadratic, '2次函数的图像', [[0, 4]]]]);
    expect(await found('G(X)=牛顿')).toEqual([[gx, 'ｇ（ｘ）＝\u2F5C顿 \u2EC4瓜', [[0, 7]]]]);
    expect(await found('西瓜')).toEqual([[gx, 'ｇ（ｘ）＝\u2F5C顿 \u2EC4瓜', [[8, 10]]]]);
    expect(await found('ｆ（ｙ）')).toEqual([]);
    await store.close();
  });

  test.skipIf(skip)('what one answer costs in tokens: the class’s answers, else the hub’s, else none', async () => {
    const store = await openHub(kind, server, () => 1_700_000_100_000);
    const { teacher, klass, student } = await classWithStudent(store);
    expect(await store.answerTokens(teacher, klass.id)).toEqual({ scope: 'none', answers: 0, median: null, low: null, high: null });
    // Another class's students answered 12 times (100 … 1200 tokens): this class borrows the hub's figure.
    const other = await hubTeacher(store, '王老师');
    const otherClass = await store.createClass(other.caller, '初三（1）班');
    const elsewhere = (await store.authenticate((await store.joinClass({ code: otherClass.code, name: '张三', device_name: 'l' })).token)) as HubCaller;
    const answers = (sid: string, sizes: number[]) =>
      chained(
        sid,
        sizes.flatMap((n) => [{ content: '问' }, { content: '答', role: 'assistant' as const, tokens_in: n - 50, tokens_out: 50 }]),
      );
    const o1 = uuidv7();
    await store.push(elsewhere, { sessions: [session(o1, answers(o1, [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200]))] });
    expect(await store.answerTokens(teacher, klass.id)).toEqual({ scope: 'hub', answers: 12, median: 700, low: 200, high: 1100 });
    // Once the class has enough of its own: its own.
    const s1 = uuidv7();
    await store.push(student, { sessions: [session(s1, answers(s1, [300, 300, 300, 300, 300, 300, 300, 300, 300, 2000]))] });
    expect(await store.answerTokens(teacher, klass.id)).toEqual({ scope: 'class', answers: 10, median: 300, low: 300, high: 2000 });
    expect(await codeOf(store.answerTokens(student, klass.id))).toBe('forbidden');
    await store.close();
  });

  test.skipIf(skip)(
    'a shared session, for its class’s teachers: its turns and title; not another class’s assignment (view, search, overview, flagged), not a student',
    async () => {
      const store = await openHub(kind, server);
      const { teacher, klass, student } = await classWithStudent(store);
      await store.upsertAssignment(teacher, { id: 'hw_a', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: { share_sessions: true } });
      // The same student in a physics class too, with a session on its assignment.
      const physics = await hubTeacher(store, '物理老师');
      const physicsClass = await store.createClass(physics.caller, '物理');
      await store.upsertAssignment(physics.caller, { id: 'hw_p', class_id: physicsClass.id, title: '浮力', description: null, due_at: null, policy: { share_sessions: true } });
      const sid = uuidv7();
      const turns = chained(sid, [
        { content: '$y=2x+1$ 怎么画？' },
        { content: '先取两个点。', role: 'assistant', meta: { hint_level: 1 } },
        { content: '画一次函数', role: 'system', meta: { purpose: 'title' } },
      ]);
      const { sql } = await import('../../src/main/core/hub/sql.ts');
      await store.db.run(sql`INSERT INTO hub_member (class_id, user_id, role, joined_at) VALUES (${physicsClass.id}, ${student.user_id}, 'student', 1)`);
      const psid = uuidv7();
      const pushed = await store.push(student, {
        sessions: [
          session(sid, turns, { assignment_id: 'hw_a' }),
          session(psid, chained(psid, [{ content: '浮力' }, { content: '答案是 5 N。', role: 'assistant', meta: { hint_level: 1, flagged: FLAG } }]), { assignment_id: 'hw_p' }),
        ],
      });
      expect(pushed.sessions.map((r) => r.error)).toEqual([undefined, undefined]);
      const view = await store.sessionView(teacher, klass.id, sid);
      expect(view.session).toEqual({
        id: sid,
        user_id: student.user_id,
        name: '王小明',
        assignment_id: 'hw_a',
        mode: 'homework',
        started_at: 1_700_000_000_000,
        title: '画一次函数',
      });
      expect(view.turns.map((t) => [t.id, t.role, t.content, t.meta])).toEqual(turns.map((t) => [t.id, t.role, t.content, t.meta]));
      expect(view.truncated).toBeUndefined();
      expect(await codeOf(store.sessionView(teacher, klass.id, psid))).toBe('not_found');
      expect(await codeOf(store.sessionView(physics.caller, klass.id, sid))).toBe('forbidden');
      expect(await codeOf(store.sessionView(student, klass.id, sid))).toBe('forbidden');
      expect((await store.sessionView(physics.caller, physicsClass.id, psid)).turns).toHaveLength(2);
      // Search, the overview and the flagged list keep to the class's own sessions too.
      expect(await store.search(teacher, klass.id, '浮力')).toEqual([]);
      expect((await store.search(physics.caller, physicsClass.id, '浮力')).map((h) => h.session_id)).toEqual([psid]);
      expect((await store.overview(teacher, klass.id)).map((r) => [r.user_id, r.sessions, r.turns])).toEqual([[student.user_id, 1, 2]]);
      expect((await store.triage(teacher, klass.id)).flagged).toEqual([]);
      expect((await store.triage(physics.caller, physicsClass.id)).flagged.map((r) => r.user_id)).toEqual([student.user_id]);
      // A title's record (a system turn) is not a message hit: the session's title shows in its view,
      // and is found as a title hit — by this class's teacher only.
      expect(await store.search(teacher, klass.id, '画一次函数')).toEqual([]);
      expect((await store.searchTitles(teacher, klass.id, '一次函数')).map((h) => [h.session_id, h.title, h.highlights])).toEqual([[sid, '画一次函数', [[1, 5]]]]);
      expect(await store.searchTitles(physics.caller, physicsClass.id, '一次函数')).toEqual([]);
      expect(await codeOf(store.searchTitles(student, klass.id, '一次函数'))).toBe('forbidden');
      await store.close();
    },
  );

  test.skipIf(skip)('a session view and search hits stay bounded: huge turns are given in part, a hit is its first 2,000 characters', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    const sid = uuidv7();
    // Five turns of 500,000 characters: 2.5 million, over the view's 2 million.
    const big = (n: number) => `第${n}段数学` + '很长的解题过程。'.repeat(62_500).slice(0, 500_000 - 5);
    const turns = chained(
      sid,
      [1, 2, 3, 4, 5].map((n) => ({ content: big(n), ...(n % 2 === 0 ? { role: 'assistant' as const } : {}) })),
    );
    expect((await store.push(student, { sessions: [session(sid, turns)] })).sessions[0]!.error).toBeUndefined();
    const view = await store.sessionView(teacher, klass.id, sid);
    expect(view.turns.map((t) => t.id)).toEqual(turns.slice(0, 4).map((t) => t.id));
    expect(view.truncated).toBe(true);
    const hits = await store.search(teacher, klass.id, '数学');
    expect(hits).toHaveLength(5);
    for (const hit of hits) expect(hit).toMatchObject({ content: expect.stringMatching(/^.{2000}$/su), content_truncated: true });
    expect(hits.map((h) => h.content.slice(0, 5)).sort()).toEqual(['第1段数学', '第2段数学', '第3段数学', '第4段数学', '第5段数学']);
    await store.close();
  });

  test.skipIf(skip)('a search hit says when the hub cut it: Chinese of 2,001 characters is cut, of 2,000 or fewer is whole and says nothing', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    const sid = uuidv7();
    // Characters, not bytes: 2,000 Chinese characters are 6,000 bytes in UTF-8, and still whole.
    const exact = '物理' + '浮'.repeat(SEARCH_HIT_MAX_CHARS - 2);
    const over = '物理' + '沉'.repeat(SEARCH_HIT_MAX_CHARS - 1);
    const short = '物理课的浮力实验';
    const turns = chained(sid, [{ content: exact }, { content: over, role: 'assistant' }, { content: short }]);
    await store.push(student, { sessions: [session(sid, turns)] });
    const hits = new Map((await store.search(teacher, klass.id, '物理')).map((h) => [h.turn_id, h]));
    expect(hits.size).toBe(3);
    expect(hits.get(turns[0]!.id)).toEqual(expect.objectContaining({ content: exact }));
    expect(hits.get(turns[0]!.id)).not.toHaveProperty('content_truncated');
    expect(hits.get(turns[1]!.id)).toEqual(expect.objectContaining({ content: over.slice(0, SEARCH_HIT_MAX_CHARS), content_truncated: true }));
    expect(hits.get(turns[2]!.id)).toEqual(expect.objectContaining({ content: short }));
    expect(hits.get(turns[2]!.id)).not.toHaveProperty('content_truncated');
    await store.close();
  });

  test.skipIf(skip)('search pages newest first across its recent window: recent turns, then older ones to fill the limit', async () => {
    let clock = 1_800_000_000_000;
    const store = await openHub(kind, server, () => clock);
    const { teacher, klass, student } = await classWithStudent(store);
    const pushed = async (contents: string[]) => {
      const id = uuidv7();
      const turns = chained(
        id,
        contents.map((content) => ({ content })),
      );
      await store.push(student, { sessions: [session(id, turns)] });
      return turns.map((t) => t.id);
    };
    const old = await pushed(['数学一', '数学二', '别的']);
    clock += SEARCH_RECENT_MS + 86_400_000;
    const recent = await pushed(['数学三', '数学四']);
    const ids = async (limit: number) => (await store.search(teacher, klass.id, '数学', limit)).map((h) => h.turn_id);
    // One push shares its received_at: newest id first within it.
    expect(await ids(50)).toEqual([recent[1], recent[0], old[1], old[0]]);
    expect(await ids(3)).toEqual([recent[1], recent[0], old[1]]);
    expect(await ids(2)).toEqual([recent[1], recent[0]]);
    expect(await ids(1)).toEqual([recent[1]]);
    await store.close();
  });

  test.skipIf(skip)('search normalizes as the desktop’s does: 牛顿 finds a PDF’s ⽜顿, Ａ finds A, and the other way round', async () => {
    const store = await openHub(kind, server);
    const { teacher, klass, student } = await classWithStudent(store);
    const id = uuidv7();
    // Kangxi radicals (⽜ U+2F5C, ⼆ U+2F06) as a Noto-typeset PDF gives them; a CJK Radicals
    // Supplement character NFKC leaves alone (⻄ U+2EC4); full-width Latin; plain text to find with odd forms.
    const contents = ['⽜顿第⼆定律怎么用？', '⻄瓜和冬瓜', 'ＡＢＣ 猜想的证明', '牛顿第三定律', 'Newton 说 F=ma'];
    const turns = chained(
      id,
      contents.map((content) => ({ content })),
    );
    await store.push(student, { sessions: [session(id, turns)] });
    const found = async (query: string) => (await store.search(teacher, klass.id, query)).map((h) => h.content).sort();
    expect(await found('牛顿')).toEqual(['⽜顿第⼆定律怎么用？', '牛顿第三定律'].sort());
    expect(await found('第二定律')).toEqual(['⽜顿第⼆定律怎么用？']);
    expect(await found('⽜顿')).toEqual(['⽜顿第⼆定律怎么用？', '牛顿第三定律'].sort());
    expect(await found('西瓜')).toEqual(['⻄瓜和冬瓜']);
    expect(await found('ABC')).toEqual(['ＡＢＣ 猜想的证明']);
    expect(await found('abc 猜想')).toEqual(['ＡＢＣ 猜想的证明']);
    expect(await found('ｎｅｗｔｏｎ')).toEqual(['Newton 说 F=ma']);
    expect(await found('顿第四')).toEqual([]);
    await store.close();
  });
});
