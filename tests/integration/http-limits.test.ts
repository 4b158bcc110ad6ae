// No token, student or provider can exhaust or break the server (issue 10 items 3, 4, 7-11;
// issue 15 item 3). Each weakness as a regression test through the public HTTP face: the real
// server on loopback (startApi), or `studylog serve` as a child process for its flags, with the
// OpenAI test server as the provider — including one that streams without end.
//
// Memory is asserted structurally: a page's size is capped, a reply is streamed, the upstream
// connection is closed once a cap is reached and only so much was sent — never by timing.
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY as ELECTRON_CSP } from '../../src/main/electron/origin.ts';
import { API_PREFIX } from '../../src/shared/api/routes.ts';
import { MAX_CONTENT_CHARS, TURN_PAGE_BYTES, type Turn } from '../../src/shared/api/schemas.ts';
import { MAX_REASONING_CHARS, MAX_UPSTREAM_BODY_BYTES } from '../../src/main/core/llm/upstream-limits.ts';
import { FAR_FUTURE, rawExchange, sseEvents, startApi, type ApiFixture } from '../support/http.ts';
import { startServe } from '../support/serve-process.ts';
import { runCli } from '../support/cli.ts';
import { tempDir, testWrites } from '../support/temp.ts';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApi({ server: { limits: { perSecond: 10_000, burst: 10_000, concurrent: 100 } } });
});
afterAll(() => api?.close());

/** A session of `userId` holding `count` turns of `chars` characters each, written straight to the store. */
function bigSession(userId: string, count: number, chars: number, at = 1_000): string {
  const session = api.core.store.transaction('seed the session', (db) => api.core.sessions.insertNewSession(db, { user_id: userId, mode: 'chat', started_at: at }));
  api.core.store.transaction('seed the turns', (db) => {
    for (let i = 0; i < count; i++) {
      api.core.turns.insertNewTurn(db, { session_id: session.id, role: i % 2 ? 'assistant' : 'user', content: `${i}:` + '学'.repeat(Math.max(0, chars - 8)), created_at: at + i });
    }
  });
  return session.id;
}

/** Follows X-Next-Cursor from `first` to the end; every page's reply text and turns. */
async function allPages(path: string, query: Record<string, string>, token: string) {
  const pages: { bytes: number; turns: Turn[]; link: string | undefined }[] = [];
  let cursor: string | undefined;
  do {
    const reply = await api.api('GET', path, { token, query: { ...query, ...(cursor ? { cursor } : {}) } });
    expect(reply.status, reply.text.slice(0, 200)).toBe(200);
    expect(Array.isArray(reply.json)).toBe(true);
    pages.push({ bytes: Buffer.byteLength(reply.text), turns: reply.json as Turn[], link: reply.headers.link as string | undefined });
    cursor = reply.headers['x-next-cursor'] as string | undefined;
  } while (cursor);
  return pages;
}

