// The preload: `window.studylog` has exactly one function per route of the table (plus
// cancelStream), each a thin ipcRenderer.invoke; streams hear only their own events. The plain
// manifest the preload is built from (no zod) must match the route table.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { StudylogBridge } from '../../src/shared/api/client.ts';
import { fillPath, httpRequestOf, STREAM_ROUTE_NAMES, UNARY_ROUTE_NAMES, type ParamsFromUrl, type RouteParams } from '../../src/shared/api/manifest.ts';
import { routes, ROUTE_NAMES } from '../../src/shared/api/routes.ts';

const double = await vi.hoisted(async () => {
  const { createElectronDouble } = await import('../support/electron-double.ts');
  return createElectronDouble();
});
vi.mock('electron', () => double.module);

let bridge: StudylogBridge;

beforeAll(async () => {
  await import('../../src/preload/index.ts');
  expect(double.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
  const [key, api] = double.contextBridge.exposeInMainWorld.mock.calls[0]!;
  expect(key).toBe('studylog');
  bridge = api as StudylogBridge;
});

describe('manifest.ts', () => {
  it('lists exactly the routes of the table, streams apart', () => {
    expect([...UNARY_ROUTE_NAMES, ...STREAM_ROUTE_NAMES].sort()).toEqual([...ROUTE_NAMES].sort());
    expect([...STREAM_ROUTE_NAMES].sort()).toEqual(ROUTE_NAMES.filter((name) => 'stream' in routes[name]).sort());
  });
});

describe('path parameters, typed from the path string', () => {
  it('ParamsFromUrl names each {param} of a path; a path without any gives none', () => {
    expectTypeOf<ParamsFromUrl<'/sessions/{id}/turns'>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<ParamsFromUrl<'/a/{x}/b/{y}'>>().toEqualTypeOf<{ x: string; y: string }>();
    expectTypeOf<keyof ParamsFromUrl<'/sessions'>>().toEqualTypeOf<never>();
    expectTypeOf<RouteParams<'getSessionTurns'>>().toEqualTypeOf<{ id: string }>();
    // @ts-expect-error: the path needs its id
    fillPath('/sessions/{id}/turns', {});
    expect(fillPath('/sessions/{id}/turns', { id: 'a b/c' })).toBe('/sessions/a%20b%2Fc/turns');
  });

  it('a call becomes its HTTP request: path parameters in the path, the rest in the query or the body', () => {
    expect(httpRequestOf('getSessionTurns', { id: 's1', limit: 2, cursor: undefined })).toEqual({ method: 'GET', path: '/sessions/s1/turns', query: { limit: '2' }, body: null });
    expect(httpRequestOf('updateSession', { id: 's1', title: 'T' })).toEqual({ method: 'PATCH', path: '/sessions/s1', query: null, body: { title: 'T' } });
    expect(httpRequestOf('stopProxyStream', { id: 'r-1' })).toEqual({ method: 'POST', path: '/proxy/stream/r-1/stop', query: null, body: {} });
  });
});

/** What a source file imports at run time (`import type` is erased). */
function runtimeImports(relativePath: string): string[] {
  const source = readFileSync(new URL(`../../${relativePath}`, import.meta.url), 'utf8');
  return [...source.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
}

describe('the preload bundle stays small', () => {
  it('imports at run time only electron and the plain manifest (no zod, no schemas)', () => {
    expect(runtimeImports('src/preload/index.ts').sort()).toEqual(['../shared/api/manifest.ts', 'electron']);
    expect(runtimeImports('src/shared/api/manifest.ts')).toEqual([]);
  });
});

/**
 * What `api` (a bridge as the preload exposes it) lets a page reach of ipcRenderer, as a list of
 * problems (empty: nothing). Each exposed value must be a function; each is called as a page could
 * call it (a string that is no studylog: channel first, then an input, then a callback), and
 * while its call is in flight every listener it added hears an event whose `sender` is
 * ipcRenderer, as Electron's events do. A function may only call ipcRenderer.invoke, .on and
 * .removeListener, always on a `studylog:` channel, and nothing it returns or passes to the
 * callback may hold ipcRenderer or one of its methods.
 */
async function leaks(api: Record<string, unknown>): Promise<string[]> {
  const ipc = double.ipcRenderer as unknown as Record<string, unknown>;
  // Electron's other ipcRenderer methods, so that a preload calling one is seen (and not a TypeError).
  for (const method of ['send', 'sendSync', 'sendToHost', 'postMessage', 'once', 'addListener', 'off', 'removeAllListeners']) ipc[method] ??= vi.fn();
  const forbidden = new Set<unknown>([ipc, ...Object.values(ipc).filter((v) => typeof v === 'function')]);
  const holds = (value: unknown, depth = 0): boolean => {
    if (forbidden.has(value)) return true;
    if (depth > 4 || value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
    return Object.values(value).some((v) => holds(v, depth + 1));
  };
  const spies = Object.entries(ipc).filter((entry): entry is [string, ReturnType<typeof vi.fn>] => vi.isMockFunction(entry[1]));
  const problems: string[] = [];
  for (const [name, value] of Object.entries(api)) {
    if (typeof value !== 'function') {
      problems.push(`${name} is not a function`);
      continue;
    }
    if (holds(value)) problems.push(`${name} is or holds ipcRenderer`);
    const before = new Map(spies.map(([method, spy]) => [method, spy.mock.calls.length]));
    const listenersBefore = new Set([...double.state.rendererListeners.values()].flatMap((set) => [...set]));
    const heard: unknown[][] = [];
    let reply: unknown;
    try {
      const pending = Promise.resolve((value as (...args: unknown[]) => unknown)('page:probe', { probe: name }, (...args: unknown[]) => heard.push(args)));
      for (const [channel, set] of double.state.rendererListeners) {
        for (const listener of set) if (!listenersBefore.has(listener)) listener({ sender: double.ipcRenderer }, 'page:probe', { type: 'delta', content: channel });
      }
      reply = await pending;
    } catch (error) {
      problems.push(`${name} threw ${String(error)}`);
    }
    if (holds(reply)) problems.push(`${name} returns ipcRenderer`);
    if (heard.some((args) => holds(args))) problems.push(`${name} passes ipcRenderer to its callback`);
    for (const [method, spy] of spies) {
      for (const args of spy.mock.calls.slice(before.get(method))) {
        if (!['invoke', 'on', 'removeListener'].includes(method)) problems.push(`${name} calls ipcRenderer.${method}`);
        else if (typeof args[0] !== 'string' || !args[0].startsWith('studylog:')) problems.push(`${name} calls ipcRenderer.${method} on ${String(args[0])}`);
      }
    }
  }
  return problems;
}

describe('window.studylog', () => {
  it('has exactly one function per route, plus cancelStream', () => {
    expect(Object.keys(bridge).sort()).toEqual([...ROUTE_NAMES, 'cancelStream'].sort());
    for (const [name, value] of Object.entries(bridge)) expect(typeof value, name).toBe('function');
  });

  it('exposes no ipcRenderer: each function only invokes or listens on studylog: channels and hands nothing of ipcRenderer back', async () => {
    expect(await leaks(bridge)).toEqual([]);
  });

  it('that check catches a leaky preload', async () => {
    const { ipcRenderer } = double;
    // [what leaks, the bridge, the problem the check must name]
    const leaky: [string, Record<string, unknown>, string][] = [
      ['ipcRenderer itself', { ...bridge, ipc: ipcRenderer }, 'ipc is not a function'],
      ['one of its methods', { ...bridge, invoke: ipcRenderer.invoke }, 'invoke is or holds ipcRenderer'],
      ['an object around it', { ...bridge, electron: { ipcRenderer } }, 'electron is not a function'],
      ['a function returning it', { ...bridge, getMe: () => ipcRenderer }, 'getMe returns ipcRenderer'],
      [
        'a reply carrying it',
        { ...bridge, getMe: async (input: unknown) => ({ ...((await ipcRenderer.invoke('studylog:getMe', input)) as object), ipcRenderer }) },
        'getMe returns ipcRenderer',
      ],
      ['a channel the page chooses', { ...bridge, call: (channel: string, input: unknown) => ipcRenderer.invoke(channel, input) }, 'call calls ipcRenderer.invoke on page:probe'],
      [
        'a listener on a channel the page chooses',
        { ...bridge, subscribe: (channel: string, _input: unknown, listener: () => void) => void ipcRenderer.on(channel, listener) },
        'subscribe calls ipcRenderer.on on page:probe',
      ],
      [
        'a method other than invoke/on/removeListener',
        { ...bridge, log: (message: unknown) => (ipcRenderer as unknown as { send(channel: string, ...args: unknown[]): void }).send('studylog:log', message) },
        'log calls ipcRenderer.send',
      ],
      [
        'the raw IPC event (its sender is ipcRenderer) handed to a stream callback',
        {
          ...bridge,
          streamProxyMessage: async (requestId: string, input: unknown, onEvent: (...args: unknown[]) => void) => {
            ipcRenderer.on('studylog:stream-event', onEvent);
            try {
              return await ipcRenderer.invoke('studylog:streamProxyMessage', requestId, input);
            } finally {
              ipcRenderer.removeListener('studylog:stream-event', onEvent);
            }
          },
        },
        'streamProxyMessage passes ipcRenderer to its callback',
      ],
    ];
    for (const [what, api, problem] of leaky) expect(await leaks(api), what).toContain(problem);
  });

  it('each route invokes studylog:<name> with its input and returns the reply', async () => {
    for (const name of UNARY_ROUTE_NAMES) {
      double.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, status: 200, body: name });
      const reply = await bridge[name]({ probe: name });
      expect(double.ipcRenderer.invoke).toHaveBeenLastCalledWith(`studylog:${name}`, { probe: name });
      expect(reply).toEqual({ ok: true, status: 200, body: name });
    }
  });

  it('a stream hears only its own events, and stops listening when it ends', async () => {
    let finish!: (value: unknown) => void;
    double.ipcRenderer.invoke.mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)));
    const onEvent = vi.fn();
    const pending = bridge.streamProxyMessage('req-1', { message: 'hi' }, onEvent);
    expect(double.ipcRenderer.invoke).toHaveBeenLastCalledWith('studylog:streamProxyMessage', 'req-1', { message: 'hi' });
    double.emitToRenderer('studylog:stream-event', 'req-1', { type: 'delta', content: 'a' });
    double.emitToRenderer('studylog:stream-event', 'req-other', { type: 'delta', content: 'NOT MINE' });
    double.emitToRenderer('studylog:stream-event', 'req-1', { type: 'delta', content: 'b' });
    finish({ ok: true, status: 200, body: { content: 'ab' } });
    expect(await pending).toEqual({ ok: true, status: 200, body: { content: 'ab' } });
    expect(onEvent.mock.calls.map((c) => c[0].content)).toEqual(['a', 'b']);
    expect(double.state.rendererListeners.get('studylog:stream-event')?.size ?? 0).toBe(0);
    double.emitToRenderer('studylog:stream-event', 'req-1', { type: 'delta', content: 'late' });
    expect(onEvent).toHaveBeenCalledTimes(2);
  });

  it('stops listening also when the call fails', async () => {
    double.ipcRenderer.invoke.mockRejectedValueOnce(new Error('gone'));
    await expect(bridge.streamProxyMessage('req-2', {}, () => undefined)).rejects.toThrow('gone');
    expect(double.state.rendererListeners.get('studylog:stream-event')?.size ?? 0).toBe(0);
  });

  it('cancelStream invokes studylog:cancelStream with the request id', async () => {
    await expect(bridge.cancelStream('req-1')).resolves.toBeUndefined();
    expect(double.ipcRenderer.invoke).toHaveBeenLastCalledWith('studylog:cancelStream', 'req-1');
  });
});
