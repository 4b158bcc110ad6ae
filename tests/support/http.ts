// The HTTP face under test: a real core on a temp data dir (provider "test" → the OpenAI test
// server over loopback), the real Hono server on 127.0.0.1:0, tokens, and a raw HTTP client that
// can send what fetch would refuse or rewrite (a foreign Host header, `..` in a path, chunked
// bodies, any method).
//
// Unlike setupCore (cleaned after each test), a fixture lives until its close(): one server may
// serve a whole file (beforeAll/afterAll), or one test (onTestFinished).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../src/main/core/app.ts';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer } from '../../src/main/core/http/server.ts';
import { createClient, httpTransport, type StudylogClient } from '../../src/shared/api/client.ts';
import { API_PREFIX, inputLocation, manifest, pathParams, type RouteName } from '../../src/shared/api/manifest.ts';
import type { Provider, UserRole } from '../../src/shared/api/schemas.ts';
import type { SecretStore } from '../../src/main/core/secrets/keychain.ts';
import { CLI } from './cli.ts';
import { FAR_FUTURE, ROUTE_CASES } from './route-cases.ts';
import { testWrites } from './temp.ts';
import { TEST_API_KEY } from './core.ts';
import { startOpenAITestServer, type Behaviour, type OpenAITestServer } from './openai-test-server.ts';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given (no normalisation): may hold `..`, `%2e`, `//`. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
  agent?: http.Agent;
}

/** One request over node:http to a base URL such as http://127.0.0.1:PORT. */
export function rawRequest(baseUrl: string, req: RawRequest): Promise<Reply> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined && !req.chunked && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['Content-Length'] = Buffer.byteLength(req.body);
    const r = http.request({ hostname, port: Number(port), method: req.method, path: req.path, headers, agent: req.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    r.on('error', reject);
    if (req.body !== undefined && req.chunked) {
      // A few pieces, so the server cannot know the size up front.
      const buf = Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
      const piece = Math.max(1, Math.ceil(buf.length / 4));
      for (let i = 0; i < buf.length; i += piece) r.write(buf.subarray(i, i + piece));
      r.end();
    } else {
      r.end(req.body);
    }
  });
}

/** An in-memory keychain, so setProviderKey has somewhere to put a key. */
export class MemorySecretStore implements SecretStore {
  readonly secrets = new Map<string, string>();
  async get(account: string) {
    return this.secrets.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.secrets.set(account, secret);
  }
  async delete(account: string) {
    return this.secrets.delete(account);
  }
}

export interface ApiOptions {
  server?: Omit<Partial<HttpServerOptions>, 'core'>;
  /** Behaviour of the OpenAI test server for every chat request. */
  defaults?: Behaviour;
  /** The key the core sends (and the test server requires). */
  apiKey?: string;
  provider?: Partial<Provider>;
  core?: Partial<CoreOptions>;
  /** An existing data directory (a restart of the same Studylog): kept on close(). Default: a fresh one, removed on close(). */
  dataDir?: string;
}

export interface ApiFixture {
  core: Core;
  openai: OpenAITestServer;
  http: RunningHttpServer;
  /** e.g. http://127.0.0.1:PORT */
  url: string;
  dataDir: string;
  secrets: MemorySecretStore;
  /** A local-owner token (an admin, issued on this machine): the HTTP twin of an IPC call. */
  adminToken: string;
  /** A new user with a token, or another token for an existing user. */
  token(role: UserRole, name?: string): { token: string; user_id: string; token_id: string };
  tokenFor(userId: string, name?: string): { token: string; user_id: string; token_id: string };
  /** A request under /api/v1/llm (path relative to it) with JSON in and out. */
  api(method: string, apiPath: string, options?: { token?: string | null; query?: Record<string, string>; body?: unknown; headers?: Record<string, string> }): Promise<Reply>;
  raw(req: RawRequest): Promise<Reply>;
  client(token: string | null): StudylogClient;
  /** A new chat session of this user with one answered message (through the real proxy). */
  session(userId: string, message?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startApi(options: ApiOptions = {}): Promise<ApiFixture> {
  const apiKey = options.apiKey ?? TEST_API_KEY;
  const openai = await startOpenAITestServer({ requiredApiKey: apiKey, ...(options.defaults ? { defaults: options.defaults } : {}) });
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'studylog-http-'));
  const secrets = new MemorySecretStore();
  // The key in STUDYLOG_TEST_KEY is sent only to STUDYLOG_TEST_BASE_URL's origin (providers.ts).
  const env = { STUDYLOG_TEST_KEY: apiKey, STUDYLOG_TEST_BASE_URL: options.provider?.base_url ?? openai.url };
  const core = createCore({ dataDir, secrets, env, flushIntervalMs: 50, defaultLanguage: 'en', ...options.core });
  core.settings.update({
    providers: [
      {
        id: 'test',
        name: 'Test provider',
        kind: 'other',
        base_url: openai.url,
        models: openai.models,
        default_model: 'gpt-4o-mini',
        api_key_ref: { source: 'env', var: 'STUDYLOG_TEST_KEY' },
        timeout_ms: 5_000,
        max_retries: 0,
        ...options.provider,
      },
      // Keeps its key in the (in-memory) keychain: what setProviderKey / deleteProviderKey act on.
      { id: 'kc', name: 'Keychain provider', kind: 'other', base_url: openai.url, models: ['gpt-4o-mini'], api_key_ref: { source: 'keychain' }, timeout_ms: 5_000, max_retries: 0 },
    ],
    default_provider_id: 'test',
  });
  for (const [id, title] of [
    ['hw_001', '数学作业一'],
    ['hw_1', 'Algebra 1'],
  ] as const)
    if (!core.assignments.get(id)) core.assignments.create(testWrites(core.store), { id, title });
  const server = await startHttpServer({ core, dispatch: { validateOutput: true }, ...options.server });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const url = server.url;
  // As `studylog serve` prints it: issued on this machine to the owner, so (from loopback) the local owner.
  const adminToken = core.users.issueLocalOwnerToken('owner (test)').token;

