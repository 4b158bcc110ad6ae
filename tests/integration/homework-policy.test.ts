// An assignment's AI policy and homework's hint ladder, through the real openai SDK to the test
// server: the ladder climbed level by level (each level's prompt seen upstream, each answer's
// meta.hint_level), the ceiling, the allowance (refused before any upstream call, offline too, the
// message kept), allowed models and modes, opens_at, the snapshot, and the check pass.
import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import type { AssignmentPolicy } from '../../src/shared/api/schemas.ts';
import { ApiError, ERROR_STATUS } from '../../src/shared/errors.ts';
import { HINT_LADDER } from '../../src/shared/hint-ladder.ts';
import { sendThroughDispatch, setupCore, TEST_CALLER, type TestCore } from '../support/core.ts';
import { rowCount, testWrites } from '../support/temp.ts';

const ADMIN = { user_id: 'teacher-1', role: 'admin' as const };

function withPolicy(core: TestCore, id: string, policy: AssignmentPolicy, extra: { due_at?: number; description?: string } = {}) {
  core.assignments.create(testWrites(core.store), { id, title: `Homework ${id}`, ...extra, policy });
}

const levelPrompt = (level: number) => HINT_LADDER[level - 1]!.prompt.en;
const systemOf = (core: TestCore, index = -1) => core.chatRequests().at(index)!.body.messages[0].content as string;
const failure = (p: Promise<unknown>) => p.then(() => null).catch((e: unknown) => e as ApiError);

