// A real HTTP server (node:http, no framework) that speaks enough of the OpenAI chat-completions
// protocol for the official `openai` SDK to talk to it over loopback: GET /v1/models,
// POST /v1/chat/completions (non-streaming and SSE streaming), OpenAI-shaped error bodies, and
// scriptable faults (status codes, connection resets, cut streams, hangs, malformed bodies).
//
// Behaviour of a chat request is chosen, in order of precedence:
//   1. the next entry queued with `script(...)`, merged over `defaults` (a queued entry replaces a
//      directive completely, so `script({})` means "plain success" even for a message carrying one);
//   2. a `[[test:{...Behaviour JSON...}]]` directive in the LAST user message, merged over `defaults`;
//   3. `defaults`.
// The queue is consumed only by chat requests that pass the API-key check and request validation.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { keyEchoes } from './key-echoes.ts';
// Counted as the proxy counts (gpt-tokenizer, long runs in pieces: whole, they cost quadratic time).
import { countTokens } from '../../src/main/core/llm/tokens.ts';

export type Fault =
  | { kind: 'status'; status: 401 | 403 | 404 | 429 | 500 | 502 | 503; retryAfterSeconds?: number; message?: string }
  | { kind: 'reset' } // destroy the socket before any response
  | { kind: 'cut'; afterChunks: number } // streaming: send this many content chunks, then destroy the socket (no finish, no usage, no [DONE]); non-streaming: same as reset
  | { kind: 'hang' } // accept the request, never answer (until the client gives up / server closes)
  | { kind: 'malformed' } // 200 with a body that is not valid JSON (non-stream) / a data: line with broken JSON (stream)
  | { kind: 'redirect'; status: 301 | 302 | 307 | 308; location: string }; // a redirect elsewhere, no body

export interface Behaviour {
  reply?: string; // assistant text; default: `Echo: ${last user message content}`
  reasoning?: string; // if set, also return reasoning text as `reasoning_content` (message field non-stream; delta field stream, sent before the content deltas)
  latencyMs?: number; // wait this long before sending response headers
  chunkDelayMs?: number; // wait between stream chunks (default 0)
  chunkSize?: number; // characters per content delta (default 4)
  usage?: boolean; // default true: include usage (non-stream: always in body; stream: only when request has stream_options.include_usage, as a final chunk with choices: [])
  cachedTokens?: number; // reported as usage.prompt_tokens_details.cached_tokens (default 0)
  // Never finishes: streaming, content (or reasoning) deltas of chunkSize characters, forever, until
  // the client closes the connection; non-streaming, a 200 JSON body whose content string never ends.
  endless?: 'content' | 'reasoning';
  fault?: Fault;
  /** Hostile: the reply, the reasoning and a fault's message also carry the key it was sent, altered (key-echoes.ts). */
  echoKey?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary JSON sent by the client under test
  body: any; // parsed JSON body (or undefined)
  at: number; // Date.now() when received
  // What went back: body bytes written so far, and whether the connection has closed (either side).
  response: { bytes: number; closed: boolean };
}

