// Who may call what over HTTP: every route × every kind of caller. Every route but /health needs
// a valid token (also from localhost); admin routes need an admin; another user's session is
// "not found" (ids cannot be probed). A refused request writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_NAMES, routes, type RouteName } from '../../src/shared/api/routes.ts';
import { callRoute, FAR_FUTURE, sampleInput, sseEvents, startApi, type ApiFixture, type Reply } from '../support/http.ts';
import { ROUTE_CASES, type Guard } from '../support/route-cases.ts';

/** Decided in the route table (tests/support/route-cases.ts), independently of the manifest's `access` (which is checked against it). */
const GUARD = Object.fromEntries(Object.entries(ROUTE_CASES).map(([name, c]) => [name, c.guard])) as Record<RouteName, Guard>;

const KINDS = ['no token', 'malformed token', 'unknown token', 'revoked token', 'right id, wrong secret', 'other student', 'owner student', 'teacher', 'admin'] as const;
type Kind = (typeof KINDS)[number];

/**
 * Continuing a session is for its owner only, admins included (README: "a session of the caller's");
 * so is changing or handing in a hand-in.
 */
const OWNER_ONLY: RouteName[] = ['sendProxyMessage', 'streamProxyMessage', 'regenerateAnswer', 'updateSubmission', 'submitSubmission'];

const SHARED_INSTALL: Partial<Record<RouteName, number>> = { joinHub: 409 };

function expected(name: RouteName, kind: Kind): number {
  const guard = GUARD[name];
  if (guard === 'public') return 200;
  if (['no token', 'malformed token', 'unknown token', 'revoked token', 'right id, wrong secret'].includes(kind)) return 401;
  // This fixture is a Studylog several students use (their tokens): the owner cannot join a class
  // hub from it (hub_shared_install: tests/integration/hub-shared-install.test.ts). syncHub and
  // leaveHub are tried joined all the same (their samples set those tokens aside for the join and
  // give them back: tests/support/route-cases.ts inClass); joining from a one-student Studylog: hub-link.test.ts.
  if (guard === 'admin') return kind === 'admin' ? (SHARED_INSTALL[name] ?? 200) : 403;
  // The teacher owns no assignment the samples use: another teacher's assignment looks like none.
  if (guard === 'teacher') return kind === 'teacher' || kind === 'admin' ? 200 : 403;
  if (guard === 'taught') return kind === 'admin' ? 200 : kind === 'teacher' ? 404 : 403;
  if (guard === 'assignment') return kind === 'teacher' ? 404 : 200;
  if (guard === 'session') {
    if (kind === 'owner student') return 200;
    if (kind === 'other student' || kind === 'teacher') return 404;
    return OWNER_ONLY.includes(name) ? 404 : 200;
  }
  return 200;
}

let api: ApiFixture;
let alice: { token: string; user_id: string; token_id: string };
let bob: { token: string; user_id: string; token_id: string };
const tokens = {} as Record<Kind, string | null>;

