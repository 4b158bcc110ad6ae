/**
 * The `fetch` the openai SDK is given for every provider call: node:http and node:https on
 * keep-alive agents, each reply's bytes capped (upstream-limits.ts).
 *
 * Why not Node's global fetch: per call, undici's fetch builds a Request, a Response and web streams
 * around the socket's bytes, and that machinery was most of what the SDK cost a message. A
 * forwarder on the SDK spent 0.12–0.24 ms of CPU per message at concurrency 16 with this
 * transport against 0.23–0.44 ms with the global fetch, alternating in one run (bench/NOTES.md,
 * issue 15). The SDK still builds the request, checks the status, parses the reply and the
 * stream; this module only moves bytes.
 *
 * What it does, and does not do, compared with the global fetch:
 * - A non-streamed reply is read whole (at most `body` bytes) before the Response is made;
 *   a streamed one (the request asks `"stream": true`) is passed on as it arrives, at most
 *   `stream` bytes, paused while the SDK has not read it. A reply that breaks after its
 *   headers reaches the SDK as a body that fails, never as a failed call the SDK would retry.
 * - Redirects are not followed: a 3xx reaches the SDK as an error status, so a key is never sent
 *   on to another address.
 * - Replies come uncompressed (no accept-encoding is sent); one compressed anyway is decoded, and
 *   the cap counts the decoded bytes.
 * - The caller's signal aborts the call at any point, the reply's body included.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { MAX_UPSTREAM_BODY_BYTES, MAX_UPSTREAM_STREAM_BYTES, UpstreamTooLargeError } from './upstream-limits.ts';

/** The provider's connection closed before its reply ended. */
export class UpstreamConnectionLostError extends Error {
  constructor(cause?: unknown) {
    super('the connection to the provider closed before the reply ended', { cause });
    this.name = 'UpstreamConnectionLostError';
  }
}

/** How long a connection (with its TLS handshake) may take: undici's figure, which the global fetch had. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * One pool of connections per scheme for the process, as a browser keeps them:
 * - an idle connection is closed after 4 s (undici's figure), before a provider that closes idle
 *   connections without saying when (no Keep-Alive header; 5 s is common) does, which would fail
 *   a call made on it at that moment (the SDK retries one, but title calls make no retries);
 * - proxies from HTTP_PROXY / HTTPS_PROXY / NO_PROXY only when Node is told to use them
 *   (NODE_USE_ENV_PROXY=1 or --use-env-proxy), as the global fetch does;
 * - idle sockets do not keep the process alive (Node unrefs them).
 */
const USE_ENV_PROXY = process.env.NODE_USE_ENV_PROXY === '1' || process.execArgv.includes('--use-env-proxy');
const AGENT_OPTIONS: http.AgentOptions = { keepAlive: true, timeout: 4_000, ...(USE_ENV_PROXY ? { proxyEnv: process.env } : {}) };
const AGENTS: Record<string, http.Agent> = {
  'http:': new http.Agent(AGENT_OPTIONS),
  'https:': new https.Agent(AGENT_OPTIONS),
};

/** Statuses whose Response may not have a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

type FetchInit = NonNullable<Parameters<typeof fetch>[1]>;

function requestHeaders(init: FetchInit, body: string | Uint8Array | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const given = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
  given.forEach((value, name) => {
    headers[name] = value;
  });
  delete headers['accept-encoding'];
  if (body !== undefined) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  return headers;
}

function responseHeaders(raw: string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
  return headers;
}

/** The reply's bytes, decoded when the provider compressed them anyway. */
function decodedBody(res: http.IncomingMessage): Readable {
  const encoding = (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return res;
  const decoder = DECODERS[encoding];
  if (!decoder) {
    res.destroy();
    throw new TypeError(`the provider sent a reply encoded as '${encoding}', which Studylog cannot read`);
  }
  const decoded = decoder();
  res.on('error', (error) => decoded.destroy(error));
  return res.pipe(decoded);
}

/** What a call ends with: the caller's reason once its signal aborted (as fetch rejects), else the error itself. */
type Failure = (error: unknown) => unknown;

/** Settles once: the first end or failure of `source` wins; a close before either is a lost connection. */
function onOutcome(source: Readable, failure: Failure, end: () => void, fail: (error: unknown) => void): void {
  let settled = false;
  const once =
    <A extends unknown[]>(f: (...args: A) => void) =>
    (...args: A) => {
      if (settled) return;
      settled = true;
      f(...args);
    };
  source.once('end', once(end));
  // Node reports a reply whose connection closed early as Error('aborted'), code ECONNRESET.
  const lost = (error: unknown) => ((error as { code?: unknown }).code === 'ECONNRESET' ? new UpstreamConnectionLostError(error) : error);
  source.once(
    'error',
    once((error: unknown) => fail(failure(lost(error)))),
  );
  source.once(
    'close',
    once(() => fail(failure(new UpstreamConnectionLostError()))),
  );
}

/** Ends the reading with `error` (the first the caller sees), closing the connection under a decoder too. */
function stop(res: http.IncomingMessage, source: Readable, error: Error): void {
  source.destroy(error);
  if (source !== res) res.destroy();
}

/** The whole reply, at most `limit` bytes. */
function readWhole(res: http.IncomingMessage, source: Readable, limit: number, failure: Failure): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length']);
    if (source === res && Number.isFinite(declared) && declared > limit) {
      res.destroy();
      return reject(new UpstreamTooLargeError(limit));
    }
    const chunks: Buffer[] = [];
    let seen = 0;
    source.on('data', (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > limit) {
        stop(res, source, new UpstreamTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    onOutcome(source, failure, () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, seen)), reject);
  });
}

