// Proves tests/support/openai-test-server.ts against the real `openai` SDK over loopback (no mocks).
import { encode } from 'gpt-tokenizer';
import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  OpenAIError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAITestServer, type Fault, type OpenAITestServer } from '../support/openai-test-server.ts';

let server: OpenAITestServer;
let client: OpenAI;

beforeEach(async () => {
  server = await startOpenAITestServer();
  client = new OpenAI({ baseURL: server.url, apiKey: 'test-key', maxRetries: 0, timeout: 5000 });
});

afterEach(async () => {
  await server.close();
});

const MODEL = 'gpt-4o-mini';
const LONG = 'The quick brown fox jumps over the lazy dog'; // 43 chars → "Echo: " + 43 = 49 chars → 13 deltas of 4

/** The documented formula: Σ(4 + tokens(content)) + 3. Computed here independently of the server. */
function expectedPromptTokens(contents: string[]): number {
  return contents.reduce((sum, c) => sum + 4 + encode(c).length, 3);
}

function chatRequests(): typeof server.requests {
  return server.requests.filter((r) => r.path === '/v1/chat/completions');
}

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<{ chunks: ChatCompletionChunk[]; error: unknown }> {
  const chunks: ChatCompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('openai-test-server: happy paths', () => {
  it('lists models and records the request', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['gpt-4o-mini', 'deepseek-chat', 'deepseek-reasoner', 'qwen-plus', 'llama3.2']);
    expect(page.data[0]).toMatchObject({ object: 'model', owned_by: 'studylog-test' });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', body: undefined });

    server.models = ['only-one'];
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['only-one']);
  });

  it('non-stream create returns the echo with usage and records body and headers', async () => {
    const before = Date.now();
    const messages = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'hello world' },
    ];
    const completion = await client.chat.completions.create({ model: MODEL, messages, temperature: 0.25 });

    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe(MODEL);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({
      index: 0,
      finish_reason: 'stop',
      message: { role: 'assistant', content: 'Echo: hello world' },
    });
    const prompt = expectedPromptTokens(['Be brief.', 'hello world']);
    const completionTokens = encode('Echo: hello world').length;
    expect(completion.usage).toMatchObject({
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });

    const [recorded] = chatRequests();
    expect(recorded).toBeDefined();
    expect(recorded!.method).toBe('POST');
    expect(recorded!.body).toMatchObject({ model: MODEL, messages, temperature: 0.25 });
    expect(recorded!.body.stream).toBeUndefined();
    expect(recorded!.headers.authorization).toBe('Bearer test-key');
    expect(recorded!.at).toBeGreaterThanOrEqual(before);
  });

  it('honours usage:false, cachedTokens and a scripted reply', async () => {
    server.script({ reply: 'scripted', cachedTokens: 7 }, { usage: false });
    const a = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    expect(a.choices[0]!.message.content).toBe('scripted');
    expect(a.usage?.prompt_tokens_details?.cached_tokens).toBe(7);
    const b = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'y' }] });
    expect(b.choices[0]!.message.content).toBe('Echo: y');
    expect(b.usage).toBeUndefined();
  });

  it('stream create with include_usage reassembles the text and ends with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: LONG }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, error } = await collect(stream);
    expect(error).toBeUndefined();

    const reply = `Echo: ${LONG}`;
    const contentDeltas = Math.ceil(reply.length / 4);
    // role chunk + content deltas + finish chunk + usage chunk
    expect(chunks).toHaveLength(1 + contentDeltas + 2);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(reply);
    expect(chunks.slice(1, 1 + contentDeltas).every((c) => c.choices[0]!.delta.content!.length <= 4)).toBe(true);

    const finish = chunks.at(-2)!;
    expect(finish.choices[0]).toMatchObject({ index: 0, delta: {}, finish_reason: 'stop' });
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const prompt = expectedPromptTokens([LONG]);
    expect(last.usage).toMatchObject({ prompt_tokens: prompt, completion_tokens: encode(reply).length });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.choices[0]!.index === 0)).toBe(true);
  });

  it('stream without include_usage sends no usage at all', async () => {
    server.defaults = { reply: 'abcdefgh', chunkSize: 3 };
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const { chunks, error } = await collect(stream);
    expect(error).toBeUndefined();
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(['', 'abc', 'def', 'gh', null]);
    expect(chunks.every((c) => !('usage' in c))).toBe(true);
  });

  it('the .stream() helper produces a final completion equal to the reply', async () => {
    server.defaults = { chunkSize: 5 };
    const s = client.chat.completions.stream({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'stream me' }],
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    s.on('content', (delta) => deltas.push(delta));
    const final = await s.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Echo: stream me');
    expect(final.choices[0]!.message.role).toBe('assistant');
    expect(final.choices[0]!.finish_reason).toBe('stop');
    expect(final.model).toBe('deepseek-chat');
    expect(final.usage?.completion_tokens).toBe(encode('Echo: stream me').length);
    expect(deltas).toEqual(['Echo:', ' stre', 'am me']);
  });

  it('returns reasoning_content non-stream and streams reasoning deltas before content', async () => {
    const reasoning = 'First, think hard about it.';
    server.script({ reply: '42', reasoning }, { reply: 'forty-two', reasoning, chunkSize: 6 });

    const completion = await client.chat.completions.create({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'q' }] });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reasoning_content is a provider extension
    expect((completion.choices[0]!.message as any).reasoning_content).toBe(reasoning);
    expect(completion.choices[0]!.message.content).toBe('42');
    const reasoningTokens = encode(reasoning).length;
    expect(completion.usage?.completion_tokens_details?.reasoning_tokens).toBe(reasoningTokens);
    expect(completion.usage?.completion_tokens).toBe(encode('42').length + reasoningTokens);

    const stream = await client.chat.completions.create({
      model: 'deepseek-reasoner',
      messages: [{ role: 'user', content: 'q' }],
      stream: true,
    });
    const { chunks, error } = await collect(stream);
    expect(error).toBeUndefined();
    const kinds: string[] = [];
    let reasoningText = '';
    let content = '';
    for (const chunk of chunks) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- reasoning_content is a provider extension
      const delta = chunk.choices[0]?.delta as any;
      if (delta?.reasoning_content) {
        kinds.push('reasoning');
        reasoningText += delta.reasoning_content;
      }
      if (delta?.content) {
        kinds.push('content');
        content += delta.content;
      }
    }
    expect(reasoningText).toBe(reasoning);
    expect(content).toBe('forty-two');
    expect(kinds).toEqual([...Array<string>(Math.ceil(reasoning.length / 6)).fill('reasoning'), 'content', 'content']);
  });

  it('waits latencyMs before answering', async () => {
    server.defaults = { latencyMs: 150 };
    const t = Date.now();
    await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'slow' }] });
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });
});

