// cappedFetch (upstream-limits.ts) over a real loopback server: a reply that declares a length
// within the cap passes through as it is; one that declares more is refused before it is read;
// one without a declared length (chunked) is counted as it arrives and cut past the cap.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cappedFetch, UpstreamTooLargeError } from '../../src/main/core/llm/upstream-limits.ts';
import { onCleanup } from '../support/temp.ts';

async function server(): Promise<string> {
  const srv = http.createServer((req, res) => {
    const size = Number(new URL(req.url!, 'http://x').searchParams.get('size'));
    const body = 'x'.repeat(size);
    if (req.url!.startsWith('/declared')) res.writeHead(200, { 'content-type': 'text/plain', 'content-length': size });
    else res.writeHead(200, { 'content-type': 'text/plain' }); // chunked
    res.end(body);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  onCleanup(() => srv.close());
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}

describe('cappedFetch', () => {
  const capped = cappedFetch({ body: 100, stream: 1_000 });

  it('passes a reply of a declared length within the cap', async () => {
    const url = await server();
    expect(await (await capped(`${url}/declared?size=100`, { method: 'POST', body: '{}' })).text()).toBe('x'.repeat(100));
  });

  it('refuses a reply that declares more than the cap, before reading it', async () => {
    const url = await server();
    await expect(capped(`${url}/declared?size=101`, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(UpstreamTooLargeError);
  });

  it('counts a reply of no declared length and cuts it past the cap; a stream has the larger cap', async () => {
    const url = await server();
    await expect((await capped(`${url}/chunked?size=101`, { method: 'POST', body: '{}' })).text()).rejects.toBeInstanceOf(UpstreamTooLargeError);
    expect((await (await capped(`${url}/chunked?size=101`, { method: 'POST', body: '{"stream": true}' })).text()).length).toBe(101);
    expect((await (await capped(`${url}/declared?size=500`, { method: 'POST', body: '{"stream": true}' })).text()).length).toBe(500);
  });
});
