/**
 * The HTTP face: /api/v1/llm/* built from the route table on Hono, plus the web app at `/`.
 *
 * Off by default (the desktop turns it on in settings; `studylog serve` turns it on). Binds
 * 127.0.0.1 unless LAN access is on. Every route but the public ones needs a bearer token, also from
 * localhost. Host-header check against DNS rebinding, no CORS unless configured, a body limit,
 * per-token rate and concurrency limits, timeouts, and a graceful shutdown in which in-flight
 * streams finish or are stopped (and so stored as 'aborted'). Calls, streams, their stopping and
 * the shutdown go through the transport runtime (core/api/runtime.ts), as IPC's do.
 */
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createAdaptorServer } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { stream as streamBody, streamSSE } from 'hono/streaming';
import type { IncomingMessage, Server } from 'node:http';
import {
  API_PREFIX,
  inputLocation,
  isCursorRoute,
  isStreamRoute,
  NEXT_CURSOR_HEADER,
  pathParams,
  pathPattern,
  ROUTE_NAMES,
  routeSpecs,
  STREAM_ID_HEADER,
  type RouteName,
} from '../../../shared/api/manifest.ts';
import { MAX_RESPONSE_BYTES, MAX_UPLOAD_BODY_BYTES } from '../../../shared/api/schemas.ts';
import { MAX_BUNDLE_BYTES, MAX_IMPORT_BODY_BYTES, megabytes } from '../../../shared/api/handin.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Core } from '../app.ts';
import { isLoopbackAddress, type Caller } from '../caller.ts';
import { authorize, validate, type DispatchOptions } from '../api/dispatch.ts';
import { TransportRuntime } from '../api/runtime.ts';
import { openExport, type ExportInput } from '../export.ts';
import { openApiDocument } from './openapi.ts';
import { chooseLanAddresses } from './lan.ts';
import { ASSIGNMENT_HEADER, MODE_HEADER, mountOpenAIFace, OPENAI_PREFIX, openAIErrorShape, SESSION_HEADER } from './openai-face.ts';
import { notBuiltPage } from './not-built.ts';
import { DEFAULT_ANONYMOUS_LIMITS, RateLimiter, type RateLimits } from './rate-limit.ts';

export interface HttpServerOptions {
  core: Core;
  /** Default 127.0.0.1; with `lan: true` the default becomes 0.0.0.0 (all interfaces). */
  host?: string;
  port?: number;
  lan?: boolean;
  /** Origins allowed to call the API from a browser page elsewhere; none by default. */
  corsOrigins?: string[];
  /** Extra Host names to accept (e.g. a name you gave this machine). */
  allowedHosts?: string[];
  bodyLimitBytes?: number;
  /** Per token; `false` turns them off (`studylog serve --rate-limit off`). */
  limits?: Partial<RateLimits> | false;
  /** Per client address, for API requests without a valid token (always on; see rate-limit.ts). */
  anonymousLimits?: Partial<RateLimits>;
  /** The largest JSON reply (default MAX_RESPONSE_BYTES); a larger one is payload_too_large. */
  maxResponseBytes?: number;
  /** Built renderer to serve at `/`; a minimal page when absent. */
  staticDir?: string | null;
  /** How long in-flight requests may take to finish on shutdown before streams are stopped. */
  shutdownGraceMs?: number;
  /** How long a client may take to send a whole request, body included (default 30 s). */
  requestTimeoutMs?: number;
  /** How long a client may take to send the request headers (default 10 s; at most requestTimeoutMs). */
  headersTimeoutMs?: number;
  dispatch?: DispatchOptions;
}

