// upstreamFetch (upstream-fetch.ts), the SDK's transport, over a real loopback server: the byte
// caps (a declared length past the cap refused before it is read, an undeclared one counted as it
// arrives; either fails as the body is read, which the SDK does not retry), streams passed on as
// they arrive, the caller's signal, a dropped connection, the connect timeout, redirects not
// followed, a compressed reply decoded — and the real `openai` SDK over it, over http and https.
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { describe, expect, it } from 'vitest';
import { UpstreamConnectionLostError, upstreamFetch } from '../../src/main/core/llm/upstream-fetch.ts';
import { upstreamError } from '../../src/main/core/llm/upstream-errors.ts';
import { UpstreamTooLargeError } from '../../src/main/core/llm/upstream-limits.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

const HAS_OPENSSL = spawnSync('openssl', ['version']).status === 0;
/** A child that listens (a queue of one) and then blocks its own event loop, so it never accepts. */
const LISTEN_AND_NEVER_ACCEPT = `const s = require('node:net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => { process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)); });`;
const MODULE = path.resolve(import.meta.dirname, '../../src/main/core/llm/upstream-fetch.ts');

interface Seen {
  method: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server whose path says what it answers; `seen` holds each request as it came. */
async function server(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const srv = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const url = new URL(req.url!, 'http://x');
      const size = Number(url.searchParams.get('size'));
      if (url.pathname === '/declared') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': size });
        res.end('x'.repeat(size));
      } else if (url.pathname === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('x'.repeat(size));
      } else if (url.pathname === '/events') {
        // One event now, the rest when the client asks for more (/events/more).
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n');
        srv.once('more', () => res.end('data: second\n\n'));
      } else if (url.pathname === '/events/more') {
        srv.emit('more');
        res.end();
      } else if (url.pathname === '/events/whole') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (let i = 0; i < 200; i++) res.write(`data: ${'z'.repeat(1000)}\n\n`);
        res.end('data: [DONE]\n\n');
      } else if (url.pathname === '/drop') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: first\n\n', () => res.socket!.destroy());
      } else if (url.pathname === '/redirect') {
        res.writeHead(307, { location: 'http://127.0.0.1:9/elsewhere' });
        res.end();
      } else if (url.pathname === '/gzip') {
        const body = zlib.gzipSync('y'.repeat(size));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': body.length });
        res.end(body);
      } else if (url.pathname === '/empty') {
        res.writeHead(204);
        res.end();
      } else if (url.pathname === '/v1/chat/completions') {
        const reply = {
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: '你好' }, finish_reason: 'stop' }],
        };
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req-1' });
        res.end(JSON.stringify(reply));
      } else if (url.pathname === '/v1/midbody/chat/completions') {
        // Headers, a start, then the connection closes: the reply breaks after its headers.
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 500 });
        res.write('{"id":"x","choices":[', () => req.socket.end());
      } else if (url.pathname === '/sse-unasked') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${'s'.repeat(size)}\n\n`);
      } else if (url.pathname === '/v1/bad/chat/completions') {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'no such parameter' } }));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  onCleanup(() => srv.close());
  onCleanup(() => srv.closeAllConnections());
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, seen };
}

describe('upstreamFetch', () => {
  const capped = upstreamFetch({ body: 100, stream: 1_000 });

  it('passes a reply of a declared length within the cap', async () => {
    const { url } = await server();
    expect(await (await capped(`${url}/declared?size=100`, { method: 'POST', body: '{}' })).text()).toBe('x'.repeat(100));
  });

  it('refuses a reply that declares more than the cap, before reading it', async () => {
    const { url } = await server();
    await expect(capped(`${url}/declared?size=101`, { method: 'POST', body: '{}' }).then((r) => r.text())).rejects.toBeInstanceOf(UpstreamTooLargeError);
  });

  it('counts a reply of no declared length and cuts it past the cap; a stream has the larger cap', async () => {
    const { url } = await server();
    await expect(capped(`${url}/chunked?size=101`, { method: 'POST', body: '{}' }).then((r) => r.text())).rejects.toBeInstanceOf(UpstreamTooLargeError);
    expect((await (await capped(`${url}/chunked?size=101`, { method: 'POST', body: '{"stream": true}' })).text()).length).toBe(101);
    expect((await (await capped(`${url}/declared?size=500`, { method: 'POST', body: '{"stream": true}' })).text()).length).toBe(500);
    await expect(capped(`${url}/chunked?size=1001`, { method: 'POST', body: '{"stream": true}' }).then((r) => r.text())).rejects.toBeInstanceOf(UpstreamTooLargeError);
  });

  it('sends the method, the headers and the body with its length, and asks for no compression', async () => {
    const { url, seen } = await server();
    const body = '{"q":"光合作用"}';
    await (await capped(`${url}/declared?size=1`, { method: 'POST', headers: new Headers({ 'content-type': 'application/json', 'accept-encoding': 'gzip' }), body })).text();
    expect(seen[0]).toMatchObject({ method: 'POST', body });
    expect(seen[0]!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    expect(seen[0]!.headers['accept-encoding']).toBeUndefined();
  });

  it('passes a stream on as it arrives: the first event is readable before the provider sends the rest', async () => {
    const { url } = await server();
    const response = await capped(`${url}/events`, { method: 'POST', body: '{"stream":true}' });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: first\n\n');
    await (await capped(`${url}/events/more`, {})).text();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: second\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('takes nothing more into a stream the SDK cancelled, whatever the provider still sends', async () => {
    const { url } = await server();
    const response = await capped(`${url}/events`, { method: 'POST', body: '{"stream":true}' });
    const reader = response.body!.getReader();
    await reader.read();
    const cancelled = reader.cancel();
    // The provider goes on (another event, then the end) after the cancel: no "controller is closed" error escapes.
    await (await capped(`${url}/events/more`, {})).text();
    await cancelled;
    // A long reply sent at once, cancelled after its first part (as the proxy stops an answer past
    // a turn's size): its end is already on its way.
    for (let i = 0; i < 10; i++) {
      const whole = (await upstreamFetch()(`${url}/events/whole`, { method: 'POST', body: '{"stream":true}' })).body!.getReader();
      for (let j = 0; j < 3; j++) await whole.read();
      await whole.cancel();
    }
    await (await capped(`${url}/declared?size=1`, {})).text();
  });

  it("ends a stream with the caller's reason when its signal aborts mid-body", async () => {
    const { url } = await server();
    const stop = new AbortController();
    const response = await capped(`${url}/events`, { method: 'POST', body: '{"stream":true}', signal: stop.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const reason = new Error('the student pressed stop');
    stop.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    await expect(capped(`${url}/declared?size=1`, { signal: stop.signal })).rejects.toBe(reason);
  });

  it('ends a stream with UpstreamConnectionLostError when the connection drops before the reply ends', async () => {
    const { url } = await server();
    const response = await capped(`${url}/drop`, { method: 'POST', body: '{"stream":true}' });
    await expect(response.text()).rejects.toBeInstanceOf(UpstreamConnectionLostError);
  });

  it('does not follow a redirect; answers 204 with no body; decodes a compressed reply and caps what it decodes to', async () => {
    const { url, seen } = await server();
    const redirected = await capped(`${url}/redirect`, { method: 'POST', headers: { authorization: 'Bearer k' }, body: '{}' });
    expect(redirected.status).toBe(307);
    expect(seen).toHaveLength(1);
    expect((await capped(`${url}/empty`, {})).status).toBe(204);
    expect(await (await capped(`${url}/gzip?size=100`, {})).text()).toBe('y'.repeat(100));
    await expect(capped(`${url}/gzip?size=101`, {}).then((r) => r.text())).rejects.toBeInstanceOf(UpstreamTooLargeError);
  });

  it('carries the openai SDK: a reply with its headers, an error status as an APIError, an abort and an unreachable address as the SDK names them', async () => {
    const { url } = await server();
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0, logLevel: 'off', fetch: upstreamFetch() });
    const { data, response } = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('你好');
    expect(response.headers.get('x-request-id')).toBe('req-1');

    const bad = new OpenAI({ baseURL: `${url}/v1/bad`, apiKey: 'k', maxRetries: 0, logLevel: 'off', fetch: upstreamFetch() });
    const error = await bad.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 400, error: { message: 'no such parameter' } });

    const stop = new AbortController();
    stop.abort();
    const aborted = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { signal: stop.signal }).catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(APIUserAbortError);

    const nowhere = new OpenAI({ baseURL: 'http://127.0.0.1:9/v1', apiKey: 'k', maxRetries: 0, logLevel: 'off', fetch: upstreamFetch() });
    const unreachable = await nowhere.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(APIConnectionError);
  });

  it.skipIf(!HAS_OPENSSL)('reaches an https provider and checks its certificate (skipped where openssl cannot make a test certificate)', async () => {
    const dir = tempDir();
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    const made = spawnSync('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    expect(made.status).toBe(0);
    const srv = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"answer":"勾股定理"}');
    });
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
    onCleanup(() => srv.close());
    onCleanup(() => srv.closeAllConnections());
    const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}/v1/chat/completions`;
    // Not trusted here: the certificate is refused, as a stranger's would be.
    await expect(upstreamFetch()(url, { method: 'POST', body: '{}' })).rejects.toThrow(/self[- ]signed/i);
    // Trusted in a process told about it: two calls, the second on the kept connection.
    const script = `import { upstreamFetch } from ${JSON.stringify(MODULE)}; const f = upstreamFetch(); for (let i = 0; i < 2; i++) console.log(await (await f(${JSON.stringify(url)}, { method: 'POST', body: '{}' })).text());`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: cert }, timeout: 30_000 });
    expect(stdout.trim().split('\n')).toEqual(['{"answer":"勾股定理"}', '{"answer":"勾股定理"}']);
  });

  it('a non-streamed reply that breaks after its headers is asked for once (the SDK does not retry it) and told as a lost connection', async () => {
    const { url, seen } = await server();
    const client = new OpenAI({ baseURL: `${url}/v1/midbody`, apiKey: 'k', maxRetries: 2, logLevel: 'off', fetch: upstreamFetch() });
    const error = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: '你好' }] }).catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(UpstreamConnectionLostError);
    expect(upstreamError(error, { provider: 'P', model: 'm', secrets: [] })).toMatchObject({
      code: 'upstream_unreachable',
      detail: expect.stringContaining('lost before the answer was complete'),
    });
  });

  it('an event stream sent to a request that did not ask for one has the non-streamed cap', async () => {
    const { url } = await server();
    await expect(capped(`${url}/sse-unasked?size=200`, { method: 'POST', body: '{}' }).then((r) => r.text())).rejects.toBeInstanceOf(UpstreamTooLargeError);
  });

  it('gives up on a connection that is not made in time, as a timeout the SDK recognises', async () => {
    // A listener whose process never accepts: once its queue is full the kernel drops new
    // connection attempts, as a firewall that drops packets does.
    const child = spawn(process.execPath, ['-e', LISTEN_AND_NEVER_ACCEPT], { stdio: ['ignore', 'pipe', 'inherit'] });
    onCleanup(() => child.kill('SIGKILL'));
    const port = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(String(d).trim()))));
    const fillers = Array.from({ length: 4 }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
    onCleanup(() => fillers.forEach((socket) => socket.destroy()));
    const client = new OpenAI({
      baseURL: `http://127.0.0.1:${port}/v1`,
      apiKey: 'k',
      maxRetries: 0,
      timeout: 600_000,
      logLevel: 'off',
      fetch: upstreamFetch({ connectTimeoutMs: 300 }),
    });
    const error = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIConnectionTimeoutError);
  });
});
