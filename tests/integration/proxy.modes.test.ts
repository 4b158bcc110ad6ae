// A message in each mode goes through the real openai SDK to the test server and back, with both
// turns, tokens and cost in the database, and the mode's policy in the request and the snapshot.
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/shared/errors.ts';
import { PRICE_TABLE_VERSION } from '../../src/main/core/llm/pricing.ts';
import { DEFAULT_POLICIES } from '../../src/main/core/llm/policies.ts';
import { collect, setupCore, TEST_CALLER } from '../support/core.ts';
import { rowCount, testWrites } from '../support/temp.ts';

describe('proxy: modes', () => {
  it('chat: a plain assistant; both turns, tokens and cost recorded', async () => {
    const core = await setupCore();
    const res = await core.proxy.send(TEST_CALLER, { message: '你好，这是测试', mode: 'chat' });
    expect(res.content).toBe('Echo: 你好，这是测试');
    expect(res.model).toBe('gpt-4o-mini');
    expect(res.meta).toMatchObject({ session_id: res.session_id, mode: 'chat', status: 'complete', assignment_id: null });

    const [req] = core.chatRequests();
    expect(req!.body.messages[0]).toEqual({ role: 'system', content: DEFAULT_POLICIES.chat.system_prompt.text.en });
    expect(req!.body.messages.at(-1)).toEqual({ role: 'user', content: '你好，这是测试' });
    expect(req!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.7, max_completion_tokens: 2048 });
    expect(req!.body).not.toHaveProperty('reasoning_effort');

    const [user, assistant] = core.turns.getTurnsBySessionId(res.session_id);
    expect(user).toMatchObject({
      id: res.meta.user_turn_id,
      role: 'user',
      content: '你好，这是测试',
      cost: 0,
      tokens_out: 0,
      meta: { status: 'answered', assistant_turn_id: res.turn_id },
    });
    expect(user!.tokens_in).toBeGreaterThan(0);
    expect(assistant).toMatchObject({ id: res.turn_id, role: 'assistant', content: res.content, model: 'gpt-4o-mini' });
    // Provider-reported usage, and cost = in × 0.15 + out × 0.60 (USD/M) × 100.
    expect(assistant!.tokens_in).toBe(res.meta.usage.tokens_in);
    expect(res.meta.usage.estimated).toBe(false);
    expect(assistant!.cost).toBe(Math.round(assistant!.tokens_in * 15 + assistant!.tokens_out * 60));
    expect(assistant!.cost).toBeGreaterThan(0);
    expect(assistant!.meta.usage).toMatchObject({ price_known: true, price_table_version: PRICE_TABLE_VERSION });

    const session = core.sessions.getSessionById(res.session_id)!;
    expect(session).toMatchObject({ user_id: TEST_CALLER.user_id, mode: 'chat', assignment_id: null });
    expect(session.policy_snapshot).toEqual({
      provider_id: 'test',
      provider_name: 'Test provider',
      model: 'gpt-4o-mini',
      models: ['gpt-4o-mini'],
      temperature: 0.7,
      max_output_tokens: 2048,
      reasoning_effort: null,
      system_prompt: { id: 'chat', version: '1', language: 'en', text: DEFAULT_POLICIES.chat.system_prompt.text.en },
    });
  });

  it('homework: a Socratic tutor tied to the assignment, sent at a low temperature', async () => {
    const core = await setupCore();
    const res = await core.proxy.send(TEST_CALLER, { message: '帮我解答这道数学题', assignment_id: 'hw_001', mode: 'homework', chat_id: 'abc123' });
    expect(res.meta).toMatchObject({ mode: 'homework', assignment_id: 'hw_001' });
    const body = core.chatRequests()[0]!.body;
    expect(body.messages[0].content).toContain('Do not give the final answer');
    expect(body.messages[0].content).toContain('Assignment: 数学作业一');
    expect(body).toMatchObject({ temperature: 0.3, max_completion_tokens: 1024 });
    const session = core.sessions.getSessionById(res.session_id)!;
    expect(session).toMatchObject({ mode: 'homework', assignment_id: 'hw_001', meta: { chat_id: 'abc123' } });
    expect(session.policy_snapshot).toMatchObject({ temperature: 0.3, max_output_tokens: 1024, system_prompt: { id: 'homework.socratic', version: '1' } });
  });

  it('homework without an assignment is refused before anything is written', async () => {
    const core = await setupCore();
    await expect(core.proxy.send(TEST_CALLER, { message: 'help', mode: 'homework' })).rejects.toMatchObject({
      code: 'validation_error',
      detail: expect.stringContaining('assignment_id'),
    });
    expect(rowCount(core.store, 'session')).toBe(0);
    expect(rowCount(core.store, 'turn')).toBe(0);
    expect(core.chatRequests()).toHaveLength(0);
  });

  it('homework includes the assignment’s title, subject and description', async () => {
    const core = await setupCore();
    core.assignments.create(testWrites(core.store), { id: 'hw_9', title: '二次函数练习', subject: '数学', description: '第 3 题到第 8 题' });
    await core.proxy.send(TEST_CALLER, { message: 'hi', assignment_id: 'hw_9', mode: 'homework' });
    expect(core.chatRequests()[0]!.body.messages[0].content).toMatch(/Assignment: 二次函数练习\nSubject: 数学\n第 3 题到第 8 题$/);
  });

  it('deep_think: reasoning effort and a larger budget for a model that takes them; reasoning kept in meta, not content', async () => {
    const core = await setupCore({ defaults: { reasoning: 'First, 2+2 is 4. Check: yes.' } });
    const res = await core.proxy.send(TEST_CALLER, { message: 'What is 2+2?', mode: 'deep_think', model: 'gpt-5-mini' }).catch((e: ApiError) => e);
    // gpt-5-mini is not listed by the provider: not allowed, nothing written.
    expect(res).toMatchObject({ code: 'validation_error', issues: [{ path: 'model' }] });
    expect(rowCount(core.store, 'turn')).toBe(0);
    // Once the provider lists it, it may be chosen (the list is asked again when a name is not in it).
    core.server.models.push('gpt-5-mini');
    const ok = await core.proxy.send(TEST_CALLER, { message: 'What is 2+2?', mode: 'deep_think', model: 'gpt-5-mini' });
    const body = core.chatRequests().at(-1)!.body;
    expect(body).toMatchObject({ model: 'gpt-5-mini', reasoning_effort: 'high', max_completion_tokens: 8192 });
    expect(body).not.toHaveProperty('temperature');
    expect(ok.content).toBe('Echo: What is 2+2?');
    expect(ok.meta.reasoning).toBe('First, 2+2 is 4. Check: yes.');
    const assistant = core.turns.getTurnById(ok.turn_id)!;
    expect(assistant.content).not.toContain('First, 2+2');
    expect(assistant.meta.reasoning).toBe('First, 2+2 is 4. Check: yes.');
  });

  it('deep_think on a model without reasoning_effort (deepseek-reasoner) sends max_tokens and no effort', async () => {
    const core = await setupCore({ defaults: { reasoning: '思考过程' } });
    const res = await core.proxy.send(TEST_CALLER, { message: '为什么天空是蓝色的？', mode: 'deep_think', model: 'deepseek-reasoner' });
    const body = core.chatRequests()[0]!.body;
    expect(body).toMatchObject({ model: 'deepseek-reasoner', max_tokens: 8192 });
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(body).not.toHaveProperty('max_completion_tokens');
    expect(res.meta.reasoning).toBe('思考过程');
    expect(core.sessions.getSessionById(res.session_id)!.policy_snapshot).toMatchObject({ model: 'deepseek-reasoner', reasoning_effort: 'high', temperature: null });
  });

  it('policies are overridable in settings, and the snapshot records the custom prompt by content', async () => {
    const core = await setupCore();
    core.settings.update({ policies: { chat: { temperature: 1.1, max_output_tokens: 300, system_prompt: 'Answer like a pirate.' } } });
    const res = await core.proxy.send(TEST_CALLER, { message: 'hi' });
    expect(core.chatRequests()[0]!.body).toMatchObject({
      temperature: 1.1,
      max_completion_tokens: 300,
      messages: [
        { role: 'system', content: 'Answer like a pirate.' },
        { role: 'user', content: 'hi' },
      ],
    });
    const snapshot = core.sessions.getSessionById(res.session_id)!.policy_snapshot;
    expect(snapshot.system_prompt?.id).toBe('chat.custom');
    expect(snapshot.system_prompt?.version).toMatch(/^[0-9a-f]{12}$/);
  });

  it('system prompts ship in zh-CN and en, chosen by the language setting', async () => {
    const core = await setupCore();
    core.settings.update({ language: 'zh-CN' });
    await core.proxy.send(TEST_CALLER, { message: 'hi' });
    expect(core.chatRequests()[0]!.body.messages[0].content).toBe(DEFAULT_POLICIES.chat.system_prompt.text['zh-CN']);
    for (const policy of Object.values(DEFAULT_POLICIES)) {
      expect(policy.system_prompt.text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(policy.system_prompt.text.en).toMatch(/^[\x20-\x7e…$]+$/);
    }
  });

  it('an answer longer than a turn may hold is kept, cut to the limit and marked truncated (reasoning too)', async () => {
    const core = await setupCore({ defaults: { reply: 'word '.repeat(20_010), reasoning: 'think '.repeat(10_000), chunkSize: 5_000 } });
    const sent = await core.proxy.send(TEST_CALLER, { message: 'write a lot', mode: 'deep_think', model: 'deepseek-reasoner' });
    expect(sent.content).toHaveLength(100_000);
    expect(sent.meta).toMatchObject({ status: 'complete', truncated: true });
    expect(sent.meta.reasoning).toHaveLength(48_000);
    const streamed = await collect(core.proxy.stream(TEST_CALLER, { message: 'again', mode: 'deep_think', model: 'deepseek-reasoner' }));
    const done = streamed.at(-1) as Extract<(typeof streamed)[number], { type: 'done' }>;
    expect(done.response.content).toHaveLength(100_000);
    expect(core.turns.getTurnById(done.response.turn_id)!.meta).toMatchObject({ status: 'complete', truncated: true });
  });

  it('a local model (not in the price table) costs 0 with price_known=false', async () => {
    const core = await setupCore();
    const res = await core.proxy.send(TEST_CALLER, { message: 'hi', model: 'llama3.2' });
    expect(res.meta.usage).toMatchObject({ cost: 0, price_known: false, estimated: false });
    expect(core.chatRequests()[0]!.body).toHaveProperty('max_tokens');
  });
});