export interface RunningHttpServer {
  /** e.g. http://127.0.0.1:5123 */
  url: string;
  /** With LAN access on: the address other devices use; null when this machine has none (only loopback, Docker or VPN adapters). */
  lanUrl: string | null;
  address: AddressInfo;
  server: Server;
  close(): Promise<void>;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

const errorResponse = (c: Context, error: ApiError, headers: Record<string, string> = {}) => {
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json(error.toBody(), error.status as 400);
};

/**
 * This machine's IPv4 addresses on its networks (not loopback): what another computer on the LAN
 * reaches it at, the one students would type first (a Wi-Fi or cable adapter's before Docker's
 * or a VPN's: lan.ts).
 */
export function lanAddresses(): string[] {
  const { primary, also } = chooseLanAddresses(os.networkInterfaces());
  return [...(primary ? [primary] : []), ...also].map((a) => a.address);
}

/** Host names this server answers to; anything else is a DNS-rebinding attempt or a mistake. (The class hub's server uses it too.) */
export function allowedHostNames(options: Pick<HttpServerOptions, 'allowedHosts' | 'lan' | 'host'>): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]', ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  if (options.lan) {
    for (const address of lanAddresses()) names.add(address);
    names.add(os.hostname().toLowerCase());
    names.add(`${os.hostname().toLowerCase()}.local`);
  }
  if (options.host && options.host !== '0.0.0.0' && options.host !== '::') names.add(options.host.toLowerCase());
  return names;
}

/**
 * The authority of an absolute-form request target (`GET http://other.host/x HTTP/1.1`), which
 * HTTP/1.1 says wins over the Host header: it must name this machine too. Null for the usual
 * origin-form (`/x`); '' when the target is absolute but has no readable host.
 */
function targetHost(incoming: IncomingMessage | undefined): string | null {
  const target = incoming?.url ?? '';
  if (target.startsWith('/') || target === '*' || !/^[a-z][a-z0-9+.-]*:/i.test(target)) return null;
  try {
    return new URL(target).hostname.toLowerCase();
  } catch {
    return '';
  }
}

/** What every HTML page of this server may do: only its own origin; no forms elsewhere, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^(\[[^\]]+\]|[^:]+)(?::\d+)?$/.exec(header.trim().toLowerCase());
  return match ? match[1]! : null;
}

/**
 * The per-address limiter's key: an IPv4 address (also IPv4-mapped IPv6) as it is; an IPv6 address
 * by its /64, the block one device or home gets, so rotating addresses within it does not help.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g || '0', 16) || 0).toString(16))
    .join(':')}::/64`;
}

export const incomingOf = (c: Context) => (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;

/**
 * Hono's bodyLimit, with a body of declared length checked from Node's own request instead. Hono's
 * reads `c.req.raw.body` to see whether there is a body, which makes the Node adapter build a web
 * Request and a web stream around every request — a few percent of a message's CPU (bench/NOTES.md,
 * issue 15) — only to compare Content-Length when it is declared; without it, `c.req.text()` reads
 * Node's request directly. A chunked body still goes through Hono's, which counts it as it arrives.
 * Node's parser refuses a malformed Content-Length and holds the body to the one declared; with
 * neither header, HTTP/1.1 says there is no body.
 */
export function declaredFirstBodyLimit(options: { maxSize: number; onError: (c: Context) => Response | Promise<Response> }): MiddlewareHandler {
  const counted = bodyLimit(options);
  return async (c, next) => {
    const headers = incomingOf(c)?.headers;
    if (!headers || headers['transfer-encoding'] !== undefined) return counted(c, next);
    const declared = headers['content-length'];
    if (declared !== undefined && Number(declared) > options.maxSize) return options.onError(c);
    await next();
  };
}

/** The request names one of `hosts`, in its Host header and in an absolute-form target (DNS-rebinding guard). */
export function hostAllowed(c: Context, hosts: Set<string>): boolean {
  const host = hostName(c.req.header('host'));
  if (!host || !hosts.has(host)) return false;
  const target = targetHost(incomingOf(c));
  return target === null || hosts.has(target);
}

/** A JSON reply, refused when it would be larger than maxBytes (memory stays bounded per request). */
export function boundedJson(c: Context, body: unknown, status: number, maxBytes: number) {
  const text = JSON.stringify(body);
  if (text.length > maxBytes / 3 && Buffer.byteLength(text, 'utf8') > maxBytes) {
    return errorResponse(c, new ApiError('payload_too_large', `The answer would be larger than ${maxBytes} bytes; ask for less (a smaller limit or a narrower range).`));
  }
  return c.body(text, status as 200, { 'Content-Type': 'application/json' });
}