  const raw = (req: RawRequest) => rawRequest(url, { agent, ...req });
  let closed = false;
  return {
    core,
    openai,
    http: server,
    url,
    dataDir,
    secrets,
    adminToken,
    token(role, name = `${role} ${Math.random().toString(36).slice(2, 8)}`) {
      const created = core.users.createToken({ name, role });
      return { token: created.token, user_id: created.info.user_id, token_id: created.info.id };
    },
    tokenFor(userId, name = 'another token') {
      const created = core.users.createToken({ name, user_id: userId });
      return { token: created.token, user_id: created.info.user_id, token_id: created.info.id };
    },
    api(method, apiPath, { token = adminToken, query, body, headers = {} } = {}) {
      const qs = query ? new URLSearchParams(query).toString() : '';
      return raw({
        method,
        path: `${API_PREFIX}${apiPath}${qs ? `?${qs}` : ''}`,
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    },
    raw,
    client: (token) => createClient(httpTransport({ baseUrl: url, token: () => token })),
    async session(userId, message = 'a sample message') {
      return (await core.proxy.send({ user_id: userId, role: 'student' }, { message })).session_id;
    },
    async close() {
      if (closed) return;
      closed = true;
      agent.destroy();
      await server.close();
      await openai.close();
      core.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Parses a server-sent-events body into its events' JSON data. */
export function sseEvents(text: string): { event: string; data: unknown }[] {
  const out: { event: string; data: unknown }[] = [];
  for (const block of text.split(/\n\n+/)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length) out.push({ event, data: JSON.parse(data.join('\n')) });
  }
  return out;
}

/** Runs the real `studylog` command without blocking this process (the test servers keep answering). */
export function runCliAsync(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A raw HTTP/1.1 exchange over a socket (for headers node:http would fill in, such as an empty Host). */
export function rawExchange(baseUrl: string, request: string): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split < 0 ? text : text.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: split < 0 ? '' : text.slice(split + 4) });
    });
  });
}

/** How a route's input travels over HTTP (what the typed client does, written out independently). */
export function routeRequest(name: RouteName, input: Record<string, unknown>): { method: string; path: string; query?: Record<string, string>; body?: Record<string, unknown> } {
  const route = manifest[name];
  const rest: Record<string, unknown> = { ...input };
  let p: string = route.path;
  for (const param of pathParams(route.path)) {
    p = p.replace(`{${param}}`, encodeURIComponent(String(rest[param])));
    delete rest[param];
  }
  if (inputLocation(route.method) === 'body') return { method: route.method, path: p, body: rest };
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) query[k] = String(v);
  return { method: route.method, path: p, query };
}

/** Sends one route call with a token; the reply as {status, json, text, headers}. */
export function callRoute(api: ApiFixture, name: RouteName, input: Record<string, unknown>, token: string | null): Promise<Reply> {
  const r = routeRequest(name, input);
  return api.api(r.method, r.path, { token, ...(r.query ? { query: r.query } : {}), ...(r.body ? { body: r.body } : {}) });
}

export { FAR_FUTURE };

/**
 * A valid input for every route (the table's `sample`, tests/support/route-cases.ts). Session
 * routes act on a session of `owner` (made fresh when the call would consume it); routes that
 * delete something get a fresh something.
 */
export async function sampleInput(api: ApiFixture, name: RouteName, owner: { user_id: string }): Promise<Record<string, unknown>> {
  return ROUTE_CASES[name].sample({ api, owner });
}
