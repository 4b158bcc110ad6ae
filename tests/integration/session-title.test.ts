// A new session is titled after its first message by the server (not by whichever client sent
// it), in the write that creates it; follow-ups and retries leave the title alone.
import { describe, expect, it } from 'vitest';
import { DERIVED_TITLE_MAX, sessionTitleFrom } from '../../src/main/core/llm/session-title.ts';
import { setupCore, TEST_CALLER } from '../support/core.ts';
import { testWrites } from '../support/temp.ts';

describe('session titles, derived on the server', () => {
  it('names a new session after its first message, on one line', async () => {
    const core = await setupCore();
    const res = await core.proxy.send(TEST_CALLER, { message: '  二次函数的顶点\n怎么求？  ', chat_id: 'c1' });
    expect(core.sessions.getSessionById(res.session_id)?.meta).toEqual({ chat_id: 'c1', title: '二次函数的顶点 怎么求？' });
  });

  it('keeps the title through follow-ups, and a rename stays', async () => {
    const core = await setupCore();
    const first = await core.proxy.send(TEST_CALLER, { message: 'first question' });
    await core.proxy.send(TEST_CALLER, { message: 'a follow-up', meta: { session_id: first.session_id } });
    expect(core.sessions.getSessionById(first.session_id)?.meta.title).toBe('first question');
    core.sessions.updateSessionById(testWrites(core.store), first.session_id, { meta: { title: 'Renamed' } });
    await core.proxy.send(TEST_CALLER, { message: 'another', meta: { session_id: first.session_id } });
    expect(core.sessions.getSessionById(first.session_id)?.meta.title).toBe('Renamed');
  });

  it('a session whose first message failed is titled all the same (the message is kept for a retry)', async () => {
    const core = await setupCore();
    core.server.script({ fault: { kind: 'status', status: 500 } });
    await expect(core.proxy.send(TEST_CALLER, { message: 'will fail once', client_request_id: 'req-title-01' })).rejects.toMatchObject({ code: 'upstream_error' });
    const [session] = core.sessions.getSessionsByUserId(TEST_CALLER.user_id).items;
    expect(session?.meta.title).toBe('will fail once');
  });

  it('cuts a long message at the limit with an ellipsis, by characters, never inside an emoji', () => {
    const long = '😀'.repeat(100);
    const title = sessionTitleFrom(long)!;
    expect(Array.from(title)).toHaveLength(DERIVED_TITLE_MAX);
    expect(title.endsWith('…')).toBe(true);
    expect(title.slice(0, -1)).toBe('😀'.repeat(DERIVED_TITLE_MAX - 1));
    expect(sessionTitleFrom('x'.repeat(DERIVED_TITLE_MAX))).toBe('x'.repeat(DERIVED_TITLE_MAX));
    expect(sessionTitleFrom(' \n\t ')).toBeNull();
  });
});