describe('unbounded responses (item 3): turn lists are paged, replies capped, exports streamed', () => {
  it("GET /sessions/{id}/turns without parameters (the seed's call) answers the first 200 turns and a cursor to the rest", async () => {
    const student = api.token('student');
    const id = bigSession(student.user_id, 450, 20);
    const first = await api.api('GET', `/sessions/${id}/turns`, { token: student.token });
    expect(first.status).toBe(200);
    expect((first.json as Turn[]).length).toBe(200);
    expect(first.headers['x-next-cursor']).toEqual(expect.any(String));
    expect(first.headers.link).toBe(`<${API_PREFIX}/sessions/${id}/turns?cursor=${String(first.headers['x-next-cursor'])}>; rel="next"`);
    const pages = await allPages(`/sessions/${id}/turns`, {}, student.token);
    expect(pages.map((p) => p.turns.length)).toEqual([200, 200, 50]);
    expect(pages.at(-1)!.link).toBeUndefined();
    const contents = pages.flatMap((p) => p.turns.map((t) => t.content.split(':')[0]));
    expect(contents).toEqual(Array.from({ length: 450 }, (_, i) => String(i)));
    // limit is bounded: a client cannot ask for the whole range in one page.
    expect((await api.api('GET', `/sessions/${id}/turns`, { token: student.token, query: { limit: '5000' } })).status).toBe(422);
  });

  it('a page of long turns stops before TURN_PAGE_BYTES, and GET /turns pages the same way', async () => {
    const student = api.token('student');
    // 60 turns of 100,000 Chinese characters: ~18 MB of JSON in one range.
    const id = bigSession(student.user_id, 60, MAX_CONTENT_CHARS, 5_000);
    const pages = await allPages(`/sessions/${id}/turns`, { limit: '1000' }, student.token);
    expect(pages.length).toBeGreaterThan(4);
    for (const page of pages) expect(page.bytes).toBeLessThanOrEqual(TURN_PAGE_BYTES);
    expect(pages.flatMap((p) => p.turns).length).toBe(60);

    const range = await allPages('/turns', { from: '0', to: String(FAR_FUTURE), limit: '1000' }, student.token);
    for (const page of range) expect(page.bytes).toBeLessThanOrEqual(TURN_PAGE_BYTES);
    expect(range.flatMap((p) => p.turns.map((t) => t.id))).toEqual(pages.flatMap((p) => p.turns.map((t) => t.id)));
    // A cursor that this server did not give out is a validation error, not a 500.
    const forged = await api.api('GET', '/turns', { token: student.token, query: { from: '0', to: '1', cursor: Buffer.from('x.y').toString('base64url') } });
    expect([forged.status, (forged.json as { code: string }).code]).toEqual([422, 'validation_error']);
  });

  it('a JSON reply larger than the response cap is refused with payload_too_large', async () => {
    const small = await startApi({ server: { maxResponseBytes: 4_000 } });
    onTestFinished(() => small.close());
    for (let i = 0; i < 40; i++) small.core.assignments.create(testWrites(small.core.store), { title: `Assignment ${i}`, description: 'd'.repeat(200) });
    const reply = await small.api('GET', '/assignments');
    expect([reply.status, (reply.json as { code: string }).code]).toEqual([413, 'payload_too_large']);
    expect(Buffer.byteLength(reply.text)).toBeLessThan(4_000);
  });

  it('an export by assignment is streamed from the database (no Content-Length), and is the same as over IPC', async () => {
    const student = api.token('student');
    api.core.assignments.create(testWrites(api.core.store), { id: 'big_hw', title: 'Big homework' });
    for (let s = 0; s < 3; s++) {
      const session = api.core.sessions.insertNewSession(testWrites(api.core.store), { user_id: student.user_id, mode: 'chat', assignment_id: 'big_hw', started_at: 10_000 + s });
      for (let i = 0; i < 30; i++)
        api.core.turns.insertNewTurn(testWrites(api.core.store), {
          session_id: session.id,
          role: 'user',
          content: `s${s} t${i} "quoted" \n` + 'x'.repeat(50_000),
          created_at: 10_000 + i,
        });
    }
    for (const format of ['md', 'json'] as const) {
      const reply = await api.api('GET', '/export', { token: student.token, query: { assignment_id: 'big_hw', format } });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-length']).toBeUndefined();
      expect(reply.headers['transfer-encoding']).toBe('chunked');
      const file = reply.json as { filename: string; content_type: string; content: string };
      const ipc = await api.client(student.token).exportSessions({ assignment_id: 'big_hw', format });
      expect(file.filename).toBe(ipc.filename);
      expect(file.content.length).toBeGreaterThan(90 * 50_000);
      if (format === 'json') {
        const parsed = JSON.parse(file.content) as { sessions: { turns: Turn[] }[] };
        expect(parsed.sessions.map((s) => s.turns.length)).toEqual([30, 30, 30]);
      } else {
        expect(file.content).toContain('s2 t29 "quoted"');
      }
    }
  });
});

