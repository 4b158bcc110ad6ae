// Which model answers: the per-mode default from the provider's /models (env-only setups included),
// the models a student may choose, switching models inside a session, how GET /models shows the
// environment provider, and messages naming an assignment nobody created.
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core/app.ts';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import type { RouteOutput } from '../../src/shared/api/routes.ts';
import { setupCore, TEST_API_KEY, TEST_CALLER } from '../support/core.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { onCleanup, rowCount, tempDir, testWrites } from '../support/temp.ts';

const OPENAI_STYLE = ['dall-e-3', 'gpt-4o-mini', 'gpt-5', 'omni-moderation-latest', 'text-embedding-3-small', 'tts-1', 'whisper-1'];

/** A core configured only by OPENAI_BASE_URL / OPENAI_API_KEY, on a test server listing `models`. */
async function envOnly(models: string[]) {
  const server = await startOpenAITestServer({ requiredApiKey: TEST_API_KEY, models });
  onCleanup(() => void server.close());
  const core = createCore({ dataDir: tempDir(), secrets: null, env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: TEST_API_KEY }, defaultLanguage: 'en' });
  onCleanup(() => core.close());
  return { core, server, modelRequests: () => server.requests.filter((r) => r.path.endsWith('/models')) };
}

describe('proxy: which model answers', () => {
  it('env only, DeepSeek-style /models: deepseek-chat for chat, deepseek-reasoner for deep_think; /models asked once', async () => {
    const { core, server, modelRequests } = await envOnly(['deepseek-chat', 'deepseek-reasoner']);
    const [chat, homework, deep] = [
      await core.proxy.send(TEST_CALLER, { message: '你好，这是测试', mode: 'chat' }),
      await core.proxy.send(TEST_CALLER, { message: 'hint?', mode: 'homework', assignment_id: 'hw_001' }),
      await core.proxy.send(TEST_CALLER, { message: 'think', mode: 'deep_think' }),
    ];
    expect([chat.model, homework.model, deep.model]).toEqual(['deepseek-chat', 'deepseek-chat', 'deepseek-reasoner']);
    expect(server.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => r.body.model)).toEqual(['deepseek-chat', 'deepseek-chat', 'deepseek-reasoner']);
    expect(modelRequests()).toHaveLength(1);
    expect(core.sessions.getSessionById(chat.session_id)!.policy_snapshot).toMatchObject({ provider_id: 'env', model: 'deepseek-chat', models: ['deepseek-chat'] });
  });

  it('env only, OpenAI-style /models (embeddings, speech, images, moderation, reasoning): a chat model for chat, never a non-chat one', async () => {
    const { core } = await envOnly(OPENAI_STYLE);
    expect((await core.proxy.send(TEST_CALLER, { message: 'hi' })).model).toBe('gpt-4o-mini');
    expect((await core.proxy.send(TEST_CALLER, { message: 'hmm', mode: 'deep_think' })).model).toBe('gpt-5');
  });

  it('env only, /models lists nothing usable: provider_not_configured naming the problem, nothing written', async () => {
    const { core } = await envOnly(['text-embedding-3-small', 'whisper-1']);
    await expect(core.proxy.send(TEST_CALLER, { message: 'hi' })).rejects.toMatchObject({
      code: 'provider_not_configured',
      detail: expect.stringContaining('has no model configured'),
    });
    expect(rowCount(core.store, 'turn')).toBe(0);
  });

  it('a model the mode does not allow → validation_error naming the allowed ones; nothing written, nothing sent', async () => {
    const core = await setupCore();
    core.server.models.push('text-embedding-3-small');
    core.settings.update({ providers: [{ ...core.settings.get().providers[0]!, models: [...core.server.models] }] });
    for (const model of ['gpt-9-ultra', 'text-embedding-3-small']) {
      const error = await core.proxy.send(TEST_CALLER, { message: 'x', model }).catch((e) => e);
      expect(error).toMatchObject({ code: 'validation_error', issues: [{ path: 'model' }] });
      expect(error.detail).toBe(
        `Invalid message: model: '${model}' is not allowed in chat mode; choose one of: gpt-4o-mini, deepseek-chat, deepseek-reasoner, qwen-plus, llama3.2`,
      );
    }
    expect(rowCount(core.store, 'session')).toBe(0);
    expect(rowCount(core.store, 'turn')).toBe(0);
    expect(core.chatRequests()).toHaveLength(0);
    // A reasoning model the provider lists may be chosen explicitly, in any mode.
    expect((await core.proxy.send(TEST_CALLER, { message: 'x', model: 'deepseek-reasoner' })).model).toBe('deepseek-reasoner');
  });

  it('a long list is named in part', async () => {
    const many = Array.from({ length: 30 }, (_, i) => `model-${String(i).padStart(2, '0')}`);
    const core = await setupCore({ provider: { models: many, default_model: 'model-00' } });
    const error = await core.proxy.send(TEST_CALLER, { message: 'x', model: 'gpt-9-ultra' }).catch((e) => e);
    // The provider's /models (asked again, as the name was not in the list) adds its five.
    expect(error.detail).toMatch(/choose one of: model-00, model-01, .*, model-19 \(and 15 more\)$/);
  });

  it('a mode’s policy may set the allowed models: others are refused, even listed ones', async () => {
    const core = await setupCore();
    core.settings.update({ policies: { homework: { model: 'deepseek-chat', models: ['qwen-plus'] } } });
    const refused = await core.proxy.send(TEST_CALLER, { message: 'x', mode: 'homework', assignment_id: 'hw_1', model: 'gpt-4o-mini' }).catch((e) => e);
    expect(refused).toMatchObject({
      code: 'validation_error',
      detail: "Invalid message: model: 'gpt-4o-mini' is not allowed in homework mode; choose one of: qwen-plus, deepseek-chat",
    });
    expect((await core.proxy.send(TEST_CALLER, { message: 'x', mode: 'homework', assignment_id: 'hw_1', model: 'qwen-plus' })).model).toBe('qwen-plus');
    expect((await core.proxy.send(TEST_CALLER, { message: 'x', mode: 'homework', assignment_id: 'hw_1' })).model).toBe('deepseek-chat');
    // chat has no list: any listed chat model.
    expect((await core.proxy.send(TEST_CALLER, { message: 'x', model: 'gpt-4o-mini' })).model).toBe('gpt-4o-mini');
  });

  it('switching models inside a session: only to allowed ones, each turn records its model, the snapshot lists every model sent', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'one' });
    const sid = first.session_id;
    const switched = await core.proxy.send(TEST_CALLER, { message: 'two', model: 'deepseek-chat', meta: { session_id: sid } });
    expect(switched.model).toBe('deepseek-chat');
    const turnsBefore = rowCount(core.store, 'turn');
    await expect(core.proxy.send(TEST_CALLER, { message: 'three', model: 'gpt-9-ultra', meta: { session_id: sid } })).rejects.toMatchObject({ code: 'validation_error' });
    expect(rowCount(core.store, 'turn')).toBe(turnsBefore);
    // No model named: the one the session started with.
    const back = await core.proxy.send(TEST_CALLER, { message: 'four', meta: { session_id: sid } });
    expect(back.model).toBe('gpt-4o-mini');
    expect(core.chatRequests().map((r) => r.body.model)).toEqual(['gpt-4o-mini', 'deepseek-chat', 'gpt-4o-mini']);
    const turns = core.turns.getTurnsBySessionId(sid);
    expect(turns.map((t) => `${t.role}:${t.model}`)).toEqual([
      'user:gpt-4o-mini',
      'assistant:gpt-4o-mini',
      'user:deepseek-chat',
      'assistant:deepseek-chat',
      'user:gpt-4o-mini',
      'assistant:gpt-4o-mini',
    ]);
    // Each answer is priced as its own model: deepseek-chat at 0.27 / 1.10 USD per 1M.
    const answer = turns[3]!;
    expect(answer.cost).toBe(Math.round(answer.tokens_in * 27 + answer.tokens_out * 110));
    expect(answer.meta).toMatchObject({ provider_id: 'test', usage: { price_known: true } });
    expect(core.sessions.getSessionById(sid)!.policy_snapshot).toMatchObject({ model: 'gpt-4o-mini', models: ['gpt-4o-mini', 'deepseek-chat'] });
  });

  it('GET /models shows the environment provider as such, read-only, with each mode’s default and allowed models', async () => {
    const { core } = await envOnly(OPENAI_STYLE);
    const envelope = await dispatch(core, 'listModels', { user_id: core.owner.id, role: 'admin' }, {}, { validateOutput: true });
    const [env] = (envelope as { body: RouteOutput<'listModels'> }).body.providers;
    expect(env).toMatchObject({
      id: 'env',
      source: 'environment',
      read_only: true,
      env_vars: ['OPENAI_BASE_URL', 'OPENAI_API_KEY'],
      models: [...OPENAI_STYLE].sort(),
      defaults: { chat: 'gpt-4o-mini', homework: 'gpt-4o-mini', deep_think: 'gpt-5' },
      allowed: { chat: ['gpt-4o-mini', 'gpt-5'], homework: ['gpt-4o-mini', 'gpt-5'], deep_think: ['gpt-4o-mini', 'gpt-5'] },
    });
    // A mode's choice in settings (provider "env" + a model) shows as that mode's default.
    core.settings.update({ policies: { chat: { provider_id: 'env', model: 'gpt-5' } } });
    const again = (await dispatch(core, 'listModels', { user_id: core.owner.id, role: 'admin' }, {})) as { body: RouteOutput<'listModels'> };
    expect(again.body.providers[0]!.defaults.chat).toBe('gpt-5');
    expect((await core.proxy.send(TEST_CALLER, { message: 'hi' })).model).toBe('gpt-5');
    // Providers from settings say so.
    const configured = await setupCore();
    const listed = (await dispatch(configured, 'listModels', TEST_CALLER, {}, { validateOutput: true })) as { body: RouteOutput<'listModels'> };
    expect(listed.body.providers[0]).toMatchObject({
      id: 'test',
      source: 'settings',
      read_only: false,
      env_vars: [],
      defaults: { chat: 'gpt-4o-mini', deep_think: 'deepseek-reasoner' },
    });
  });
});

