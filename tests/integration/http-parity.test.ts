// One contract, four faces: every route of the table answers the same {status, body} through
// dispatch() (what IPC calls, as the desktop owner) and through the real HTTP server (a token of
// that same owner). Outputs are checked against the route's output schema on both faces.
//
// The cases come from the one route table (tests/support/route-cases.ts), a Record<RouteName, …>:
// a route added without a case is a type error, and the last test fails at run time unless every
// route was exercised on both faces.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { dispatch, dispatchStream } from '../../src/main/core/api/dispatch.ts';
import type { Caller } from '../../src/main/core/caller.ts';
import { ClientError, createClient, httpTransport, readAllPages } from '../../src/shared/api/client.ts';
import type { StreamEvent } from '../../src/shared/api/envelope.ts';
import { isCursorRoute, ROUTE_NAMES, routes, type RouteName, type StreamRouteName, type UnaryRouteName } from '../../src/shared/api/routes.ts';
import { ProxyMessageResponseSchema } from '../../src/shared/api/schemas.ts';
import { ERROR_STATUS } from '../../src/shared/errors.ts';
import { callRoute, sseEvents, startApi, type ApiFixture } from '../support/http.ts';
import { ROUTE_CASES, type CaseContext, type Face, type Input } from '../support/route-cases.ts';

interface RouteCases {
  valid: (face: Face) => Input | Promise<Input>;
  invalid: Input[];
  refused?: Input[];
  volatile?: true;
}

let api: ApiFixture;
let owner: Caller;
/** A session of the owner with a couple of turns, for the read routes. */
let sessionId: string;
const hit = new Map<RouteName, Set<string>>();

const DISPATCH_OPTIONS = { validateOutput: true, onUnexpectedError: (e: unknown) => console.error(e) };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;

/** Replaces what differs between two otherwise identical calls: ids, tokens, times. */
function normalise(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (/^slk_/.test(value)) return '<token>';
    if (/^[0-9a-f]{64}$/.test(value)) return '<sha256>'; // a hand-in's bundle hash, chain head
    return value
      .replace(UUID, '<uuid>')
      .replace(ISO, '<iso>')
      .replace(/"(\w+_at)": \d+/g, '"$1": <ts>');
  }
  if (typeof value === 'number' && /(_at|^at)$/.test(key)) return '<ts>';
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  return value;
}

// Built after the fixtures exist (the session id is part of several inputs).
function makeCases(): Record<RouteName, RouteCases> {
  const ctx: CaseContext = { api, owner, session: sessionId, tokenId: '' };
  return Object.fromEntries(
    Object.entries(ROUTE_CASES).map(([name, c]) => [
      name,
      { valid: (face: Face) => c.valid(ctx, face), invalid: c.invalid(ctx), ...(c.refused ? { refused: c.refused(ctx) } : {}), ...(c.volatile ? { volatile: c.volatile } : {}) },
    ]),
  ) as Record<RouteName, RouteCases>;
}
let CASES: Record<RouteName, RouteCases>;

function mark(name: RouteName, what: string) {
  if (!hit.has(name)) hit.set(name, new Set());
  hit.get(name)!.add(what);
}

/** Both faces for one input: HTTP first (its token use is then visible to both), then dispatch. */
async function both(name: RouteName, input: Input | ((face: Face) => Input | Promise<Input>)) {
  const inputFor = typeof input === 'function' ? input : () => input;
  const httpInput = await inputFor('http');
  const reply = await callRoute(api, name, httpInput, api.adminToken);
  const ipcInput = await inputFor('ipc');
  if ('stream' in routes[name]) {
    const started = dispatchStream(api.core, name as StreamRouteName, owner, ipcInput, new AbortController().signal, DISPATCH_OPTIONS);
    if (!started.ok) return { http: reply, ipc: { status: started.envelope.status, body: started.envelope.body as unknown }, ipcEvents: null, ipcCursor: null };
    const events: StreamEvent[] = [];
    for await (const e of started.events) events.push(e);
    const error = events.find((e) => e.type === 'error');
    const done = events.find((e) => e.type === 'done');
    const ipc = error ? { status: ERROR_STATUS[error.error.code], body: error.error as unknown } : { status: 200, body: (done as { response: unknown }).response };
    return { http: reply, ipc, ipcEvents: events, ipcCursor: null };
  }
  const envelope = await dispatch(api.core, name as UnaryRouteName, owner, ipcInput, DISPATCH_OPTIONS);
  expect(envelope.ok).toBe(envelope.status < 400);
  return { http: reply, ipc: { status: envelope.status, body: envelope.body as unknown }, ipcEvents: null, ipcCursor: envelope.ok ? (envelope.next_cursor ?? null) : null };
}

