// The desktop shell, with `electron` replaced by a test double (its binary cannot run here):
// the window's security settings, navigation/permission/CSP guards, the app:// protocol, IPC for
// every route of the table over a real core, streams and their cancellation, the window's
// remembered bounds, and the lifecycle in index.ts (single instance, start, quit, a bad database).
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope, StreamEvent } from '../../src/shared/api/envelope.ts';
import { ROUTE_NAMES } from '../../src/shared/api/routes.ts';
import type { ProxyMessageResponse } from '../../src/shared/api/schemas.ts';
import { dispatch } from '../../src/main/core/api/dispatch.ts';
import { EmbeddedServer } from '../../src/main/electron/embedded-server.ts';
import { registerIpc } from '../../src/main/electron/ipc.ts';
import { APP_ENTRY_URL, CONTENT_SECURITY_POLICY, createAppUrlMatcher } from '../../src/main/electron/origin.ts';
import { createAppProtocolHandler, registerAppScheme } from '../../src/main/electron/protocol.ts';
import { hardenSession, hardenWebContents } from '../../src/main/electron/security.ts';
import { createMainWindow } from '../../src/main/electron/window.ts';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, MIN_HEIGHT, MIN_WIDTH } from '../../src/main/electron/window-state.ts';
import { setupCore } from '../support/core.ts';
import { fakeFrame, FakeWebContents, REPO_ROOT } from '../support/electron-double.ts';
import { onCleanup, tempDir } from '../support/temp.ts';

const double = await vi.hoisted(async () => {
  const { createElectronDouble } = await import('../support/electron-double.ts');
  return createElectronDouble();
});
vi.mock('electron', () => double.module);

const APP_FRAME = fakeFrame('app://studylog/');
const EVIL_FRAME = fakeFrame('https://evil.example/');
// vi.waitFor gives up after 1 s by default; CI runs this beside Chromium suites on 2 cores.
const WAIT = { timeout: 10_000 };
const isAppUrl = createAppUrlMatcher(null);

beforeEach(() => double.reset());

type Window = InstanceType<typeof double.FakeBrowserWindow>;
const lastWindow = (): Window => double.state.windows.at(-1)!;

function openWindow(stateFile = path.join(tempDir(), 'window-state.json')): Window {
  createMainWindow({ preload: '/app/out/preload/index.cjs', url: APP_ENTRY_URL, isAppUrl, stateFile, devTools: false });
  return lastWindow();
}

describe('the window', () => {
  it('is isolated and sandboxed, without Node, with the preload, and shown only when ready', () => {
    const window = openWindow();
    expect(window.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(window.options).toMatchObject({ show: false, minWidth: MIN_WIDTH, minHeight: MIN_HEIGHT });
    expect(window.loadedUrl).toBe('app://studylog/');
    expect(window.visible).toBe(false);
    window.emit('ready-to-show');
    expect(window.visible).toBe(true);
  });

  it('never navigates away from the app; web links open in the system browser, nothing else does', () => {
    const contents = openWindow().webContents;
    expect(contents.fireCancelable('will-navigate', 'app://studylog/index.html')).toBe(false);
    expect(contents.fireCancelable('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(double.shell.openExternal).toHaveBeenCalledWith('https://evil.example/phish');
    double.shell.openExternal.mockClear();
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'app://other/index.html', 'smb://host/share']) {
      expect(contents.fireCancelable('will-navigate', url), url).toBe(true);
    }
    expect(double.shell.openExternal).not.toHaveBeenCalled();
    expect(contents.fireCancelable('will-redirect', 'https://evil.example/')).toBe(true);
  });

  it('opens no new windows (http links go to the browser) and attaches no <webview>', () => {
    const contents = openWindow().webContents;
    expect(contents.windowOpenHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(double.shell.openExternal).toHaveBeenCalledWith('https://example.com/docs');
    double.shell.openExternal.mockClear();
    expect(contents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler!({ url: 'app://studylog/' })).toEqual({ action: 'deny' });
    expect(double.shell.openExternal).not.toHaveBeenCalled();
    expect(contents.fireCancelable('will-attach-webview', {}, {})).toBe(true);
  });

  it('guards every webContents once, whoever asks first', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents as never, isAppUrl);
    hardenWebContents(contents as never, isAppUrl);
    expect(contents.listenerCount('will-navigate')).toBe(1);
  });
});