describe('proxy: an assignment_id nobody created', () => {
  it('is registered with the session (title = id, marked), listed, and filled in by a later import', async () => {
    const core = await setupCore();
    const admin = { user_id: core.owner.id, role: 'admin' as const };
    const res = await core.proxy.send(TEST_CALLER, { message: '帮我解答这道数学题', assignment_id: 'hw_777', mode: 'homework' });
    expect(res.meta).toMatchObject({ mode: 'homework', assignment_id: 'hw_777' });
    expect(core.chatRequests()[0]!.body.messages[0].content).toMatch(/Assignment id: hw_777$/);
    const listed = (await dispatch(core, 'listAssignments', TEST_CALLER, {})) as { body: RouteOutput<'listAssignments'> };
    expect(listed.body.find((a) => a.id === 'hw_777')).toMatchObject({ title: 'hw_777', description: null, meta: { registered_from: 'message' } });
    const history = (await dispatch(core, 'getUserSessions', TEST_CALLER, { assignment_id: 'hw_777' })) as { body: RouteOutput<'getUserSessions'> };
    expect(history.body.items.map((s) => s.id)).toEqual([res.session_id]);

    const imported = await dispatch(core, 'importAssignments', admin, {
      assignments: [{ id: 'hw_777', title: '二次函数练习', description: '第 3 题到第 8 题', due_at: '2026-12-01' }],
    });
    expect(imported).toMatchObject({ ok: true, body: { imported: 0, updated: 1 } });
    const filled = core.assignments.get('hw_777')!;
    expect(filled).toMatchObject({ title: '二次函数练习', description: '第 3 题到第 8 题', due_at: new Date(2026, 11, 1, 23, 59, 59, 999).getTime() }); // a date alone: the end of that day, local time
    expect(filled.meta).not.toHaveProperty('registered_from');
    // The next session on it gets the teacher's text.
    await core.proxy.send(TEST_CALLER, { message: 'again', assignment_id: 'hw_777', mode: 'homework' });
    expect(core.chatRequests().at(-1)!.body.messages[0].content).toMatch(/Assignment: 二次函数练习\n第 3 题到第 8 题$/);
  });

  it('creating it by hand fills it in too; a refused message registers nothing', async () => {
    const core = await setupCore();
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', assignment_id: 'hw_new', model: 'gpt-9-ultra' })).rejects.toMatchObject({ code: 'validation_error' });
    expect(core.assignments.get('hw_new')).toBeNull();
    await core.proxy.send(TEST_CALLER, { message: 'x', assignment_id: 'hw_new' });
    expect(core.assignments.get('hw_new')).toMatchObject({ title: 'hw_new', meta: { registered_from: 'message' } });
    expect(core.assignments.create(testWrites(core.store), { id: 'hw_new', title: 'Essay', subject: 'English' })).toMatchObject({
      id: 'hw_new',
      title: 'Essay',
      subject: 'English',
      meta: {},
    });
    expect(() => core.assignments.create(testWrites(core.store), { id: 'hw_new', title: 'Again' })).toThrow(/already exists/);
    // Homework still needs one.
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', mode: 'homework' })).rejects.toMatchObject({ code: 'validation_error', issues: [{ path: 'assignment_id' }] });
  });
});

