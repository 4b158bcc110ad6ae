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

describe('window.studylog', () => {
  it('has exactly one function per route, plus cancelStream', () => {
    expect(Object.keys(bridge).sort()).toEqual([...ROUTE_NAMES, 'cancelStream'].sort());
    for (const [name, value] of Object.entries(bridge)) expect(typeof value, name).toBe('function');
  });

  it('exposes no ipcRenderer: only the route functions', () => {
    for (const value of Object.values(bridge)) {
      expect(value).not.toBe(double.ipcRenderer);
      expect(value).not.toBe(double.ipcRenderer.invoke);
      expect(value).not.toBe(double.ipcRenderer.on);
    }
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