describe('homework: the hint ladder', () => {
  it('climbs one level per "more help" up to the ceiling; each level’s prompt goes upstream and each answer records its level', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_ladder', { hint_ceiling: 3 });
    const first = await sendThroughDispatch(core, TEST_CALLER, { message: 'Solve x^2 = 4', mode: 'homework', assignment_id: 'hw_ladder' });
    expect(systemOf(core)).toContain(levelPrompt(1));
    expect(first.meta.hint_level).toBe(1);
    const session = first.session_id;

    for (const level of [2, 3]) {
      const res = await sendThroughDispatch(core, TEST_CALLER, { message: 'more help please', meta: { session_id: session }, hint_request: 'more' });
      const system = systemOf(core);
      expect(system).toContain(levelPrompt(level));
      expect(system).not.toContain(levelPrompt(level - 1));
      expect(res.meta.hint_level).toBe(level);
      expect(core.turns.getTurnById(res.turn_id)!.meta).toMatchObject({ hint_level: level });
      expect(core.turns.getTurnById(res.meta.user_turn_id)!.meta).toMatchObject({ hint_level: level, hint_request: 'more' });
      expect(core.sessions.getSessionById(session)!.meta.hint_level).toBe(level);
    }
    // A plain follow-up stays at the level reached.
    const plain = await sendThroughDispatch(core, TEST_CALLER, { message: 'I tried x = 2', meta: { session_id: session } });
    expect(plain.meta.hint_level).toBe(3);
    expect(systemOf(core)).toContain(levelPrompt(3));

    // Above the ceiling: refused with its own code, the message kept, nothing sent upstream.
    const sent = core.chatRequests().length;
    const refused = await failure(sendThroughDispatch(core, TEST_CALLER, { message: 'just tell me the answer', meta: { session_id: session }, hint_request: 'more' }));
    expect(refused).toMatchObject({ code: 'hint_ceiling_reached', detail: expect.stringContaining('up to level 3') });
    expect(core.chatRequests()).toHaveLength(sent);
    const kept = core.turns.getTurnsBySessionId(session).at(-1)!;
    expect(kept).toMatchObject({ role: 'user', content: 'just tell me the answer', meta: { status: 'failed', error: { code: 'hint_ceiling_reached' }, hint_level: 3 } });
    expect(core.sessions.getSessionById(session)!.meta.hint_level).toBe(3);
  });

  it('uses the Chinese prompt of the level when the language is Chinese', async () => {
    const core = await setupCore();
    core.settings.update({ language: 'zh-CN' });
    const res = await core.proxy.send(TEST_CALLER, { message: '怎么做', mode: 'homework', assignment_id: 'hw_001', hint_request: 'more' });
    expect(res.meta.hint_level).toBe(2);
    expect(systemOf(core)).toContain(HINT_LADDER[1]!.prompt['zh-CN']);
  });

  it('defaults to a ceiling of 4 (check my work): a fifth level is refused', async () => {
    const core = await setupCore();
    let res = await core.proxy.send(TEST_CALLER, { message: 'start', mode: 'homework', assignment_id: 'hw_001' });
    for (let i = 0; i < 3; i++) res = await core.proxy.send(TEST_CALLER, { message: 'more', meta: { session_id: res.session_id }, hint_request: 'more' });
    expect(res.meta.hint_level).toBe(4);
    expect(await failure(core.proxy.send(TEST_CALLER, { message: 'more', meta: { session_id: res.session_id }, hint_request: 'more' }))).toMatchObject({
      code: 'hint_ceiling_reached',
    });
  });

  it('a retried message keeps the level it was first sent at (it does not climb again)', async () => {
    const core = await setupCore();
    const start = await core.proxy.send(TEST_CALLER, { message: 'start', mode: 'homework', assignment_id: 'hw_001' });
    core.server.script({ fault: { kind: 'status', status: 500 } });
    const req = { message: 'more please', meta: { session_id: start.session_id }, hint_request: 'more' as const, client_request_id: 'retry-hint-0001' };
    expect(await failure(core.proxy.send(TEST_CALLER, req))).toMatchObject({ code: 'upstream_error' });
    expect(core.sessions.getSessionById(start.session_id)!.meta.hint_level).toBe(2);
    const retried = await core.proxy.send(TEST_CALLER, req);
    expect(retried.meta.hint_level).toBe(2);
    expect(core.sessions.getSessionById(start.session_id)!.meta.hint_level).toBe(2);
  });

  it('the level is the server’s: a session edit naming a hint level (or a version, or who named it) changes none of them', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'start', mode: 'homework', assignment_id: 'hw_001' });
    const patched = await dispatch(core, 'updateSession', TEST_CALLER, {
      id: first.session_id,
      meta: { hint_level: 5, active_leaf_id: first.meta.user_turn_id, title_source: 'model', pinned: true },
    });
    expect(patched.ok).toBe(true);
    const meta = core.sessions.getSessionById(first.session_id)!.meta;
    expect(meta).toMatchObject({ hint_level: 1, pinned: true });
    expect(meta.active_leaf_id).toBeUndefined();
    expect(meta.title_source).not.toBe('model');
    const next = await core.proxy.send(TEST_CALLER, { message: 'next', meta: { session_id: first.session_id } });
    expect(next.meta.hint_level).toBe(1);
    expect(systemOf(core)).toContain(levelPrompt(1));
  });

  it('a stored policy with a key this version does not know (a class hub’s) is still enforced', async () => {
    const core = await setupCore();
    core.store.sqlite
      .prepare("INSERT INTO assignment (id, title, created_at, meta) VALUES ('hub_hw', 'From the hub', 1, ?)")
      .run(JSON.stringify({ policy: { hint_ceiling: 2, share_sessions: true, a_future_key: 'x' }, hub_class_id: 'c1' }));
    expect(core.assignments.get('hub_hw')!.policy).toEqual({ hint_ceiling: 2, share_sessions: true });
    const first = await core.proxy.send(TEST_CALLER, { message: 'start', mode: 'homework', assignment_id: 'hub_hw' });
    await core.proxy.send(TEST_CALLER, { message: 'more', meta: { session_id: first.session_id }, hint_request: 'more' });
    expect(await failure(core.proxy.send(TEST_CALLER, { message: 'more', meta: { session_id: first.session_id }, hint_request: 'more' }))).toMatchObject({
      code: 'hint_ceiling_reached',
    });
  });

  it('hint_request outside homework is refused, nothing written', async () => {
    const core = await setupCore();
    const refused = await failure(sendThroughDispatch(core, TEST_CALLER, { message: 'hi', mode: 'chat', hint_request: 'more' }));
    expect(refused).toMatchObject({ code: 'validation_error', issues: [{ path: 'hint_request' }] });
    expect(rowCount(core.store, 'turn')).toBe(0);
    // Only "more" is a hint request.
    expect(await failure(sendThroughDispatch(core, TEST_CALLER, { message: 'hi', mode: 'homework', assignment_id: 'hw_001', hint_request: 'all' }))).toMatchObject({
      code: 'validation_error',
    });
  });
});

