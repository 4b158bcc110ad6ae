// A message sent while its session's last one is being answered waits in a per-process queue
// (proxy.service.ts). It is written before it waits, so `kill -9` while it waits loses nothing:
// after the restart it is in the history, failed ('interrupted') like any unanswered message, and
// the start-up repair has given it the place it never took — the end of the branch as the crash
// left it — so the student sees it (GET …/turns?path=active) with its retry. The retry (the same
// client_request_id) sends it there, on the same user turn, with that branch (not the cut
// exchange) as its context. Also when the earlier answer had not begun (a model thinking before
// its first token): the message waited below the earlier message itself then, off every branch.
import { describe, expect, it } from 'vitest';
import type { ProxyMessageResponse, Turn } from '../../src/shared/api/schemas.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { startServe } from '../support/serve-process.ts';
import { onCleanup, tempDir } from '../support/temp.ts';
import { http, invariantProblems, openReadOnly, turns } from './helpers.ts';

const API_KEY = 'fake-key-torture-queue-0123456789';

describe('a queued message and a crash', () => {
  it.each([
    { earlier: 'an answer that streams until the process dies (a long deep_think)', directive: '{"endless":"content","chunkDelayMs":20}' },
    { earlier: 'a model that has sent nothing yet (thinking before its first token)', directive: '{"fault":{"kind":"hang"}}' },
  ])('kill -9 while a message waits behind $earlier: after the restart it is on the branch, failed, and its retry sends it there', async ({ directive }) => {
    const upstream = await startOpenAITestServer({ requiredApiKey: API_KEY });
    onCleanup(() => void upstream.close());
    const dataDir = tempDir();
    const dbFile = `${dataDir}/studylog.db`;
    const env = { OPENAI_BASE_URL: upstream.url, OPENAI_API_KEY: API_KEY, STUDYLOG_MODEL: 'gpt-4o-mini' };
    const server = await startServe({ dataDir, env });
    const token = server.adminToken!;
    const first = await http(server.url, '/proxy', { token, body: { message: 'q1' } });
    expect(first.status).toBe(200);
    const session = (first.body as ProxyMessageResponse).session_id;
    const history = async (url: string, query = '') => (await http(url, `/sessions/${session}/turns${query}`, { token })).body as Turn[];

    /** How a request ended: its reply, or the error its connection ended with (handled at once: the kill rejects it). */
    const settled = (request: Promise<unknown>) =>
      request.then(
        (reply) => ({ reply }),
        (error: unknown) => ({ error }),
      );
    const long = settled(http(server.url, '/proxy/stream', { token, body: { message: `[[test:${directive}]] long`, meta: { session_id: session } } }));
    await upstream.waitForRequest((r) => JSON.stringify(r.body ?? {}).includes(']] long'));
    const queued = settled(http(server.url, '/proxy', { token, body: { message: 'queued', meta: { session_id: session }, client_request_id: 'queue-crash-0001' } }));
    // In the history while it waits, before the model is asked for it.
    await expect.poll(async () => (await history(server.url)).find((t) => t.content === 'queued')?.meta.status).toBe('pending');
    expect(upstream.requests.filter((r) => JSON.stringify(r.body ?? {}).includes('"queued"'))).toEqual([]);
    await server.kill();
    // Both clients see their connection cut.
    expect(await long).toMatchObject({ error: expect.any(Error) });
    expect(await queued).toMatchObject({ error: expect.any(Error) });

    const restarted = await startServe({ dataDir, env });
    expect(await restarted.waitForStderr(/marked \d+ unanswered message\(s\) from the last run as failed/)).toBe('marked 2 unanswered message(s) from the last run as failed');
    const db = openReadOnly(dbFile);
    const stored = turns(db);
    expect(invariantProblems(db)).toEqual([]);
    db.close();
    const message = stored.find((t) => t.content === 'queued')!;
    expect(message.meta).toMatchObject({ status: 'failed', error: { code: 'interrupted' }, client_request_id: 'queue-crash-0001' });
    expect(message.meta.queued).toBeUndefined();
    // In its place: after the cut answer (or, had none been written, after the cut message itself,
    // as a new message after a failed one goes) — the end of the active branch.
    const after = await history(restarted.url);
    const cut = after.find((t) => t.role === 'assistant' && t.meta.status === 'interrupted');
    const repaired = after.find((t) => t.id === message.id)!;
    expect(repaired.parent_id).toBe(cut?.id ?? after.find((t) => t.role === 'user' && t.content.endsWith(']] long'))!.id);
    expect((await history(restarted.url, '?path=active')).at(-1)).toMatchObject({ id: message.id, meta: { status: 'failed' } });

    // Its retry sends it, on the same user turn, where it is, with the branch's answered exchanges as context.
    const retry = await http(restarted.url, '/proxy', { token, body: { message: 'queued', meta: { session_id: session }, client_request_id: 'queue-crash-0001' } });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    const answered = retry.body as ProxyMessageResponse;
    expect(answered.meta.user_turn_id).toBe(message.id);
    expect(answered.content).toBe('Echo: queued');
    const placed = (await history(restarted.url)).find((t) => t.id === message.id)!;
    expect(placed).toMatchObject({ parent_id: repaired.parent_id, created_at: repaired.created_at, meta: { status: 'answered', retries: 1 } });
    const sent = upstream.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body.messages as { role: string; content: string }[];
    expect(sent.filter((m) => m.role !== 'system').map((m) => [m.role, m.content])).toEqual([
      ['user', 'q1'],
      ['assistant', 'Echo: q1'],
      ['user', 'queued'],
    ]);
    expect((await restarted.stop()).code).toBe(0);
  });
});
