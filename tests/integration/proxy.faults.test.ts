// Every upstream fault leaves the student's message safe with a clear code; retrying with the same
// client_request_id never writes a second user turn.
import { describe, expect, it } from 'vitest';
import type { Fault } from '../support/openai-test-server.ts';
import { sendThroughDispatch, setupCore, TEST_CALLER } from '../support/core.ts';
import { rowCount, testWrites } from '../support/temp.ts';

const faults: [string, Fault, string][] = [
  ['401', { kind: 'status', status: 401 }, 'upstream_auth'],
  ['403', { kind: 'status', status: 403 }, 'upstream_auth'],
  ['500', { kind: 'status', status: 500 }, 'upstream_error'],
  ['503', { kind: 'status', status: 503 }, 'upstream_error'],
  ['429', { kind: 'status', status: 429, retryAfterSeconds: 0 }, 'upstream_rate_limited'],
  ['a reset connection', { kind: 'reset' }, 'upstream_unreachable'],
  ['a malformed reply', { kind: 'malformed' }, 'upstream_bad_response'],
];

describe('proxy: upstream faults', () => {
  it.each(faults)('%s → its code; the user turn stays with meta.error; a retry answers it without a second user turn', async (_name, fault, code) => {
    const core = await setupCore();
    core.server.script({ fault });
    const request = { message: '我的问题', client_request_id: 'req-0001-abcd' };
    const error = await core.proxy.send(TEST_CALLER, request).catch((e) => e);
    expect(error).toMatchObject({ code });
    const [userTurn, ...rest] = core.store.sqlite.prepare('SELECT * FROM turn').all() as { id: string; role: string; content: string; meta: string }[];
    expect(rest).toEqual([]);
    expect(userTurn).toMatchObject({ role: 'user', content: '我的问题' });
    expect(JSON.parse(userTurn!.meta)).toMatchObject({ status: 'failed', error: { code, message: error.detail }, client_request_id: 'req-0001-abcd' });

    const retried = await core.proxy.send(TEST_CALLER, request);
    expect(retried.meta.user_turn_id).toBe(userTurn!.id);
    expect(retried.content).toBe('Echo: 我的问题');
    expect(rowCount(core.store, 'turn')).toBe(2);
    const after = core.turns.getTurnById(userTurn!.id)!;
    expect(after.meta).toMatchObject({ status: 'answered', retries: 1 });
    expect(after.meta).not.toHaveProperty('error');

    // A third send with the same id replays the stored answer: no model call, no new turn.
    const calls = core.chatRequests().length;
    expect(await core.proxy.send(TEST_CALLER, request)).toEqual(retried);
    expect(core.chatRequests()).toHaveLength(calls);
    expect(rowCount(core.store, 'turn')).toBe(2);
  });

  it('a redirect is not followed: the key never reaches the address it names, and the error says where it pointed', async () => {
    const core = await setupCore();
    const elsewhere = await setupCore();
    const location = `${elsewhere.server.url}/chat/completions`;
    for (const status of [307, 308, 301] as const) {
      core.server.script({ fault: { kind: 'redirect', status, location } });
      const error = await core.proxy.send(TEST_CALLER, { message: '重定向' }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'upstream_error', detail: expect.stringContaining(`HTTP ${status}, to ${location}`) });
    }
    expect(elsewhere.chatRequests()).toHaveLength(0);
  });

  it('429 is retried by the SDK (honouring retry-after) up to max_retries, then upstream_rate_limited', async () => {
    const core = await setupCore({ provider: { max_retries: 1 } });
    core.server.script({ fault: { kind: 'status', status: 429, retryAfterSeconds: 0 } }, { fault: { kind: 'status', status: 429, retryAfterSeconds: 0 } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x' })).rejects.toMatchObject({ code: 'upstream_rate_limited' });
    expect(core.chatRequests()).toHaveLength(2);
    core.server.script({ fault: { kind: 'status', status: 429, retryAfterSeconds: 0 } });
    expect((await core.proxy.send(TEST_CALLER, { message: 'y' })).content).toBe('Echo: y');
  });

  it('a model the provider is configured with but does not serve → model_not_found', async () => {
    const core = await setupCore();
    core.settings.update({ providers: [{ ...core.settings.get().providers[0]!, models: [...core.server.models, 'gpt-9-ultra'] }] });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', model: 'gpt-9-ultra' })).rejects.toMatchObject({
      code: 'model_not_found',
      detail: expect.stringContaining('gpt-9-ultra'),
    });
    expect(core.turns.getTurnsBySessionId(core.sessions.getSessionsByUserId(TEST_CALLER.user_id).items[0]!.id)).toHaveLength(1);
  });

  it('a provider that does not answer in time → upstream_timeout', async () => {
    const core = await setupCore({ provider: { timeout_ms: 1_000 } });
    core.server.script({ fault: { kind: 'hang' } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x' })).rejects.toMatchObject({ code: 'upstream_timeout' });
    expect(rowCount(core.store, 'turn')).toBe(1);
  });

  it('an unreachable provider (offline) → upstream_unreachable, message kept', async () => {
    const core = await setupCore({ provider: { base_url: 'http://127.0.0.1:9/v1' } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'offline question' })).rejects.toMatchObject({ code: 'upstream_unreachable' });
    const [turn] = core.store.sqlite.prepare('SELECT content, meta FROM turn').all() as { content: string; meta: string }[];
    expect(turn!.content).toBe('offline question');
    expect(JSON.parse(turn!.meta).error.code).toBe('upstream_unreachable');
  });

  it('a wrong API key → upstream_auth, and the key appears in no error, turn or response', async () => {
    const wrongKey = 'fake-key-wrong-key-SHOULD-NOT-APPEAR-987654321';
    const core = await setupCore({ core: { env: { STUDYLOG_TEST_KEY: wrongKey } } });
    const error = await core.proxy.send(TEST_CALLER, { message: 'x' }).catch((e) => e);
    expect(error).toMatchObject({ code: 'upstream_auth' });
    expect(JSON.stringify({ ...error, detail: error.detail, message: error.message })).not.toContain(wrongKey);
    expect(JSON.stringify(core.store.sqlite.prepare('SELECT * FROM turn').all())).not.toContain(wrongKey);
  });

  it('no provider configured → provider_not_configured before anything is written', async () => {
    const core = await setupCore();
    core.settings.update({ providers: [], default_provider_id: null });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x' })).rejects.toMatchObject({ code: 'provider_not_configured' });
    expect(rowCount(core.store, 'turn')).toBe(0);
  });

  it("a client_request_id still being answered is a conflict; another user's use of it is invisible (a fresh id for them)", async () => {
    const core = await setupCore({ defaults: { latencyMs: 300 } });
    const first = core.proxy.send(TEST_CALLER, { message: 'slow', client_request_id: 'req-inflight-1' });
    // In flight: its user turn is written and the model has been called.
    await core.server.waitForRequest((r) => r.path.endsWith('/chat/completions'));
    await expect(core.proxy.send(TEST_CALLER, { message: 'slow', client_request_id: 'req-inflight-1' })).rejects.toMatchObject({ code: 'conflict' });
    await first;
    const other = await core.proxy.send({ user_id: 'student-2', role: 'student' }, { message: 'mine', client_request_id: 'req-inflight-1' });
    expect(other.content).toBe('Echo: mine');
    expect(rowCount(core.store, 'turn')).toBe(4);
  });

  it('the same client_request_id sent twice at once (one group commit) writes one user turn', async () => {
    const core = await setupCore();
    const settled = await Promise.allSettled([
      core.proxy.send(TEST_CALLER, { message: 'twice', client_request_id: 'req-same-tick-1' }),
      core.proxy.send(TEST_CALLER, { message: 'twice', client_request_id: 'req-same-tick-1' }),
      core.proxy.send({ user_id: 'student-2', role: 'student' }, { message: 'twice', client_request_id: 'req-same-tick-1' }),
    ]);
    // The other user's is a fresh id for them: answered in a session of their own.
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict', detail: 'This message is still being answered.' });
    // Per user one session, one user turn and its answer: the refused one left nothing behind.
    expect([rowCount(core.store, 'session'), rowCount(core.store, 'turn')]).toEqual([2, 4]);
  });

  it('a retry whose session is deleted before its write is not_found, and the model is not called', async () => {
    const core = await setupCore();
    core.server.script({ fault: { kind: 'status', status: 500 } });
    const request = { message: 'gone', client_request_id: 'req-deleted-1' };
    const failed = await core.proxy.send(TEST_CALLER, request).catch((e) => e);
    const sessionId = core.turns.findByClientRequestId(TEST_CALLER.user_id, 'req-deleted-1')!.session_id;
    const calls = core.chatRequests().length;
    // The retry's checks pass and its write is queued; the session goes before the write runs.
    const retry = core.proxy.send(TEST_CALLER, request);
    core.sessions.deleteSessionById(testWrites(core.store), sessionId);
    await expect(retry).rejects.toMatchObject({ code: 'not_found' });
    expect(failed).toMatchObject({ code: 'upstream_error' });
    expect(core.chatRequests()).toHaveLength(calls);
    expect(rowCount(core.store, 'turn') + rowCount(core.store, 'session')).toBe(0);
  });

  describe('bad requests are refused before anything is written', () => {
    it.each([
      ['message', { message: '' }],
      ['message', { message: '   ' }],
      ['message', { message: 'x'.repeat(100_001) }],
      ['mode', { message: 'x', mode: 'exam' }],
      ['meta', { message: 'x', meta: 'not an object' }],
      ['meta.session_id', { message: 'x', meta: { session_id: 42 } }],
      ['client_request_id', { message: 'x', client_request_id: 'short' }],
      ['unexpected', { message: 'x', unexpected: true }],
    ])('names %s', async (field, request) => {
      const core = await setupCore();
      const error = await sendThroughDispatch(core, TEST_CALLER, request).catch((e) => e);
      expect(error).toMatchObject({ code: 'validation_error' });
      expect(error.detail).toContain(field);
      expect(rowCount(core.store, 'turn') + rowCount(core.store, 'session')).toBe(0);
    });
  });
});