describe('homework: the check pass', () => {
  it('flags an answer that gives a final answer below level 5; the answer is kept as it is', async () => {
    const core = await setupCore();
    core.server.script({ reply: 'Good start. The answer is x = 2.' });
    const flagged = await core.proxy.send(TEST_CALLER, { message: 'x+1=3?', mode: 'homework', assignment_id: 'hw_001' });
    expect(flagged.content).toBe('Good start. The answer is x = 2.');
    expect(flagged.meta.flagged).toBe('final_answer_above_level');
    expect(core.turns.getTurnById(flagged.turn_id)!.meta).toMatchObject({ flagged: 'final_answer_above_level', hint_level: 1 });

    core.server.script({ reply: '先想一想：方程两边同时减去 1 会怎样？' });
    const clean = await core.proxy.send(TEST_CALLER, { message: '还是不会', meta: { session_id: flagged.session_id } });
    expect(clean.meta.flagged).toBeUndefined();
    // Streams are checked too, once settled.
    core.server.script({ reply: '所以最终答案是 $\\boxed{2}$。' });
    const events = [];
    for await (const e of core.proxy.stream(TEST_CALLER, { message: '再说一遍', meta: { session_id: flagged.session_id } })) events.push(e);
    const done = events.at(-1)!;
    expect(done.type === 'done' && done.response.meta.flagged).toBe('final_answer_above_level');
  });

  it('flags the usual Chinese phrasing of a final answer at level 1, not a question back (tryout 7)', async () => {
    const core = await setupCore();
    core.server.script({ reply: '设 $y=kx+b$，代入两点得 $k=2$，$b=1$，所以解析式是 $y=2x+1$。' });
    const given = await core.proxy.send(TEST_CALLER, { message: '这题怎么做？直接告诉我答案吧', mode: 'homework', assignment_id: 'hw_001' });
    expect(given.meta).toMatchObject({ hint_level: 1, flagged: 'final_answer_above_level' });
    core.server.script({ reply: '已知 $y=kx+b$ 经过两个点。所以你觉得把一个点代入后，$k$ 和 $b$ 满足什么关系？' });
    const asked = await core.proxy.send(TEST_CALLER, { message: '还是不会', meta: { session_id: given.session_id } });
    expect(asked.meta.hint_level).toBe(1);
    expect(asked.meta.flagged).toBeUndefined();
  });

  it('does not flag at level 5 (a worked solution is allowed there)', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_open', { hint_ceiling: 5 });
    let res = await core.proxy.send(TEST_CALLER, { message: 'start', mode: 'homework', assignment_id: 'hw_open' });
    for (let i = 0; i < 3; i++) res = await core.proxy.send(TEST_CALLER, { message: 'more', meta: { session_id: res.session_id }, hint_request: 'more' });
    core.server.script({ reply: 'The answer is 2.' });
    res = await core.proxy.send(TEST_CALLER, { message: 'more', meta: { session_id: res.session_id }, hint_request: 'more' });
    expect(res.meta.hint_level).toBe(5);
    expect(systemOf(core)).toContain(levelPrompt(5));
    expect(res.meta.flagged).toBeUndefined();
  });
});

