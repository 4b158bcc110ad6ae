// Streaming: deltas then `done`; stop keeps the partial answer as 'aborted'; a cut stream keeps it
// as 'interrupted'; text is flushed periodically, so even kill -9 leaves it behind.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ProxyStreamEvent } from '../../src/shared/api/schemas.ts';
import { createCore } from '../../src/main/core/app.ts';
import { collect, setupCore, TEST_API_KEY, TEST_CALLER } from '../support/core.ts';
import { onCleanup, rowCount, tempDir, testWrites } from '../support/temp.ts';

const text = (events: ProxyStreamEvent[], type: 'delta' | 'reasoning') =>
  events
    .filter((e) => e.type === type)
    .map((e) => (e as { content: string }).content)
    .join('');

describe('proxy: streaming', () => {
  it('yields start, deltas and done; asks for usage and records the provider’s numbers', async () => {
    const core = await setupCore({ defaults: { reply: '光合作用把光能转化为化学能。', chunkSize: 3 } });
    const events = await collect(core.proxy.stream(TEST_CALLER, { message: '什么是光合作用？' }));
    expect(events[0]).toMatchObject({ type: 'start', model: 'gpt-4o-mini' });
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(3);
    expect(text(events, 'delta')).toBe('光合作用把光能转化为化学能。');
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    const res = (done as Extract<ProxyStreamEvent, { type: 'done' }>).response;
    expect(res).toMatchObject({
      content: '光合作用把光能转化为化学能。',
      turn_id: (events[0] as { turn_id: string }).turn_id,
      meta: { status: 'complete', finish_reason: 'stop', usage: { estimated: false } },
    });
    expect(core.chatRequests()[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const assistant = core.turns.getTurnById(res.turn_id)!;
    expect(assistant).toMatchObject({ content: res.content, tokens_in: res.meta.usage.tokens_in, tokens_out: res.meta.usage.tokens_out, cost: res.meta.usage.cost });
    expect(assistant.cost).toBeGreaterThan(0);
    expect(core.turns.getTurnById(res.meta.user_turn_id)!.meta).toMatchObject({ status: 'answered', assistant_turn_id: res.turn_id });
  });

  it('streams reasoning deltas before the answer and keeps them in meta, not content', async () => {
    const core = await setupCore({ defaults: { reasoning: 'Let me think step by step.', reply: 'Blue light scatters more.' } });
    const events = await collect(core.proxy.stream(TEST_CALLER, { message: 'Why is the sky blue?', mode: 'deep_think', model: 'deepseek-reasoner' }));
    const kinds = events.map((e) => e.type);
    expect(kinds.indexOf('reasoning')).toBeLessThan(kinds.indexOf('delta'));
    expect(text(events, 'reasoning')).toBe('Let me think step by step.');
    const res = (events.at(-1) as Extract<ProxyStreamEvent, { type: 'done' }>).response;
    expect(res.content).toBe('Blue light scatters more.');
    expect(core.turns.getTurnById(res.turn_id)!.meta.reasoning).toBe('Let me think step by step.');
  });

  it('a provider that sends no usage → counted locally and marked estimated', async () => {
    const core = await setupCore({ defaults: { usage: false } });
    const events = await collect(core.proxy.stream(TEST_CALLER, { message: 'hello there' }));
    const res = (events.at(-1) as Extract<ProxyStreamEvent, { type: 'done' }>).response;
    expect(res.meta.usage).toMatchObject({ estimated: true });
    expect(res.meta.usage.tokens_in).toBeGreaterThan(10); // system prompt + message
    expect(res.meta.usage.tokens_out).toBeGreaterThan(0);
    const sent = await core.proxy.send(TEST_CALLER, { message: 'non-stream too' });
    expect(sent.meta.usage.estimated).toBe(true);
  });

  it('stop: the upstream request is aborted and the partial answer is kept with status aborted', async () => {
    const reply = 'abcdefghij'.repeat(40);
    const core = await setupCore({ defaults: { reply, chunkSize: 5, chunkDelayMs: 15 } });
    const stop = new AbortController();
    const events: ProxyStreamEvent[] = [];
    for await (const event of core.proxy.stream(TEST_CALLER, { message: 'tell me everything' }, stop.signal)) {
      events.push(event);
      if (events.filter((e) => e.type === 'delta').length === 4) stop.abort();
    }
    const received = text(events, 'delta');
    expect(received.length).toBeGreaterThanOrEqual(20);
    expect(received.length).toBeLessThan(reply.length);
    const res = (events.at(-1) as Extract<ProxyStreamEvent, { type: 'done' }>).response;
    expect(res.meta.status).toBe('aborted');
    expect(res.meta.usage.estimated).toBe(true);
    const stored = core.turns.getTurnById(res.turn_id)!;
    expect(reply.startsWith(stored.content)).toBe(true);
    expect(stored.content.length).toBeGreaterThanOrEqual(received.length);
    expect(stored.meta.status).toBe('aborted');
  });

  it('a stream cut by the provider → upstream_unreachable; partial text kept as interrupted; retry answers afresh', async () => {
    const core = await setupCore({ defaults: { reply: 'one two three four five six', chunkSize: 4 } });
    core.server.script({ fault: { kind: 'cut', afterChunks: 2 } });
    const request = { message: 'count for me', client_request_id: 'req-cut-0001' };
    const events: ProxyStreamEvent[] = [];
    const error = await (async () => {
      for await (const e of core.proxy.stream(TEST_CALLER, request)) events.push(e);
    })().catch((e) => e);
    expect(error).toMatchObject({ code: 'upstream_unreachable' });
    expect(text(events, 'delta')).toBe('one two ');
    const sessionId = (events[0] as { session_id: string }).session_id;
    const [user, partial] = core.turns.getTurnsBySessionId(sessionId);
    expect(partial).toMatchObject({ role: 'assistant', content: 'one two ', meta: { status: 'interrupted', error: { code: 'upstream_unreachable' }, usage: { estimated: true } } });
    expect(user!.meta).toMatchObject({ status: 'failed', error: { code: 'upstream_unreachable' } });

    const retry = await collect(core.proxy.stream(TEST_CALLER, request));
    const res = (retry.at(-1) as Extract<ProxyStreamEvent, { type: 'done' }>).response;
    expect(res.content).toBe('one two three four five six');
    expect(res.meta.user_turn_id).toBe(user!.id);
    expect(core.turns.getTurnsBySessionId(sessionId).map((t) => `${t.role}:${String(t.meta.status)}`)).toEqual(['user:answered', 'assistant:interrupted', 'assistant:complete']);
  });

  it('an upstream error before any text → the error, no assistant turn', async () => {
    const core = await setupCore();
    core.server.script({ fault: { kind: 'status', status: 401 } });
    await expect(collect(core.proxy.stream(TEST_CALLER, { message: 'x' }))).rejects.toMatchObject({ code: 'upstream_auth' });
    expect(core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE role = 'assistant'").pluck().get()).toBe(0);
  });

  it('a stream that stalls → upstream_timeout after the provider’s timeout; the message is kept as failed', async () => {
    const core = await setupCore({ provider: { timeout_ms: 1_000 } });
    core.server.script({ reply: 'abcdefgh', chunkSize: 2, chunkDelayMs: 1_500 });
    await expect(collect(core.proxy.stream(TEST_CALLER, { message: 'stalled question' }))).rejects.toMatchObject({ code: 'upstream_timeout' });
    const [user] = core.store.sqlite.prepare('SELECT content, meta FROM turn').all() as { content: string; meta: string }[];
    expect(user!.content).toBe('stalled question');
    expect(JSON.parse(user!.meta)).toMatchObject({ status: 'failed', error: { code: 'upstream_timeout' } });
  });

  it('a session deleted while its answer streams ends the stream with not_found and leaves nothing behind', async () => {
    const core = await setupCore({ defaults: { reply: 'y'.repeat(100), chunkSize: 5, chunkDelayMs: 10 } });
    const events: ProxyStreamEvent[] = [];
    const error = await (async () => {
      for await (const e of core.proxy.stream(TEST_CALLER, { message: 'go' })) {
        events.push(e);
        if (events.filter((x) => x.type === 'delta').length === 2) {
          const start = events[0] as Extract<ProxyStreamEvent, { type: 'start' }>;
          expect(core.sessions.deleteSessionById(testWrites(core.store), start.session_id)).toBe(true);
        }
      }
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'not_found' });
    expect(events.some((e) => e.type === 'done')).toBe(false);
    expect(rowCount(core.store, 'turn') + rowCount(core.store, 'session')).toBe(0);
  });

  it('flushes partial text periodically, not per token', async () => {
    const reply = 'x'.repeat(200);
    const core = await setupCore({ defaults: { reply, chunkSize: 5, chunkDelayMs: 10 } }); // 40 deltas over ~400 ms
    const update = core.turns.updateTurnById.bind(core.turns);
    const updatedAt: number[] = [];
    core.turns.updateTurnById = (db, id, patch) => {
      updatedAt.push(Date.now());
      return update(db, id, patch);
    };
    const seen: number[] = [];
    for await (const e of core.proxy.stream(TEST_CALLER, { message: 'go' })) {
      if (e.type === 'delta' || e.type === 'start') {
        const row = core.store.sqlite.prepare("SELECT length(content) FROM turn WHERE role = 'assistant'").pluck().get() as number | undefined;
        seen.push(row ?? 0);
      }
    }
    // Mid-stream flushes (all but the last two updates: the finished answer and the user turn's
    // status) are at least the 50 ms flush interval apart, however the 40 deltas arrive.
    const flushes = updatedAt.slice(0, -2);
    expect(flushes.length).toBeGreaterThan(1);
    expect(flushes.length).toBeLessThan(40);
    flushes.slice(1).forEach((t, i) => expect(t - flushes[i]!, `flush ${i + 1}`).toBeGreaterThanOrEqual(50));
    expect(seen.some((n) => n > 0 && n < reply.length)).toBe(true); // partial text was on disk mid-stream
  });

  it('kill -9 mid-stream: the next start finds the user turn and the flushed text, marked interrupted', async () => {
    const core = await setupCore({ defaults: { reply: 'word '.repeat(400), chunkSize: 5, chunkDelayMs: 10 } });
    const dataDir = tempDir();
    const child = spawn(process.execPath, [fileURLToPath(new URL('../support/stream-child.ts', import.meta.url)), dataDir, core.server.url, TEST_API_KEY], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onCleanup(() => child.kill('SIGKILL'));
    let lastLine = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const lines = d.toString().trim().split('\n');
        lastLine = lines.at(-1)!;
        // Well past a few flush intervals: kill it without warning.
        if (JSON.parse(lastLine).received.length > 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    await new Promise((r) => child.once('exit', r));

    // A one-shot command (token list, export) opening the data dir repairs nothing: a server
    // might be answering right now.
    const oneShot = createCore({ dataDir, secrets: null });
    expect(oneShot.recovered).toEqual({ assistant_turns: 0, user_turns: 0 });
    expect(
      oneShot.turns
        .getOpenTurns()
        .map((t) => t.meta.status)
        .sort(),
    ).toEqual(['pending', 'streaming']);
    oneShot.close();

    const after = createCore({ dataDir, secrets: null, recover: true });
    onCleanup(() => after.close());
    expect(after.recovered).toEqual({ assistant_turns: 1, user_turns: 1 });
    const [user, assistant] = after.store.sqlite.prepare('SELECT role, content, meta FROM turn ORDER BY created_at, id').all() as { role: string; content: string; meta: string }[];
    expect(user).toMatchObject({ role: 'user', content: 'long story please' });
    expect(JSON.parse(user!.meta)).toMatchObject({ status: 'failed', error: { code: 'interrupted' } });
    expect(assistant!.role).toBe('assistant');
    expect(JSON.parse(assistant!.meta)).toMatchObject({ status: 'interrupted', usage: { estimated: true } });
    expect(assistant!.content.length).toBeGreaterThan(100); // flushed text survived
    expect('word '.repeat(400).startsWith(assistant!.content)).toBe(true);
    expect(after.store.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(rowCount(after.store, 'turn')).toBe(2);
  });
});