/** The reply as a web stream the SDK reads as it arrives, at most `limit` bytes; the source pauses while the stream is full. */
function streamed(res: http.IncomingMessage, source: Readable, limit: number, failure: Failure): ReadableStream<Uint8Array> {
  let seen = 0;
  // Once the SDK cancels the stream (the answer is done, or stopped), its controller takes nothing more.
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      source.on('data', (chunk: Buffer) => {
        if (cancelled) return;
        seen += chunk.byteLength;
        if (seen > limit) {
          stop(res, source, new UpstreamTooLargeError(limit));
          return;
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 0) <= 0) source.pause();
      });
      onOutcome(
        source,
        failure,
        () => cancelled || controller.close(),
        (error) => cancelled || controller.error(error),
      );
    },
    pull() {
      source.resume();
    },
    cancel() {
      cancelled = true;
      // Stop reading: closing the socket ends the provider's work on it too.
      res.destroy();
    },
  });
}

/** A Response whose body fails with `error` when read: how a reply that broke after its headers reaches the SDK. */
function failedBody(error: unknown, head: ResponseInit): Response {
  return new Response(new ReadableStream({ start: (controller) => controller.error(error) }), head);
}

/** `body` and `stream` cap a reply's bytes; `connectTimeoutMs` bounds making the connection. */
export function upstreamFetch(options: { body?: number; stream?: number; connectTimeoutMs?: number } = {}): typeof fetch {
  const { body: bodyLimit = MAX_UPSTREAM_BODY_BYTES, stream: streamLimit = MAX_UPSTREAM_STREAM_BYTES, connectTimeoutMs = CONNECT_TIMEOUT_MS } = options;
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      // The SDK passes the address; a Request's own method, headers and body would be lost here.
      if (input instanceof Request) return reject(new TypeError("Studylog's provider calls take an address, not a Request"));
      const url = new URL(String(input));
      const agent = AGENTS[url.protocol];
      if (!agent) return reject(new TypeError(`a provider address must start with http:// or https:// (not ${url.protocol})`));
      const body = init.body ?? undefined;
      if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        return reject(new TypeError('Studylog sends providers JSON text only'));
      }
      const streaming = typeof body === 'string' && /"stream"\s*:\s*true/.test(body);
      const request: http.RequestOptions = { method: init.method ?? 'GET', headers: requestHeaders(init, body), agent };
      const signal = init.signal ?? undefined;
      if (signal) request.signal = signal;
      const failure: Failure = (error) => (signal?.aborted ? signal.reason : error);
      let responded = false;
      const req = (url.protocol === 'https:' ? https : http).request(url, request, (res) => {
        responded = true;
        const status = res.statusCode ?? 502;
        const head = { status, statusText: res.statusMessage ?? '', headers: responseHeaders(res.rawHeaders) };
        // Past the headers a failure is the reply's, which the SDK meets while reading it and does
        // not retry (the provider may have worked, and billed, for it), as with the global fetch.
        // Only the caller's abort (the SDK's timeout too) still rejects the call itself.
        const broken = (error: unknown) => (signal?.aborted ? reject(failure(error)) : resolve(failedBody(error, head)));
        try {
          if (NULL_BODY_STATUSES.has(status)) {
            res.resume();
            return resolve(new Response(null, head));
          }
          const source = decodedBody(res);
          if (streaming) return resolve(new Response(streamed(res, source, streamLimit, failure), head));
          readWhole(res, source, bodyLimit, failure).then((bytes) => resolve(new Response(bytes, head)), broken);
        } catch (error) {
          broken(error);
        }
      });
      // After the headers the reply's own handlers above report a failure.
      req.on('error', (error) => responded || reject(failure(error)));
      // As undici does: a connection not made within connectTimeoutMs fails, with words ('timed
      // out') the SDK counts as a timeout; without it a silently dropped connection waited the SDK's
      // whole timeout at every try.
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(() => req.destroy(new Error(`connecting to the provider timed out after ${connectTimeoutMs} ms`)), connectTimeoutMs);
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.end(body);
    });
}
