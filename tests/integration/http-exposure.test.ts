// What the HTTP face exposes and how it holds up: loopback by default, Host-header check (DNS
// rebinding), no CORS unless configured, the provider key never in a reply, a body limit, per-token
// rate and concurrency limits, and a graceful shutdown that keeps a stopped answer as 'aborted'.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import net from 'node:net';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { API_PREFIX, ROUTE_NAMES } from '../../src/shared/api/routes.ts';
import { callRoute, rawExchange, rawRequest, sampleInput, sseEvents, startApi, type ApiFixture, type ApiOptions, type Reply } from '../support/http.ts';

async function fixture(options: ApiOptions = {}): Promise<ApiFixture> {
  const api = await startApi(options);
  onTestFinished(() => api.close());
  return api;
}

/** A streamed message read as it arrives: its events so far, and a way to wait for one. */
function openStream(api: ApiFixture, token: string, message: string) {
  const controller = new AbortController();
  const state = { text: '', ended: false, error: null as unknown };
  // Called whenever text arrives or the stream ends.
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const events = () => sseEvents(state.text.slice(0, state.text.lastIndexOf('\n\n') + 2));
  const finished = (async () => {
    const response = await fetch(`${api.url}${API_PREFIX}/proxy/stream`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      state.text += value;
      changed();
    }
  })()
    .catch((error: unknown) => {
      state.error = error;
    })
    .finally(() => {
      state.ended = true;
      changed();
    });
  /** Waits until an event of this type has arrived, or the stream has ended. */
  async function waitFor(type: string) {
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!state.ended && !events().some((e) => e.event === type)) return;
        listeners.delete(check);
        resolve();
      };
      listeners.add(check);
      check();
    });
    expect(events().map((e) => e.event)).toContain(type);
  }
  return { events, waitFor, finished, abort: () => controller.abort(), state };
}

/** Polls (bounded) until the condition holds; fails with the last value otherwise. */
async function eventually<T>(read: () => T | Promise<T>, ok: (value: T) => boolean, tries = 200): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 15));
    value = await read();
  }
  expect(ok(value), JSON.stringify(value)).toBe(true);
  return value;
}

const assistantTurns = (api: ApiFixture) =>
  (api.core.store.sqlite.prepare("SELECT content, meta FROM turn WHERE role = 'assistant' ORDER BY created_at").all() as { content: string; meta: string }[]).map((t) => ({
    content: t.content,
    status: (JSON.parse(t.meta) as { status: string }).status,
  }));

