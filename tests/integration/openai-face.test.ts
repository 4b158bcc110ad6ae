// The OpenAI-compatible face (/v1 on the serving port), driven by clients nobody here wrote: the
// official `openai` SDK and the Vercel AI SDK's OpenAI-compatible provider. Each call must be a
// recorded session with both turns, as through /proxy; the session header continues it.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ASSIGNMENT_HEADER, SESSION_HEADER } from '../../src/main/core/http/openai-face.ts';
import { startApi, type ApiFixture } from '../support/http.ts';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api?.close());

const sdk = (token: string) => new OpenAI({ baseURL: `${api.url}/v1`, apiKey: token, maxRetries: 0 });

/** The chat requests the upstream test server received, newest last. */
const upstreamChats = () => api.openai.requests.filter((r) => r.path.endsWith('/chat/completions'));

const turnsOf = (sessionId: string) => api.core.turns.getTurnsBySessionId(sessionId);

describe('POST /v1/chat/completions with the openai SDK', () => {
  it('a plain call answers in chat.completion shape with usage, and is stored as a session with both turns', async () => {
    const student = api.token('student');
    const { data, response } = await sdk(student.token)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'what is 2+2?' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Echo: what is 2+2?' });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.model).toBe('gpt-4o-mini');
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage!.completion_tokens).toBeGreaterThan(0);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);

    const sessionId = response.headers.get(SESSION_HEADER)!;
    const session = api.core.sessions.getSessionById(sessionId)!;
    expect(session).toMatchObject({ user_id: student.user_id, mode: 'chat' });
    const turns = turnsOf(sessionId);
    expect(turns.map((t) => [t.role, t.content])).toEqual([
      ['user', 'what is 2+2?'],
      ['assistant', 'Echo: what is 2+2?'],
    ]);
    expect(turns[1]).toMatchObject({ tokens_in: data.usage!.prompt_tokens, tokens_out: data.usage!.completion_tokens });
  });

  it('streams chat.completion.chunk deltas, ends with a usage chunk when asked, and stores the answer', async () => {
    const student = api.token('student');
    const { data: stream, response } = await sdk(student.token)
      .chat.completions.create({ model: 'studylog/chat', messages: [{ role: 'user', content: 'stream this please' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe('Echo: stream this please');
    expect(finish).toBe('stop');
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
    const turns = turnsOf(response.headers.get(SESSION_HEADER)!);
    expect(turns.map((t) => t.content)).toEqual(['stream this please', 'Echo: stream this please']);
    expect(turns[1]!.meta).toMatchObject({ status: 'complete' });
  });

  it('a follow-up with the session header continues the session: both calls stored, the history sent upstream', async () => {
    const student = api.token('student');
    const client = sdk(student.token);
    const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my name is Lin' }] }).withResponse();
    const sessionId = first.response.headers.get(SESSION_HEADER)!;
    const second = await client.chat.completions
      .create(
        {
          model: 'gpt-4o-mini',
          messages: [
            { role: 'user', content: 'my name is Lin' },
            { role: 'assistant', content: first.data.choices[0]!.message.content! },
            { role: 'user', content: 'what is my name?' },
          ],
        },
        { headers: { [SESSION_HEADER]: sessionId } },
      )
      .withResponse();
    expect(second.response.headers.get(SESSION_HEADER)).toBe(sessionId);
    expect(turnsOf(sessionId).map((t) => [t.role, t.content])).toEqual([
      ['user', 'my name is Lin'],
      ['assistant', 'Echo: my name is Lin'],
      ['user', 'what is my name?'],
      ['assistant', 'Echo: what is my name?'],
    ]);
    const sent = upstreamChats().at(-1)!.body as { messages: { role: string; content: string }[] };
    expect(sent.messages.filter((m) => m.role !== 'system')).toEqual([
      { role: 'user', content: 'my name is Lin' },
      { role: 'assistant', content: 'Echo: my name is Lin' },
      { role: 'user', content: 'what is my name?' },
    ]);
  });

  it('a model alias picks the mode and the assignment header files the session under it (homework)', async () => {
    const student = api.token('student');
    const { data, response } = await sdk(student.token)
      .chat.completions.create({ model: 'studylog/homework', messages: [{ role: 'user', content: 'help with question 3' }] }, { headers: { [ASSIGNMENT_HEADER]: 'hw_001' } })
      .withResponse();
    const session = api.core.sessions.getSessionById(response.headers.get(SESSION_HEADER)!)!;
    expect(session).toMatchObject({ mode: 'homework', assignment_id: 'hw_001' });
    // The alias resolves to the mode's model, which the reply names.
    expect(data.model).toBe('gpt-4o-mini');
    // The homework tutor's prompt went upstream, not a plain chat.
    expect(session.policy_snapshot.system_prompt?.id).toContain('homework');
  });

  it('homework without an assignment is refused in OpenAI’s error shape, nothing written', async () => {
    const student = api.token('student');
    const error = await sdk(student.token)
      .chat.completions.create({ model: 'studylog/homework', messages: [{ role: 'user', content: 'no assignment' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(422);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('validation_error');
    expect(api.core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE content = 'no assignment'").pluck().get()).toBe(0);
  });

  it('a wrong token is 401 in OpenAI’s error shape', async () => {
    const error = await sdk('slk_nope_nope')
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    const e = error as InstanceType<typeof OpenAI.AuthenticationError>;
    expect(e.status).toBe(401);
    expect(e.error).toMatchObject({ type: 'authentication_error', code: 'unauthorized', message: expect.stringContaining('token') });
  });

  it('a model the mode does not allow is refused (422, OpenAI’s shape, naming model), nothing written', async () => {
    const student = api.token('student');
    const error = await sdk(student.token)
      .chat.completions.create({ model: 'text-embedding-3-small', messages: [{ role: 'user', content: 'embed me' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.UnprocessableEntityError);
    const e = error as InstanceType<typeof OpenAI.UnprocessableEntityError>;
    expect(e.error).toMatchObject({ type: 'invalid_request_error', code: 'validation_error', param: 'model' });
    expect(api.core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE content = 'embed me'").pluck().get()).toBe(0);
  });
});

describe('failures and limits', () => {
  it('a provider failure keeps the message as failed and reaches the SDK as an error, plain and mid-stream', async () => {
    const student = api.token('student');
    const client = sdk(student.token);
    api.openai.script({ fault: { kind: 'status', status: 500 } });
    const plain = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plain fails' }] }).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(OpenAI.APIError);
    expect((plain as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((plain as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'server_error', code: 'upstream_error' });

    api.openai.script({ fault: { kind: 'cut', afterChunks: 2 } });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream is cut' }], stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ code: 'upstream_unreachable' });
    expect(text.length).toBeGreaterThan(0);

    const statuses = api.core.store.sqlite
      .prepare("SELECT content, json_extract(meta, '$.status') AS status FROM turn WHERE role = 'user' AND content IN ('plain fails', 'stream is cut') ORDER BY content")
      .all();
    expect(statuses).toEqual([
      { content: 'plain fails', status: 'failed' },
      { content: 'stream is cut', status: 'failed' },
    ]);
  });

  it('the per-token rate limit and the Host check apply to /v1 (429 with Retry-After in OpenAI’s shape; 403)', async () => {
    const limited = await startApi({ server: { limits: { perSecond: 0.001, burst: 1, concurrent: 16 } } });
    onTestFinished(() => limited.close());
    const student = limited.token('student');
    const headers = { Authorization: `Bearer ${student.token}` };
    expect((await limited.raw({ method: 'GET', path: '/v1/models', headers })).status).toBe(200);
    const refused = await limited.raw({ method: 'GET', path: '/v1/models', headers });
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.json).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limited' } });

    const foreign = await limited.raw({ method: 'GET', path: '/v1/models', headers: { ...headers, Host: 'evil.example' } });
    expect(foreign.status).toBe(403);
  });

  it('a body over the limit is 413 and an unknown /v1 path 404, in OpenAI’s shape', async () => {
    const student = api.token('student');
    const headers = { Authorization: `Bearer ${student.token}`, 'Content-Type': 'application/json' };
    const big = await api.raw({ method: 'POST', path: '/v1/chat/completions', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(1_100_000) }] }) });
    expect([big.status, big.json]).toMatchObject([413, { error: { code: 'payload_too_large' } }]);
    const missing = await api.raw({ method: 'POST', path: '/v1/embeddings', headers, body: '{}' });
    expect([missing.status, missing.json]).toMatchObject([404, { error: { type: 'not_found_error', code: 'not_found' } }]);
  });
});

describe('GET /v1/models', () => {
  it('lists the models chat allows and the studylog/ aliases; without a token it is 401', async () => {
    const student = api.token('student');
    const ids = (await sdk(student.token).models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4o-mini', 'deepseek-chat', 'studylog/chat', 'studylog/homework', 'studylog/deep_think']));
    const unauthorized = await api.raw({ method: 'GET', path: '/v1/models' });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json).toMatchObject({ error: { type: 'authentication_error', code: 'unauthorized' } });
  });

  it('follows the mode policy’s models list', async () => {
    const student = api.token('student');
    const before = api.core.settings.get().policies;
    api.core.settings.update({ policies: { ...before, chat: { ...before.chat, models: ['qwen-plus'] } } });
    try {
      const ids = (await sdk(student.token).models.list()).data.map((m) => m.id);
      expect(ids.filter((id) => !id.startsWith('studylog/'))).toEqual(['qwen-plus']);
    } finally {
      api.core.settings.update({ policies: before });
    }
  });
});

describe('the Vercel AI SDK’s OpenAI-compatible provider', () => {
  const provider = (token: string, headers: Record<string, string> = {}) =>
    createOpenAICompatible({ name: 'studylog', baseURL: `${api.url}/v1`, apiKey: token, headers, includeUsage: true });

  it('generateText and streamText get the answer and usage; both calls are recorded', async () => {
    const student = api.token('student');
    const plain = await generateText({ model: provider(student.token).chatModel('gpt-4o-mini'), prompt: 'from the ai sdk', maxRetries: 0 });
    expect(plain.text).toBe('Echo: from the ai sdk');
    expect(plain.usage.outputTokens).toBeGreaterThan(0);

    const streamed = streamText({ model: provider(student.token).chatModel('studylog/chat'), prompt: 'streamed by the ai sdk', maxRetries: 0 });
    let text = '';
    for await (const piece of streamed.textStream) text += piece;
    expect(text).toBe('Echo: streamed by the ai sdk');
    expect((await streamed.usage).outputTokens).toBeGreaterThan(0);

    const stored = api.core.store.sqlite
      .prepare('SELECT t.role, t.content FROM turn t JOIN session s ON s.id = t.session_id WHERE s.user_id = ? ORDER BY t.created_at, t.role DESC')
      .all(student.user_id);
    expect(stored).toEqual([
      { role: 'user', content: 'from the ai sdk' },
      { role: 'assistant', content: 'Echo: from the ai sdk' },
      { role: 'user', content: 'streamed by the ai sdk' },
      { role: 'assistant', content: 'Echo: streamed by the ai sdk' },
    ]);
  });
});