export interface OpenAITestServer {
  readonly url: string; // e.g. http://127.0.0.1:PORT/v1  (use as the SDK baseURL)
  readonly port: number;
  readonly requests: RecordedRequest[]; // every request received, in order (including /models)
  // Resolves with the first request (received already, or the next to arrive) that `match` accepts
  // — the whole request has been read then. For tests that must act while a call is in flight.
  waitForRequest(match?: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  models: string[]; // model ids served by GET /v1/models
  refuseImages: string[]; // models that answer 400 to a message with image_url parts (as a text-only model does)
  defaults: Behaviour; // applied to every chat request (mutable)
  script(...behaviours: Behaviour[]): void; // queue: each chat request takes the next queued behaviour (merged over defaults) before falling back to directives/defaults
  requiredApiKey: string | null; // if set, requests whose `Authorization: Bearer <key>` differs get 401 (the body never echoes the key)
  close(): Promise<void>; // closes the server AND destroys open sockets (hung requests too)
}

const DEFAULT_MODELS: readonly string[] = ['gpt-4o-mini', 'deepseek-chat', 'deepseek-reasoner', 'qwen-plus', 'llama3.2'];

const DIRECTIVE_OPEN = '[[test:';
const DIRECTIVE_CLOSE = ']]';
const DEFAULT_CHUNK_SIZE = 4;

type Json = Record<string, unknown>;

interface ErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

const STATUS_ERRORS: Record<number, ErrorBody> = {
  401: {
    message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
    type: 'invalid_request_error',
    param: null,
    code: 'invalid_api_key',
  },
  403: { message: 'You are not allowed to access this resource.', type: 'invalid_request_error', param: null, code: 'permission_denied' },
  404: { message: 'The requested resource was not found.', type: 'invalid_request_error', param: null, code: 'not_found' },
  429: {
    message: 'Rate limit reached for requests. Please try again later.',
    type: 'requests',
    param: null,
    code: 'rate_limit_exceeded',
  },
  500: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null },
  502: { message: 'Bad gateway.', type: 'server_error', param: null, code: null },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', param: null, code: null },
};

/** Text of a message's `content`: a string, or the concatenated `text` of an array of content parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (part && typeof part === 'object' && typeof (part as Json).text === 'string' ? ((part as Json).text as string) : '')).join('');
  }
  return '';
}

interface Directive {
  behaviour: Behaviour | null;
  /** The message text with the directive removed and trimmed. */
  text: string;
  error: string | null;
}

/**
 * Finds `[[test:{...}]]` in `text`. The JSON runs from after `[[test:` to the first `]]` at which
 * it parses (so `]]` inside the JSON, e.g. in a reply string, does not end the directive early).
 */
function parseDirective(text: string): Directive {
  const start = text.indexOf(DIRECTIVE_OPEN);
  if (start < 0) return { behaviour: null, text: text.trim(), error: null };
  const jsonStart = start + DIRECTIVE_OPEN.length;
  let close = text.indexOf(DIRECTIVE_CLOSE, jsonStart);
  while (close >= 0) {
    try {
      const parsed: unknown = JSON.parse(text.slice(jsonStart, close));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return { behaviour: null, text: text.trim(), error: 'the [[test:...]] directive must hold a JSON object' };
      }
      const rest = (text.slice(0, start) + text.slice(close + DIRECTIVE_CLOSE.length)).replace(/\s{2,}/g, ' ').trim();
      return { behaviour: parsed as Behaviour, text: rest, error: null };
    } catch {
      close = text.indexOf(DIRECTIVE_CLOSE, close + 1);
    }
  }
  return { behaviour: null, text: text.trim(), error: 'the [[test:...]] directive does not hold valid JSON followed by ]]' };
}

/**
 * Token accounting (an approximation of OpenAI's, good enough for tests), using gpt-tokenizer's
 * default encoding (o200k_base):
 *   prompt_tokens     = Σ over messages (4 + tokens(content text)) + 3   // 4 per-message overhead, 3 for reply priming
 *   reasoning_tokens  = tokens(reasoning) (0 when there is none)
 *   completion_tokens = tokens(reply) + reasoning_tokens
 *   total_tokens      = prompt_tokens + completion_tokens
 */
function promptTokens(messages: readonly unknown[]): number {
  let total = 3;
  for (const message of messages) {
    const content = message && typeof message === 'object' ? (message as Json).content : undefined;
    total += 4 + countTokens(contentText(content));
  }
  return total;
}