describe('bounds (items 4 and 7)', () => {
  it('refuses timestamps beyond a Date, impossible or negative ISO dates, and ids that a path cannot carry', async () => {
    const refused = async (method: string, path: string, body: unknown) => {
      const reply = await api.api(method, path, { body });
      return [reply.status, (reply.json as { code: string }).code];
    };
    const invalid = [422, 'validation_error'];
    expect(await refused('POST', '/assignments', { title: 'x', due_at: 8.64e15 + 1 })).toEqual(invalid);
    expect(await refused('POST', '/assignments', { title: 'x', due_at: '2026-02-30' })).toEqual(invalid);
    expect(await refused('POST', '/assignments', { title: 'x', due_at: '2026-13-01' })).toEqual(invalid);
    expect(await refused('POST', '/assignments', { title: 'x', due_at: '-0001-01-01' })).toEqual(invalid);
    expect(await refused('POST', '/assignments', { title: 'x', due_at: '2026-01-01T24:00' })).toEqual(invalid);
    for (const id of ['.', '..', '...', 'a/b', 'a\\b', 'tab\there', 'nul\u0000', 'x'.repeat(129)])
      expect(await refused('POST', '/assignments', { id, title: 'x' })).toEqual(invalid);
    const imported = await api.api('POST', '/assignments/import', {
      body: {
        assignments: [
          { id: '..', title: 'dots' },
          { title: 'leap', due_at: '2028-02-29' },
        ],
      },
    });
    expect((imported.json as { errors: { index: number }[] }).errors.map((e) => e.index)).toEqual([0]);
    expect(await refused('POST', '/assignments', { id: '数学-第1周', title: 'Chinese ids are fine', due_at: '2026-02-28' })).toEqual([200, undefined]);

    const session = await api.session(api.core.owner.id);
    expect(await refused('PATCH', `/sessions/${session}`, { ended_at: 9e15 })).toEqual(invalid);
    const range = await api.api('GET', '/turns', { query: { from: '0', to: '1e16' } });
    expect(range.status).toBe(422);
  });

  it('a row stored before the bounds existed (ended_at beyond a Date) still exports, without a 500', async () => {
    const session = await api.session(api.core.owner.id, 'from an older version');
    api.core.store.sqlite.prepare('UPDATE session SET ended_at = ? WHERE id = ?').run(9e15, session);
    for (const format of ['md', 'json']) {
      const reply = await api.api('GET', '/export', { query: { session_id: session, format } });
      expect(reply.status, reply.text.slice(0, 200)).toBe(200);
      expect((reply.json as { content: string }).content).toContain('9000000000000000');
    }
  });
});

