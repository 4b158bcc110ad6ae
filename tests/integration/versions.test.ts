// Versions: editing a message or regenerating an answer adds a sibling turn (nothing is
// overwritten); the context sent upstream follows the chosen branch; GET turns returns every
// version with its parent; exports show every version; usage counts every call. And the
// model-made session title: after the first answer, recorded as usage, skipped when it fails,
// never over the student's own name.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { dispatch, dispatchStream } from '../../src/main/core/api/dispatch.ts';
import type { Core } from '../../src/main/core/app.ts';
import { DEFAULT_MIGRATIONS_FOLDER, openDatabase } from '../../src/main/core/db/connection.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { titleFromReply } from '../../src/main/core/llm/model-title.ts';
import type { RouteInput, RouteName, UnaryRouteName } from '../../src/shared/api/routes.ts';
import type { ProxyMessage, ProxyMessageResponse, Session, Turn } from '../../src/shared/api/schemas.ts';
import { activePath, childrenOf, versionsOf } from '../../src/shared/turn-tree.ts';
import { collect, setupCore, TEST_CALLER, type TestCore } from '../support/core.ts';
import { onCleanup, tempDir, testWrites } from '../support/temp.ts';
import { HINT_LADDER } from '../../src/shared/hint-ladder.ts';
import { messagesFromTurns } from '../../src/renderer/src/features/chat/messages.ts';

/** A unary route through dispatch, as both faces call it; throws with the error envelope. */
async function call<N extends UnaryRouteName>(core: Core, name: N, input: RouteInput<N>): Promise<unknown> {
  const envelope = await dispatch(core, name, TEST_CALLER, input);
  if (!envelope.ok) throw Object.assign(new Error(envelope.body.detail), envelope.body);
  return envelope.body;
}

/** Regenerates through the streaming route; returns the `done` response (or throws the error event). */
async function regenerate(core: Core, input: RouteInput<'regenerateAnswer'>): Promise<ProxyMessageResponse> {
  const opened = dispatchStream(core, 'regenerateAnswer' as RouteName & 'regenerateAnswer', TEST_CALLER, input, new AbortController().signal);
  if (!opened.ok) throw Object.assign(new Error(opened.envelope.body.detail), opened.envelope.body);
  const events = await collect(opened.events);
  const last = events.at(-1)!;
  if (last.type === 'error') throw Object.assign(new Error(last.error.detail), last.error);
  if (last.type !== 'done') throw new Error(`no done event: ${JSON.stringify(events)}`);
  return last.response;
}

const turnsOf = (core: Core, session: string) => call(core, 'getSessionTurns', { id: session }) as Promise<Turn[]>;
const activeOf = (core: Core, session: string) => call(core, 'getSessionTurns', { id: session, path: 'active' }) as Promise<Turn[]>;
/** What the provider was sent on its last chat call, as [role, content] pairs without the system prompt. */
const lastSent = (core: TestCore) =>
  (core.chatRequests().at(-1)!.body.messages as { role: string; content: string }[]).filter((m) => m.role !== 'system').map((m) => [m.role, m.content]);

/** q1 → a1, q2 → a2: a two-exchange session. */
async function conversation(core: TestCore) {
  const first = await core.proxy.send(TEST_CALLER, { message: 'q1' });
  const session = first.session_id;
  const second = await core.proxy.send(TEST_CALLER, { message: 'q2', meta: { session_id: session } });
  return { session, q1: first.meta.user_turn_id, a1: first.turn_id, q2: second.meta.user_turn_id, a2: second.turn_id };
}