describe('the session', () => {
  it('denies every permission request and check', () => {
    hardenSession(double.session.defaultSession as never, { dev: false });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      double.state.permissionRequest!({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(double.state.permissionCheck!({}, permission, 'app://studylog', {})).toBe(false);
    }
  });

  it('puts the strict CSP on every response, replacing any other', () => {
    hardenSession(double.session.defaultSession as never, { dev: false });
    let headers: Record<string, string[]> | undefined;
    double.state.headersReceived!(
      { url: 'app://studylog/', responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } },
      (r) => (headers = r.responseHeaders),
    );
    expect(headers).toEqual({ 'X-Other': ['1'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "font-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(CONTENT_SECURITY_POLICY.split('; ')).toContain(directive);
    }
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
  });
});

describe('the app:// protocol', () => {
  function rendererDir(): { root: string; secret: string } {
    const base = tempDir();
    const root = path.join(base, 'renderer');
    mkdirSync(path.join(root, 'assets'), { recursive: true });
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Studylog</title>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    const secret = path.join(base, 'secret.txt');
    writeFileSync(secret, 'TOP SECRET');
    return { root, secret };
  }

  it('is registered as a standard, secure scheme before ready', () => {
    registerAppScheme();
    expect(double.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
  });

  it('serves the built renderer with the CSP', async () => {
    const handler = createAppProtocolHandler(rendererDir().root);
    const index = await handler(new Request('app://studylog/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await index.text()).toContain('<title>Studylog</title>');
    const script = await handler(new Request('app://studylog/assets/app.js'));
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await handler(new Request('app://studylog/missing.js'))).status).toBe(404);
  });

  it('refuses paths that leave the renderer folder', async () => {
    const { root, secret } = rendererDir();
    symlinkSync(secret, path.join(root, 'assets', 'link.txt'));
    const handler = createAppProtocolHandler(root);
    for (const url of [
      'app://studylog/../../etc/passwd',
      'app://studylog/%2e%2e/%2e%2e/etc/passwd',
      'app://studylog/..%2f..%2fetc%2fpasswd',
      'app://studylog/..%2fsecret.txt',
      'app://studylog/assets/..%5c..%5csecret.txt',
      'app://studylog/%00index.html',
      'app://studylog/assets/link.txt',
      `app://studylog/${encodeURIComponent(secret)}`,
      'app://elsewhere/index.html',
    ]) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBeGreaterThanOrEqual(400);
      const body = await response.text();
      expect(body, url).not.toContain('TOP SECRET');
      expect(body, url).not.toContain('root:');
    }
    expect((await handler(new Request('app://studylog/..%2fsecret.txt'))).status).toBe(403);
    expect((await handler(new Request('app://studylog/', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});

describe('IPC', () => {
  const owner = (core: { owner: { id: string; name: string } }) => ({ user_id: core.owner.id, role: 'admin' as const, name: core.owner.name });

  it('registers a handler for every route of the table, plus cancelStream', async () => {
    const core = await setupCore();
    const registration = registerIpc(core, { isAppUrl });
    const expected = [...ROUTE_NAMES.map((name) => `studylog:${name}`), 'studylog:cancelStream'].sort();
    expect([...registration.channels].sort()).toEqual(expected);
    expect([...double.state.ipcHandlers.keys()].sort()).toEqual(expected);
    registration.dispose();
    expect(double.state.ipcHandlers.size).toBe(0);
  });

  it('answers a call from anywhere but the app’s own top-level page with forbidden, without dispatching', async () => {
    const core = await setupCore();
    registerIpc(core, { isAppUrl });
    const contents = new FakeWebContents();
    const attempts = [EVIL_FRAME, fakeFrame('app://studylog/', fakeFrame('app://studylog/')), fakeFrame('http://localhost:5173/'), fakeFrame('file:///tmp/x.html'), null];
    for (const frame of attempts) {
      const reply = (await double.invoke('studylog:createAssignment', frame, contents, { id: 'hw_evil', title: 'Injected' })) as Envelope;
      expect(reply).toEqual({ ok: false, status: 403, body: { code: 'forbidden', detail: expect.any(String) } });
    }
    expect(core.assignments.get('hw_evil')).toBeNull();
    const stream = (await double.invoke('studylog:streamProxyMessage', EVIL_FRAME, contents, 'r-evil', { message: 'hi' })) as Envelope;
    expect(stream.status).toBe(403);
    expect(core.chatRequests()).toHaveLength(0);
  });

  it('answers the app’s page exactly as dispatch() does, acting as the owner', async () => {
    const core = await setupCore();
    registerIpc(core, { isAppUrl });
    const contents = new FakeWebContents();
    const calls: [string, unknown][] = [
      ['getMe', {}],
      ['health', undefined],
      ['listAssignments', {}],
      ['getAssignment', { id: 'hw_1' }],
      ['getAssignment', { id: 'nope' }],
      ['getUserSessions', { limit: 'not a number' }],
      ['getSettings', {}],
    ];
    for (const [name, input] of calls) {
      const viaIpc = await double.invoke(`studylog:${name}`, APP_FRAME, contents, input);
      const direct = await dispatch(core, name as 'getMe', owner(core), input);
      expect(viaIpc, name).toEqual(direct);
    }
    const me = (await double.invoke('studylog:getMe', APP_FRAME, contents, {})) as Envelope<{ id: string; role: string }>;
    expect(me).toMatchObject({ ok: true, body: { id: core.owner.id, role: 'admin' } });
    const created = (await double.invoke('studylog:createAssignment', APP_FRAME, contents, { id: 'hw_new', title: 'New' })) as Envelope;
    expect(created.ok).toBe(true);
    const sent = (await double.invoke('studylog:sendProxyMessage', APP_FRAME, contents, { message: 'hello' })) as Envelope<ProxyMessageResponse>;
    expect(sent).toMatchObject({ ok: true, status: 200, body: { content: 'Echo: hello' } });
  });

  it('the dev server’s page is the app only when a dev URL is given', async () => {
    const core = await setupCore();
    registerIpc(core, { isAppUrl: createAppUrlMatcher('http://localhost:5173') });
    const reply = (await double.invoke('studylog:getMe', fakeFrame('http://localhost:5173/'), new FakeWebContents(), {})) as Envelope;
    expect(reply.ok).toBe(true);
    const other = (await double.invoke('studylog:getMe', fakeFrame('http://localhost:5174/'), new FakeWebContents(), {})) as Envelope;
    expect(other.status).toBe(403);
  });

  function sentEvents(contents: FakeWebContents): { id: string; event: StreamEvent }[] {
    return contents.send.mock.calls.filter((c) => c[0] === 'studylog:stream-event').map((c) => ({ id: c[1] as string, event: c[2] as StreamEvent }));
  }

  it('streams: events go to the sender keyed by request id; the reply is the final envelope', async () => {
    const core = await setupCore({ defaults: { reply: 'one two three four', chunkSize: 4 } });
    registerIpc(core, { isAppUrl });
    const contents = new FakeWebContents();
    const reply = (await double.invoke('studylog:streamProxyMessage', APP_FRAME, contents, 'req-1', { message: 'count' })) as Envelope<ProxyMessageResponse>;
    expect(reply).toMatchObject({ ok: true, status: 200, body: { content: 'one two three four', meta: { status: 'complete' } } });
    const events = sentEvents(contents);
    expect(events.every((e) => e.id === 'req-1')).toBe(true);
    expect(events[0]!.event.type).toBe('start');
    expect(events.at(-1)!.event).toEqual({ type: 'done', response: reply.ok ? reply.body : null });
    expect(
      events
        .filter((e) => e.event.type === 'delta')
        .map((e) => (e.event as { content: string }).content)
        .join(''),
    ).toBe('one two three four');
  });

  it('streams: a bad request id or input is an error envelope, not an exception', async () => {
    const core = await setupCore();
    registerIpc(core, { isAppUrl });
    const contents = new FakeWebContents();
    expect(await double.invoke('studylog:streamProxyMessage', APP_FRAME, contents, 42, { message: 'x' })).toMatchObject({ ok: false, status: 422 });
    expect(await double.invoke('studylog:streamProxyMessage', APP_FRAME, contents, 'req-2', { nope: true })).toMatchObject({
      ok: false,
      status: 422,
      body: { code: 'validation_error' },
    });
    expect(contents.send).not.toHaveBeenCalled();
  });

  async function startSlowStream(contents: FakeWebContents, requestId: string) {
    const reply = 'abcdefghij'.repeat(40);
    const core = await setupCore({ defaults: { reply, chunkSize: 5, chunkDelayMs: 15 } });
    const registration = registerIpc(core, { isAppUrl });
    const done = double.invoke('studylog:streamProxyMessage', APP_FRAME, contents, requestId, { message: 'tell me everything' }) as Promise<Envelope<ProxyMessageResponse>>;
    await vi.waitFor(() => expect(sentEvents(contents).filter((e) => e.event.type === 'delta').length).toBeGreaterThanOrEqual(3), WAIT);
    return { core, registration, done, reply };
  }

  it('cancelStream stops that stream; the partial answer is stored as aborted', async () => {
    const contents = new FakeWebContents();
    const { core, done, reply } = await startSlowStream(contents, 'req-stop');
    await double.invoke('studylog:cancelStream', APP_FRAME, contents, 'req-stop');
    const result = await done;
    expect(result.ok).toBe(true);
    const response = (result as { body: ProxyMessageResponse }).body;
    expect(response.meta.status).toBe('aborted');
    expect(response.content.length).toBeLessThan(reply.length);
    expect(core.turns.getTurnById(response.turn_id)!.meta.status).toBe('aborted');
  });

  it('cancelStream from a foreign frame or another window does not stop it', async () => {
    const contents = new FakeWebContents();
    const { done } = await startSlowStream(contents, 'req-keep');
    await double.invoke('studylog:cancelStream', EVIL_FRAME, contents, 'req-keep');
    await double.invoke('studylog:cancelStream', APP_FRAME, new FakeWebContents(), 'req-keep');
    const result = (await done) as { ok: true; body: ProxyMessageResponse };
    expect(result.body.meta.status).toBe('complete');
  });

  it('the route stopProxyStream stops the window’s own stream as cancelStream does; another window’s call stops nothing', async () => {
    const contents = new FakeWebContents();
    const { done, reply } = await startSlowStream(contents, 'req-route');
    expect(await double.invoke('studylog:stopProxyStream', APP_FRAME, new FakeWebContents(), { id: 'req-route' })).toEqual({ ok: true, status: 200, body: { stopped: false } });
    expect(await double.invoke('studylog:stopProxyStream', APP_FRAME, contents, { id: 'req-route' })).toEqual({ ok: true, status: 200, body: { stopped: true } });
    const result = (await done) as { ok: true; body: ProxyMessageResponse };
    expect(result.body.meta.status).toBe('aborted');
    expect(result.body.content.length).toBeLessThan(reply.length);
  });

  it('a closed window stops its streams (stored as aborted)', async () => {
    const contents = new FakeWebContents();
    const { done } = await startSlowStream(contents, 'req-close');
    contents.destroy();
    const result = (await done) as { ok: true; body: ProxyMessageResponse };
    expect(result.body.meta.status).toBe('aborted');
  });

  it('stopStreams (on quit) stops every stream and waits for it to be stored', async () => {
    const contents = new FakeWebContents();
    const { core, registration, done } = await startSlowStream(contents, 'req-quit');
    await registration.stopStreams();
    const result = (await done) as { ok: true; body: ProxyMessageResponse };
    expect(core.turns.getTurnById(result.body.turn_id)!.meta.status).toBe('aborted');
  });

  it('once stopStreams (on quit) has begun, new calls and streams are refused, as the HTTP face refuses them while shutting down', async () => {
    const core = await setupCore();
    const registration = registerIpc(core, { isAppUrl });
    const contents = new FakeWebContents();
    await registration.stopStreams();
    const refused = { ok: false, status: 503, body: { code: 'db_unavailable', detail: 'Studylog is shutting down.' } };
    expect(await double.invoke('studylog:sendProxyMessage', APP_FRAME, contents, { message: 'too late' })).toEqual(refused);
    expect(await double.invoke('studylog:streamProxyMessage', APP_FRAME, contents, 'req-late', { message: 'too late' })).toEqual(refused);
    expect(core.chatRequests()).toHaveLength(0);
  });

  it('stopStreams (on quit) also stops a message waiting for a non-streamed answer; it is kept as failed', async () => {
    const contents = new FakeWebContents();
    const core = await setupCore({ defaults: { latencyMs: 3_000 } });
    const registration = registerIpc(core, { isAppUrl });
    const done = double.invoke('studylog:sendProxyMessage', APP_FRAME, contents, { message: 'slow one' }) as Promise<Envelope<ProxyMessageResponse>>;
    await vi.waitFor(() => expect(core.store.sqlite.prepare("SELECT count(*) FROM turn WHERE role = 'user'").pluck().get()).toBe(1), WAIT);
    await registration.stopStreams();
    expect(await done).toMatchObject({ ok: false, body: { code: 'aborted' } });
    const meta = JSON.parse(core.store.sqlite.prepare("SELECT meta FROM turn WHERE role = 'user'").pluck().get() as string);
    expect(meta).toMatchObject({ status: 'failed', error: { code: 'aborted' } });
  });
});

describe('window state', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1040 };

  it('is saved on close and restored, maximized included', () => {
    const stateFile = path.join(tempDir(), 'window-state.json');
    const first = openWindow(stateFile);
    first.setBounds({ x: 100, y: 80, width: 1300, height: 900 });
    first.maximize();
    first.close();
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ x: 100, y: 80, width: 1300, height: 900, maximized: true });
    const second = openWindow(stateFile);
    expect(second.options).toMatchObject({ x: 100, y: 80, width: 1300, height: 900 });
    second.emit('ready-to-show');
    expect(second.maximized).toBe(true);
  });

  it('a missing or damaged file gives the default size, centred', () => {
    const dir = tempDir();
    expect(loadWindowState(path.join(dir, 'none.json'))).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(path.join(dir, 'bad.json'), '{"width": "huge"');
    expect(loadWindowState(path.join(dir, 'bad.json'))).toEqual(DEFAULT_WINDOW_STATE);
    const window = openWindow(path.join(dir, 'bad.json'));
    expect(window.options).toMatchObject({ width: 1280, height: 800, x: 320, y: 120 });
  });

  it('is clamped to a display that exists', () => {
    // Saved on a monitor that is gone: centred on the primary display.
    expect(fitToDisplays({ x: 5000, y: 3000, width: 1200, height: 800, maximized: false }, [primary], primary)).toEqual({
      x: 360,
      y: 120,
      width: 1200,
      height: 800,
      maximized: false,
    });
    // Larger than the display: shrunk to it.
    expect(fitToDisplays({ x: 0, y: 0, width: 4000, height: 3000, maximized: false }, [primary], primary)).toEqual({ x: 0, y: 0, width: 1920, height: 1040, maximized: false });
    // Half off the right edge: moved inside.
    expect(fitToDisplays({ x: 1500, y: 500, width: 1200, height: 800, maximized: true }, [primary], primary)).toEqual({
      x: 720,
      y: 240,
      width: 1200,
      height: 800,
      maximized: true,
    });
    // On a second monitor that is still there: stays there.
    const right = { x: 1920, y: 0, width: 2560, height: 1400 };
    expect(fitToDisplays({ x: 2000, y: 100, width: 1600, height: 1000, maximized: false }, [primary, right], primary)).toMatchObject({ x: 2000, y: 100 });
  });
});

describe('the embedded HTTP server', () => {
  async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('is off by default, follows the settings, and stops on close', async () => {
    const core = await setupCore();
    const embedded = new EmbeddedServer(core, { staticDir: null, log: () => undefined });
    onCleanup(() => void embedded.close());
    await embedded.apply(core.settings.get().server);
    expect(embedded.url).toBeNull();
    const port = await freePort();
    await embedded.apply({ enabled: true, lan: false, port, cors_origins: [] });
    expect(embedded.url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${embedded.url}/api/v1/llm/health`)).json()).toEqual({ status: 'ok' });
    const next = await freePort();
    await embedded.apply({ enabled: true, lan: false, port: next, cors_origins: [] });
    expect(embedded.url).toBe(`http://127.0.0.1:${next}`);
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/llm/health`)).rejects.toThrow();
    await embedded.close();
    expect(embedded.url).toBeNull();
    await expect(fetch(`http://127.0.0.1:${next}/api/v1/llm/health`)).rejects.toThrow();
  });

  it('a port in use is reported, and the app keeps going', async () => {
    const core = await setupCore();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onCleanup(() => void blocker.close());
    const log = vi.fn();
    const embedded = new EmbeddedServer(core, { staticDir: null, log });
    await embedded.apply({ enabled: true, lan: false, port: (blocker.address() as net.AddressInfo).port, cors_origins: [] });
    expect(embedded.url).toBeNull();
    expect(log).toHaveBeenCalledWith(expect.stringContaining('could not start the HTTP server'));
  });
});

describe('lifecycle (index.ts)', () => {
  const saved = { dataDir: process.env.STUDYLOG_DATA_DIR, rendererUrl: process.env.ELECTRON_RENDERER_URL };
  // The shell reports to stderr (server started, database refused); keep the test output clean.
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined));
  afterEach(() => {
    vi.mocked(console.error).mockRestore();
    for (const [key, value] of [
      ['STUDYLOG_DATA_DIR', saved.dataDir],
      ['ELECTRON_RENDERER_URL', saved.rendererUrl],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  /** An app folder as the shell expects it: the migrations and a built renderer. */
  function appRoot(options: { built?: boolean } = {}): string {
    const root = tempDir('studylog-app-');
    symlinkSync(path.join(REPO_ROOT, 'migrations'), path.join(root, 'migrations'));
    if (options.built !== false) {
      mkdirSync(path.join(root, 'out', 'renderer'), { recursive: true });
      writeFileSync(path.join(root, 'out', 'renderer', 'index.html'), '<!doctype html><title>Studylog</title>');
    }
    return root;
  }

  async function launch(dataDir: string, root = appRoot()): Promise<void> {
    double.app.getAppPath.mockReturnValue(root);
    process.env.STUDYLOG_DATA_DIR = dataDir;
    delete process.env.ELECTRON_RENDERER_URL;
    vi.resetModules();
    await import('../../src/main/electron/index.ts');
  }

  it('a second instance quits at once and does nothing else', async () => {
    double.state.singleInstanceLock = false;
    await launch(tempDir());
    expect(double.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(double.app.quit).toHaveBeenCalled();
    expect(double.app.whenReady).not.toHaveBeenCalled();
    expect(double.state.ipcHandlers.size).toBe(0);
    expect(double.state.windows).toHaveLength(0);
  });

  it('starts: lock, sandbox, scheme, database, IPC, window; a second launch focuses it; quitting closes everything', async () => {
    const dataDir = tempDir();
    const root = appRoot();
    await launch(dataDir, root);
    await vi.waitFor(() => expect(double.state.windows).toHaveLength(1), WAIT);
    const window = lastWindow();
    expect(double.app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(double.app.setPath).toHaveBeenCalledWith('userData', dataDir);
    expect(double.app.enableSandbox).toHaveBeenCalled();
    expect(double.state.privilegedSchemes).toEqual([expect.objectContaining({ scheme: 'app' })]);
    expect(double.state.protocolHandlers.has('app')).toBe(true);
    expect(double.state.headersReceived).not.toBeNull();
    expect(double.state.permissionRequest).not.toBeNull();
    expect(double.state.ipcHandlers.size).toBe(ROUTE_NAMES.length + 1);
    expect(window.options.webPreferences!.preload).toBe(path.join(root, 'out', 'preload', 'index.cjs'));
    expect(window.loadedUrl).toBe('app://studylog/');
    expect(existsSync(path.join(dataDir, 'studylog.db'))).toBe(true);

    // The window's page reaches the core.
    const me = (await double.invoke('studylog:getMe', APP_FRAME, window.webContents, {})) as Envelope<{ role: string }>;
    expect(me).toMatchObject({ ok: true, body: { role: 'admin' } });

    double.app.emit('second-instance', {}, [], REPO_ROOT);
    expect(window.focus).toHaveBeenCalled();

    // Turning the server on in settings starts it.
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const updated = (await double.invoke('studylog:updateSettings', APP_FRAME, window.webContents, { server: { enabled: true, port } })) as Envelope;
    expect(updated.ok).toBe(true);
    await vi.waitFor(async () => expect((await fetch(`http://127.0.0.1:${port}/api/v1/llm/health`)).status).toBe(200), WAIT);
    // It serves the built app to browsers too.
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toContain('<title>Studylog</title>');

    // Closing the last window quits; quitting stops the server and closes the database.
    const quit = new Promise<void>((resolve) => double.app.once('quit', () => resolve()));
    window.close();
    await quit;
    await expect(fetch(`http://127.0.0.1:${port}/api/v1/llm/health`)).rejects.toThrow();
    expect(existsSync(path.join(dataDir, 'studylog.db-wal'))).toBe(false);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'window-state.json'), 'utf8'))).toMatchObject({ maximized: false });
  });

  it('a database it cannot open: one clear message, then exit — no window, no retry', async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, 'studylog.db'), 'this is not a database, just text '.repeat(200));
    await launch(dataDir);
    await vi.waitFor(() => expect(double.app.exit).toHaveBeenCalledWith(1), WAIT);
    expect(double.dialog.showErrorBox).toHaveBeenCalledTimes(1);
    const [title, message] = double.dialog.showErrorBox.mock.calls[0]!;
    expect(title).toMatch(/cannot open its database/);
    expect(message).toContain(path.join(dataDir, 'studylog.db'));
    expect(double.state.windows).toHaveLength(0);
    expect(double.state.ipcHandlers.size).toBe(0);
  });

  it('an unbuilt app says how to build it, then exits', async () => {
    await launch(tempDir(), appRoot({ built: false }));
    await vi.waitFor(() => expect(double.app.exit).toHaveBeenCalledWith(1), WAIT);
    expect(double.dialog.showErrorBox).toHaveBeenCalledWith('Studylog is not built', expect.stringContaining('npm run build'));
    expect(double.state.windows).toHaveLength(0);
  });
});