describe('the HTTP layer (items 8, 9, 11)', () => {
  it('an absolute-form request target must name this machine, as the Host header must', async () => {
    const { port } = new URL(api.url);
    const ask = (target: string) => rawExchange(api.url, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    expect((await ask(`http://other.example/api/v1/llm/health`)).status).toBe(403);
    expect((await ask(`http://evil.example:${port}/`)).status).toBe(403);
    expect((await ask(`http://127.0.0.1:${port}/api/v1/llm/health`)).status).toBe(200);
    expect((await ask(`/api/v1/llm/health`)).status).toBe(200);
  });

  it('requests without a valid token are limited per address (429 with Retry-After); signed-in ones are not counted', async () => {
    const limited = await startApi({ server: { anonymousLimits: { perSecond: 0.001, burst: 3 } } });
    onTestFinished(() => limited.close());
    const statuses: number[] = [];
    statuses.push((await limited.api('GET', '/me', { token: null })).status);
    statuses.push((await limited.api('GET', '/me', { token: 'slk_nope_nope' })).status);
    statuses.push((await limited.api('GET', '/health', { token: null })).status);
    const refused = await limited.api('GET', '/me', { token: 'slk_guess_again' });
    expect(statuses).toEqual([401, 401, 200]);
    expect([refused.status, (refused.json as { code: string }).code]).toEqual([429, 'rate_limited']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await limited.api('GET', '/health', { token: null })).status).toBe(429);
    // A valid token is never held back by the failures of others at the same address.
    for (let i = 0; i < 5; i++) expect((await limited.api('GET', '/me')).status).toBe(200);
  });

  it("every HTML page carries a CSP with form-action, base-uri and frame-ancestors 'none' (the Electron policy too)", async () => {
    const page = await api.raw({ method: 'GET', path: '/' });
    const csp = String(page.headers['content-security-policy']);
    for (const policy of [csp, ELECTRON_CSP]) {
      expect(policy).toContain("form-action 'none'");
      expect(policy).toContain("base-uri 'none'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("object-src 'none'");
    }
  });

  it("client_request_id is scoped per user: another user's use of the same id is invisible", async () => {
    const a = api.token('student');
    const b = api.token('student');
    const send = (token: string, message: string) => api.api('POST', '/proxy', { token, body: { message, client_request_id: 'shared-request-id-1' } });
    const first = await send(a.token, 'from A');
    const second = await send(b.token, 'from B');
    expect([first.status, second.status]).toEqual([200, 200]);
    expect((second.json as { content: string }).content).toBe('Echo: from B');
    // Each user's retry returns their own stored answer.
    expect(((await send(a.token, 'from A')).json as { turn_id: string }).turn_id).toBe((first.json as { turn_id: string }).turn_id);
    expect(((await send(b.token, 'from B')).json as { turn_id: string }).turn_id).toBe((second.json as { turn_id: string }).turn_id);
  });
});

describe('upstream limits (item 10): a provider that never stops', () => {
  const lastChat = () => api.openai.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;

  it('a stream without end is cut at the turn cap: the upstream connection is closed and the partial answer kept as truncated', async () => {
    const student = api.token('student');
    api.openai.script({ endless: 'content', chunkSize: 1_000 });
    const reply = await api.api('POST', '/proxy/stream', { token: student.token, body: { message: 'never stop' } });
    const done = sseEvents(reply.text).find((e) => e.event === 'done')?.data as {
      response: { turn_id: string; content: string; meta: { truncated?: boolean; status: string; finish_reason: string } };
    };
    expect(done.response.meta).toMatchObject({ truncated: true, status: 'complete', finish_reason: 'length' });
    expect(done.response.content.length).toBe(MAX_CONTENT_CHARS);
    const stored = api.core.turns.getTurnById(done.response.turn_id)!;
    expect([stored.content.length, stored.meta.truncated]).toEqual([MAX_CONTENT_CHARS, true]);
    const upstream = lastChat();
    await vi.waitFor(() => expect(upstream.response.closed).toBe(true));
    // About a turn's worth of events, not an unbounded amount (socket buffers allow some slack).
    expect(upstream.response.bytes).toBeLessThan(16 * 1024 * 1024);
  });

  it('a non-streamed reply without end is cut at the byte cap: the connection is closed, the message marked failed', async () => {
    const student = api.token('student');
    api.openai.script({ endless: 'content' });
    const reply = await api.api('POST', '/proxy', { token: student.token, body: { message: 'a body without end', client_request_id: 'endless-body-1' } });
    expect([reply.status, (reply.json as { code: string }).code]).toEqual([502, 'upstream_bad_response']);
    const upstream = lastChat();
    await vi.waitFor(() => expect(upstream.response.closed).toBe(true));
    expect(upstream.response.bytes).toBeLessThan(MAX_UPSTREAM_BODY_BYTES + 8 * 1024 * 1024);
    expect(api.core.turns.findByClientRequestId(student.user_id, 'endless-body-1')!.meta).toMatchObject({ status: 'failed', error: { code: 'upstream_bad_response' } });
  });

  it('endless reasoning is kept to its cap and the whole answer to max_request_ms: then cut, the partial stored', async () => {
    const slow = await startApi({ provider: { max_request_ms: 1_500, timeout_ms: 5_000 }, server: { limits: false } });
    onTestFinished(() => slow.close());
    const student = slow.token('student');
    slow.openai.script({ endless: 'reasoning', chunkSize: 4_000, chunkDelayMs: 5 });
    const reply = await slow.api('POST', '/proxy/stream', { token: student.token, body: { message: 'think forever', client_request_id: 'endless-thought-1' } });
    expect(reply.status).toBe(200);
    const events = sseEvents(reply.text);
    const error = events.find((e) => e.event === 'error')?.data as { error: { code: string } };
    expect(error.error.code).toBe('upstream_timeout');
    const reasoned = events.filter((e) => e.event === 'reasoning').reduce((n, e) => n + (e.data as { content: string }).content.length, 0);
    expect(reasoned).toBe(MAX_REASONING_CHARS);
    const user = slow.core.turns.findByClientRequestId(student.user_id, 'endless-thought-1')!;
    const partial = slow.core.turns.getTurnsBySessionIdPage(user.session_id).items.find((t) => t.role === 'assistant')!;
    expect(partial.meta).toMatchObject({ status: 'interrupted', truncated: true });
    expect(String(partial.meta.reasoning).length).toBe(MAX_REASONING_CHARS);
    const upstream = slow.openai.requests.at(-1)!;
    await vi.waitFor(() => expect(upstream.response.closed).toBe(true));
  });

  it('a non-streamed answer gets max_request_ms too (its deadline timer ends with the call): then upstream_timeout, the user turn kept', async () => {
    const slow = await startApi({ provider: { max_request_ms: 1_500, timeout_ms: 5_000 }, server: { limits: false } });
    onTestFinished(() => slow.close());
    const student = slow.token('student');
    // The provider answers after 3 s: within the idle timeout (5 s), past the deadline (1.5 s).
    slow.openai.script({ latencyMs: 3_000 });
    const reply = await slow.api('POST', '/proxy', { token: student.token, body: { message: 'answer forever', client_request_id: 'endless-plain-1' } });
    expect(reply.status).toBe(504);
    expect(reply.json).toMatchObject({ code: 'upstream_timeout', detail: expect.stringContaining('took longer than 2 s') });
    expect(slow.core.turns.findByClientRequestId(student.user_id, 'endless-plain-1')).toBeDefined();
    // Calls that end in time leave the server answering as before (the timer of each was cleared).
    slow.openai.script({}, {});
    for (const id of ['plain-after-1', 'plain-after-2']) {
      expect((await slow.api('POST', '/proxy', { token: student.token, body: { message: 'quick', client_request_id: id } })).status).toBe(200);
    }
  });
});

describe('studylog serve --rate-limit (issue 15 item 3)', () => {
  it('is listed in --help, sizes the per-token limit, can be turned off, and refuses nonsense', async () => {
    expect(runCli(['--help']).stdout).toContain('--rate-limit off|R[,B[,C]]');
    expect(runCli(['serve', '--rate-limit', 'fast', '--data-dir', tempDir()])).toMatchObject({ code: 2, stderr: expect.stringContaining('--rate-limit') });

    const tight = await startServe({ dataDir: tempDir(), args: ['--rate-limit', '0.01,2,1'] });
    const me = (url: string, token: string) => fetch(`${url}${API_PREFIX}/me`, { headers: { Authorization: `Bearer ${token}` } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await me(tight.url, tight.adminToken!)).status);
    expect(statuses).toEqual([200, 200, 429]);
    await tight.stop();

    const off = await startServe({ dataDir: tempDir(), args: ['--rate-limit', 'off'] });
    const burst = await Promise.all(Array.from({ length: 100 }, () => me(off.url, off.adminToken!).then((r) => r.status)));
    expect(new Set(burst)).toEqual(new Set([200]));
    await off.stop();
  });
});
