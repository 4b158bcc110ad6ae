/**
 * The hub's HTTP face (`studylog hub`): its own routes under /api/v1/hub/ (shared/api/hub.ts) on
 * Hono, to the desktop server's standard and with its pieces (http/server.ts, http/rate-limit.ts)
 * — the Host-header check against DNS rebinding, bearer tokens (one per device, hub/store.ts),
 * per-token rate and concurrency limits (a student's devices share one), a per-address limit on requests without a valid token
 * (joining with a class code included), a body limit, replies bounded in size, stable error codes
 * in the `{code, detail}` envelope — plus the web app at `/` (the teacher's dashboard is its #/hub
 * page).
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createAdaptorServer } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import type { Server } from 'node:http';
import QRCode from 'qrcode';
import { MAX_BUNDLE_BYTES } from '../../../shared/api/handin.ts';
import type { Language } from '../../../shared/api/schemas.ts';
import {
  AddStudentSchema,
  AddTeacherSchema,
  AllowanceInputSchema,
  AssignmentInputSchema,
  CreateClassSchema,
  FeedbackInputSchema,
  HUB_PREFIX,
  JoinClassSchema,
  JoinPolicySchema,
  LearnerDaysQuerySchema,
  NewDeviceSchema,
  PushSchema,
  ReturnHandinSchema,
  RosterImportSchema,
  type HandinPushResult,
  type HubAddresses,
  type HubSearchResult,
  type IssuedJoinCode,
  type PushResult,
} from '../../../shared/api/hub.ts';
import { ApiError, isApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import { CONTENT_SECURITY_POLICY, addressKey, allowedHostNames, boundedJson, declaredFirstBodyLimit, hostAllowed, incomingOf } from '../http/server.ts';
import { chooseLanAddresses, type LanChoice } from '../http/lan.ts';
import { DEFAULT_ANONYMOUS_LIMITS, RateLimiter, type RateLimits } from '../http/rate-limit.ts';
import { notBuiltPage } from '../http/not-built.ts';
import { hubLearnerDays } from './learner-days.ts';
import type { HubCaller, HubStore, IssuedCode } from './store.ts';

export interface HubServerOptions {
  store: HubStore;
  host?: string;
  port?: number;
  staticDir?: string | null;
  /** Bound on all interfaces (`--lan`): the machine's LAN addresses and name are accepted Host names. */
  lan?: boolean;
  /** Extra Host names to accept (the name students' laptops use for the hub, e.g. hub.school.lan). */
  allowedHosts?: string[];
  bodyLimitBytes?: number;
  /** Per device token (a student's devices together); `false` turns them off. */
  limits?: Partial<RateLimits> | false;
  /** The largest JSON reply (default HUB_MAX_RESPONSE_BYTES); a larger one is payload_too_large. */
  maxResponseBytes?: number;
  /** Called after a push is stored, before it is answered (the torture tests stop the hub here). */
  onPushStored?: (result: PushResult) => void | Promise<void>;
  /** Called after a hand-in is filed, before it is answered (the same, for hand-ins). */
  onHandinStored?: (result: HandinPushResult) => void | Promise<void>;
}

export interface RunningHub {
  url: string;
  /** Where students' laptops reach it (studentUrls); empty when it listens on loopback only. */
  studentUrls: string[];
  /** The same, as `hub serve` prints it: what students type, the other addresses, none on a network. */
  studentAddresses: StudentAddresses;
  address: AddressInfo;
  server: Server;
  close(): Promise<void>;
}

/** A push of a few days' turns fits; larger backlogs go in several pushes (sync/client.ts batches). */
export const HUB_BODY_LIMIT_BYTES = 8 * 1024 * 1024;
/**
 * A hand-in's bundle is sent as it is (its UTF-8 bytes): up to MAX_BUNDLE_BYTES, checked with its
 * size named in the caller's language (handin/accept.ts); the body limit leaves room for that.
 */
export const HUB_HANDIN_BODY_LIMIT_BYTES = MAX_BUNDLE_BYTES + 64 * 1024;
/** Replies: a hand-in as its teacher reads it (its bundle without the files' bytes, whose text may double as JSON escapes it) fits; nothing grows without bound. */
export const HUB_MAX_RESPONSE_BYTES = 2 * MAX_BUNDLE_BYTES + 1024 * 1024;
export const HUB_HANDIN_PATH = `${HUB_PREFIX}/sync/handins`;

type Env = { Variables: { caller: HubCaller } };

