// Fuzz: thousands of malformed requests from a seeded PRNG across every route. Every one must be
// refused with a 4xx and a JSON {detail, code} body — never a 5xx — and none may change the
// database. Each request is made invalid on purpose: a local oracle (the route's own input schema
// applied to exactly what the server will see) re-checks it and adds an unknown field to any that
// came out valid by accident. Valid inputs of the same flavours are checked separately below.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../support/random.ts';
import { API_PREFIX, pathParams, routes, ROUTE_NAMES, inputLocation, type RouteName } from '../../src/shared/api/routes.ts';
import { ERROR_STATUS } from '../../src/shared/errors.ts';
import { startApi, type ApiFixture, type RawRequest, type Reply } from '../support/http.ts';
import { ROUTE_CASES, type CaseContext } from '../support/route-cases.ts';

const SEED = 0x5eed_2025;
const REQUESTS = 5_000;
const CONCURRENCY = 16;

const rnd = mulberry32(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const chance = (p: number) => rnd() < p;

type Input = Record<string, unknown>;

const INJECTIONS = ["'; DROP TABLE turn; --", 'NEAR(', '"*', 'a OR 1=1', '*', '"', 'x" OR "y', '); DELETE FROM session; --', "turn_fts MATCH '*'", '\\', '%', '_'];
const UNICODE = ['😀🎉', '\u202Eevil\u202C', 'مرحبا', 'a\u0000b', '\u0000', '\ud800', 'x\udfff', '数学作业', '\uFEFF', 'e\u0301', '\u200B'];
const NUMBERISH = [
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '1e400',
  '1e-400',
  '0x10',
  '9007199254740993',
  '99999999999999999999999',
  '1.5',
  ' 1',
  '',
  ' ',
  'null',
  'true',
  '[]',
  '{}',
];
/** Raw JSON texts for a value (some JSON cannot be written from JS: huge numbers, deep nesting, __proto__). */
const JSON_VALUES = [
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1.5',
  '1e308',
  '-1e308',
  '1e999',
  '9007199254740993',
  '123456789012345678901234567890',
  '""',
  '" "',
  '[]',
  '{}',
  '[1,2,3]',
  '{"a":{"b":{"c":1}}}',
  '"NaN"',
  '"Infinity"',
  '"-1"',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '['.repeat(20_000) + ']'.repeat(20_000),
  '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000),
];

let api: ApiFixture;
let student: string;
let revoked: string;
let realSession: string;
let realToken: string;
const unexpected: unknown[] = [];

/** A valid-looking input per route (the route table's `fuzz`), on real rows where there are some (so an accident would show). */
const base = (): Record<RouteName, Input> => {
  const ctx: CaseContext = { api, owner: { user_id: api.core.owner.id }, session: realSession, tokenId: realToken };
  return Object.fromEntries(Object.entries(ROUTE_CASES).map(([name, c]) => [name, c.fuzz(ctx)])) as Record<RouteName, Input>;
};
let BASE: Record<RouteName, Input>;

// ---------------------------------------------------------------------------------------------
// What the server will see, decoded the way it decodes (Hono's query and path-parameter rules).

const tryDecode = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

function serverQuery(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of qs.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => tryDecode(s.replace(/\+/g, ' '));
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    if (key === '' || Object.hasOwn(out, key)) continue;
    Object.defineProperty(out, key, { value: eq < 0 ? '' : decode(part.slice(eq + 1)), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** True when the server would accept this input for the route (then it must not be sent as is). */
function acceptedBy(name: RouteName, input: unknown): boolean {
  try {
    return routes[name].input.safeParse(input).success;
  } catch {
    return false; // a schema that throws refuses (422)
  }
}

// ---------------------------------------------------------------------------------------------
// The generator.

interface Case {
  kind: string;
  req: RawRequest;
  /** An exact status, or any 4xx. */
  status?: number;
}

const authHeader = (token: string | null): Record<string, string> => (token ? { Authorization: `Bearer ${token}` } : {});

/** encodeURIComponent, with lone surrogates (which it refuses) sent as U+FFFD, as a browser would. */
const encode = (s: string) => encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));

function pathFor(name: RouteName, input: Input, idOverride?: string): string {
  let p: string = routes[name].path;
  for (const param of pathParams(p)) p = p.replace(`{${param}}`, idOverride ?? encode(String(input[param] ?? '')));
  return API_PREFIX + p;
}

/** Query strings stay under Node's 16 KiB header limit (beyond it Node itself answers 431). */
let maxLength = 100_001;

function randomValue(): unknown {
  return pick<() => unknown>([
    () => pick(INJECTIONS),
    () => pick(UNICODE),
    () => pick(NUMBERISH),
    () => pick([null, true, false, 0, -1, 1.5, -0.5, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e300]),
    () => 'x'.repeat(Math.min(maxLength, pick([129, 201, 501, 5_000, 100_001]))),
    () => pick([[], {}, [1], { a: 1 }, ['chat'], { session_id: 1 }]),
  ])();
}

/** Changes an input: a field gets a wrong value, goes missing, or an unknown one appears. */
function mutate(input: Input): Input {
  const out: Input = { ...input };
  const keys = Object.keys(out);
  const times = 1 + int(3);
  for (let i = 0; i < times; i++) {
    const op = int(4);
    if (op === 0 && keys.length) out[pick(keys)] = randomValue();
    else if (op === 1 && keys.length) delete out[pick(keys)];
    else if (op === 2) out[pick(['__fuzz', 'constructor', 'user_id', 'role', 'id', 'admin', 'skip', 'limit', pick(UNICODE), pick(INJECTIONS)])] = randomValue();
    else if (keys.length) out[pick(keys)] = `${String(out[pick(keys)] ?? '')}${pick([...INJECTIONS, ...UNICODE])}`;
  }
  return out;
}

function bodyText(input: Input): string {
  let text = JSON.stringify(input);
  // Splice in JSON that JavaScript cannot produce from a value.
  if (chance(0.25)) {
    const key = pick(['meta', 'message', 'title', 'assignments', 'providers', 'id', '__proto__', 'name', 'q']);
    const raw = pick(JSON_VALUES);
    text = text === '{}' ? `{${JSON.stringify(key)}:${raw}}` : `${text.slice(0, -1)},${JSON.stringify(key)}:${raw}}`;
  }
  return text;
}

function badJson(): string | Buffer {
  return pick<() => string | Buffer>([
    () => '{"message": "hi"',
    () => '{"message": "hi"} trailing',
    () => "{'message': 'hi'}",
    () => '{"message": "hi",}',
    () => '{"message": NaN}',
    () => '{"message": Infinity}',
    () => '{message: "hi"}',
    () => '{"message": "hi" /* comment */}',
    () => '{"a":' + '['.repeat(50),
    () => 'message=hi&mode=chat',
    () => '<xml/>',
    () => '\u0000',
    () => '{"message": "\\x41"}',
    () => '{"message": "\\ud800"', // unterminated
    () => Buffer.from([0xff, 0xfe, 0xfd, 0x7b, 0x7d]),
    () => Buffer.from([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x7d]),
    () => JSON.stringify({ message: 'hi' }).slice(0, 1 + int(15)),
  ])();
}

const NON_OBJECT = ['[]', '[{"message":"hi"}]', '"hello"', '123', 'null', 'true', '1e999', '""'];

const TRICKY_IDS = [
  '..',
  '%2e%2e',
  '%2E%2e',
  '.',
  '%2e',
  'a%2Fb',
  '..%2F..%2Fsettings',
  '%2F%2F',
  'a%2F..%2F..',
  '%252e%252e',
  '%00',
  '%ff',
  '%',
  '%zz',
  'a%20b',
  '%20',
  '%F0%9F%98%80',
  '%E2%80%AE',
  '%ED%A0%80',
  encodeURIComponent("'; DROP TABLE turn; --"),
  encodeURIComponent('NEAR('),
  encodeURIComponent('"*'),
  'x'.repeat(129),
  'y'.repeat(4_000),
  '%2e%2e%5c%2e%2e',
  'hw_001%00',
  'hw_001%20',
  '%68w_001x',
  '*',
  '~',
  ';',
  'a;b=c',
  '%3F',
  '%23',
  '%26',
  '..;',
  'nul',
  'con',
];

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE'] as const;
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=latin1', ''];

const bodyRoutes = ROUTE_NAMES.filter((n) => inputLocation(routes[n].method) === 'body');
const queryRoutes = ROUTE_NAMES.filter((n) => inputLocation(routes[n].method) === 'query');
const paramRoutes = ROUTE_NAMES.filter((n) => pathParams(routes[n].path).length > 0);
const authRoutes = ROUTE_NAMES.filter((n) => routes[n].access !== 'public');

/** A body for `name` that the server refuses: made invalid, then checked by the oracle. */
function invalidBody(name: RouteName, text: string): string {
  const params = Object.fromEntries(pathParams(routes[name].path).map((p) => [p, BASE[name][p]]));
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(Buffer.from(text)));
  } catch {
    return text; // not JSON: refused
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return text;
  if (!acceptedBy(name, { ...(parsed as object), ...params })) return text;
  return `${text.slice(0, -1)}${text === '{}' ? '' : ','}"__fuzz":1}`;
}

function invalidQuery(name: RouteName, input: Input, viaPath: Input): string {
  const qs = new URLSearchParams(Object.entries(input).map(([k, v]): [string, string] => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)])).toString();
  const seen = { ...serverQuery(qs), ...viaPath };
  return acceptedBy(name, seen) ? `${qs}${qs ? '&' : ''}__fuzz=1` : qs;
}