/** The HTTP reply as {status, body}; a stream's body is its `done` response. */
function httpEnvelope(name: RouteName, reply: { status: number; json: unknown; text: string; headers: Record<string, unknown> }) {
  if ('stream' in routes[name] && reply.status === 200) {
    expect(reply.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = sseEvents(reply.text);
    const done = events.find((e) => e.event === 'done');
    return { status: 200, body: done ? (done.data as { response: unknown }).response : events, events };
  }
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  return { status: reply.status, body: reply.json, events: null };
}

beforeAll(async () => {
  api = await startApi({ server: { limits: { perSecond: 10_000, burst: 10_000 } } });
  // The desktop app's IPC caller (electron/ipc.ts): the owner, at this computer — as the HTTP face's token here is.
  owner = { user_id: api.core.owner.id, role: 'admin', local_owner: true };
  sessionId = await api.session(owner.user_id, 'the sample session');
  await api.core.proxy.send(owner, { message: 'a second sample message', meta: { session_id: sessionId } });
  CASES = makeCases();
});
afterAll(() => api?.close());

describe('parity: dispatch (IPC) and HTTP give the same envelopes for every route', () => {
  it('has a case for every route of the table, and nothing else', () => {
    expect(Object.keys(CASES).sort()).toEqual([...ROUTE_NAMES].sort());
    for (const name of ROUTE_NAMES) expect(CASES[name].invalid.length, name).toBeGreaterThan(0);
  });

  it.each(ROUTE_NAMES)('%s', async (name) => {
    const cases = CASES[name];

    // Valid input: 200 on both faces, identical bodies (normalised where the call made something).
    const valid = await both(name, cases.valid);
    const http = httpEnvelope(name, valid.http);
    expect(http.status, `${name} over HTTP: ${valid.http.text.slice(0, 300)}`).toBe(200);
    expect(valid.ipc.status, `${name} over IPC: ${JSON.stringify(valid.ipc.body).slice(0, 300)}`).toBe(200);
    if (cases.volatile) expect(normalise(http.body)).toEqual(normalise(valid.ipc.body));
    else expect(http.body).toEqual(valid.ipc.body);
    routes[name].output.parse(http.body);
    if (isCursorRoute(name)) {
      // The cases ask for a short page of a longer list: a next cursor, the same on both faces.
      expect(valid.ipcCursor, name).toEqual(expect.any(String));
      expect(valid.http.headers['x-next-cursor'] ?? null).toEqual(valid.ipcCursor);
    }
    mark(name, 'valid');
    if (valid.ipcEvents && http.events) {
      // The same events in the same order: start, deltas, done.
      expect(http.events.map((e) => e.event)).toEqual(valid.ipcEvents.map((e) => e.type));
      expect(normalise(http.events.map((e) => e.data))).toEqual(normalise(valid.ipcEvents));
    }

    // Invalid input: the same 422 on both faces, naming the same fields.
    for (const input of cases.invalid) {
      const r = await both(name, input);
      const h = httpEnvelope(name, r.http);
      expect({ input, status: h.status, code: (h.body as { code: string }).code }).toEqual({ input, status: 422, code: 'validation_error' });
      expect(h).toMatchObject({ status: r.ipc.status, body: r.ipc.body });
      expect((h.body as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      mark(name, 'invalid');
    }

    for (const input of cases.refused ?? []) {
      const r = await both(name, input);
      const h = httpEnvelope(name, r.http);
      expect(h.status, JSON.stringify(input)).toBeGreaterThanOrEqual(400);
      expect(h.status).toBeLessThan(500);
      expect({ status: h.status, body: h.body }).toEqual(r.ipc);
    }
  });

  it('exercised every route of the table on both faces, valid and invalid', () => {
    for (const name of ROUTE_NAMES) expect([name, [...(hit.get(name) ?? [])].sort()]).toEqual([name, ['invalid', 'valid']]);
  });
});

describe('the typed client over HTTP', () => {
  it('calls routes with their inputs and outputs, and rejects with ClientError {code, detail, status}', async () => {
    const client = api.client(api.adminToken);
    expect(await client.getMe()).toEqual(api.core.users.getUser(owner.user_id));
    const sent = await client.sendProxyMessage({ message: 'through the client', mode: 'chat' });
    expect(sent).toMatchObject({ content: 'Echo: through the client', model: 'gpt-4o-mini', meta: { session_id: sent.session_id, mode: 'chat' } });
    const turns = await client.getSessionTurns({ id: sent.session_id });
    expect(turns.map((t) => [t.role, t.content])).toEqual([
      ['user', 'through the client'],
      ['assistant', 'Echo: through the client'],
    ]);
    // The next page's cursor: beside the array, through client.page; readAllPages follows it.
    const first = await client.page.getSessionTurns({ id: sent.session_id, limit: 1 });
    expect(first.items.map((t) => t.content)).toEqual(['through the client']);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await client.page.getSessionTurns({ id: sent.session_id, limit: 1, cursor: first.next_cursor! });
    expect([second.items.map((t) => t.content), second.next_cursor]).toEqual([['Echo: through the client'], null]);
    expect((await readAllPages(client.page.getSessionTurns, { id: sent.session_id, limit: 1 })).map((t) => t.content)).toEqual(turns.map((t) => t.content));
    const page = await client.getUserSessions({ limit: 1 });
    expect(page.items.map((s) => s.id)).toEqual([sent.session_id]);
    expect(page.total).toBeGreaterThan(1);
    expect(await client.getAssignment({ id: 'hw_001' })).toMatchObject({ id: 'hw_001', title: '数学作业一' });

    const notFound = await client.getSession({ id: 'no-such-session' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ClientError);
    expect(notFound).toMatchObject({ status: 404, code: 'not_found', detail: "There is no session 'no-such-session'." });
    const invalid = await client.getUserSessions({ limit: 0 }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, code: 'validation_error', issues: [{ path: 'limit' }] });
    const anonymous = await api
      .client(null)
      .getMe()
      .catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(await api.client(null).health()).toEqual({ status: 'ok' });
  });

  it('streamProxyMessage yields start, delta … done, and done carries what sendProxyMessage returns', async () => {
    api.openai.defaults = { chunkSize: 3 };
    try {
      const client = api.client(api.adminToken);
      const events: StreamEvent[] = [];
      const streamed = await client.streamProxyMessage({ message: 'same shape please', mode: 'chat' }, { onEvent: (e) => events.push(e) });
      const sent = await client.sendProxyMessage({ message: 'same shape please', mode: 'chat' });

      expect(events[0]).toMatchObject({
        type: 'start',
        session_id: streamed.session_id,
        turn_id: streamed.turn_id,
        user_turn_id: streamed.meta.user_turn_id,
        model: 'gpt-4o-mini',
      });
      const deltas = events.filter((e) => e.type === 'delta');
      expect(deltas.length).toBeGreaterThan(2);
      expect(deltas.map((e) => (e as { content: string }).content).join('')).toBe('Echo: same shape please');
      expect(events.at(-1)).toEqual({ type: 'done', response: streamed });
      expect(events.map((e) => e.type)).toEqual(['start', ...deltas.map(() => 'delta'), 'done']);

      ProxyMessageResponseSchema.parse(streamed);
      // The same response, field for field, apart from the ids of the two different sessions.
      expect(normalise(streamed)).toEqual(normalise(sent));
      expect(streamed.session_id).not.toBe(sent.session_id);
      expect(api.core.turns.getTurnById(streamed.turn_id)).toMatchObject({ content: streamed.content, role: 'assistant', meta: { status: 'complete' } });
    } finally {
      api.openai.defaults = {};
    }
  });

  it('a reply that is not one of ours (an empty 400, a proxy’s HTML page) still rejects with a ClientError', async () => {
    const replies: [number, string, string][] = [
      [400, '', 'text/plain'],
      [502, '<html><body>Bad Gateway</body></html>', 'text/html'],
      [503, '{"error":"upstream down"}', 'application/json'],
      [500, 'null', 'application/json'],
    ];
    const foreign = http.createServer((_req, res) => {
      const [status, body, type] = replies[Number(new URL(_req.url!, 'http://x').searchParams.get('n'))]!;
      res.writeHead(status, { 'Content-Type': type }).end(body);
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
    const port = (foreign.address() as AddressInfo).port;
    for (const [n, [status]] of replies.entries()) {
      const client = createClient(httpTransport({ baseUrl: `http://127.0.0.1:${port}`, token: 't', fetch: (url, init) => fetch(`${String(url)}?n=${n}`, init) }));
      const error = await client.getMe().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClientError);
      expect(error).toMatchObject({ status, code: 'internal_error', detail: `Unexpected reply (HTTP ${status}).` });
    }
  });

  it('a stream refused before it starts answers with the error’s own status, as IPC does', async () => {
    const client = api.client(api.adminToken);
    const before = api.core.store.sqlite.prepare('SELECT count(*) AS n FROM turn').get();
    // An id that cannot name a session (an unknown valid one would start a session with that id).
    const error = await client.streamProxyMessage({ message: 'x', meta: { session_id: 'no/such/session' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, code: 'validation_error' });
    expect(api.core.store.sqlite.prepare('SELECT count(*) AS n FROM turn').get()).toEqual(before);
    // A failure after the start (the provider refuses) ends the stream with an error event, and the
    // client reports the status the same error has over IPC.
    api.openai.script({ fault: { kind: 'status', status: 429 } });
    const limited = await client.streamProxyMessage({ message: 'rate limited upstream' }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ status: ERROR_STATUS.upstream_rate_limited, code: 'upstream_rate_limited' });
  });
});

describe('settings over HTTP', () => {
  it('PATCH /settings changes only the fields it names; the rest stay as they were', async () => {
    const before = api.core.settings.get();
    expect(before.providers.map((p) => p.id)).toEqual(['test', 'kc']);
    try {
      const reply = await api.api('PATCH', '/settings', { body: { theme: 'dark' } });
      expect(reply.status).toBe(200);
      expect(api.core.settings.get()).toEqual({ ...before, theme: 'dark' });
      expect(reply.json).toEqual({ ...before, theme: 'dark' });
    } finally {
      api.core.settings.update(before);
    }
  });
});