describe('assignment policy', () => {
  it('lands in the session’s policy_snapshot as applied (defaults filled in), with the context text sent to the model', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_ctx', { context: 'Use only the methods of chapter 3.', allowance: { tokens: 1_000_000 } }, { due_at: 4_102_444_800_000, description: 'Problems 1-4' });
    const res = await core.proxy.send(TEST_CALLER, { message: 'hi', mode: 'homework', assignment_id: 'hw_ctx' });
    expect(core.sessions.getSessionById(res.session_id)!.policy_snapshot.assignment_policy).toEqual({
      allowed_modes: ['chat', 'homework', 'deep_think'],
      hint_ceiling: 4,
      allowed_models: [],
      allowance: { tokens: 1_000_000 },
      opens_at: null,
      due_at: 4_102_444_800_000,
      closes_at: null,
      context: 'Use only the methods of chapter 3.',
    });
    expect(systemOf(core)).toMatch(/Assignment: Homework hw_ctx\nProblems 1-4\n\nContext from the teacher:\nUse only the methods of chapter 3\.$/);
    // A session without an assignment has no assignment policy (and no level).
    const chat = await core.proxy.send(TEST_CALLER, { message: 'hi' });
    expect(core.sessions.getSessionById(chat.session_id)!.policy_snapshot).not.toHaveProperty('assignment_policy');
    expect(chat.meta.hint_level).toBeUndefined();
  });

  it('a token allowance used up: refused before any upstream call, offline too, the message kept', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_tokens', { allowance: { tokens: 10 } });
    const first = await core.proxy.send(TEST_CALLER, { message: 'first question', mode: 'homework', assignment_id: 'hw_tokens' });
    const used = core.turns.getTurnById(first.turn_id)!;
    expect(used.tokens_in + used.tokens_out).toBeGreaterThanOrEqual(10);
    const sent = core.chatRequests().length;

    const refused = await failure(core.proxy.send(TEST_CALLER, { message: 'second question', meta: { session_id: first.session_id } }));
    expect(refused).toMatchObject({ code: 'allowance_exhausted', detail: expect.stringContaining(`${used.tokens_in + used.tokens_out} of 10 tokens used`) });
    expect(core.chatRequests()).toHaveLength(sent);
    expect(core.turns.getTurnsBySessionId(first.session_id).at(-1)).toMatchObject({
      role: 'user',
      content: 'second question',
      meta: { status: 'failed', error: { code: 'allowance_exhausted' } },
    });

    // Across sessions (the allowance is per student per assignment), and with the provider gone.
    await core.server.close();
    const offline = await failure(core.proxy.send(TEST_CALLER, { message: 'a new session', mode: 'homework', assignment_id: 'hw_tokens', client_request_id: 'offline-0001' }));
    expect(offline).toMatchObject({ code: 'allowance_exhausted' });
    const kept = core.turns.findByClientRequestId(TEST_CALLER.user_id, 'offline-0001')!;
    expect(kept.meta).toMatchObject({ status: 'failed', error: { code: 'allowance_exhausted' } });
    expect(core.sessions.getSessionById(kept.session_id)!.policy_snapshot).toMatchObject({ assignment_policy: { allowance: { tokens: 10 } } });

    // Another student's allowance is their own.
    const other = await failure(core.proxy.send({ user_id: 'student-2', role: 'student' }, { message: 'mine', mode: 'homework', assignment_id: 'hw_tokens' }));
    expect(other).toMatchObject({ code: 'upstream_unreachable' });
  });

  it('a cost allowance used up is refused the same way; raising it lets the kept message be retried', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_cost', { allowance: { cost: 1 } });
    const first = await core.proxy.send(TEST_CALLER, { message: 'q1', mode: 'homework', assignment_id: 'hw_cost' });
    expect(first.meta.usage.cost).toBeGreaterThan(0);
    const req = { message: 'q2', meta: { session_id: first.session_id }, client_request_id: 'cost-retry-0001' };
    expect(await failure(core.proxy.send(TEST_CALLER, req))).toMatchObject({ code: 'allowance_exhausted', detail: expect.stringContaining('micro-cents used') });
    core.assignments.update(testWrites(core.store), 'hw_cost', { policy: { allowance: { cost: 1_000_000_000 } } });
    const retried = await core.proxy.send(TEST_CALLER, req);
    expect(retried.content).toBe('Echo: q2');
    expect(core.turns.getTurnsBySessionId(first.session_id).filter((t) => t.content === 'q2')).toHaveLength(1);
    // The running session's snapshot follows the policy it was last sent under.
    expect(core.sessions.getSessionById(first.session_id)!.policy_snapshot.assignment_policy).toMatchObject({ allowance: { cost: 1_000_000_000 } });
  });

  it('a model outside allowed_models is refused, nothing written; without a model the first allowed one is used', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_models', { allowed_models: ['deepseek-chat'] });
    const refused = await failure(sendThroughDispatch(core, TEST_CALLER, { message: 'hi', mode: 'homework', assignment_id: 'hw_models', model: 'gpt-4o-mini' }));
    expect(refused).toMatchObject({ code: 'validation_error', issues: [{ path: 'model', message: expect.stringContaining('deepseek-chat') }] });
    expect(rowCount(core.store, 'turn')).toBe(0);
    expect(core.chatRequests()).toHaveLength(0);
    const res = await core.proxy.send(TEST_CALLER, { message: 'hi', mode: 'homework', assignment_id: 'hw_models' });
    expect(res.model).toBe('deepseek-chat');
    expect(core.chatRequests()[0]!.body.model).toBe('deepseek-chat');
  });

  it('a mode the policy does not allow is refused with its own code (403), naming the allowed modes; the message is kept', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_modes', { allowed_modes: ['homework', 'chat'] });
    const refused = await failure(sendThroughDispatch(core, TEST_CALLER, { message: 'hi', mode: 'deep_think', assignment_id: 'hw_modes' }));
    expect(refused).toMatchObject({ code: 'mode_not_allowed', detail: expect.stringContaining('allows only these modes: homework, chat') });
    expect(ERROR_STATUS[(refused as ApiError).code]).toBe(403);
    expect(core.chatRequests()).toHaveLength(0);
    const [session] = core.store.sqlite.prepare('SELECT id FROM session').all() as { id: string }[];
    expect(core.turns.getTurnsBySessionId(session!.id)).toMatchObject([{ role: 'user', content: 'hi', meta: { status: 'failed', error: { code: 'mode_not_allowed' } } }]);
    await core.proxy.send(TEST_CALLER, { message: 'hi', mode: 'homework', assignment_id: 'hw_modes' });
    expect(core.chatRequests()).toHaveLength(1);
  });

  it('before opens_at messages are refused, nothing written; once open they go', async () => {
    const core = await setupCore();
    withPolicy(core, 'hw_later', { opens_at: Date.now() + 86_400_000 });
    const refused = await failure(core.proxy.send(TEST_CALLER, { message: 'early', mode: 'homework', assignment_id: 'hw_later' }));
    expect(refused).toMatchObject({ code: 'assignment_not_open', detail: expect.stringContaining('opens at') });
    expect(rowCount(core.store, 'turn')).toBe(0);
    expect(core.chatRequests()).toHaveLength(0);
    core.assignments.update(testWrites(core.store), 'hw_later', { policy: { opens_at: Date.now() - 1_000 } });
    await core.proxy.send(TEST_CALLER, { message: 'now', mode: 'homework', assignment_id: 'hw_later' });
  });
});

