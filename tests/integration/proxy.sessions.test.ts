// Session create / reuse / foreign, the mode-and-assignment rule, and history with trimming.
import { describe, expect, it } from 'vitest';
import { sendThroughDispatch, setupCore, TEST_CALLER } from '../support/core.ts';
import { rowCount, testWrites } from '../support/temp.ts';

const OTHER = { user_id: 'student-2', role: 'student' as const };

describe('proxy: sessions and context', () => {
  it('creates a session on the first message and reuses it with meta.session_id, sending the history', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'one' });
    const second = await core.proxy.send(TEST_CALLER, { message: 'two', meta: { session_id: first.session_id } });
    expect(second.session_id).toBe(first.session_id);
    expect(rowCount(core.store, 'session')).toBe(1);
    expect(core.turns.getTurnsBySessionId(first.session_id).map((t) => `${t.role}:${t.content}`)).toEqual(['user:one', 'assistant:Echo: one', 'user:two', 'assistant:Echo: two']);
    const messages = core.chatRequests()[1]!.body.messages.map((m: { role: string; content: string }) => `${m.role}:${m.content}`);
    expect(messages.slice(1)).toEqual(['user:one', 'assistant:Echo: one', 'user:two']);
  });

  it('answers not_found for another user’s session, and validation_error for an id that could not name a session, writing nothing', async () => {
    const core = await setupCore();
    const mine = await core.proxy.send(TEST_CALLER, { message: 'mine' });
    const turnsBefore = rowCount(core.store, 'turn');
    const foreign = await core.proxy.send(OTHER, { message: 'x', meta: { session_id: mine.session_id } }).catch((e) => e);
    expect(foreign).toMatchObject({ code: 'not_found' });
    expect(foreign.detail).toBe(`There is no session '${mine.session_id}'.`);
    for (const id of ['no such session', '../sessions', 'a/b', '..']) {
      expect(await core.proxy.send(TEST_CALLER, { message: 'x', meta: { session_id: id } }).catch((e) => e)).toMatchObject({ code: 'validation_error' });
    }
    expect(rowCount(core.store, 'turn')).toBe(turnsBefore);
    expect(rowCount(core.store, 'session')).toBe(1);
  });

  it('an unknown, URL-safe meta.session_id starts a session with that id (the seed’s "session_xyz"); it is then the caller’s alone', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'one', meta: { session_id: 'session_xyz' } });
    expect(first).toMatchObject({ session_id: 'session_xyz', meta: { session_id: 'session_xyz', mode: 'chat' } });
    expect(core.sessions.getSessionById('session_xyz')).toMatchObject({ user_id: TEST_CALLER.user_id, mode: 'chat' });
    const second = await core.proxy.send(TEST_CALLER, { message: 'two', meta: { session_id: 'session_xyz' } });
    expect(second.session_id).toBe('session_xyz');
    expect(core.turns.getTurnsBySessionId('session_xyz').map((t) => t.content)).toEqual(['one', 'Echo: one', 'two', 'Echo: two']);
    // Another student offering the same id does not reach it, and writes nothing.
    const turnsBefore = rowCount(core.store, 'turn');
    await expect(core.proxy.send(OTHER, { message: 'peek', meta: { session_id: 'session_xyz' } })).rejects.toMatchObject({ code: 'not_found' });
    expect(rowCount(core.store, 'turn')).toBe(turnsBefore);
    expect(rowCount(core.store, 'session')).toBe(1);
  });

  it('refuses a follow-up whose mode or assignment differs from its session’s (conflict); omitted means the session’s own', async () => {
    const core = await setupCore();
    const hw = await core.proxy.send(TEST_CALLER, { message: 'q1', mode: 'homework', assignment_id: 'hw_1' });
    const sid = hw.session_id;
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', mode: 'chat', meta: { session_id: sid } })).rejects.toMatchObject({
      code: 'conflict',
      detail: expect.stringContaining('homework mode'),
    });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', assignment_id: 'hw_2', meta: { session_id: sid } })).rejects.toMatchObject({ code: 'conflict' });
    const follow = await core.proxy.send(TEST_CALLER, { message: 'q2', meta: { session_id: sid } });
    expect(follow.meta).toMatchObject({ mode: 'homework', assignment_id: 'hw_1' });
    const same = await core.proxy.send(TEST_CALLER, { message: 'q3', mode: 'homework', assignment_id: 'hw_1', meta: { session_id: sid } });
    expect(same.session_id).toBe(sid);
    expect(rowCount(core.store, 'session')).toBe(1);
  });

  it('refuses to continue an ended session, retries of its failed messages included', async () => {
    const core = await setupCore();
    const res = await core.proxy.send(TEST_CALLER, { message: 'q' });
    core.server.script({ fault: { kind: 'status', status: 500 } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'failed', client_request_id: 'req-ended-01', meta: { session_id: res.session_id } })).rejects.toMatchObject({
      code: 'upstream_error',
    });
    core.sessions.updateSessionById(testWrites(core.store), res.session_id, { ended_at: Date.now() });
    await expect(core.proxy.send(TEST_CALLER, { message: 'x', meta: { session_id: res.session_id } })).rejects.toMatchObject({ code: 'conflict' });
    await expect(core.proxy.send(TEST_CALLER, { message: 'failed', client_request_id: 'req-ended-01' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('trims history oldest-first to the model’s budget, always keeping the system prompt and the new message', async () => {
    const core = await setupCore();
    // llama3.2 is unknown: an 8,192-token context. Each exchange below is ~1,000+ tokens.
    const long = (n: number) => `${n} ` + 'word '.repeat(1000);
    let sid: string | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await sendThroughDispatch(core, TEST_CALLER, { message: long(i), model: 'llama3.2', ...(sid ? { meta: { session_id: sid } } : {}) });
      sid = res.session_id;
    }
    const last = core.chatRequests().at(-1)!.body.messages as { role: string; content: string }[];
    expect(last[0]!.role).toBe('system');
    expect(last.at(-1)).toEqual({ role: 'user', content: long(7).trim() });
    const replayed = last.slice(1, -1);
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.length).toBeLessThan(14); // not all 7 earlier exchanges fit
    expect(replayed[0]!.role).toBe('user'); // trimmed on an exchange boundary
    expect(replayed.at(-1)!.content).toBe(`Echo: ${long(6).trim()}`); // the newest are kept
    const words = last.reduce((n, m) => n + m.content.split(' ').length, 0);
    expect(words).toBeLessThan(8192); // a word is at least one token
  });

  it('leaves failed messages out of the history sent later', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'kept' });
    await core.proxy.send(TEST_CALLER, { message: 'lost [[test:{"fault":{"kind":"status","status":500}}]]', meta: { session_id: first.session_id } }).catch(() => undefined);
    await core.proxy.send(TEST_CALLER, { message: 'next', meta: { session_id: first.session_id } });
    const contents = core
      .chatRequests()
      .at(-1)!
      .body.messages.map((m: { content: string }) => m.content);
    expect(contents.slice(1)).toEqual(['kept', 'Echo: kept', 'next']);
  });
});