// Served where the web app is not (yet) built; a build made while the hub runs is served from the next reload on.
const PAGE = notBuiltPage({ zh: 'Studylog 班级中心', en: 'Studylog hub' }, HUB_PREFIX);

const errorResponse = (c: Context, error: ApiError) => c.json(error.toBody(), error.status as 400);

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new ApiError('validation_error', 'The request body must be JSON.');
  }
}

/** The language of problem descriptions in a refusal: the request's Accept-Language, Chinese first. */
function languageOf(c: Context): Language {
  const header = (c.req.header('accept-language') ?? '').trim().toLowerCase();
  return header.startsWith('en') ? 'en' : 'zh-CN';
}

/** Bound on all interfaces, the machine's LAN addresses and name are its names too (as the desktop's --lan). */
const servesLan = (options: Pick<HubServerOptions, 'lan' | 'host'>) => options.lan ?? (options.host === '0.0.0.0' || options.host === '::');

/** Where students' laptops reach this hub, as `hub serve` prints it. */
export interface StudentAddresses {
  /** What students type: the names given with --allowed-host, the address it is bound to, with --lan the likeliest LAN address. */
  urls: string[];
  /** With --lan, this machine's other LAN addresses (another adapter, Docker's, a VPN's), each with its adapter. */
  also: { url: string; adapter: string }[];
  /** With --lan, and no address on a network (only loopback, Docker or VPN adapters): no student's laptop reaches the hub. */
  noLanAddress: boolean;
}

/**
 * Where students' laptops reach this hub: the names given with --allowed-host, the address it is
 * bound to, and with --lan this machine's LAN addresses (the likeliest first, the others as `also`:
 * http/lan.ts), each on `port`. Empty when it listens on loopback only. `lan`: the machine's
 * addresses (tests give made-up ones).
 */