function generate(): Case {
  const roll = rnd();
  const admin = api.adminToken;

  if (roll < 0.1) {
    const name = pick(authRoutes);
    const route = routes[name];
    const bad = pick([null, 'garbage', `slk_${'0'.repeat(36)}_${'A'.repeat(43)}`, revoked, `${student}x`, student.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]);
    const headers: Record<string, string> = pick([authHeader(bad), { Authorization: pick(['Basic YTpi', 'Bearer', 'Bearer  ', `Token ${student}`, 'Bearer \t']) }]);
    maxLength = 3_000; // ids land in the path
    const input = chance(0.5) ? BASE[name] : mutate(BASE[name]);
    maxLength = 100_001;
    if (inputLocation(route.method) === 'body') {
      return {
        kind: 'auth',
        status: 401,
        req: { method: route.method, path: pathFor(name, input), headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(input) },
      };
    }
    return { kind: 'auth', status: 401, req: { method: route.method, path: `${pathFor(name, input)}?${new URLSearchParams(input as Record<string, string>)}`, headers } };
  }

  if (roll < 0.42) {
    const name = pick(bodyRoutes);
    const token = chance(0.85) ? admin : student;
    const input = mutate(BASE[name]);
    return {
      kind: 'body',
      req: {
        method: routes[name].method,
        path: pathFor(name, BASE[name]),
        headers: { ...authHeader(token), 'Content-Type': 'application/json' },
        body: invalidBody(name, bodyText(input)),
        chunked: chance(0.1),
      },
    };
  }

  if (roll < 0.52) {
    const name = pick(bodyRoutes);
    const body = chance(0.6) ? badJson() : pick(NON_OBJECT);
    const adminRoute = routes[name].access === 'admin' || routes[name].access === 'teacher'; // a student is refused before the body is read
    const token = chance(0.8) ? admin : student;
    return {
      kind: 'bad json',
      status: token === student && adminRoute ? 403 : 422,
      req: { method: routes[name].method, path: pathFor(name, BASE[name]), headers: { ...authHeader(token), 'Content-Type': 'application/json' }, body },
    };
  }

  if (roll < 0.77) {
    const name = pick(queryRoutes);
    const token = chance(0.85) ? admin : student;
    maxLength = 3_000;
    const input = mutate(Object.fromEntries(Object.entries(BASE[name]).filter(([k]) => !pathParams(routes[name].path).includes(k))));
    maxLength = 100_001;
    const viaPath = Object.fromEntries(pathParams(routes[name].path).map((p) => [p, BASE[name][p]]));
    const qs = invalidQuery(name, input, viaPath);
    return { kind: 'query', req: { method: routes[name].method, path: `${pathFor(name, BASE[name])}${qs ? `?${qs}` : ''}`, headers: authHeader(token) } };
  }

  if (roll < 0.87) {
    // A tricky path segment where an id goes; an unknown field keeps it invalid wherever it lands.
    const name = pick(paramRoutes);
    const route = routes[name];
    const path = pathFor(name, BASE[name], pick(TRICKY_IDS)).replace(chance(0.15) ? '/sessions/' : '\u0000', '//sessions//');
    if (inputLocation(route.method) === 'body') {
      return {
        kind: 'path',
        req: { method: route.method, path, headers: { ...authHeader(admin), 'Content-Type': 'application/json' }, body: JSON.stringify({ ...mutate(BASE[name]), __fuzz: 1 }) },
      };
    }
    return { kind: 'path', req: { method: route.method, path: `${path}?${new URLSearchParams({ __fuzz: pick([...INJECTIONS, ...UNICODE]) })}`, headers: authHeader(admin) } };
  }

  if (roll < 0.94) {
    // A method the route's path does not have.
    const name = pick(ROUTE_NAMES);
    const path = routes[name].path;
    const taken = ROUTE_NAMES.filter((n) => routes[n].path === path).map((n) => routes[n].method as string);
    const method = pick(METHODS.filter((m) => !taken.includes(m)));
    const body = method === 'GET' || method === 'OPTIONS' || method === 'TRACE' ? undefined : JSON.stringify({ ...BASE[name], __fuzz: 1 });
    return {
      kind: 'method',
      req: {
        method,
        path: `${pathFor(name, BASE[name])}?__fuzz=1`,
        headers: { ...authHeader(admin), ...(body ? { 'Content-Type': 'application/json' } : {}) },
        ...(body ? { body } : {}),
      },
    };
  }

  if (roll < 0.995) {
    // The server reads JSON whatever the content type says; the body still decides.
    const name = pick(bodyRoutes);
    const ct = pick(CONTENT_TYPES);
    const body = chance(0.5) ? `${new URLSearchParams({ message: pick(INJECTIONS) })}` : invalidBody(name, bodyText(mutate(BASE[name])));
    return {
      kind: 'content-type',
      req: { method: routes[name].method, path: pathFor(name, BASE[name]), headers: { ...authHeader(admin), ...(ct ? { 'Content-Type': ct } : {}) }, body },
    };
  }

  // An attachment's upload and a hand-in file's import have limits of their own (28 MiB, tests/integration/attachments.test.ts; 14 MiB, handin.test.ts).
  const name = pick(bodyRoutes.filter((n) => n !== 'uploadAttachment' && n !== 'importSubmission'));
  const size = 1024 * 1024 + 1 + int(64 * 1024);
  const body = JSON.stringify({ message: 'x'.repeat(size) });
  return {
    kind: 'oversized',
    status: 413,
    req: {
      method: routes[name].method,
      path: pathFor(name, BASE[name]),
      headers: { ...authHeader(pick([admin, student, null])), 'Content-Type': 'application/json' },
      body,
      chunked: chance(0.5),
    },
  };
}