function requestCutOff(c: Context, error: unknown): boolean {
  const incoming = incomingOf(c);
  if (incoming && !incoming.complete && (incoming.destroyed || incoming.readableAborted)) return true;
  return (error as { code?: unknown } | null)?.code === 'ECONNRESET';
}

const MINIMAL_PAGE = notBuiltPage({ zh: 'Studylog', en: 'Studylog' }, API_PREFIX, {
  zh: `（说明见 <code>${API_PREFIX}/openapi.json</code>，需要令牌）`,
  en: ` (see <code>${API_PREFIX}/openapi.json</code>, with a token)`,
});

export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { core } = options;
  const hosts = allowedHostNames(options);
  const limiter = options.limits === false ? null : new RateLimiter(options.limits);
  const anonymousLimiter = new RateLimiter({ ...DEFAULT_ANONYMOUS_LIMITS, ...options.anonymousLimits });
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  // In-flight calls and streams, cancellation and shutdown: the same runtime as the IPC face.
  const runtime = new TransportRuntime(core, options.dispatch ?? {});
  let closing = false;

  const app = new Hono<{ Variables: { caller: Caller | null } }>();
  // The OpenAI-compatible face (/v1, openai-face.ts) goes through the same middleware as the API;
  // its errors, those of the middleware included, come out in OpenAI's shape.
  const prefixes = [API_PREFIX, OPENAI_PREFIX];
  app.use(`${OPENAI_PREFIX}/*`, openAIErrorShape);

  app.use('*', async (c, next) => {
    if (!hostAllowed(c, hosts)) return errorResponse(c, new ApiError('forbidden', 'This host name is not allowed.'));
    if (runtime.closing) return errorResponse(c, new ApiError('db_unavailable', 'Studylog is shutting down.'), { Connection: 'close' });
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    await next();
  });

  if (options.corsOrigins?.length)
    for (const prefix of prefixes)
      app.use(
        `${prefix}/*`,
        cors({
          origin: options.corsOrigins,
          allowHeaders: ['Authorization', 'Content-Type', STREAM_ID_HEADER, SESSION_HEADER, MODE_HEADER, ASSIGNMENT_HEADER],
          exposeHeaders: [SESSION_HEADER],
          maxAge: 600,
        }),
      );

  const limitBody = declaredFirstBodyLimit({
    maxSize: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // The body was not read: close the connection, or a keep-alive client would send its next
    // request on a socket that is about to be closed under it.
    onError: (c) =>
      errorResponse(c, new ApiError('payload_too_large', `The request body is larger than ${options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES} bytes.`), {
        Connection: 'close',
      }),
  });
  // An attachment's upload may be larger (a 20 MB PDF, base64-encoded): that one route alone.
  const uploadPath = API_PREFIX + routeSpecs.uploadAttachment.path;
  const limitUpload = declaredFirstBodyLimit({
    maxSize: MAX_UPLOAD_BODY_BYTES,
    onError: (c) =>
      errorResponse(c, new ApiError('attachment_too_large', `The upload is larger than ${MAX_UPLOAD_BODY_BYTES} bytes: images may be up to 10 MB, PDFs up to 20 MB.`), {
        Connection: 'close',
      }),
  });
  // A teacher's import of a .studylog file (which may carry the answer's files): up to the largest bundle.
  const importPath = API_PREFIX + routeSpecs.importSubmission.path;
  const limitImport = declaredFirstBodyLimit({
    maxSize: MAX_IMPORT_BODY_BYTES,
    onError: (c) =>
      errorResponse(
        c,
        new ApiError('payload_too_large', `The hand-in file is larger than ${megabytes(MAX_BUNDLE_BYTES)} (${MAX_BUNDLE_BYTES} bytes), the largest a hand-in may be.`),
        {
          Connection: 'close',
        },
      ),
  });
  for (const prefix of prefixes)
    app.use(`${prefix}/*`, (c, next) =>
      c.req.method === 'POST' && c.req.path === uploadPath
        ? limitUpload(c, next)
        : c.req.method === 'POST' && c.req.path === importPath
          ? limitImport(c, next)
          : limitBody(c, next),
    );

  // Authentication: every route but the public ones (/health, the sign-in code exchange) needs a
  // valid bearer token, also from localhost.
  const publicPaths = new Set(ROUTE_NAMES.filter((n) => routeSpecs[n].access === 'public').map((n) => API_PREFIX + routeSpecs[n].path));
  const signinPath = API_PREFIX + routeSpecs.exchangeSigninCode.path;
  const authenticate = async (c: Context<{ Variables: { caller: Caller | null } }>, next: () => Promise<void>) => {
    const header = c.req.header('authorization');
    const bearer = header && /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const caller = bearer ? core.users.authenticate(bearer) : null;
    const address = incomingOf(c)?.socket.remoteAddress;
    // A local-owner token acts as the local owner only from this machine (caller.ts).
    if (caller?.local_owner && !isLoopbackAddress(address)) caller.local_owner = false;
    c.set('caller', caller);
    // The sign-in link signs in the owner at this machine: its code is refused from any other
    // address (with LAN access on, someone who saw the link must not trade it from their laptop).
    const signingIn = c.req.path === signinPath;
    if (signingIn && !isLoopbackAddress(address)) {
      return errorResponse(
        c,
        new ApiError('forbidden', 'A sign-in link works only in a browser on the computer running Studylog. From another device, sign in with an API token.'),
      );
    }
    if (caller && !signingIn) return next();
    // No valid token (none, unknown or revoked), and every sign-in attempt: limited per client
    // address (a sign-in code cannot be guessed by brute force, with or without a token).
    const slot = anonymousLimiter.acquire(`address:${addressKey(address)}`);
    if (!slot.ok) {
      return errorResponse(c, new ApiError('rate_limited', 'Too many requests without a valid token from this address. Try again shortly.'), {
        'Retry-After': String(slot.retryAfterSeconds),
      });
    }
    try {
      if (!publicPaths.has(c.req.path)) {
        return errorResponse(
          c,
          new ApiError('unauthorized', bearer ? 'The token is not valid (unknown, malformed or revoked).' : 'Sign in with an API token (Authorization: Bearer …).'),
          {
            'WWW-Authenticate': 'Bearer',
          },
        );
      }
      await next();
    } finally {
      slot.release();
    }
  };
  for (const prefix of prefixes) app.use(`${prefix}/*`, authenticate);

  /** A JSON reply, refused when it would be larger than maxResponseBytes (memory stays bounded per request). */
  function jsonReply(c: Context, body: unknown, status: number) {
    return boundedJson(c, body, status, maxResponseBytes);
  }

  /**
   * An export as the route's JSON {filename, content_type, content}, with the content escaped and
   * sent as the database is read (a page of turns at a time), so a large assignment never sits in
   * memory whole. Refusals (not found) come before the first byte, as JSON errors.
   */
  function exportReply(c: Context, input: ExportInput, onEnd: () => void) {
    const file = openExport(core, c.get('caller') as Caller, input);
    // In flight like any call: shutdown waits for the export, then stops it between two pages
    // (never reading the database after it closed).
    const job = runtime.begin();
    if (!job) throw new ApiError('db_unavailable', 'Studylog is shutting down.');
    const finish = () => {
      job.end();
      onEnd();
    };
    return streamBody(
      c,
      async (out) => {
        out.onAbort(finish);
        try {
          await writeExport(out, file.filename, file.content_type, file.chunks, job.signal);
        } finally {
          finish();
        }
      },
      async (error) => {
        // Headers are gone: all that is left is to cut the reply, so the client sees it incomplete.
        console.error('studylog: an export failed part-way:', error);
        incomingOf(c)?.socket.destroy();
      },
    );
  }

  /** Writes the export's JSON, the content escaped a chunk at a time (JSON escaping is per character). */
  async function writeExport(
    out: { write(text: string): Promise<unknown>; aborted: boolean; closed: boolean },
    filename: string,
    contentType: string,
    chunks: Iterable<string>,
    stopped: AbortSignal,
  ) {
    const escaped = (text: string) => JSON.stringify(text).slice(1, -1);
    await out.write(`{"filename":${JSON.stringify(filename)},"content_type":${JSON.stringify(contentType)},"content":"`);
    let pending = '';
    for (const chunk of chunks) {
      // Cut short (client gone, or shutting down): the reply stays incomplete, never falsely whole.
      if (out.aborted || out.closed) return;
      if (stopped.aborted) throw new ApiError('aborted', 'Studylog is shutting down; the export was stopped.');
      pending += escaped(chunk);
      if (pending.length >= 64 * 1024) {
        await out.write(pending);
        pending = '';
      }
    }
    await out.write(pending + '"}');
  }

  async function rawInput(c: Context, name: RouteName): Promise<unknown> {
    const route = routeSpecs[name];
    const params = Object.fromEntries(pathParams(route.path).map((p) => [p, c.req.param(p)]));
    if (inputLocation(route.method) === 'query') return { ...c.req.query(), ...params };
    const text = await c.req.text();
    if (!text.trim()) return { ...params };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError('validation_error', 'Invalid request: the body is not valid JSON.', [{ path: '(body)', message: 'not valid JSON' }]);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiError('validation_error', 'Invalid request: the body must be a JSON object.', [{ path: '(body)', message: 'must be a JSON object' }]);
    }
    return { ...body, ...params };
  }

  /** A user's streams, whichever of their tokens started them (stopProxyStream acts within it). */
  const scopeOf = (caller: Caller | null) => (caller ? `user:${caller.user_id}` : 'anonymous');

  for (const name of ROUTE_NAMES) {
    const route = routeSpecs[name];
    const path = API_PREFIX + pathPattern(route.path);
    app.on(route.method, path, async (c) => {
      const caller = c.get('caller');
      // Per-token rate and concurrency limits; a stream holds its slot until it ends. Stopping a
      // stream is not held back by the stream's own slot (it counts against the rate only).
      const slot = caller && limiter ? limiter.acquire(caller.token_id ?? caller.user_id, Date.now(), { inFlight: name !== 'stopProxyStream' }) : null;
      if (slot && !slot.ok) return errorResponse(c, new ApiError('rate_limited', slot.detail), { 'Retry-After': String(slot.retryAfterSeconds) });
      let streaming = false;
      try {
        // Who may call comes before reading the body, as in dispatch: a student gets 403 from an
        // admin route whatever the body holds, malformed JSON included.
        authorize(name, caller);
        const input = await rawInput(c, name);
        if (name === 'exportSessions') {
          c.header('Content-Type', 'application/json');
          // The slot is held until the last byte is out.
          const response = exportReply(c, validate(name, input) as ExportInput, () => slot?.release());
          streaming = true;
          return response;
        }
        if (!isStreamRoute(name)) {
          // In flight until answered: shutdown waits for it, then stops the model call (the message
          // is then marked failed, never left pending with the database closed under it).
          const envelope = await runtime.call(name, caller, input, scopeOf(caller));
          if (envelope.ok && isCursorRoute(name) && envelope.next_cursor) {
            const next = new URL(c.req.url);
            next.searchParams.set('cursor', envelope.next_cursor);
            c.header(NEXT_CURSOR_HEADER, envelope.next_cursor);
            c.header('Link', `<${next.pathname}${next.search}>; rel="next"`);
          }
          return jsonReply(c, envelope.body, envelope.status);
        }
        const opened = runtime.openStream(name, caller, input, { scope: scopeOf(caller), streamId: c.req.header(STREAM_ID_HEADER) });
        if (!opened.ok) return c.json(opened.envelope.body, opened.envelope.status as 400);
        const { stream } = opened;
        // The first event decides the status: a message refused before the model is asked
        // (another user's session, a conflict, no provider) is an HTTP error, not a 200 stream.
        const first = await stream.peek();
        if (first?.type === 'error') {
          const envelope = await stream.pump(() => undefined);
          return c.json(envelope.body, envelope.status as 400);
        }
        streaming = true;
        return streamSSE(c, async (sse) => {
          // The client went away: stop the model (the partial answer is stored as 'aborted').
          sse.onAbort(() => stream.stop(new Error('the client went away')));
          try {
            // Stopped by stopProxyStream, the stream still ends here with `done` (the partial answer).
            await stream.pump((event) => sse.writeSSE({ event: event.type, data: JSON.stringify(event) }));
          } finally {
            slot?.release();
          }
        });
      } catch (error) {
        if (error instanceof ApiError) return errorResponse(c, error);
        throw error;
      } finally {
        if (!streaming) slot?.release();
      }
    });
  }

  mountOpenAIFace(app, { runtime, limiter, scopeOf });

  app.get(`${API_PREFIX}/openapi.json`, (c) => c.json(openApiDocument()));
  app.all(`${API_PREFIX}/*`, (c) => errorResponse(c, new ApiError('not_found', `There is no ${c.req.method} ${c.req.path}.`)));

  // The web app. The API above never falls through to it.
  app.use('*', async (c, next) => {
    await next();
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.res.headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  });
  if (options.staticDir) {
    app.use('*', serveStatic({ root: options.staticDir }));
    app.get('*', serveStatic({ root: options.staticDir, path: 'index.html' }));
  } else {
    app.get('/', (c) => c.html(MINIMAL_PAGE));
  }
  // Named like the API's own miss above: a bare "Not found." under the "Not found." headline says nothing.
  app.notFound((c) => errorResponse(c, new ApiError('not_found', `There is no ${c.req.method} ${c.req.path} here.`)));
  app.onError((error, c) => {
    if (error instanceof ApiError) return errorResponse(c, error);
    // The connection ended while the body was still arriving (the client went away, or Node's
    // request timeout cut a slow one off): nobody is left to answer, and nothing went wrong here.
    if (requestCutOff(c, error)) return errorResponse(c, new ApiError('aborted', 'The request did not arrive completely.'));
    console.error('studylog: HTTP request failed unexpectedly:', error);
    return errorResponse(c, new ApiError('internal_error', 'Something went wrong inside Studylog.'));
  });

  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: {
      // Slow-body and slow-header clients are cut off; a model answer may take long, but it is
      // the request that must arrive in time, not the response.
      requestTimeout,
      headersTimeout,
      // Node checks those timeouts only this often (30 s by default, which would let a slow
      // client hold its connection for up to twice as long as the timeout says).
      connectionsCheckingInterval: Math.max(100, Math.min(headersTimeout, requestTimeout) / 4),
      keepAliveTimeout: 5_000,
    },
  }) as Server;
  server.maxHeadersCount = 100;

  const host = options.host ?? (options.lan ? '0.0.0.0' : '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  // The address to show (a Docker bridge's or a VPN's is none: lan.ts); all of them are accepted.
  const lan = options.lan ? chooseLanAddresses(os.networkInterfaces()).primary?.address : undefined;

  return {
    url: `http://${shownHost}:${address.port}`,
    lanUrl: lan ? `http://${lan}:${address.port}` : null,
    address,
    server,
    async close() {
      if (closing) return;
      closing = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Let in-flight replies finish; past the grace period, stop them (streams stored as 'aborted').
      await runtime.shutdown({ graceMs: options.shutdownGraceMs ?? 5_000, settleMs: 2_000 });
      // A keep-alive connection whose reply has just ended stays open until closed: close each as
      // it goes idle, and the rest after a last moment (server.close() alone waits for them all).
      const idle = setInterval(() => server.closeIdleConnections(), 25);
      const forced = setTimeout(() => server.closeAllConnections(), 2_000);
      await stopped;
      clearInterval(idle);
      clearTimeout(forced);
    },
  };
}