export function studentAddresses(
  options: Pick<HubServerOptions, 'lan' | 'host' | 'allowedHosts'>,
  port: number | undefined,
  lan: LanChoice = chooseLanAddresses(os.networkInterfaces()),
): StudentAddresses {
  const url = (h: string) => `http://${h.includes(':') ? `[${h}]` : h}${port ? `:${port}` : ''}`;
  const bound = options.host && !['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(options.host) ? [options.host] : [];
  const onLan = servesLan(options);
  const names = [...new Set([...(options.allowedHosts ?? []).map((h) => h.toLowerCase()), ...bound, ...(onLan && lan.primary ? [lan.primary.address] : [])])];
  const also = onLan ? lan.also.filter((a) => !names.includes(a.address)).map((a) => ({ url: url(a.address), adapter: a.adapter })) : [];
  return { urls: names.map(url), also, noLanAddress: onLan && lan.primary === null };
}

/** All of studentAddresses' URLs, the likeliest first (the dashboard's /addresses prints them on the join codes). */
export function studentUrls(options: Pick<HubServerOptions, 'lan' | 'host' | 'allowedHosts'>, port: number | undefined): string[] {
  const { urls, also } = studentAddresses(options, port);
  return [...urls, ...also.map((a) => a.url)];
}

export function hubApp(options: HubServerOptions): Hono<Env> {
  const { store } = options;
  const lan = servesLan(options);
  const hosts = allowedHostNames({ ...options, lan });
  const anonymous = new RateLimiter(DEFAULT_ANONYMOUS_LIMITS);
  // Per device token, with the desktop's defaults (http/rate-limit.ts): a laptop syncs in a few
  // requests, a teacher's dashboard loads four at once.
  const perToken = options.limits === false ? null : new RateLimiter(options.limits);
  const maxResponseBytes = options.maxResponseBytes ?? HUB_MAX_RESPONSE_BYTES;
  const app = new Hono<Env>();
  const reply = (c: Context, body: unknown, status = 200) => boundedJson(c, body, status, maxResponseBytes);

  app.onError((error, c) => {
    if (isApiError(error)) return errorResponse(c, error);
    console.error('studylog hub:', error);
    return errorResponse(c, new ApiError('internal_error', 'The hub had an unexpected error.'));
  });
  app.use('*', async (c, next) => {
    if (!hostAllowed(c, hosts))
      return errorResponse(c, new ApiError('forbidden', 'This host name is not allowed (start the hub with --allowed-host NAME for the name students use).'));
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });
  const limitBody = declaredFirstBodyLimit({
    maxSize: options.bodyLimitBytes ?? HUB_BODY_LIMIT_BYTES,
    onError: (c) => errorResponse(c, new ApiError('payload_too_large', `The request body is larger than ${options.bodyLimitBytes ?? HUB_BODY_LIMIT_BYTES} bytes.`)),
  });
  // A hand-in's bundle may be larger than a push: that route alone.
  const limitHandin = declaredFirstBodyLimit({
    maxSize: HUB_HANDIN_BODY_LIMIT_BYTES,
    onError: (c) => errorResponse(c, new ApiError('payload_too_large', `The hand-in is larger than ${HUB_HANDIN_BODY_LIMIT_BYTES} bytes.`)),
  });
  app.use(`${HUB_PREFIX}/*`, (c, next) => (c.req.method === 'POST' && c.req.path === HUB_HANDIN_PATH ? limitHandin(c, next) : limitBody(c, next)));

  const publicPaths = new Set([`${HUB_PREFIX}/health`, `${HUB_PREFIX}/join`]);
  app.use(`${HUB_PREFIX}/*`, async (c, next) => {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const caller = bearer ? await store.authenticate(bearer) : null;
    if (caller && caller !== 'revoked' && !publicPaths.has(c.req.path)) {
      c.set('caller', caller);
      // Per device token, as the desktop server limits per token: rate and requests at once. A
      // student's devices share one budget (keyed by user): a second device (POST /devices) gives
      // no second budget. Teachers and admins per device (a dashboard in two browsers, a script).
      const student = caller.role === 'student';
      const slot = perToken?.acquire(student ? `user:${caller.user_id}` : `device:${caller.device_id}`, Date.now(), { per: student ? 'student' : 'token' });
      if (slot && !slot.ok) {
        c.header('Retry-After', String(slot.retryAfterSeconds));
        return errorResponse(c, new ApiError('rate_limited', slot.detail));
      }
      try {
        return await next();
      } finally {
        if (slot?.ok) slot.release();
      }
    }
    if (caller === 'revoked') return errorResponse(c, new ApiError('device_revoked', 'This device’s hub token was revoked. Join the class again, or ask your teacher.'));
    const slot = anonymous.acquire(`address:${addressKey(incomingOf(c)?.socket.remoteAddress)}`);
    if (!slot.ok) {
      c.header('Retry-After', String(slot.retryAfterSeconds));
      return errorResponse(c, new ApiError('rate_limited', 'Too many requests without a valid token from this address. Try again shortly.'));
    }
    try {
      if (!publicPaths.has(c.req.path))
        return errorResponse(c, new ApiError('unauthorized', bearer ? 'The hub token is not valid.' : 'Sign in with a hub token (Authorization: Bearer …).'));
      return await next();
    } finally {
      slot.release();
    }
  });

  const r = app.basePath(HUB_PREFIX);
  r.get('/health', (c) => reply(c, { ok: true, database: store.db.dialect }));
  r.post('/join', async (c) => {
    const input = parseInput(JoinClassSchema, await jsonBody(c), 'join');
    const joined = await store.joinClass(input);
    // student_name: the name the class knows the student by — the roster's for an entry claimed
    // with its join code (from_roster), whatever name was typed.
    return reply(
      c,
      {
        token: joined.token,
        device_id: joined.device_id,
        user_id: joined.user_id,
        student_name: joined.student_name,
        from_roster: joined.from_roster,
        class: { id: joined.class.id, name: joined.class.name },
      },
      201,
    );
  });
  r.get('/me', (c) => reply(c, c.get('caller')));
  // Where students' laptops reach this hub, for the dashboard to print on the join codes (a teacher
  // on the hub's own machine browses it at 127.0.0.1, which no laptop can use): the names given
  // with --allowed-host, the address it is bound to, and with --lan this machine's LAN addresses,
  // each on the port it listens on (behind a proxy on another port, the teacher corrects it there).
  r.get('/addresses', (c) => {
    if (c.get('caller').role === 'student') throw new ApiError('forbidden', 'Only teachers and admins read the hub’s addresses.');
    const addresses: HubAddresses = { urls: studentUrls(options, incomingOf(c)?.socket.localPort) };
    return reply(c, addresses);
  });
  r.post('/devices', async (c) => {
    const caller = c.get('caller');
    const input = parseInput(NewDeviceSchema, await jsonBody(c), 'device');
    return reply(c, await store.issueDevice(caller.user_id, input.name), 201);
  });
  r.post('/devices/:id/revoke', async (c) => {
    await store.revokeDevice(c.get('caller'), c.req.param('id'));
    return reply(c, { revoked: true });
  });
  r.get('/classes', async (c) => reply(c, await store.listClasses(c.get('caller'))));
  r.post('/classes', async (c) => {
    const input = parseInput(CreateClassSchema, await jsonBody(c), 'class');
    return reply(c, await store.createClass(c.get('caller'), input.name, input.open_join ?? null), 201);
  });
  // Whether students not on the roster may join with the class code alone (null: the default, while it has no roster).
  r.post('/classes/:id/join-policy', async (c) =>
    reply(c, await store.setJoinPolicy(c.get('caller'), c.req.param('id'), parseInput(JoinPolicySchema, await jsonBody(c), 'join policy').open_join)),
  );
  // The class code as a QR code: what students scan to join (the code alone, typed in Studylog).
  r.get('/classes/:id/qr', async (c) => {
    const klass = await store.getClass(c.get('caller'), c.req.param('id'));
    const svg = await QRCode.toString(`studylog-class:${klass.code}`, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    c.header('Content-Type', 'image/svg+xml; charset=utf-8');
    return c.body(svg);
  });
  r.post('/classes/:id/roster', async (c) => {
    const isCsv = (c.req.header('content-type') ?? '').startsWith('text/csv');
    const csv = isCsv ? await c.req.text() : parseInput(RosterImportSchema, await jsonBody(c), 'roster').csv;
    const result = await store.importRoster(c.get('caller'), c.req.param('id'), csv);
    return reply(c, { ...result, codes: await Promise.all(result.codes.map(withQr)) });
  });
  r.get('/classes/:id/roster', async (c) => reply(c, await store.roster(c.get('caller'), c.req.param('id'))));
  r.post('/classes/:id/students', async (c) =>
    reply(c, await withQr(await store.addStudent(c.get('caller'), c.req.param('id'), parseInput(AddStudentSchema, await jsonBody(c), 'student'))), 201),
  );
  // A new join code for a roster entry: the old one stops working and the entry's devices are revoked.
  r.post('/classes/:id/roster/:user_id/code', async (c) => reply(c, await withQr(await store.reissueJoinCode(c.get('caller'), c.req.param('id'), c.req.param('user_id')))));
  r.post('/classes/:id/teachers', async (c) => {
    const input = parseInput(AddTeacherSchema, await jsonBody(c), 'teacher');
    await store.addTeacher(c.get('caller'), c.req.param('id'), input.user_id);
    return reply(c, { added: true });
  });
  r.get('/classes/:id/overview', async (c) => reply(c, await store.overview(c.get('caller'), c.req.param('id'))));
  r.get('/classes/:id/inbox', async (c) => reply(c, await store.inbox(c.get('caller'), c.req.param('id'))));
  r.get('/classes/:id/triage', async (c) => reply(c, await store.triage(c.get('caller'), c.req.param('id'))));
  r.get('/classes/:id/search', async (c) => {
    const query = c.req.query('q') ?? '';
    const result: HubSearchResult = { items: await store.search(c.get('caller'), c.req.param('id'), query) };
    // The sessions whose title matches, when there are any (absent otherwise, as index_behind).
    const titles = await store.searchTitles(c.get('caller'), c.req.param('id'), query);
    if (titles.length > 0) result.title_hits = titles;
    // Read after the search: pending then means the search may have missed an older turn.
    if (store.db.searchIndex?.pending) result.index_behind = true;
    return reply(c, result);
  });
  // One session a student of the class shared, to read whole (a search hit opens it).
  r.get('/classes/:id/sessions/:session_id', async (c) => reply(c, await store.sessionView(c.get('caller'), c.req.param('id'), c.req.param('session_id'))));
  // What one AI answer typically costs in tokens, for the assignment form's sense of scale.
  r.get('/classes/:id/answer-tokens', async (c) => reply(c, await store.answerTokens(c.get('caller'), c.req.param('id'))));
  // One student's learner summary per day, from what they shared with the class and handed in to it (learner-days.ts).
  r.get('/classes/:id/students/:user_id/learner-days', async (c) =>
    reply(c, await hubLearnerDays(store, c.get('caller'), c.req.param('id'), c.req.param('user_id'), parseInput(LearnerDaysQuerySchema, c.req.query(), 'range'))),
  );
  // Each student's daily token allowance in the class and what the hub has of their use today (the dashboard's 每日 AI 额度).
  r.get('/classes/:id/allowances', async (c) => reply(c, await store.allowances(c.get('caller'), c.req.param('id'))));
  r.get('/classes/:id/assignments', async (c) => reply(c, await store.listAssignments(c.get('caller'), c.req.param('id'))));
  r.post('/assignments', async (c) => reply(c, await store.upsertAssignment(c.get('caller'), parseInput(AssignmentInputSchema, await jsonBody(c), 'assignment'))));
  r.post('/feedback', async (c) => reply(c, await store.setFeedback(c.get('caller'), parseInput(FeedbackInputSchema, await jsonBody(c), 'feedback'))));
  r.post('/allowances', async (c) => reply(c, await store.setAllowance(c.get('caller'), parseInput(AllowanceInputSchema, await jsonBody(c), 'allowance'))));
  r.post('/sync/push', async (c) => {
    const result = await store.push(c.get('caller'), parseInput(PushSchema, await jsonBody(c), 'push'));
    await options.onPushStored?.(result);
    return reply(c, result);
  });
  r.post('/sync/handins', async (c) => {
    // Its size (UTF-8 bytes, not characters) is checked by receiveHandin (handin/accept.ts), in the caller's language.
    const text = await c.req.text();
    const result = await store.receiveHandin(c.get('caller'), text, languageOf(c));
    await options.onHandinStored?.(result);
    return reply(c, result);
  });
  r.get('/assignments/:id/handins', async (c) => reply(c, await store.listHandins(c.get('caller'), c.req.param('id'))));
  r.get('/handins/:id', async (c) => reply(c, await store.handinDetail(c.get('caller'), c.req.param('id'))));
  // One answer file of a hand-in (teachers of its class only): its bytes, typed as the bundle says
  // when that is a type Studylog makes (else as bytes to save), shown inline or, with ?download=1,
  // as a download under its own name.
  r.get('/handins/:id/files/:sha256', async (c) => {
    const sha256 = c.req.param('sha256');
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ApiError('validation_error', 'The file must be named by its SHA-256 (64 lowercase hex digits).');
    const file = await store.handinFile(c.get('caller'), c.req.param('id'), sha256);
    const type = SERVED_FILE_TYPES.has(file.mime) ? file.mime : 'application/octet-stream';
    const inline = c.req.query('download') === undefined && type !== 'application/octet-stream';
    c.header('Content-Type', type);
    c.header('Content-Disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name));
    // The student's file, never run as a page of the hub's, and kept by no shared cache.
    c.header('Content-Security-Policy', "default-src 'none'; sandbox");
    c.header('Cache-Control', 'private, no-store');
    return c.body(new Uint8Array(file.data));
  });
  r.post('/handins/:id/return', async (c) => reply(c, await store.returnHandin(c.get('caller'), c.req.param('id'), parseInput(ReturnHandinSchema, await jsonBody(c), 'grade'))));
  r.get('/sync/pull', async (c) => {
    const since = Number(c.req.query('since') ?? '0');
    if (!Number.isInteger(since) || since < 0) throw new ApiError('validation_error', 'since must be a non-negative integer (the cursor of the last pull).');
    return reply(c, await store.pull(c.get('caller'), since));
  });
  app.all(`${HUB_PREFIX}/*`, (c) => errorResponse(c, new ApiError('not_found', `No hub route ${c.req.method} ${c.req.path}.`)));

  app.use('*', async (c, next) => {
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    await next();
  });
  if (options.staticDir) app.use('*', serveStatic({ root: options.staticDir }));
  app.get('*', (c) => c.html(PAGE));
  return app;
}

/** The answer files' types as Studylog makes them (attachments/process.ts): served as such; anything else as bytes. */
const SERVED_FILE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'application/pdf']);

/** A Content-Disposition naming the file: an ASCII fallback and the UTF-8 name (RFC 6266), as a Chinese file name needs. */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** A student's join code with its QR code (what the teacher prints or shows the student). */
async function withQr<T extends IssuedCode>(code: T): Promise<T & Pick<IssuedJoinCode, 'qr_svg'>> {
  return { ...code, qr_svg: await QRCode.toString(code.qr_text, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) };
}

export async function startHubServer(options: HubServerOptions): Promise<RunningHub> {
  const app = hubApp(options);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`,
    studentUrls: studentUrls({ ...options, host }, address.port),
    studentAddresses: studentAddresses({ ...options, host }, address.port),
    address,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