const TABLES = ['session', 'turn', 'assignment', 'api_token', 'user', 'submission', 'handin_key'];
const counts = () => Object.fromEntries(TABLES.map((t) => [t, (api.core.store.sqlite.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
const tokenState = () => api.core.store.sqlite.prepare('SELECT id, revoked_at FROM api_token ORDER BY id').all();
const sessionRow = (id: string) => api.core.store.sqlite.prepare('SELECT * FROM session WHERE id = ?').get(id);

/** A forged token: the shape of a real one, with a part replaced. */
function forge(token: string, part: 'id' | 'secret'): string {
  const [, id, secret] = /^slk_([0-9a-f-]{36})_(.{43})$/.exec(token)!;
  if (part === 'secret') return `slk_${id}_${secret!.slice(0, -1)}${secret!.endsWith('A') ? 'B' : 'A'}`;
  return `slk_${id!.slice(0, -1)}${id!.endsWith('0') ? '1' : '0'}_${secret}`;
}

beforeAll(async () => {
  // The matrix makes hundreds of calls without a valid token from one address: the per-address limit is tested elsewhere (rate-limit tests).
  api = await startApi({ server: { limits: { perSecond: 10_000, burst: 10_000 }, anonymousLimits: { perSecond: 10_000, burst: 10_000 } } });
  alice = api.token('student', 'alice');
  bob = api.token('student', 'bob');
  const revoked = api.token('student', 'carol (revoked)');
  api.core.users.revokeToken(revoked.token_id);
  tokens['no token'] = null;
  tokens['malformed token'] = 'not-a-token';
  tokens['unknown token'] = `slk_00000000-0000-7000-8000-000000000000_${'A'.repeat(43)}`;
  tokens['revoked token'] = revoked.token;
  tokens['right id, wrong secret'] = forge(alice.token, 'secret');
  tokens['other student'] = bob.token;
  tokens['owner student'] = alice.token;
  tokens.teacher = api.token('teacher', 'a teacher of other classes').token;
  tokens.admin = api.adminToken;
});
afterAll(() => api?.close());

describe('auth matrix: every route × every kind of caller', () => {
  it('classifies every route of the table, in agreement with its access', () => {
    expect(Object.keys(GUARD).sort()).toEqual([...ROUTE_NAMES].sort());
    const access = { session: 'user', assignment: 'user', taught: 'teacher' } as Record<Guard, string>;
    for (const name of ROUTE_NAMES) expect([name, routes[name].access]).toEqual([name, access[GUARD[name]] ?? GUARD[name]]);
  });

  it.each(ROUTE_NAMES)('%s', async (name) => {
    const seen: Record<string, number> = {};
    const want: Record<string, number> = {};
    for (const kind of KINDS) {
      // Session routes act on Alice's session (fresh when the call consumes it).
      const input = await sampleInput(api, name, { user_id: alice.user_id });
      const sessionBefore = typeof input.id === 'string' ? sessionRow(input.id) : undefined;
      const before = counts();
      const tokensBefore = tokenState();
      const reply: Reply = await callRoute(api, name, input, tokens[kind]);
      seen[kind] = reply.status;
      want[kind] = expected(name, kind);

      if (reply.status >= 400) {
        expect(reply.headers['content-type']).toMatch(/^application\/json/);
        expect(reply.json).toMatchObject({ code: expect.any(String), detail: expect.any(String) });
        const code = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' }[reply.status];
        if (code) expect((reply.json as { code: string }).code).toBe(code);
        if (reply.status === 401) expect(reply.headers['www-authenticate']).toBe('Bearer');
        // Refused means nothing written, nothing revoked, the session untouched.
        expect(counts()).toEqual(before);
        expect(tokenState()).toEqual(tokensBefore);
        if (sessionBefore) expect(sessionRow(input.id as string)).toEqual(sessionBefore);
      } else if ('stream' in routes[name]) {
        expect(sseEvents(reply.text).map((e) => e.event)).toEqual(expect.arrayContaining(['start', 'delta', 'done']));
      }
    }
    expect(seen).toEqual(want);
  });
});

describe('tokens', () => {
  it('joining or leaving a class hub is the local owner’s alone: another admin token is refused, nothing changed', async () => {
    const other = api.token('admin', 'an admin on the LAN').token;
    const join = await api.api('POST', '/hub/join', { token: other, body: { hub_url: 'http://127.0.0.1:9', code: 'ABCD-EFGH', name: '王小明' } });
    expect([join.status, (join.json as { code: string }).code]).toEqual([403, 'forbidden']);
    const leave = await api.api('DELETE', '/hub/link', { token: other });
    expect([leave.status, (leave.json as { code: string }).code]).toEqual([403, 'forbidden']);
  });

  it('only the exact token works: a changed secret, a changed id, another scheme or the query string do not', async () => {
    const me = (authorization: string | null, query?: Record<string, string>) =>
      api.api('GET', '/me', { token: null, ...(query ? { query } : {}), headers: authorization ? { Authorization: authorization } : {} });
    expect((await me(`Bearer ${alice.token}`)).json).toMatchObject({ id: alice.user_id, role: 'student' });
    expect((await me(`bearer ${alice.token}`)).status).toBe(200); // the scheme is case-insensitive
    for (const bad of [
      `Bearer ${forge(alice.token, 'secret')}`,
      `Bearer ${forge(alice.token, 'id')}`,
      `Bearer ${alice.token}x`,
      `Bearer ${alice.token.slice(0, -1)}`,
      `Bearer ${alice.token.toUpperCase()}`,
      `Basic ${Buffer.from(`alice:${alice.token}`).toString('base64')}`,
      `Token ${alice.token}`,
      alice.token,
      'Bearer',
      `Bearer ${alice.token} ${alice.token}`,
    ]) {
      const reply = await me(bad);
      expect([bad, reply.status, reply.json]).toEqual([bad, 401, expect.objectContaining({ code: 'unauthorized' })]);
    }
    expect((await me(null, { token: alice.token })).status).toBe(401);
    expect((await me(null, { access_token: alice.token })).status).toBe(401);
  });

  it('a token revoked over HTTP stops working at once; the user’s other tokens keep working', async () => {
    const dave = api.token('student', 'dave');
    const second = api.tokenFor(dave.user_id, 'dave’s tablet');
    expect((await api.api('GET', '/me', { token: dave.token })).status).toBe(200);
    const revoked = await api.api('DELETE', `/tokens/${dave.token_id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({ id: dave.token_id, revoked_at: expect.any(Number) });
    expect((await api.api('GET', '/me', { token: dave.token })).status).toBe(401);
    expect((await api.api('GET', '/me', { token: second.token })).json).toMatchObject({ id: dave.user_id });
    // A student cannot revoke anyone's token, not even their own.
    expect((await api.api('DELETE', `/tokens/${second.token_id}`, { token: second.token })).status).toBe(403);
    expect((await api.api('GET', '/me', { token: second.token })).status).toBe(200);
  });

  it('a student cannot make tokens or users, nor name a role; an admin can', async () => {
    const before = counts();
    const refused = await api.api('POST', '/tokens', { token: alice.token, body: { name: 'sneaky', role: 'admin' } });
    expect(refused.status).toBe(403);
    expect(counts()).toEqual(before);
    const made = await api.api('POST', '/tokens', { body: { name: 'eve', role: 'student' } });
    expect(made.status).toBe(200);
    const { token, info } = made.json as { token: string; info: { user_id: string; role: string } };
    expect(info.role).toBe('student');
    expect((await api.api('GET', '/me', { token })).json).toMatchObject({ id: info.user_id, name: 'eve', role: 'student' });
    expect((await api.api('GET', '/tokens')).text).not.toContain(token.slice(-43));
  });
});

describe('one student’s data is invisible to another', () => {
  it('lists, searches, turns, usage and exports show only the caller’s own; naming another user is refused', async () => {
    const word = 'Zygomorphic';
    const aliceSession = await api.session(alice.user_id, `${word} flowers are bilaterally symmetric`);
    const asBob = (method: string, path: string, query?: Record<string, string>) => api.api(method, path, { token: bob.token, ...(query ? { query } : {}) });
    const asAlice = (method: string, path: string, query?: Record<string, string>) => api.api(method, path, { token: alice.token, ...(query ? { query } : {}) });

    const aliceSessions = (await asAlice('GET', '/sessions', { limit: '200' })).json as { items: { id: string }[] };
    expect(aliceSessions.items.map((s) => s.id)).toContain(aliceSession);
    const bobSessions = (await asBob('GET', '/sessions', { limit: '200' })).json as { items: { user_id: string }[] };
    expect(bobSessions.items.every((s) => s.user_id === bob.user_id)).toBe(true);

    expect(((await asAlice('GET', '/turns/search', { q: word })).json as { total: number }).total).toBeGreaterThan(0);
    expect((await asBob('GET', '/turns/search', { q: word })).json).toMatchObject({ items: [], total: 0 });

    const range = { from: '0', to: String(FAR_FUTURE) };
    const bobTurns = (await asBob('GET', '/turns', range)).json as { session_id: string }[];
    expect(bobTurns.map((t) => t.session_id)).not.toContain(aliceSession);
    // The matrix's hand-in samples gave Alice many turns before this one: ask for all of them.
    expect(((await asAlice('GET', '/turns', { ...range, limit: '1000' })).json as { session_id: string }[]).map((t) => t.session_id)).toContain(aliceSession);
    const usage = (await asBob('GET', '/usage', range)).json as { total: { turns: number } };
    const bobOwnTurns = bobTurns.length;
    expect(usage.total.turns).toBe(bobOwnTurns);

    for (const path of ['/sessions', '/turns', '/usage']) {
      const reply = await asBob('GET', path, { ...range, user_id: alice.user_id });
      expect([path, reply.status, (reply.json as { code: string }).code]).toEqual([path, 403, 'forbidden']);
    }
    const asAdmin = await api.api('GET', '/sessions', { query: { user_id: alice.user_id, limit: '200' } });
    expect((asAdmin.json as { items: { id: string }[] }).items.map((s) => s.id)).toContain(aliceSession);

    // Another user's session and an id that does not exist look exactly alike.
    const foreign = await asBob('GET', `/sessions/${aliceSession}`);
    const missing = await asBob('GET', '/sessions/01900000-0000-7000-8000-000000000000');
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((foreign.json as { detail: string }).detail.replace(aliceSession, '<id>')).toBe(
      (missing.json as { detail: string }).detail.replace('01900000-0000-7000-8000-000000000000', '<id>'),
    );
    expect((await asBob('GET', '/export', { session_id: aliceSession })).status).toBe(404);
    // Bob cannot add a turn to Alice's session, streaming or not.
    const before = counts();
    expect((await api.api('POST', '/proxy/stream', { token: bob.token, body: { message: 'hi', meta: { session_id: aliceSession } } })).status).toBe(404);
    expect((await api.api('POST', '/proxy', { token: bob.token, body: { message: 'hi', meta: { session_id: aliceSession } } })).status).toBe(404);
    expect(counts()).toEqual(before);
  });
});