describe('versions in the proxy', () => {
  it('links each turn to the one it follows, and GET turns returns every turn with its parent', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const turns = await turnsOf(core, c.session);
    expect(turns.map((t) => [t.id, t.parent_id])).toEqual([
      [c.q1, null],
      [c.a1, c.q1],
      [c.q2, c.a1],
      [c.a2, c.q2],
    ]);
  });

  it('an edit is a new message beside the edited one; what follows is sent on the edited branch only', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    // Edit q2: the same parent as q2.
    const edited = await core.proxy.send(TEST_CALLER, { message: 'q2, better', parent_id: c.a1, meta: { session_id: c.session } });
    expect(lastSent(core)).toEqual([
      ['user', 'q1'],
      ['assistant', 'Echo: q1'],
      ['user', 'q2, better'],
    ]);
    const turns = await turnsOf(core, c.session);
    expect(turns).toHaveLength(6); // nothing overwritten
    expect(turns.find((t) => t.id === edited.meta.user_turn_id)?.parent_id).toBe(c.a1);
    const v = versionsOf(
      turns.find((t) => t.id === edited.meta.user_turn_id)!,
      childrenOf(turns),
    );
    expect([v.index, v.count]).toEqual([1, 2]);
    // The next message continues the new branch (the end of the active branch by default).
    await core.proxy.send(TEST_CALLER, { message: 'q3', meta: { session_id: c.session } });
    expect(lastSent(core)).toEqual([
      ['user', 'q1'],
      ['assistant', 'Echo: q1'],
      ['user', 'q2, better'],
      ['assistant', 'Echo: q2, better'],
      ['user', 'q3'],
    ]);
    // Editing the first message starts a new branch from the top.
    await core.proxy.send(TEST_CALLER, { message: 'q1 again', parent_id: null, meta: { session_id: c.session } });
    expect(lastSent(core)).toEqual([['user', 'q1 again']]);
  });

  it('regenerating adds an answer beside the old one, with another model if asked; the context is the message’s branch', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    core.server.script({ reply: 'a second answer to q1' });
    const again = await regenerate(core, { id: c.session, turn_id: c.a1, model: 'deepseek-chat' });
    expect(again).toMatchObject({ content: 'a second answer to q1', model: 'deepseek-chat', meta: { user_turn_id: c.q1, status: 'complete' } });
    expect(core.chatRequests().at(-1)!.body.model).toBe('deepseek-chat');
    expect(lastSent(core)).toEqual([['user', 'q1']]);
    const turns = await turnsOf(core, c.session);
    expect(turns).toHaveLength(5);
    expect(turns.find((t) => t.id === again.turn_id)?.parent_id).toBe(c.q1);
    // The new answer is the end of the active branch: q2 and a2 are on the other version.
    expect((await activeOf(core, c.session)).map((t) => t.id)).toEqual([c.q1, again.turn_id]);
    const next = await core.proxy.send(TEST_CALLER, { message: 'q2b', meta: { session_id: c.session } });
    expect(lastSent(core)).toEqual([
      ['user', 'q1'],
      ['assistant', 'a second answer to q1'],
      ['user', 'q2b'],
    ]);
    expect(next.model).toBe('gpt-4o-mini'); // the session's model again: regenerate's model was for that answer
    // The model is in the snapshot's models, as a follow-up's is.
    expect(core.sessions.getSessionById(c.session)?.policy_snapshot.models).toEqual(['gpt-4o-mini', 'deepseek-chat']);
  });

  it('switching versions is kept in the session (survives a reload) and the next message follows it', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const again = await regenerate(core, { id: c.session, turn_id: c.q1 });
    // Back to the first answer: the branch runs down to its newest leaf (a2).
    const session = (await call(core, 'selectSessionPath', { id: c.session, turn_id: c.a1 })) as Session;
    expect(session.meta.active_leaf_id).toBe(c.a2);
    expect((await activeOf(core, c.session)).map((t) => t.id)).toEqual([c.q1, c.a1, c.q2, c.a2]);
    // What the app computes from every turn agrees with the server's path.
    expect(activePath(await turnsOf(core, c.session), session.meta.active_leaf_id).map((t) => t.id)).toEqual([c.q1, c.a1, c.q2, c.a2]);
    await core.proxy.send(TEST_CALLER, { message: 'q3', meta: { session_id: c.session } });
    expect(lastSent(core)).toEqual([
      ['user', 'q1'],
      ['assistant', 'Echo: q1'],
      ['user', 'q2'],
      ['assistant', 'Echo: q2'],
      ['user', 'q3'],
    ]);
    // The new turn is the end of the branch again: the chosen leaf is dropped.
    expect(core.sessions.getSessionById(c.session)?.meta.active_leaf_id).toBeUndefined();
    // Switching to the regenerated answer shows it alone.
    await call(core, 'selectSessionPath', { id: c.session, turn_id: again.turn_id });
    expect((await activeOf(core, c.session)).map((t) => t.id)).toEqual([c.q1, again.turn_id]);
  });

  it('refuses a parent that is not an answer of the session, writing nothing', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const other = await core.proxy.send(TEST_CALLER, { message: 'elsewhere' });
    const before = (await turnsOf(core, c.session)).length;
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', parent_id: c.q2, meta: { session_id: c.session } })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', parent_id: other.turn_id, meta: { session_id: c.session } })).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(regenerate(core, { id: c.session, turn_id: other.turn_id })).rejects.toMatchObject({ code: 'not_found' });
    expect(await turnsOf(core, c.session)).toHaveLength(before);
  });

  it('a failed regeneration leaves the message answered and its answer on the branch', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    core.server.script({ fault: { kind: 'status', status: 500 } });
    await expect(regenerate(core, { id: c.session, turn_id: c.a2 })).rejects.toMatchObject({ code: 'upstream_error' });
    const q2 = (await turnsOf(core, c.session)).find((t) => t.id === c.q2)!;
    expect(q2.meta).toMatchObject({ status: 'answered', assistant_turn_id: c.a2 });
    expect((await activeOf(core, c.session)).map((t) => t.id)).toEqual([c.q1, c.a1, c.q2, c.a2]);
  });

  it('a new message after a failed one follows it, as the chat showed them: a reload shows one after another, no versions', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    core.server.script({ fault: { kind: 'status', status: 429 } }, { fault: { kind: 'status', status: 503 } });
    for (const [message, id] of [
      ['lost', 'req-lost-001'],
      ['lost too', 'req-lost-002'],
    ]) {
      await expect(core.proxy.send(TEST_CALLER, { message: message!, meta: { session_id: c.session }, client_request_id: id! })).rejects.toMatchObject({
        code: expect.stringMatching(/^upstream_/),
      });
    }
    const next = await core.proxy.send(TEST_CALLER, { message: 'q3', meta: { session_id: c.session } });
    const turns = await turnsOf(core, c.session);
    const lost = turns.find((t) => t.content === 'lost')!;
    const lostToo = turns.find((t) => t.content === 'lost too')!;
    expect(lost.parent_id).toBe(c.a2);
    expect(lostToo.parent_id).toBe(lost.id);
    expect(turns.find((t) => t.id === next.meta.user_turn_id)?.parent_id).toBe(lostToo.id);
    // The model is sent the branch without the unanswered ones (they never reached it).
    expect(lastSent(core).slice(-3)).toEqual([
      ['user', 'q2'],
      ['assistant', 'Echo: q2'],
      ['user', 'q3'],
    ]);
    // The active branch — what a reload shows — is the thread as sent, and no message has versions.
    expect((await activeOf(core, c.session)).map((t) => t.content)).toEqual(['q1', 'Echo: q1', 'q2', 'Echo: q2', 'lost', 'lost too', 'q3', 'Echo: q3']);
    const shown = messagesFromTurns(turns);
    expect(shown.map((m) => [m.content, m.versions ?? null])).toEqual([
      ['q1', null],
      ['Echo: q1', null],
      ['q2', null],
      ['Echo: q2', null],
      ['lost', null],
      ['lost too', null],
      ['q3', null],
      ['Echo: q3', null],
    ]);
    // An edit of the message after a failed one names that one as its parent: a version of the edited message.
    const edited = await core.proxy.send(TEST_CALLER, { message: 'q3 again', parent_id: lostToo.id, meta: { session_id: c.session } });
    expect(core.turns.getTurnById(edited.meta.user_turn_id)?.parent_id).toBe(lostToo.id);
    const after = messagesFromTurns(await turnsOf(core, c.session));
    expect(after.map((m) => m.content)).toEqual(['q1', 'Echo: q1', 'q2', 'Echo: q2', 'lost', 'lost too', 'q3 again', 'Echo: q3 again']);
    expect(after.find((m) => m.content === 'q3 again')?.versions).toMatchObject({ index: 1, ids: [next.meta.user_turn_id, edited.meta.user_turn_id] });
  });

  it('retrying a failed message that nothing follows answers it where it is, with its own branch as context', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    core.server.script({ fault: { kind: 'status', status: 500 } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'lost', meta: { session_id: c.session }, client_request_id: 'req-lost-001' })).rejects.toMatchObject({
      code: 'upstream_error',
    });
    const retried = await core.proxy.send(TEST_CALLER, { message: 'lost', meta: { session_id: c.session }, client_request_id: 'req-lost-001' });
    expect(lastSent(core).at(-1)).toEqual(['user', 'lost']);
    expect(lastSent(core)).toHaveLength(5);
    expect((await activeOf(core, c.session)).map((t) => t.id).slice(-2)).toEqual([retried.meta.user_turn_id, retried.turn_id]);
  });

  it('two messages sent to a session at the same moment follow one another (not sibling versions), both answered', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    // One sent whole, one streamed, started together: the second waits for the first's answer.
    const [first, streamed] = await Promise.all([
      core.proxy.send(TEST_CALLER, { message: 'q3', meta: { session_id: c.session } }),
      collect(core.proxy.stream(TEST_CALLER, { message: 'q4', meta: { session_id: c.session } })),
    ]);
    const done = streamed.at(-1)!;
    if (done.type !== 'done') throw new Error(`no done event: ${JSON.stringify(streamed)}`);
    const second = done.response;
    const turns = await turnsOf(core, c.session);
    const parentOf = (id: string) => turns.find((t) => t.id === id)?.parent_id;
    expect([parentOf(first.meta.user_turn_id), parentOf(first.turn_id), parentOf(second.meta.user_turn_id), parentOf(second.turn_id)]).toEqual([
      c.a2,
      first.meta.user_turn_id,
      first.turn_id,
      second.meta.user_turn_id,
    ]);
    // The second was sent with the first exchange as its context.
    expect(lastSent(core).slice(-3)).toEqual([
      ['user', 'q3'],
      ['assistant', 'Echo: q3'],
      ['user', 'q4'],
    ]);
    expect((await activeOf(core, c.session)).map((t) => t.content)).toEqual(['q1', 'Echo: q1', 'q2', 'Echo: q2', 'q3', 'Echo: q3', 'q4', 'Echo: q4']);
    // A failed first message lets the next one go (it then follows the failed one).
    core.server.script({ fault: { kind: 'status', status: 500 } });
    const [failed, after] = await Promise.allSettled([
      core.proxy.send(TEST_CALLER, { message: 'lost', meta: { session_id: c.session } }),
      core.proxy.send(TEST_CALLER, { message: 'q5', meta: { session_id: c.session } }),
    ]);
    expect(failed).toMatchObject({ status: 'rejected', reason: { code: 'upstream_error' } });
    expect(after.status).toBe('fulfilled');
    const again = await turnsOf(core, c.session);
    expect(again.find((t) => t.content === 'q5')?.parent_id).toBe(again.find((t) => t.content === 'lost')?.id);
  });

  it('usage counts every call: the first answers and each regeneration', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    await regenerate(core, { id: c.session, turn_id: c.a1 });
    await regenerate(core, { id: c.session, turn_id: c.a1, model: 'qwen-plus' });
    const report = core.usage.report(TEST_CALLER.user_id, { from: 0, to: Date.now() + 60_000 }, 'model');
    expect(report.total.turns).toBe(4);
    expect(report.rows.map((r) => [r.key, r.turns])).toEqual([
      ['gpt-4o-mini', 3],
      ['qwen-plus', 1],
    ]);
  });
});