describe('openai-test-server: errors and faults', () => {
  const statusCases: [Fault & { kind: 'status' }, new (...args: never[]) => Error][] = [
    [{ kind: 'status', status: 401 }, AuthenticationError],
    [{ kind: 'status', status: 403, message: 'region blocked' }, PermissionDeniedError],
    [{ kind: 'status', status: 404 }, NotFoundError],
    [{ kind: 'status', status: 429 }, RateLimitError],
    [{ kind: 'status', status: 500 }, InternalServerError],
    [{ kind: 'status', status: 502 }, InternalServerError],
    [{ kind: 'status', status: 503 }, InternalServerError],
  ];

  it('maps each status fault to the SDK error class and status', async () => {
    for (const [fault, ErrorClass] of statusCases) {
      server.script({ fault });
      const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
      expect(err, `status ${fault.status}`).toBeInstanceOf(ErrorClass);
      const apiError = err as InstanceType<typeof AuthenticationError>;
      expect(apiError.status).toBe(fault.status);
      expect(apiError.requestID).toMatch(/^req_/);
      if (fault.message) expect(apiError.message).toBe(`${fault.status} ${fault.message}`);
    }
    expect(chatRequests()).toHaveLength(statusCases.length);
  });

  it('status faults also apply to streaming requests (before any SSE)', async () => {
    server.script({ fault: { kind: 'status', status: 503 } });
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as InternalServerError).status).toBe(503);
  });

  it('unknown model → 404 NotFoundError with model_not_found', async () => {
    const err = await rejection(client.chat.completions.create({ model: 'gpt-nope', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(NotFoundError);
    const e = err as NotFoundError;
    expect(e.status).toBe(404);
    expect(e.code).toBe('model_not_found');
    expect(e.param).toBe('model');
    expect(e.message).toBe('404 The model `gpt-nope` does not exist');
  });

  it('bad bodies → 400 BadRequestError', async () => {
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [] }));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).param).toBe('messages');

    const res = await fetch(`${server.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    expect(server.requests.at(-1)!.body).toBeUndefined();
  });

  it('429 sends retry-after, and the SDK retries after it when maxRetries: 1', async () => {
    server.script({ fault: { kind: 'status', status: 429, retryAfterSeconds: 3 } });
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).headers?.get('retry-after')).toBe('3');

    const retrying = new OpenAI({ baseURL: server.url, apiKey: 'test-key', maxRetries: 1, timeout: 5000 });
    server.script({ fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } }, {});
    const t = Date.now();
    const completion = await retrying.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'again' }] });
    // The SDK's own first backoff is at most 0.5 s: waiting a whole second means it read
    // retry-after (a lower bound, so a loaded machine cannot make this fail).
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000);
    expect(completion.choices[0]!.message.content).toBe('Echo: again');
    expect(chatRequests()).toHaveLength(3);
    expect(chatRequests()[2]!.body.messages).toEqual([{ role: 'user', content: 'again' }]);
  });

  it('reset → APIConnectionError (not a timeout)', async () => {
    server.script({ fault: { kind: 'reset' } });
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(APIConnectionError);
    expect(err).not.toBeInstanceOf(APIConnectionTimeoutError);
    expect(chatRequests()).toHaveLength(1); // recorded before the fault
  });

  it('hang with a 300 ms client timeout → APIConnectionTimeoutError', { timeout: 4000 }, async () => {
    server.script({ fault: { kind: 'hang' } });
    const t = Date.now();
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }, { timeout: 300 }));
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('cut: stream iteration throws after exactly afterChunks content deltas, with no finish or usage', { timeout: 4000 }, async () => {
    server.script({ fault: { kind: 'cut', afterChunks: 2 } });
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: LONG }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, error } = await collect(stream);
    // What actually happens: undici reports the dropped chunked body as `TypeError: terminated`
    // (cause: SocketError "other side closed"); the SDK's stream passes it through unwrapped.
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(chunks).toHaveLength(3); // role chunk + 2 content deltas (a full reply is 1 + 13 + 2)
    expect(chunks.map((c) => c.choices[0]?.delta.content)).toEqual(['', 'Echo', ': Th']);
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);
    expect(chunks.some((c) => c.usage)).toBe(false);
  });

  it('cut: the .stream() helper rejects with an OpenAIError; non-stream cut behaves like reset', { timeout: 4000 }, async () => {
    server.script({ fault: { kind: 'cut', afterChunks: 1 } }, { fault: { kind: 'cut', afterChunks: 1 } });
    const s = client.chat.completions.stream({ model: MODEL, messages: [{ role: 'user', content: LONG }] });
    const err = await rejection(s.finalChatCompletion());
    expect(err).toBeInstanceOf(OpenAIError);
    expect((err as Error).message).toBe('terminated');

    const err2 = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    expect(err2).toBeInstanceOf(APIConnectionError);
  });

  it('malformed: non-stream → the SDK throws a raw SyntaxError; stream → SyntaxError from the SSE decoder', async () => {
    server.script({ fault: { kind: 'malformed' } }, { fault: { kind: 'malformed' } });
    const client = new OpenAI({ baseURL: server.url, apiKey: 'test-key', maxRetries: 0, timeout: 5000, logLevel: 'off' });
    // What actually happens: the 200 body is handed to JSON parsing, which throws a plain SyntaxError
    // (not an OpenAIError / APIError).
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(SyntaxError);
    expect(err).not.toBeInstanceOf(OpenAIError);

    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const { chunks, error } = await collect(stream);
    expect(error).toBeInstanceOf(SyntaxError);
    expect((error as Error).message).toBe('Error reading response: malformed server-sent event JSON.');
    expect(chunks).toHaveLength(1); // only the role chunk parsed
  });
});

describe('openai-test-server: directives, auth and shutdown', () => {
  it('a [[test:...]] directive in the last user message sets the behaviour; the echo strips it', async () => {
    const a = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'please [[test:{"reply":"hi"}]]' }],
    });
    expect(a.choices[0]!.message.content).toBe('hi');

    const b = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello [[test:{"cachedTokens":3}]] there' }],
    });
    expect(b.choices[0]!.message.content).toBe('Echo: hello there');
    expect(b.usage?.prompt_tokens_details?.cached_tokens).toBe(3);

    const err = await rejection(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'boom [[test:{"fault":{"kind":"status","status":503}}]]' }],
      }),
    );
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as InternalServerError).status).toBe(503);
  });

  it('only the last user message counts, a reply containing ]] works, and a scripted entry beats a directive', async () => {
    const a = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'user', content: 'old [[test:{"reply":"stale"}]]' },
        { role: 'assistant', content: 'stale' },
        { role: 'user', content: 'new' },
      ],
    });
    expect(a.choices[0]!.message.content).toBe('Echo: new');

    const b = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'x [[test:{"reply":"a]]b"}]]' }],
    });
    expect(b.choices[0]!.message.content).toBe('a]]b');

    server.defaults = { reply: 'from-defaults' };
    server.script({ reply: 'from-script' });
    const c = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'x [[test:{"reply":"from-directive"}]]' }],
    });
    expect(c.choices[0]!.message.content).toBe('from-script');
    const d = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'x [[test:{"reply":"from-directive"}]]' }],
    });
    expect(d.choices[0]!.message.content).toBe('from-directive');
    const e = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    expect(e.choices[0]!.message.content).toBe('from-defaults');
  });

  it('an unparseable directive → 400', async () => {
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x [[test:{oops}]]' }] }));
    expect(err).toBeInstanceOf(BadRequestError);
  });

  it('requiredApiKey: a wrong key → 401 whose body does not echo the key', async () => {
    const guarded = await startOpenAITestServer({ requiredApiKey: 'right-key' });
    try {
      const wrongKey = 'fake-key-wrong-key-0123456789';
      const wrong = new OpenAI({ baseURL: guarded.url, apiKey: wrongKey, maxRetries: 0, timeout: 5000 });
      const err = await rejection(wrong.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
      expect(err).toBeInstanceOf(AuthenticationError);
      expect((err as AuthenticationError).status).toBe(401);
      expect((err as AuthenticationError).code).toBe('invalid_api_key');
      expect(JSON.stringify((err as AuthenticationError).error)).not.toContain(wrongKey);
      await expect(wrong.models.list()).rejects.toBeInstanceOf(AuthenticationError);

      const res = await fetch(`${guarded.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${wrongKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).toContain('invalid_api_key');
      expect(text).not.toContain(wrongKey);
      expect(text).not.toContain('0123456789');

      const right = new OpenAI({ baseURL: guarded.url, apiKey: 'right-key', maxRetries: 0, timeout: 5000 });
      const ok = await right.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'ok' }] });
      expect(ok.choices[0]!.message.content).toBe('Echo: ok');
      expect(guarded.requests).toHaveLength(4); // every request is recorded, rejected ones included
    } finally {
      await guarded.close();
    }
  });

  it('close() resolves quickly even with a hung request open', { timeout: 4000 }, async () => {
    const s = await startOpenAITestServer({ defaults: { fault: { kind: 'hang' } } });
    const c = new OpenAI({ baseURL: s.url, apiKey: 'test-key', maxRetries: 0, timeout: 5000 });
    const pending = rejection(c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }));
    await s.waitForRequest();
    const t = Date.now();
    await s.close();
    expect(Date.now() - t).toBeLessThan(2000);
    expect(await pending).toBeInstanceOf(APIConnectionError);
    await s.close(); // idempotent
  });
});
