// The renderer's query cache (src/renderer/src/data) over the real HTTP face: reads are cached by
// route and input, and each write applies its row of the one table — its answer cached, the reads
// it changes made stale — so no screen reloads anything by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, httpTransport } from '../../src/shared/api/client.ts';
import { ApiCache, routeKey } from '../../src/renderer/src/data/cache.ts';
import { startApi, type ApiFixture } from '../support/http.ts';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api?.close();
});

/** A cache over a client whose every request is counted by method and path. */
function countingCache() {
  const requests: string[] = [];
  const counted: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    requests.push(`${init?.method ?? 'GET'} ${url.pathname.replace('/api/v1/llm', '')}`);
    return fetch(input, init);
  };
  const cache = new ApiCache(createClient(httpTransport({ baseUrl: api.url, token: api.adminToken, fetch: counted })));
  const count = (request: string) => requests.filter((r) => r === request).length;
  return { cache, count };
}

describe('the renderer’s query cache', () => {
  it('keeps what only this app changes until a write makes it stale', async () => {
    const { cache, count } = countingCache();
    const before = await cache.read('listAssignments');
    await cache.read('listAssignments');
    expect(count('GET /assignments')).toBe(1);

    await cache.write('createAssignment', { title: 'Cached essay' });
    const after = await cache.read('listAssignments');
    expect(count('GET /assignments')).toBe(2);
    expect(after.map((a) => a.title)).toEqual(expect.arrayContaining([...before.map((a) => a.title), 'Cached essay']));
  });

  it('a rename is cached as the server answered it, and the session list goes stale', async () => {
    const { cache, count } = countingCache();
    const sent = await cache.write('sendProxyMessage', { message: 'What is a derivative?' });
    // The server titled the session after its first message.
    expect((await cache.read('getSession', { id: sent.session_id })).meta.title).toBe('What is a derivative?');
    await cache.read('getUserSessions', {});
    const reads = count(`GET /sessions/${sent.session_id}`);

    await cache.write('updateSession', { id: sent.session_id, title: 'Derivatives' });
    expect(cache.cached('getSession', { id: sent.session_id })?.meta.title).toBe('Derivatives');
    expect(count(`GET /sessions/${sent.session_id}`)).toBe(reads);
    expect(cache.queries.getQueryState(routeKey('getUserSessions', {}))?.isInvalidated).toBe(true);
  });

  it('what a settings write makes stale follows what it changed: a theme leaves the models alone', async () => {
    const { cache, count } = countingCache();
    const settings = await cache.read('getSettings');
    await cache.read('listModels');
    await cache.write('updateSettings', { theme: 'dark' });
    await cache.read('listModels');
    expect(count('GET /models')).toBe(1);
    // The answer is the settings now: no need to ask.
    expect(cache.cached('getSettings')?.theme).toBe('dark');
    expect(count('GET /settings')).toBe(1);

    await cache.write('updateSettings', { providers: settings.providers });
    await cache.read('listModels');
    expect(count('GET /models')).toBe(2);
  });

  it('a message that failed still makes the sessions stale: it was recorded, with its session', async () => {
    const { cache } = countingCache();
    await cache.read('getUserSessions', {});
    api.openai.script({ fault: { kind: 'status', status: 500 } });
    await expect(cache.write('sendProxyMessage', { message: 'This one fails', client_request_id: 'cache-failed-01' })).rejects.toMatchObject({ code: 'upstream_error' });
    expect(cache.queries.getQueryState(routeKey('getUserSessions', {}))?.isInvalidated).toBe(true);
    const sessions = await cache.read('getUserSessions', {});
    expect(sessions.items.some((s) => s.meta.title === 'This one fails')).toBe(true);
  });
});