describe('assignment routes carry the policy', () => {
  it('create, read, replace and keep it; the status route reports the allowance used and left', async () => {
    const core = await setupCore();
    const call = async (route: Parameters<typeof dispatch>[1], caller: typeof ADMIN | typeof TEST_CALLER, input: unknown) => {
      const env = await dispatch(core, route, caller, input);
      if (!env.ok) throw new ApiError(env.body.code, env.body.detail, env.body.issues);
      return env.body as Record<string, unknown>;
    };
    const created = await call('createAssignment', ADMIN, {
      id: 'hw_api',
      title: 'API homework',
      due_at: '2020-01-01',
      policy: { hint_ceiling: 2, allowed_models: ['gpt-4o-mini'], allowance: { tokens: 100_000 }, opens_at: '2019-01-01', context: 'Chapter 3' },
    });
    expect(created).toMatchObject({ policy: { hint_ceiling: 2, allowance: { tokens: 100_000 }, opens_at: expect.any(Number) } });
    expect(created.meta).toEqual({});
    expect((await call('getAssignment', TEST_CALLER, { id: 'hw_api' })).policy).toMatchObject({ hint_ceiling: 2, context: 'Chapter 3' });
    // A meta change keeps the policy; a policy replaces it whole; null removes it.
    await call('updateAssignment', ADMIN, { id: 'hw_api', meta: { source: 'teacher' } });
    expect(await call('getAssignment', TEST_CALLER, { id: 'hw_api' })).toMatchObject({ meta: { source: 'teacher' }, policy: { hint_ceiling: 2 } });
    await call('updateAssignment', ADMIN, { id: 'hw_api', policy: { hint_ceiling: 3, allowance: { tokens: 100_000 } } });
    expect((await call('getAssignment', TEST_CALLER, { id: 'hw_api' })).policy).toEqual({ hint_ceiling: 3, allowance: { tokens: 100_000 } });

    const before = await call('getAssignmentStatus', TEST_CALLER, { id: 'hw_api' });
    expect(before).toMatchObject({ used: { tokens: 0, cost: 0 }, left: { tokens: 100_000, cost: null }, exhausted: false, not_open: false, late: true });
    const res = await core.proxy.send(TEST_CALLER, { message: 'hi', mode: 'homework', assignment_id: 'hw_api' });
    const tokens = res.meta.usage.tokens_in + res.meta.usage.tokens_out;
    expect(await call('getAssignmentStatus', TEST_CALLER, { id: 'hw_api' })).toMatchObject({ used: { tokens }, left: { tokens: 100_000 - tokens } });
    // A student reads only their own; an admin anyone's.
    expect(await failure(call('getAssignmentStatus', TEST_CALLER, { id: 'hw_api', user_id: 'student-2' }))).toMatchObject({ code: 'forbidden' });
    expect(await call('getAssignmentStatus', ADMIN, { id: 'hw_api', user_id: TEST_CALLER.user_id })).toMatchObject({ used: { tokens } });

    await call('updateAssignment', ADMIN, { id: 'hw_api', policy: null });
    expect((await call('getAssignment', TEST_CALLER, { id: 'hw_api' })).policy).toEqual({});
    // Invalid policies are named by field.
    expect(await failure(call('createAssignment', ADMIN, { title: 'x', policy: { hint_ceiling: 9 } }))).toMatchObject({
      code: 'validation_error',
      issues: [{ path: 'policy.hint_ceiling' }],
    });
  });
});