describe('where the server listens and whom it answers', () => {
  it('binds 127.0.0.1 by default and refuses any Host but its own names', async () => {
    const api = await fixture();
    expect(api.http.address.address).toBe('127.0.0.1');
    expect(api.http.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(api.url).toBe(`http://127.0.0.1:${api.http.address.port}`);
    expect(api.http.lanUrl).toBeNull();

    const port = api.http.address.port;
    const me = (host: string | null) =>
      rawExchange(api.url, `GET ${API_PREFIX}/me HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Authorization: Bearer ${api.adminToken}\r\nConnection: close\r\n\r\n`);
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      '127.0.0.1.evil.example',
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      '127.0.0.2',
      `[::2]:${port}`,
      '0.0.0.0',
      '',
      null,
    ]) {
      const reply = await me(host);
      expect([host, reply.status]).toEqual([host, expect.toSatisfy((s: number) => s === 403 || s === 400)]);
      expect(reply.body).not.toContain(api.core.owner.id);
      if (reply.status === 403) expect(JSON.parse(reply.body)).toEqual({ code: 'forbidden', detail: 'This host name is not allowed.' });
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`, 'localhost', `[::1]:${port}`]) {
      const reply = await me(host);
      expect([host, reply.status]).toEqual([host, 200]);
      expect(JSON.parse(reply.body)).toMatchObject({ id: api.core.owner.id });
    }
  });

  it('accepts a Host name it was told about (allowedHosts)', async () => {
    const api = await fixture({ server: { allowedHosts: ['studylog.lan'] } });
    const reply = await rawExchange(api.url, `GET ${API_PREFIX}/health HTTP/1.1\r\nHost: studylog.lan:${api.http.address.port}\r\nConnection: close\r\n\r\n`);
    expect(reply.status).toBe(200);
    expect((await rawExchange(api.url, `GET ${API_PREFIX}/health HTTP/1.1\r\nHost: studylog.lan.evil.example\r\nConnection: close\r\n\r\n`)).status).toBe(403);
  });
});

describe('CORS', () => {
  const preflight = (api: ApiFixture, origin: string) =>
    api.raw({
      method: 'OPTIONS',
      path: `${API_PREFIX}/me`,
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });

  it('sends no Access-Control-Allow-Origin by default, not even on a preflight', async () => {
    const api = await fixture();
    const replies = [
      await preflight(api, 'http://evil.example'),
      await preflight(api, `http://127.0.0.1:${api.http.address.port}`),
      await api.api('GET', '/me', { headers: { Origin: 'http://evil.example' } }),
      await api.api('GET', '/health', { token: null, headers: { Origin: 'http://evil.example' } }),
      await api.api('POST', '/proxy', { body: { message: 'cross-site?' }, headers: { Origin: 'http://evil.example' } }),
    ];
    for (const reply of replies) {
      expect(Object.keys(reply.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
    expect(replies[0]!.status).toBe(401); // a preflight carries no token: refused like any other request
  });

  it('allows exactly the configured origins', async () => {
    const origin = 'http://app.example:3000';
    const api = await fixture({ server: { corsOrigins: [origin] } });
    const ok = await preflight(api, origin);
    expect(ok.status).toBe(204);
    expect(ok.headers['access-control-allow-origin']).toBe(origin);
    expect(String(ok.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
    expect((await api.api('GET', '/me', { headers: { Origin: origin } })).headers['access-control-allow-origin']).toBe(origin);
    for (const other of ['http://evil.example', 'http://app.example:3001', 'https://app.example:3000', `${origin}.evil.example`, 'null']) {
      expect([other, (await preflight(api, other)).headers['access-control-allow-origin']]).toEqual([other, undefined]);
      expect([other, (await api.api('GET', '/me', { headers: { Origin: other } })).headers['access-control-allow-origin']]).toEqual([other, undefined]);
    }
  });
});

describe('the provider API key', () => {
  const KEY = 'fake-key-live-FAKE-exposure-7c3f9a1e5b2d8c4f';

  it('appears in no reply, header or stored row — across every route and every upstream failure', async () => {
    const api = await fixture({ apiKey: KEY });
    const replies: { what: string; reply: Reply }[] = [];
    const admin = { user_id: api.core.owner.id };
    const student = api.token('student', 'student');

    // Failures first, while no model list is cached: the provider refuses the key outright…
    api.openai.requiredApiKey = 'sk-something-else';
    for (const name of ['listModels', 'testProvider', 'sendProxyMessage', 'streamProxyMessage'] as const) {
      const input = name.endsWith('ProxyMessage') ? { message: 'who am I?' } : await sampleInput(api, name, admin);
      replies.push({ what: `${name} (key refused)`, reply: await callRoute(api, name, input, api.adminToken) });
    }
    expect(replies.map((r) => r.reply.text).join('\n')).toContain('upstream_auth');
    api.openai.requiredApiKey = KEY;
    // …or echoes it back in its error message (as some providers do).
    for (const status of [401, 403, 500] as const) {
      for (const route of ['/proxy', '/proxy/stream']) {
        api.openai.script({ fault: { kind: 'status', status, message: `Incorrect API key provided: ${KEY}. Bearer ${KEY}` } });
        replies.push({ what: `${route} (upstream ${status} echoing the key)`, reply: await api.api('POST', route, { body: { message: 'echo my key' } }) });
      }
    }
    expect(replies.at(-1)!.reply.text).toContain('[redacted]');

    // Every route, as the admin and as a student.
    for (const name of ROUTE_NAMES) {
      replies.push({ what: `${name} as admin`, reply: await callRoute(api, name, await sampleInput(api, name, admin), api.adminToken) });
      replies.push({ what: `${name} as student`, reply: await callRoute(api, name, await sampleInput(api, name, student), student.token) });
    }
    expect(replies.filter((r) => r.reply.status === 200).length).toBeGreaterThan(ROUTE_NAMES.length);

    const fragment = KEY.slice(-16);
    for (const { what, reply } of replies) {
      expect([what, reply.text.includes(fragment)]).toEqual([what, false]);
      expect([what, JSON.stringify(reply.headers).includes(fragment)]).toEqual([what, false]);
    }
    // The failed turns keep the error, not the key; nothing under the data dir holds it.
    const failed = api.core.store.sqlite.prepare('SELECT meta FROM turn WHERE meta LIKE \'%"failed"%\'').all() as { meta: string }[];
    expect(failed.length).toBeGreaterThanOrEqual(8);
    api.core.store.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    // Every file, in subfolders too (the OCR language data gathered at the first image).
    for (const entry of readdirSync(api.dataDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      expect([file, readFileSync(file).includes(fragment)]).toEqual([file, false]);
    }
  });
});

describe('limits', () => {
  it('a body over 1 MiB → 413 payload_too_large, and the connection is closed cleanly', async () => {
    const api = await fixture();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    onTestFinished(() => agent.destroy());
    const send = (body: string, chunked = false) =>
      rawRequest(api.url, {
        method: 'POST',
        path: `${API_PREFIX}/proxy`,
        headers: { Authorization: `Bearer ${api.adminToken}`, 'Content-Type': 'application/json' },
        body,
        chunked,
        agent,
      });
    const before = api.core.store.sqlite.prepare('SELECT count(*) AS n FROM turn').get();
    for (const chunked of [false, true]) {
      const reply = await send(JSON.stringify({ message: 'x'.repeat(1024 * 1024) }), chunked);
      expect(reply.status).toBe(413);
      expect(reply.json).toEqual({ code: 'payload_too_large', detail: 'The request body is larger than 1048576 bytes.' });
      // The next request on the same keep-alive agent must not land on a socket being closed.
      const next = await rawRequest(api.url, { method: 'GET', path: `${API_PREFIX}/health`, agent });
      expect(next.status).toBe(200);
    }
    expect(api.core.store.sqlite.prepare('SELECT count(*) AS n FROM turn').get()).toEqual(before);
    // Just under the limit is read (and then refused by the schema: a message is at most 100,000 characters).
    const under = await send(JSON.stringify({ message: 'x'.repeat(1024 * 1024 - 20) }));
    expect(under.status).toBe(422);
  });

  it('a JSON body is read the same with a declared length (from Node directly) and chunked (through Hono): UTF-8, Chinese, a byte-order mark', async () => {
    const api = await fixture();
    for (const chunked of [false, true]) {
      const reply = await rawRequest(api.url, {
        method: 'POST',
        path: `${API_PREFIX}/proxy`,
        headers: { Authorization: `Bearer ${api.adminToken}`, 'Content-Type': 'application/json' },
        body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ message: `二次函数的顶点 ${chunked ? 'chunked' : 'declared'} 🙂` }))]),
        chunked,
      });
      expect(reply.status).toBe(200);
      expect((reply.json as { content: string }).content).toBe(`Echo: 二次函数的顶点 ${chunked ? 'chunked' : 'declared'} 🙂`);
    }
  });

  it('a client that goes away halfway through its body is not an internal error, and writes nothing', async () => {
    const api = await fixture();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    onTestFinished(() => logged.mockRestore());
    const before = api.core.store.sqlite.prepare('SELECT count(*) AS n FROM turn').get();
    const head = (framing: string) =>
      `POST ${API_PREFIX}/proxy HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${api.adminToken}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
    for (const request of [head('Content-Length: 1000') + '{"message": "half', head('Transfer-Encoding: chunked') + '10\r\n{"message": "hal\r\n']) {
      // The client goes away once the server has begun the request (and is reading its body);
      // done when both ends have seen the connection close.
      await new Promise<void>((resolve) => {
        let open = 2;
        const closed = () => --open === 0 && resolve();
        api.http.server.once('request', (req: http.IncomingMessage) => {
          req.once('close', closed);
          socket.destroy();
        });
        const socket = net.connect(api.http.address.port, '127.0.0.1', () => socket.write(request));
        socket.on('error', () => {});
        socket.on('close', closed);
      });
      // Answered after the cut-off connection was seen: any log line for it has been written.
      expect((await api.api('GET', '/me')).status).toBe(200);
    }
    expect(logged.mock.calls.map((args) => String(args[0]))).toEqual([]);
    expect(api.core.store.sqlite.prepare('SELECT count(*) AS n FROM turn').get()).toEqual(before);
  });

  it('the request rate per token → 429 rate_limited with Retry-After; other tokens are not affected', async () => {
    const api = await fixture({ server: { limits: { perSecond: 0.01, burst: 3, concurrent: 16 } } });
    const student = api.token('student', 'student');
    for (let i = 0; i < 3; i++) expect((await api.api('GET', '/me')).status).toBe(200);
    const limited = await api.api('GET', '/me');
    expect(limited.status).toBe(429);
    expect(limited.json).toMatchObject({ code: 'rate_limited', detail: expect.stringContaining('per second') });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(String(limited.headers['retry-after'])).toMatch(/^\d+$/);
    expect((await api.api('POST', '/proxy', { body: { message: 'still limited' } })).status).toBe(429);
    expect((await api.api('GET', '/me', { token: student.token })).status).toBe(200);
    expect((await api.api('GET', '/health', { token: null })).status).toBe(200);
  });

  it('requests in flight per token → 429 while a stream holds the slot; freed when the client goes away (answer kept as aborted)', async () => {
    const reply = 'slowly '.repeat(200);
    const api = await fixture({ server: { limits: { perSecond: 1_000, burst: 1_000, concurrent: 1 } }, defaults: { reply, chunkSize: 7, chunkDelayMs: 40 } });
    const student = api.token('student', 'student');
    const stream = openStream(api, student.token, 'tell me slowly');
    await stream.waitFor('delta');

    const busy = await api.api('GET', '/me', { token: student.token });
    expect(busy.status).toBe(429);
    expect(busy.json).toMatchObject({ code: 'rate_limited', detail: expect.stringContaining('at once') });
    expect(busy.headers['retry-after']).toBe('1');
    expect((await api.api('GET', '/me')).status).toBe(200); // the admin's token has its own slot

    stream.abort();
    await stream.finished;
    await eventually(
      () => api.api('GET', '/me', { token: student.token }).then((r) => r.status),
      (s) => s === 200,
    );
    const [turn] = await eventually(
      () => assistantTurns(api),
      (turns) => turns.length === 1 && turns[0]!.status === 'aborted',
    );
    expect(turn!.content.length).toBeGreaterThan(0);
    expect(reply.startsWith(turn!.content)).toBe(true);
    expect(turn!.content.length).toBeLessThan(reply.length);
  });
});

describe('graceful shutdown', () => {
  it('a non-streamed answer still waiting after the grace period is stopped; its message is kept as failed, not pending', async () => {
    const api = await fixture({ server: { shutdownGraceMs: 100 }, defaults: { latencyMs: 3_000 } });
    const pending = api.api('POST', '/proxy', { body: { message: 'a slow question' } });
    // Waiting for the model (its user turn is written before the call).
    await api.openai.waitForRequest((r) => r.path.endsWith('/chat/completions'));
    await api.http.close();
    const reply = await pending;
    expect(reply.status).toBe(499);
    expect(reply.json).toMatchObject({ code: 'aborted' });
    const [turn] = api.core.store.sqlite.prepare("SELECT content, meta FROM turn WHERE role = 'user'").all() as { content: string; meta: string }[];
    expect(turn!.content).toBe('a slow question');
    expect(JSON.parse(turn!.meta)).toMatchObject({ status: 'failed', error: { code: 'aborted' } });
  });

  it('a stream still running after the grace period is stopped, kept as aborted, and close() resolves', async () => {
    const reply = 'word '.repeat(300);
    const api = await fixture({ server: { shutdownGraceMs: 100 }, defaults: { reply, chunkSize: 5, chunkDelayMs: 30 } });
    const stream = openStream(api, api.adminToken, 'a long answer please');
    await stream.waitFor('delta');
    await api.http.close();
    await stream.finished;

    expect(stream.state.error).toBeNull();
    const events = stream.events();
    expect(events[0]!.event).toBe('start');
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const response = (done.data as { response: { content: string; meta: { status: string } } }).response;
    expect(response.meta.status).toBe('aborted');
    expect(response.content.length).toBeLessThan(reply.length);
    expect(assistantTurns(api)).toEqual([{ content: response.content, status: 'aborted' }]);
    // The listener is gone.
    await expect(fetch(`${api.url}${API_PREFIX}/health`)).rejects.toThrow();
  });

  it('a stream that ends within the grace period finishes normally', async () => {
    const api = await fixture({ server: { shutdownGraceMs: 10_000 }, defaults: { reply: 'a short answer', chunkSize: 2, chunkDelayMs: 20 } });
    const stream = openStream(api, api.adminToken, 'short please');
    await stream.waitFor('start');
    await api.http.close();
    await stream.finished;
    const done = stream.events().at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data).toMatchObject({ response: { content: 'a short answer', meta: { status: 'complete' } } });
    expect(assistantTurns(api)).toEqual([{ content: 'a short answer', status: 'complete' }]);
  });
});