function makeUsage(messages: readonly unknown[], reply: string, reasoning: string | undefined, cachedTokens: number): Json {
  const prompt = promptTokens(messages);
  const reasoningTokens = reasoning ? countTokens(reasoning) : 0;
  const completion = countTokens(reply) + reasoningTokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** Splits by code points (never halves a surrogate pair). */
function splitChunks(text: string, size: number): string[] {
  const chars = Array.from(text);
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(''));
  return chunks;
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

class TestServer implements OpenAITestServer {
  readonly url: string;
  readonly port: number;
  readonly requests: RecordedRequest[] = [];
  models: string[];
  refuseImages: string[] = [];
  defaults: Behaviour;
  requiredApiKey: string | null;

  readonly #server: http.Server;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #queue: Behaviour[] = [];
  readonly #waiters = new Set<(request: RecordedRequest) => boolean>();
  #closing: Promise<void> | null = null;

  constructor(server: http.Server, port: number, options: { models?: string[]; defaults?: Behaviour; requiredApiKey?: string }) {
    this.#server = server;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/v1`;
    this.models = options.models ? [...options.models] : [...DEFAULT_MODELS];
    this.defaults = { ...options.defaults };
    this.requiredApiKey = options.requiredApiKey ?? null;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('error', () => {}); // resets by the client (or by us) are expected here
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      res.on('error', () => {});
      this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          this.#sendError(res, 500, { ...STATUS_ERRORS[500]!, message: `openai-test-server: ${String(err)}` });
        } else {
          res.destroy();
        }
      });
    });
  }

  waitForRequest(match: (request: RecordedRequest) => boolean = () => true): Promise<RecordedRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const waiter = (request: RecordedRequest) => {
        if (!match(request)) return false;
        resolve(request);
        return true;
      };
      this.#waiters.add(waiter);
    });
  }

  script(...behaviours: Behaviour[]): void {
    this.#queue.push(...behaviours);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      this.#server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
      this.#sockets.clear();
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  #sleep(ms: number): Promise<void> {
    if (!(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve();
      }, ms);
      this.#timers.add(timer);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    let bodyInvalid = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyInvalid = true;
      }
    }
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const record: RecordedRequest = { method, path, headers: { ...req.headers }, body, at: Date.now(), response: { bytes: 0, closed: false } };
    this.requests.push(record);
    for (const waiter of this.#waiters) if (waiter(record)) this.#waiters.delete(waiter);
    res.on('close', () => (record.response.closed = true));
    const write = res.write.bind(res) as (chunk: string | Buffer, cb?: () => void) => boolean;
    res.write = ((chunk: string | Buffer, ...rest: unknown[]) => {
      record.response.bytes += Buffer.byteLength(chunk);
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof res.write;

    if (this.requiredApiKey !== null && req.headers.authorization !== `Bearer ${this.requiredApiKey}`) {
      this.#sendError(res, 401, STATUS_ERRORS[401]!);
      return;
    }

    const pathname = new URL(path, 'http://localhost').pathname.replace(/\/+$/, '');
    if (method === 'GET' && pathname === '/v1/models') {
      this.#sendJson(res, 200, {
        object: 'list',
        data: this.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'studylog-test' })),
      });
      return;
    }
    if (method === 'GET' && pathname.startsWith('/v1/models/')) {
      const id = decodeURIComponent(pathname.slice('/v1/models/'.length));
      if (this.models.includes(id)) {
        this.#sendJson(res, 200, { id, object: 'model', created: 1_700_000_000, owned_by: 'studylog-test' });
      } else {
        this.#sendError(res, 404, modelNotFound(id));
      }
      return;
    }
    if (method === 'POST' && pathname === '/v1/chat/completions') {
      await this.#chat(req, res, body, bodyInvalid);
      return;
    }
    this.#sendError(res, 404, {
      message: `Invalid URL (${method} ${path})`,
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  }

  async #chat(req: IncomingMessage, res: ServerResponse, body: unknown, bodyInvalid: boolean): Promise<void> {
    if (bodyInvalid || !body || typeof body !== 'object' || Array.isArray(body)) {
      this.#sendError(res, 400, {
        message: "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)",
        type: 'invalid_request_error',
        param: null,
        code: null,
      });
      return;
    }
    const request = body as Json;
    if (typeof request.model !== 'string' || request.model === '') {
      this.#sendError(res, 400, { message: 'you must provide a model parameter', type: 'invalid_request_error', param: 'model', code: null });
      return;
    }
    const messages = request.messages;
    if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m: unknown) => m !== null && typeof m === 'object' && typeof (m as Json).role === 'string')) {
      this.#sendError(res, 400, {
        message:
          Array.isArray(messages) && messages.length === 0
            ? "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead."
            : "Invalid 'messages': expected an array of message objects, each with a 'role'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: Array.isArray(messages) && messages.length === 0 ? 'empty_array' : 'invalid_type',
      });
      return;
    }
    if (!this.models.includes(request.model)) {
      this.#sendError(res, 404, modelNotFound(request.model));
      return;
    }

    const hasImages = messages.some((m) => Array.isArray((m as Json).content) && ((m as Json).content as Json[]).some((p) => p?.type === 'image_url'));
    if (hasImages && this.refuseImages.includes(request.model)) {
      this.#sendError(res, 400, { message: 'Invalid content type. image_url is only supported by certain models.', type: 'invalid_request_error', param: 'messages', code: null });
      return;
    }
    const lastUser = [...messages].reverse().find((m) => (m as Json).role === 'user') as Json | undefined;
    const directive = parseDirective(contentText(lastUser?.content));
    if (directive.error) {
      this.#sendError(res, 400, { message: directive.error, type: 'invalid_request_error', param: 'messages', code: null });
      return;
    }
    const queued = this.#queue.shift();
    const behaviour: Behaviour = queued ? { ...this.defaults, ...queued } : { ...this.defaults, ...(directive.behaviour ?? {}) };

    await this.#sleep(behaviour.latencyMs ?? 0);
    if (res.destroyed) return;

    const stream = request.stream === true;
    const fault = behaviour.fault;
    const sentKey = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const echo = behaviour.echoKey ? ` ${Object.values(keyEchoes(sentKey)).join(' | ')}` : '';
    if (fault?.kind === 'reset' || (fault?.kind === 'cut' && !stream)) {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return; // the socket stays open until the client gives up or close() runs
    if (fault?.kind === 'redirect') {
      res.writeHead(fault.status, { location: fault.location, 'content-length': 0 });
      res.end();
      return;
    }
    if (fault?.kind === 'status') {
      const base = STATUS_ERRORS[fault.status] ?? STATUS_ERRORS[500]!;
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) {
        headers['retry-after'] = String(fault.retryAfterSeconds);
        headers['retry-after-ms'] = String(fault.retryAfterSeconds * 1000);
      }
      this.#sendError(res, fault.status, { ...base, message: (fault.message ?? base.message) + echo }, headers);
      return;
    }

    const reply = (behaviour.reply ?? `Echo: ${directive.text}`) + echo;
    const reasoning = behaviour.echoKey ? `${behaviour.reasoning ?? ''}${echo}` : behaviour.reasoning;
    const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
    const created = Math.floor(Date.now() / 1000);
    const model = request.model;
    const usage = makeUsage(messages, reply, reasoning, behaviour.cachedTokens ?? 0);

    if (!stream && behaviour.endless) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId() });
      await writeAsync(res, `{"id":"${id}","object":"chat.completion","created":${created},"model":"${model}","choices":[{"index":0,"message":{"role":"assistant","content":"`);
      const piece = 'x'.repeat(64 * 1024);
      while (!res.destroyed && !res.writableEnded) await writeAsync(res, piece);
      return;
    }
    if (!stream) {
      if (fault?.kind === 'malformed') {
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': requestId() });
        res.end(`{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"`);
        return;
      }
      const message: Json = { role: 'assistant', content: reply, refusal: null, annotations: [] };
      if (reasoning !== undefined) message.reasoning_content = reasoning;
      const completion: Json = {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }],
        system_fingerprint: 'fp_studylog_test',
      };
      if (behaviour.usage !== false) completion.usage = usage;
      this.#sendJson(res, 200, completion);
      return;
    }

    const streamOptions = request.stream_options;
    const includeUsage = !!streamOptions && typeof streamOptions === 'object' && (streamOptions as Json).include_usage === true;
    const chunk = (delta: Json, finishReason: string | null): Json => {
      const out: Json = {
        id,
        object: 'chat.completion.chunk',
        created,
        model,
        system_fingerprint: 'fp_studylog_test',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      };
      if (includeUsage) out.usage = null;
      return out;
    };

    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-request-id': requestId(),
    });
    const delay = behaviour.chunkDelayMs ?? 0;
    let first = true;
    // Writes one SSE event; waits chunkDelayMs between events. Returns false once the client is gone.
    const send = async (data: string): Promise<boolean> => {
      if (!first) await this.#sleep(delay);
      first = false;
      if (res.destroyed || res.writableEnded) return false;
      await writeAsync(res, `data: ${data}\n\n`);
      return !res.destroyed;
    };

    if (!(await send(JSON.stringify(chunk({ role: 'assistant', content: '', refusal: null }, null))))) return;
    if (fault?.kind === 'malformed') {
      await send(`{"id":"${id}","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"bro`);
      await send('[DONE]');
      res.end();
      return;
    }
    const size = Math.max(1, Math.floor(behaviour.chunkSize ?? DEFAULT_CHUNK_SIZE));
    if (behaviour.endless) {
      const field = behaviour.endless === 'reasoning' ? 'reasoning_content' : 'content';
      const piece = '无尽'.repeat(Math.ceil(size / 2)).slice(0, size);
      while (await send(JSON.stringify(chunk({ [field]: piece }, null))));
      return;
    }
    if (reasoning) {
      for (const piece of splitChunks(reasoning, size)) {
        if (!(await send(JSON.stringify(chunk({ reasoning_content: piece }, null))))) return;
      }
    }
    let sent = 0;
    for (const piece of splitChunks(reply, size)) {
      if (fault?.kind === 'cut' && sent >= fault.afterChunks) break;
      if (!(await send(JSON.stringify(chunk({ content: piece }, null))))) return;
      sent++;
    }
    if (fault?.kind === 'cut') {
      // All written chunks have been flushed (send awaits the write callback): now drop the connection.
      req.socket.destroy();
      return;
    }
    if (!(await send(JSON.stringify(chunk({}, 'stop'))))) return;
    if (includeUsage && behaviour.usage !== false) {
      if (!(await send(JSON.stringify({ id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_studylog_test', choices: [], usage })))) {
        return;
      }
    }
    if (!(await send('[DONE]'))) return;
    res.end();
  }

  #sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.destroyed) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-request-id': requestId(),
      ...headers,
    });
    res.end(text);
  }

  #sendError(res: ServerResponse, status: number, error: ErrorBody, headers: Record<string, string> = {}): void {
    this.#sendJson(res, status, { error }, headers);
  }
}

function modelNotFound(model: string): ErrorBody {
  return {
    message: `The model \`${model}\` does not exist`,
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function writeAsync(res: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(data, () => resolve());
  });
}

export function startOpenAITestServer(options: { models?: string[]; defaults?: Behaviour; requiredApiKey?: string } = {}): Promise<OpenAITestServer> {
  // Idle connections are kept as long as hosted providers keep them. undici (the SDK's fetch)
  // closes a connection after each reply when the server's keep-alive hint is under its 2 s
  // threshold, so a short timeout here made every proxied call open a new connection.
  const server = http.createServer({ keepAliveTimeout: 30_000 });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      if (!address || typeof address === 'string') {
        server.close();
        reject(new Error('openai-test-server: could not determine the listening port'));
        return;
      }
      resolve(new TestServer(server, address.port, options));
    });
  });
}