describe('exports show every version', () => {
  it('Markdown marks each version, in the settings’ language; JSON has every turn with its parent', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    await core.proxy.send(TEST_CALLER, { message: 'q2 edited', parent_id: c.a1, meta: { session_id: c.session } });
    core.server.script({ reply: 'another a1' });
    await regenerate(core, { id: c.session, turn_id: c.a1 });

    core.settings.update({ language: 'zh-CN' });
    const zh = ((await call(core, 'exportSessions', { session_id: c.session, format: 'md' })) as { content: string }).content;
    expect(zh.match(/^### 学生（第 \d 版，共 2 版）/gm)).toEqual(['### 学生（第 1 版，共 2 版）', '### 学生（第 2 版，共 2 版）']);
    expect(zh.match(/^### 助手（第 \d 版，共 2 版）/gm)).toEqual(['### 助手（第 1 版，共 2 版）', '### 助手（第 2 版，共 2 版）']);
    for (const text of ['q1', 'q2', 'q2 edited', 'Echo: q2', 'Echo: q2 edited', 'another a1']) expect(zh).toContain(`\n${text}\n`);

    core.settings.update({ language: 'en' });
    const en = ((await call(core, 'exportSessions', { session_id: c.session, format: 'md' })) as { content: string }).content;
    expect(en).toContain('### Student (version 2 of 2) — ');
    expect(en).toContain('### Assistant (version 1 of 2) — ');

    const json = JSON.parse(((await call(core, 'exportSessions', { session_id: c.session, format: 'json' })) as { content: string }).content) as {
      sessions: { turns: Turn[] }[];
    };
    const turns = json.sessions[0]!.turns;
    expect(turns).toHaveLength(7); // q1, a1, q2, a2, the edited q2 and its answer, the second a1
    expect(turns.map((t) => t.parent_id)).toEqual((await turnsOf(core, c.session)).map((t) => t.parent_id));
  });
});

describe('the model-made title', () => {
  const titled = () => setupCore({ core: { modelTitles: true } });

  it('after the first answer: one small call to the session’s model, the title cut to fit, counted in usage, hidden from the conversation', async () => {
    const core = await titled();
    core.server.script({ reply: '二次函数的顶点' }, { reply: '“二次函数顶点坐标的求法与配方法详解以及更多更多内容”' });
    const first = await core.proxy.send(TEST_CALLER, { message: '二次函数 y = x² - 4x + 3 的顶点怎么求？' });
    // Made when the app asks (GET /sessions/{id}/title, as the chat does after a first answer).
    expect(core.chatRequests()).toHaveLength(1);
    await core.proxy.titles.request(first.session_id);
    const title = core.sessions.getSessionById(first.session_id)!.meta;
    expect(title.title_source).toBe('model');
    // 15 Chinese characters and the ellipsis: as wide as about 30 Latin letters.
    expect(title.title).toBe('二次函数顶点坐标的求法与配方法…');
    // The call: the session's model, not streamed, the question and a request for a short title.
    const request = core.chatRequests().at(-1)!.body;
    expect(request).toMatchObject({ model: 'gpt-4o-mini', stream: false });
    expect(request.messages.at(-1)).toEqual({ role: 'user', content: '二次函数 y = x² - 4x + 3 的顶点怎么求？' });
    // Recorded as its own call: usage counts two calls, the conversation shows one exchange.
    const usage = core.usage.report(TEST_CALLER.user_id, { from: 0, to: Date.now() + 60_000 }, 'mode');
    expect(usage.total.turns).toBe(2);
    expect(usage.total.tokens_in).toBeGreaterThan(first.meta.usage.tokens_in);
    const turns = await turnsOf(core, first.session_id);
    expect(turns.map((t) => [t.role, t.role === 'system' ? t.meta.purpose : null])).toEqual([
      ['user', null],
      ['assistant', null],
      ['system', 'title'],
    ]);
    expect((await activeOf(core, first.session_id)).map((t) => t.role)).toEqual(['user', 'assistant']);
    const md = ((await call(core, 'exportSessions', { session_id: first.session_id, format: 'md' })) as { content: string }).content;
    expect(md).not.toMatch(/### (System|系统)/);
    // Only after the first answer.
    await core.proxy.send(TEST_CALLER, { message: 'a follow-up', meta: { session_id: first.session_id } });
    await core.proxy.titles.request(first.session_id);
    expect(core.chatRequests()).toHaveLength(3);
  });

  it('GET /sessions/{id}/title answers once the title is written — the stream’s `done` finds the call already in flight', async () => {
    const core = await titled();
    core.server.script({}, { reply: '天空的颜色', latencyMs: 300 });
    const opened = dispatchStream(core, 'streamProxyMessage', TEST_CALLER, { message: 'why is the sky blue' }, new AbortController().signal);
    if (!opened.ok) throw new Error(opened.envelope.body.detail);
    let waited: Promise<unknown> | null = null;
    for await (const event of opened.events) {
      // As the chat does: ask for the title as soon as the answer is done.
      if (event.type === 'done') waited = call(core, 'waitSessionTitle', { id: event.response.session_id });
    }
    const session = (await waited) as Session;
    expect(session.meta).toMatchObject({ title: '天空的颜色', title_source: 'model' });
    // With no title call in flight, it answers at once with the session as it is.
    expect(((await call(core, 'waitSessionTitle', { id: session.id })) as Session).meta.title).toBe('天空的颜色');
    await expect(call(core, 'waitSessionTitle', { id: 'no-such-session' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('is not made for a session nobody asks a title for (an API client, a script): one call per message', async () => {
    const core = await titled();
    for (let i = 0; i < 3; i++) await core.proxy.send(TEST_CALLER, { message: `one-off question ${i}` });
    await core.proxy.titles.settled();
    expect(core.chatRequests()).toHaveLength(3);
  });

  it('is skipped when the title call fails (offline by then): the title from the message stays, nothing is counted', async () => {
    const core = await titled();
    core.server.script({}, { fault: { kind: 'reset' } });
    const first = await core.proxy.send(TEST_CALLER, { message: 'why is the sky blue' });
    await core.proxy.titles.request(first.session_id);
    expect(core.chatRequests()).toHaveLength(2);
    expect(core.sessions.getSessionById(first.session_id)!.meta).toMatchObject({ title: 'why is the sky blue' });
    expect(core.sessions.getSessionById(first.session_id)!.meta.title_source).toBeUndefined();
    expect(core.usage.report(TEST_CALLER.user_id, { from: 0, to: Date.now() + 60_000 }, 'mode').total.turns).toBe(1);
  });

  it('is never asked for when the message got no answer (offline)', async () => {
    const core = await titled();
    core.server.script({ fault: { kind: 'reset' } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'offline question' })).rejects.toMatchObject({ code: 'upstream_unreachable' });
    const session = core.sessions.getSessionsByUserId(TEST_CALLER.user_id).items[0]!;
    await core.proxy.titles.request(session.id);
    expect(core.chatRequests()).toHaveLength(1);
  });

  it('is made after the first answer when the first message got none (the answered one follows the failed one)', async () => {
    const core = await titled();
    core.server.script({ fault: { kind: 'status', status: 503 } }, {}, { reply: '离线后的问题' });
    await expect(core.proxy.send(TEST_CALLER, { message: 'offline question', client_request_id: 'req-title-001' })).rejects.toMatchObject({ code: 'upstream_error' });
    const session = core.sessions.getSessionsByUserId(TEST_CALLER.user_id).items[0]!;
    const answered = await core.proxy.send(TEST_CALLER, { message: 'second question', meta: { session_id: session.id } });
    expect(core.turns.getTurnById(answered.meta.user_turn_id)?.parent_id).not.toBeNull();
    await core.proxy.titles.request(session.id);
    expect(core.sessions.getSessionById(session.id)!.meta).toMatchObject({ title_source: 'model', title: '离线后的问题' });
  });

  it('never replaces the student’s own name, even one given while the call runs', async () => {
    const core = await titled();
    core.server.script({}, { reply: 'Model title', latencyMs: 300 });
    const first = await core.proxy.send(TEST_CALLER, { message: 'a question' });
    const titling = core.proxy.titles.request(first.session_id);
    // The title call is in flight: the student renames meanwhile.
    await core.server.waitForRequest((r) => String(r.body?.messages?.[0]?.content).startsWith('Write a title'));
    await call(core, 'updateSession', { id: first.session_id, title: 'Mine' });
    await titling;
    expect(core.sessions.getSessionById(first.session_id)!.meta).toMatchObject({ title: 'Mine', title_source: 'student' });
    // The call was made, so usage counts it all the same.
    expect(core.usage.report(TEST_CALLER.user_id, { from: 0, to: Date.now() + 60_000 }, 'mode').total.turns).toBe(2);
  });

  it('is not made when the student renamed the session while its first answer came (no call to pay for)', async () => {
    const core = await titled();
    core.server.script({ chunkDelayMs: 20 });
    const opened = dispatchStream(core, 'streamProxyMessage', TEST_CALLER, { message: 'why is the sky blue' }, new AbortController().signal);
    if (!opened.ok) throw new Error(opened.envelope.body.detail);
    let sessionId = '';
    for await (const event of opened.events) {
      if (event.type === 'start' && !sessionId) {
        sessionId = event.session_id;
        await call(core, 'updateSession', { id: sessionId, title: '我的名字' });
      }
    }
    await call(core, 'waitSessionTitle', { id: sessionId });
    expect(core.chatRequests()).toHaveLength(1);
    expect(core.sessions.getSessionById(sessionId)!.meta).toMatchObject({ title: '我的名字', title_source: 'student' });
  });

  it('reads a title out of a chatty reply', () => {
    expect(titleFromReply('标题：《勾股定理》\n\n这是一个关于……')).toBe('勾股定理');
    expect(titleFromReply('<think>hmm</think>\n"Why the sky is blue."')).toBe('Why the sky is blue');
    expect(titleFromReply('  \n ')).toBeNull();
  });

  it('drops Markdown, LaTeX and the filler a chatty model starts with; keeps the first sentence; cuts by width', () => {
    // A reply that answers instead of titling (seen with a local model): the filler and the "*" go.
    expect(titleFromReply('好的！我们一步一步来。首先，回忆一下*牛顿第二定律*的内容。然后……')).toBe('回忆一下牛顿第二定律的内容');
    expect(titleFromReply('**牛顿第二定律** $F=ma$ 的应用')).toBe('牛顿第二定律 F=ma 的应用');
    expect(titleFromReply('# 求 $\\frac{1}{2}x^2$ 的导数')).toBe('求 1/2x² 的导数');
    expect(titleFromReply("Sure! Here's a title: Solving quadratic equations by completing the square")).toBe('Solving quadratic equations by…');
    expect(titleFromReply('Okay.')).toBeNull();
    // Words that only begin like filler stay.
    expect(titleFromReply('Okayama: a field trip')).toBe('Okayama: a field trip');
    expect(titleFromReply('可以导的函数')).toBe('可以导的函数');
  });
});

describe('the tree', () => {
  it('0008 gives existing turns their parents in the order they were written', () => {
    const journalFile = (dir: string) => path.join(dir, 'meta', '_journal.json');
    const folder = path.join(tempDir('studylog-migrations-'), 'migrations');
    mkdirSync(folder, { recursive: true });
    cpSync(DEFAULT_MIGRATIONS_FOLDER, folder, { recursive: true });
    const journal = JSON.parse(readFileSync(journalFile(folder), 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.slice(
      0,
      journal.entries.findIndex((e) => e.tag === '0008_turn_parent'),
    );
    writeFileSync(journalFile(folder), JSON.stringify(journal));

    const file = path.join(tempDir(), 'studylog.db');
    const old = openDatabase(file, { migrationsFolder: folder });
    old.sqlite.prepare("INSERT INTO session VALUES ('s1', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    old.sqlite.prepare("INSERT INTO session VALUES ('s2', 'u1', NULL, 'chat', 1, NULL, '{}', '{}')").run();
    const turn = old.sqlite.prepare('INSERT INTO turn VALUES (?, ?, ?, ?, NULL, NULL, 0, 0, 0, ?, ?)');
    // s1: q1 → a1 (interrupted), retried → a1b; q2 failed; q3 → a3 (answers named by meta.user_turn_id).
    turn.run('q1', 's1', 'user', 'q1', 10, '{"status":"answered"}');
    turn.run('a1', 's1', 'assistant', 'a1', 11, '{"user_turn_id":"q1","status":"interrupted"}');
    turn.run('a1b', 's1', 'assistant', 'a1b', 12, '{"user_turn_id":"q1","status":"complete"}');
    turn.run('q2', 's1', 'user', 'q2', 13, '{"status":"failed"}');
    turn.run('q3', 's1', 'user', 'q3', 14, '{"status":"answered"}');
    turn.run('a3', 's1', 'assistant', 'a3', 15, '{}');
    // s2: imported history without meta, a system prompt first.
    turn.run('x0', 's2', 'system', 'be kind', 10, '{}');
    turn.run('x1', 's2', 'user', 'hi', 10, '{}');
    turn.run('x2', 's2', 'assistant', 'hello', 11, '{}');
    old.close();

    const store = openDatabase(file);
    onCleanup(() => store.sqlite.open && store.close());
    expect(store.openReport.appliedMigrations[0]).toBe('0008_turn_parent');
    const turns = new TurnsRepo(store);
    expect(turns.getTurnsBySessionId('s1').map((t) => [t.id, t.parent_id])).toEqual([
      ['q1', null],
      ['a1', 'q1'],
      ['a1b', 'q1'],
      ['q2', 'a1b'],
      ['q3', 'a1b'],
      ['a3', 'q3'],
    ]);
    expect(turns.getTurnsBySessionId('s2').map((t) => [t.id, t.parent_id])).toEqual([
      ['x0', null],
      ['x1', null],
      ['x2', 'x1'],
    ]);
    // The newest turn ends the active branch; the path walks the parents.
    expect(turns.activeLeafId('s1')).toBe('a3');
    expect(turns.getPathTo('a3').map((t) => t.id)).toEqual(['q1', 'a1b', 'q3', 'a3']);
    expect(turns.activeLeafId('s1', 'a1')).toBe('a1');
    expect(turns.activeLeafId('s1', 'no-such-turn')).toBe('a3');
    expect(turns.versionNumbers('s1')).toEqual(
      new Map([
        ['a1', { n: 1, of: 2 }],
        ['a1b', { n: 2, of: 2 }],
        ['q2', { n: 1, of: 2 }],
        ['q3', { n: 2, of: 2 }],
      ]),
    );
    // A session's deletion cascades through the tree.
    store.transaction('delete', (db) => db.prepare("DELETE FROM session WHERE id = 's1'").run());
    expect(turns.getTurnsBySessionId('s1')).toEqual([]);
  });
});

describe('versions under an assignment policy', () => {
  it('another answer is given at the level its message was sent at, with the policy’s models and allowance', async () => {
    const core = await setupCore();
    core.assignments.create(testWrites(core.store), {
      id: 'hw_regen',
      title: 'Regenerate',
      policy: { hint_ceiling: 3, allowed_models: ['gpt-4o-mini'], allowance: { tokens: 100_000 } },
    });
    const first = await core.proxy.send(TEST_CALLER, { message: 'Solve x^2 = 4', mode: 'homework', assignment_id: 'hw_regen' });
    const more = await core.proxy.send(TEST_CALLER, { message: 'more help', meta: { session_id: first.session_id }, hint_request: 'more' });
    expect(more.meta.hint_level).toBe(2);

    // Regenerating the first answer: level 1's prompt again (not the session's level 2), level 1 recorded.
    const again = await regenerate(core, { id: first.session_id, turn_id: first.turn_id });
    expect(core.chatRequests().at(-1)!.body.messages[0].content).toContain(HINT_LADDER[0]!.prompt.en);
    expect(core.turns.getTurnById(again.turn_id)!.meta).toMatchObject({ hint_level: 1 });

    // A model the policy does not allow is refused, nothing sent.
    const sent = core.chatRequests().length;
    await expect(regenerate(core, { id: first.session_id, turn_id: more.turn_id, model: 'deepseek-chat' })).rejects.toMatchObject({ code: 'validation_error' });
    // The allowance used up: refused before any upstream call.
    core.assignments.update(testWrites(core.store), 'hw_regen', { policy: { hint_ceiling: 3, allowance: { tokens: 1 } } });
    await expect(regenerate(core, { id: first.session_id, turn_id: more.turn_id })).rejects.toMatchObject({ code: 'allowance_exhausted' });
    expect(core.chatRequests()).toHaveLength(sent);
  });
});

describe('a message sent while the session’s last one is being answered (the queue)', () => {
  /** The session's turn with this text (GET /sessions/{id}/turns), once it is there. */
  const turnWith = (core: Core, session: string, content: string) =>
    vi.waitFor(async () => {
      const found = (await turnsOf(core, session)).find((t) => t.content === content);
      expect(found, `no turn '${content}' yet`).toBeDefined();
      return found!;
    });
  /** A message whose answer streams until it is stopped; resolves once the model is asked. */
  async function longAnswer(core: TestCore, session: string) {
    const stop = new AbortController();
    core.server.script({ endless: 'content', chunkDelayMs: 5, chunkSize: 3 });
    const events = collect(core.proxy.stream(TEST_CALLER, { message: 'long', meta: { session_id: session } }, stop.signal));
    await core.server.waitForRequest((r) => r.body?.messages?.at(-1)?.content === 'long');
    return {
      /** Stops it: the answer so far is kept ('aborted') and is the end of the branch. */
      stop: async () => {
        stop.abort();
        const done = (await events).at(-1)!;
        if (done.type !== 'done') throw new Error(`no done event: ${JSON.stringify(done)}`);
        return done.response;
      },
    };
  }
  const askedFor = (core: TestCore, content: string) => core.chatRequests().filter((r) => r.body.messages.at(-1).content === content).length;
  /** The message once it has taken its place (meta.queued dropped): in the background after a stop. */
  const placedTurn = (core: Core, id: string) =>
    vi.waitFor(() => {
      const turn = core.turns.getTurnById(id);
      expect(turn?.meta.queued, 'not placed yet').toBeUndefined();
      return turn!;
    });

  it('is written at once (in GET turns, pending, while it waits), then takes its place after the answer; a retry of it is a conflict, then a replay', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const first = await longAnswer(core, c.session);
    const queued = core.proxy.send(TEST_CALLER, { message: 'queued', meta: { session_id: c.session }, client_request_id: 'queued-0001' });
    const waiting = await turnWith(core, c.session, 'queued');
    expect(waiting.meta).toMatchObject({ status: 'pending', queued: true, client_request_id: 'queued-0001' });
    expect(askedFor(core, 'queued')).toBe(0);
    // The same request again (a client that timed out): the message is there, being answered.
    await expect(core.proxy.send(TEST_CALLER, { message: 'queued', meta: { session_id: c.session }, client_request_id: 'queued-0001' })).rejects.toMatchObject({
      code: 'conflict',
      detail: 'This message is still being answered.',
    });

    const answer = await first.stop();
    expect(answer.meta.status).toBe('aborted');
    const response = await queued;
    expect(response.meta.user_turn_id).toBe(waiting.id);
    const turns = await turnsOf(core, c.session);
    const message = turns.find((t) => t.id === waiting.id)!;
    // Parent → child: the message follows the answer before it, and is newer than it.
    expect(message.parent_id).toBe(answer.turn_id);
    expect(message.created_at).toBeGreaterThan(turns.find((t) => t.id === answer.turn_id)!.created_at);
    expect(message.meta).toMatchObject({ status: 'answered', assistant_turn_id: response.turn_id });
    expect(message.meta.queued).toBeUndefined();
    expect(lastSent(core).slice(-3)).toEqual([
      ['user', 'long'],
      ['assistant', answer.content],
      ['user', 'queued'],
    ]);
    expect((await activeOf(core, c.session)).map((t) => t.content).slice(-4)).toEqual(['long', answer.content, 'queued', 'Echo: queued']);

    // Answered: the same request is the stored answer again, with no second call and no second turn.
    const calls = core.chatRequests().length;
    expect(await core.proxy.send(TEST_CALLER, { message: 'queued', meta: { session_id: c.session }, client_request_id: 'queued-0001' })).toEqual(response);
    expect(core.chatRequests()).toHaveLength(calls);
    expect((await turnsOf(core, c.session)).filter((t) => t.content === 'queued')).toHaveLength(1);
  });

  it('stopped while it waits: kept, failed (aborted), the model never asked, no answer written; it takes its place once the answer before it ends, and its retry answers it there', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const first = await longAnswer(core, c.session);
    const stop = new AbortController();
    const streamed = collect(core.proxy.stream(TEST_CALLER, { message: 'never mind', meta: { session_id: c.session }, client_request_id: 'queued-stop-1' }, stop.signal));
    const waiting = await turnWith(core, c.session, 'never mind');
    stop.abort(new Error('stopped by the user'));
    // Ends at once, while the answer before it still streams (which never ends by itself).
    await expect(streamed).rejects.toMatchObject({ code: 'aborted' });
    const stopped = core.turns.getTurnById(waiting.id)!;
    expect(stopped.meta).toMatchObject({ status: 'failed', error: { code: 'aborted' }, queued: true });
    expect((await turnsOf(core, c.session)).filter((t) => t.role === 'assistant' && t.meta.user_turn_id === waiting.id)).toEqual([]);

    const answer = await first.stop();
    expect(askedFor(core, 'never mind')).toBe(0);
    // Once the answer before it ends, it takes its place after that answer, still failed: the
    // end of the active branch, where the student sees it and its retry.
    const placed = await placedTurn(core, waiting.id);
    expect(placed).toMatchObject({ parent_id: answer.turn_id, meta: { status: 'failed', error: { code: 'aborted' } } });
    expect((await activeOf(core, c.session)).map((t) => [t.content, t.meta.status]).slice(-3)).toEqual([
      ['long', 'answered'],
      [answer.content, 'aborted'],
      ['never mind', 'failed'],
    ]);
    // Sent again (its retry): answered where it is, with its branch as context.
    const retried = await core.proxy.send(TEST_CALLER, { message: 'never mind', meta: { session_id: c.session }, client_request_id: 'queued-stop-1' });
    expect(retried.meta.user_turn_id).toBe(waiting.id);
    expect(core.turns.getTurnById(waiting.id)).toMatchObject({ parent_id: answer.turn_id, created_at: placed.created_at, meta: { status: 'answered', retries: 1 } });
    expect(lastSent(core).slice(-3)).toEqual([
      ['user', 'long'],
      ['assistant', answer.content],
      ['user', 'never mind'],
    ]);
    // A new message after it follows its answer.
    const next = await core.proxy.send(TEST_CALLER, { message: 'next', meta: { session_id: c.session } });
    expect(core.turns.getTurnById(next.meta.user_turn_id)!.parent_id).toBe(retried.turn_id);
  });

  /**
   * A message whose model has sent nothing yet (a long think before the first token: its answer
   * is not written yet), and a message sent behind it: that one's provisional parent is the
   * earlier message itself. Resolves once both are written.
   */
  async function behindASilentModel(core: TestCore, session: string, queued: ProxyMessage, signal?: AbortSignal) {
    const stop = new AbortController();
    core.server.script({ fault: { kind: 'hang' } });
    const earlier = collect(core.proxy.stream(TEST_CALLER, { message: 'long', meta: { session_id: session } }, stop.signal));
    await core.server.waitForRequest((r) => r.body?.messages?.at(-1)?.content === 'long');
    const sent = collect(core.proxy.stream(TEST_CALLER, { ...queued, meta: { session_id: session } }, signal));
    const waiting = await turnWith(core, session, queued.message);
    const long = await turnWith(core, session, 'long');
    expect(waiting.parent_id).toBe(long.id);
    expect(waiting.meta.queued).toBe(true);
    return {
      waiting,
      sent,
      /** Stops the earlier answer (kept, empty, 'aborted': the end of the branch). */
      stopEarlier: async () => {
        stop.abort();
        const done = (await earlier).at(-1)!;
        if (done.type !== 'done') throw new Error(`no done event: ${JSON.stringify(done)}`);
        return done.response;
      },
    };
  }

  /** The message is on the active branch (what GET …/turns?path=active and the chat show), its last turn, failed with `code`. */
  async function expectShownFailed(core: Core, session: string, id: string, code: string) {
    const active = await activeOf(core, session);
    expect(active.at(-1)).toMatchObject({ id, meta: { status: 'failed', error: { code } } });
    const shown = messagesFromTurns(await turnsOf(core, session)).at(-1)!;
    expect(shown).toMatchObject({ kind: 'user', turnId: id, status: 'failed', error: { code } });
  }

  it('sent before the earlier answer’s first token and stopped while it waits: placed after that answer once it ends, shown failed, its retry answers it there', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const stop = new AbortController();
    const q = await behindASilentModel(core, c.session, { message: 'stopped early', client_request_id: 'queued-silent-1' }, stop.signal);
    stop.abort();
    await expect(q.sent).rejects.toMatchObject({ code: 'aborted' });
    const answer = await q.stopEarlier();
    const placed = await placedTurn(core, q.waiting.id);
    expect(placed.parent_id).toBe(answer.turn_id);
    await expectShownFailed(core, c.session, q.waiting.id, 'aborted');
    expect(askedFor(core, 'stopped early')).toBe(0);

    const retried = await core.proxy.send(TEST_CALLER, { message: 'stopped early', meta: { session_id: c.session }, client_request_id: 'queued-silent-1' });
    expect(retried.meta.user_turn_id).toBe(q.waiting.id);
    expect(core.turns.getTurnById(q.waiting.id)).toMatchObject({ parent_id: answer.turn_id, meta: { status: 'answered' } });
    expect((await activeOf(core, c.session)).map((t) => t.content).slice(-4)).toEqual(['long', '', 'stopped early', 'Echo: stopped early']);
  });

  it('sent before the earlier answer’s first token and refused when its turn comes: placed after that answer, shown failed, its retry answers it there', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const q = await behindASilentModel(core, c.session, { message: 'odd model', model: 'no-such-model', client_request_id: 'queued-silent-2' });
    const answer = await q.stopEarlier();
    await expect(q.sent).rejects.toMatchObject({ code: 'validation_error' });
    expect(core.turns.getTurnById(q.waiting.id)!.parent_id).toBe(answer.turn_id);
    await expectShownFailed(core, c.session, q.waiting.id, 'validation_error');

    // Its retry, with a model there is: answered where it is.
    const retried = await core.proxy.send(TEST_CALLER, { message: 'odd model', meta: { session_id: c.session }, client_request_id: 'queued-silent-2' });
    expect(retried.meta.user_turn_id).toBe(q.waiting.id);
    expect(core.turns.getTurnById(q.waiting.id)).toMatchObject({ parent_id: answer.turn_id, meta: { status: 'answered' } });
    // Its context is its branch (the empty stopped answer is not sent).
    expect(lastSent(core).slice(-3)).toEqual([
      ['assistant', 'Echo: q2'],
      ['user', 'long'],
      ['user', 'odd model'],
    ]);
  });

  it('every path lets the next one go: a queued message refused when its turn comes is failed, and the one queued behind it is answered after the answer', async () => {
    const core = await setupCore();
    const c = await conversation(core);
    const first = await longAnswer(core, c.session);
    // Refused when its turn comes (a model no provider offers): nothing is sent for it.
    const refused = core.proxy.send(TEST_CALLER, { message: 'odd model', model: 'no-such-model', meta: { session_id: c.session } });
    const waiting = await turnWith(core, c.session, 'odd model');
    const behind = core.proxy.send(TEST_CALLER, { message: 'behind', meta: { session_id: c.session } });
    await turnWith(core, c.session, 'behind');
    const answer = await first.stop();
    await expect(refused).rejects.toMatchObject({ code: 'validation_error' });
    // Refused, it took its place (after the answer) before the refusal was told, failed.
    const placed = core.turns.getTurnById(waiting.id)!;
    expect(placed).toMatchObject({ parent_id: answer.turn_id, meta: { status: 'failed', error: { code: 'validation_error' } } });
    expect(placed.meta.queued).toBeUndefined();
    expect(askedFor(core, 'odd model')).toBe(0);
    // The one behind it went after it, following it (a new message after a failed one follows it).
    const after = await behind;
    const behindTurn = core.turns.getTurnById(after.meta.user_turn_id)!;
    expect(behindTurn.parent_id).toBe(waiting.id);
    expect(behindTurn.created_at).toBeGreaterThan(placed.created_at);
    // And the queue is empty again: the next message is answered at once.
    await core.proxy.send(TEST_CALLER, { message: 'then', meta: { session_id: c.session } });
  });
});