describe('proxy: a message sent before the provider can be asked for its models', () => {
  it('no key yet, or a refused key: the message is kept, failed with that code (not "set up a model"), and a retry answers it', async () => {
    const server = await startOpenAITestServer({ requiredApiKey: TEST_API_KEY });
    onCleanup(() => void server.close());
    const core = await setupCore({ provider: { base_url: server.url, models: [], default_model: undefined }, core: { env: {} } });
    const request = { message: '先存下来的问题', client_request_id: 'kept-before-models-1' };

    // No key at all: /models cannot be asked; the message is kept, not lost, and says why.
    const missing = await core.proxy.send(TEST_CALLER, request).catch((e) => e);
    expect(missing).toMatchObject({ code: 'provider_not_configured', detail: expect.stringContaining('model list could not be read') });
    const [turn] = core.turns.getTurnsBySessionId(core.sessions.getSessionsByUserId(TEST_CALLER.user_id, { skip: 0, limit: 5 }).items[0]!.id);
    expect(turn).toMatchObject({ role: 'user', content: '先存下来的问题', meta: { status: 'failed', error: { code: 'provider_not_configured' } } });

    // A refused key: upstream_auth (not "set up a model"), still one user turn.
    const wrong = await setupCore({ provider: { base_url: server.url, models: [], default_model: undefined }, core: { env: { STUDYLOG_TEST_KEY: 'fake-key-refused-0000' } } });
    await expect(wrong.proxy.send(TEST_CALLER, { message: 'x' })).rejects.toMatchObject({ code: 'upstream_auth' });
    expect(rowCount(wrong.store, 'turn')).toBe(1);

    // The key arrives: the retry answers the same turn, and the session's snapshot is filled in.
    const fixed = createCore({ dataDir: core.dataDir, secrets: null, defaultLanguage: 'en', env: { STUDYLOG_TEST_KEY: TEST_API_KEY, STUDYLOG_TEST_BASE_URL: server.url } });
    onCleanup(() => fixed.close());
    const answer = await fixed.proxy.send(TEST_CALLER, request);
    expect(answer.meta.user_turn_id).toBe(turn!.id);
    expect(rowCount(fixed.store, 'turn')).toBe(2);
    expect(fixed.sessions.getSessionById(answer.session_id)!.policy_snapshot).toMatchObject({ provider_id: 'test', model: answer.model, models: [answer.model] });
  });
});