// ---------------------------------------------------------------------------------------------

/** Everything a refused request must leave as it was (last_used_at of tokens is a hint, not state). */
function snapshot() {
  const db = api.core.store.sqlite;
  const all = (sql: string) => db.prepare(sql).all();
  return {
    session: all('SELECT * FROM session ORDER BY id'),
    turn: all('SELECT * FROM turn ORDER BY id'),
    assignment: all('SELECT * FROM assignment ORDER BY id'),
    user: all('SELECT * FROM user ORDER BY id'),
    api_token: all('SELECT id, name, user_id, secret_hash, created_at, revoked_at FROM api_token ORDER BY id'),
    settings: all("SELECT value FROM setting WHERE key = 'settings'"),
    keychain: [...api.secrets.secrets.entries()],
  };
}

const counts = () =>
  Object.fromEntries(
    ['session', 'turn', 'assignment', 'api_token', 'user'].map((t) => [t, (api.core.store.sqlite.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]),
  );

beforeAll(async () => {
  api = await startApi({
    server: {
      limits: { perSecond: 1_000_000, burst: 1_000_000, concurrent: 1_000 },
      // Thousands of requests without a valid token on purpose (the per-address limit is tested in http-limits).
      anonymousLimits: { perSecond: 1_000_000, burst: 1_000_000, concurrent: 1_000 },
      dispatch: { validateOutput: true, onUnexpectedError: (e) => unexpected.push(e) },
    },
  });
  student = api.token('student', 'fuzz student').token;
  const r = api.token('student', 'revoked');
  api.core.users.revokeToken(r.token_id);
  revoked = r.token;
  realToken = api.token('student', 'a token the fuzz must not revoke').token_id;
  realSession = await api.session(api.core.owner.id, 'hello from a real session');
  await api.secrets.set('kc', 'fake-key-kept-in-the-keychain');
  BASE = base();
});
afterAll(() => api?.close());

describe('fuzz: malformed requests over HTTP', () => {
  it(`${REQUESTS} seeded malformed requests: only 4xx, JSON {detail, code}, nothing written`, async () => {
    const cases = Array.from({ length: REQUESTS }, generate);
    const kinds = new Map<string, number>();
    for (const c of cases) kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
    for (const kind of ['auth', 'body', 'bad json', 'query', 'path', 'method', 'content-type', 'oversized']) expect(kinds.get(kind) ?? 0, kind).toBeGreaterThan(3);

    const before = snapshot();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    async function worker() {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]!;
        let reply: Reply;
        try {
          reply = await api.raw(c.req);
        } catch (error) {
          failures.push(`#${i} ${c.kind} ${c.req.method} ${c.req.path.slice(0, 120)}: no reply (${String(error)})`);
          continue;
        }
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const body = reply.json as { code?: unknown; detail?: unknown } | undefined;
        const problems = [
          reply.status < 400 || reply.status >= 500 ? `status ${reply.status}` : '',
          c.status !== undefined && reply.status !== c.status ? `status ${reply.status}, expected ${c.status}` : '',
          !/^application\/json/.test(String(reply.headers['content-type'])) ? `content-type ${reply.headers['content-type']}` : '',
          typeof body?.code !== 'string' || typeof body?.detail !== 'string' ? 'body is not {detail, code}' : '',
          typeof body?.code === 'string' && ERROR_STATUS[body.code as keyof typeof ERROR_STATUS] !== reply.status ? `code ${String(body.code)} with status ${reply.status}` : '',
        ].filter(Boolean);
        if (problems.length)
          failures.push(
            `#${i} ${c.kind} ${c.req.method} ${c.req.path.slice(0, 120)} ${String(c.req.body ?? '').slice(0, 120)}: ${problems.join('; ')} — ${reply.text.slice(0, 200)}`,
          );
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    expect(failures.slice(0, 20)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(REQUESTS);
    expect(unexpected).toEqual([]);
    expect(snapshot()).toEqual(before);
    expect((await api.api('GET', '/health', { token: null })).json).toEqual({ status: 'ok' });
    expect((await api.api('GET', '/me')).status).toBe(200);
  });
});

describe('the same flavours of input, when valid, are answered and stored faithfully', () => {
  it('injection strings and odd unicode: stored verbatim by the proxy, searchable, harmless to FTS and SQL', async () => {
    const before = counts();
    const messages = [...INJECTIONS, '😀🎉 emoji', '\u202Eevil\u202C RTL', 'a\u0000b NUL', '数学作业 中文'];
    for (const message of messages) {
      const sent = await api.api('POST', '/proxy', { body: { message } });
      expect([message, sent.status]).toEqual([message, 200]);
      const turns = await api.api('GET', `/sessions/${(sent.json as { session_id: string }).session_id}/turns`);
      expect((turns.json as { role: string; content: string }[]).map((t) => [t.role, t.content])).toEqual([
        ['user', message.trim()],
        ['assistant', `Echo: ${message.trim()}`],
      ]);
    }
    expect(counts()).toEqual({ ...before, session: before.session! + messages.length, turn: before.turn! + 2 * messages.length });
    for (const q of [...INJECTIONS, ...UNICODE.filter((u) => u.trim())]) {
      for (const path of ['/turns/search', '/sessions']) {
        const reply = await api.api('GET', path, { query: { q } });
        expect([path, q, reply.status]).toEqual([path, q, 200]);
        expect(reply.json).toMatchObject({ items: expect.any(Array), total: expect.any(Number) });
      }
    }
    const found = (await api.api('GET', '/turns/search', { query: { q: 'DROP TABLE' } })).json as { items: { content: string }[] };
    expect(found.items.some((t) => t.content.includes("'; DROP TABLE turn; --"))).toBe(true);
    expect(counts()).toEqual({ ...before, session: before.session! + messages.length, turn: before.turn! + 2 * messages.length });
  });

  it('deeply nested JSON is refused as a validation error, not an internal one', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    for (const [method, path, body] of [
      ['POST', '/proxy', `{"message":"hi","meta":{"x":${deep}}}`],
      ['PATCH', `/sessions/${realSession}`, `{"meta":{"x":${deep}}}`],
      ['POST', '/assignments', `{"title":"t","meta":{"x":${deep}}}`],
    ] as const) {
      const reply = await api.api(method, path, { body });
      expect([path, reply.status, (reply.json as { code: string }).code]).toEqual([path, 422, 'validation_error']);
    }
  });

  it('query numbers: huge, negative, NaN and Infinity are refused; in-range ones work', async () => {
    for (const skip of ['-1', 'NaN', 'Infinity', '1e400', '1.5', 'abc']) {
      expect([skip, (await api.api('GET', '/sessions', { query: { skip } })).status]).toEqual([skip, 422]);
    }
    // Beyond what a Date holds (8.64e15 ms) is refused too: such a time could not be shown.
    for (const from of ['-1', 'NaN', '-Infinity', '1e400', String(Number.MAX_SAFE_INTEGER)]) {
      expect([from, (await api.api('GET', '/turns', { query: { from, to: '10' } })).status]).toEqual([from, 422]);
    }
    expect((await api.api('GET', '/sessions', { query: { skip: '0', limit: '200' } })).status).toBe(200);
    expect((await api.api('GET', '/turns', { query: { from: '0', to: '8640000000000000' } })).status).toBe(200);
  });
});
