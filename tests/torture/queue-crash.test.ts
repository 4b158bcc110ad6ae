// A message sent while its session's last one is being answered waits in a per-process queue
// (proxy.service.ts). It is written before it waits, so `kill -9` while it waits loses nothing:
// after the restart it is in the history, failed ('interrupted') like any unanswered message, and
// its retry (the same client_request_id) sends it — on the same user turn, at the end of the
// branch as the crash left it, with that branch (not the cut exchange) as its context.
import { describe, expect, it } from 'vitest';
import type { ProxyMessageResponse, Turn } from '../../src/shared/api/schemas.ts';
import { startOpenAITestServer } from '../support/openai-test-server.ts';
import { startServe } from '../support/serve-process.ts';
import { onCleanup, tempDir } from '../support/temp.ts';
import { http, invariantProblems, openReadOnly, turns } from './helpers.ts';

const API_KEY = 'fake-key-torture-queue-0123456789';

describe('a queued message and a crash', () => {
  it('kill -9 while a message waits behind an endless answer: after the restart it is there, failed, and its retry sends it', async () => {
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
    const history = async (url: string) => (await http(url, `/sessions/${session}/turns`, { token })).body as Turn[];

    // An answer that streams until the process dies (a long deep_think), and a message behind it.
    /** How a request ended: its reply, or the error its connection ended with (handled at once: the kill rejects it). */
    const settled = (request: Promise<unknown>) =>
      request.then(
        (reply) => ({ reply }),
        (error: unknown) => ({ error }),
      );
    const long = settled(http(server.url, '/proxy/stream', { token, body: { message: '[[test:{"endless":"content","chunkDelayMs":20}]] long', meta: { session_id: session } } }));
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
    expect(message.meta).toMatchObject({ status: 'failed', error: { code: 'interrupted' }, client_request_id: 'queue-crash-0001', queued: true });
    expect((await history(restarted.url)).map((t) => t.content)).toContain('queued');

    // Its retry sends it, on the same user turn: after the cut answer (or, had none been written,
    // the answer before it), with the branch's answered exchanges as context.
    const retry = await http(restarted.url, '/proxy', { token, body: { message: 'queued', meta: { session_id: session }, client_request_id: 'queue-crash-0001' } });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    const answered = retry.body as ProxyMessageResponse;
    expect(answered.meta.user_turn_id).toBe(message.id);
    expect(answered.content).toBe('Echo: queued');
    const after = await history(restarted.url);
    const cut = after.find((t) => t.role === 'assistant' && t.meta.status === 'interrupted');
    const placed = after.find((t) => t.id === message.id)!;
    expect(placed.parent_id).toBe(cut?.id ?? (first.body as ProxyMessageResponse).turn_id);
    expect(placed.meta).toMatchObject({ status: 'answered', retries: 1 });
    expect(placed.meta.queued).toBeUndefined();
    const sent = upstream.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body.messages as { role: string; content: string }[];
    expect(sent.filter((m) => m.role !== 'system').map((m) => [m.role, m.content])).toEqual([
      ['user', 'q1'],
      ['assistant', 'Echo: q1'],
      ['user', 'queued'],
    ]);
    expect((await restarted.stop()).code).toBe(0);
  });
});
