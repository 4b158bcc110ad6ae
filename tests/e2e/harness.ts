// One e2e world per test file: a fresh `studylog serve` child on a temp data dir, the
// OpenAI-compatible test server as its provider, a typed API client with the admin token, and
// headless Chromium. Everything is torn down in afterAll by the file that started it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { createClient, httpTransport, type StudylogClient } from '../../src/shared/api/client.ts';
import { CLI } from '../support/cli.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { ensureAppBuilt, launchBrowser } from '../support/browser.ts';
import { parseServeBlock, SERVE_LOCALE_ENV } from '../support/serve-output.ts';
import { startOpenAITestServer, type OpenAITestServer } from '../support/openai-test-server.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };

export interface PageOptions {
  /** Signed in with the admin token (default true). */
  signedIn?: boolean;
  /** The browser's locale (default the world's language: zh-CN, or en-US). */
  locale?: string;
  colorScheme?: 'light' | 'dark';
  /** The window's size (default 1024×640; from 1100 px wide the conversation sidebar sits beside the chat). */
  viewport?: { width: number; height: number };
  /** localStorage entries set before the app loads (e.g. `studylog.language`). */
  storage?: Record<string, string>;
}

export interface OpenOptions extends PageOptions {
  /** The hash route to open (`usage` → `#/usage`); default the app's address (the chat). */
  route?: string;
  /** What shows once the screen is ready (default the chat's composer); null: do not wait. */
  ready?: ((page: Page) => Locator) | null;
}

export const PROVIDER_KEY = 'fake-key-e2e-NEVER-SHOWN-7f3a9c1d2e4b';
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export interface E2E {
  url: string;
  token: string;
  /** The one-time sign-in link `studylog serve` printed (unused until a test opens it). */
  signinUrl: string;
  dataDir: string;
  llm: OpenAITestServer;
  api: StudylogClient;
  browser: Browser;
  /** Every URL any page of this world requested, to prove nothing leaves for the internet. */
  requests: string[];
  newPage(options?: PageOptions): Promise<Page>;
  /** A new page (newPage) opened at `route`, returned once `ready` shows. */
  open(options?: OpenOptions): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The server's keychain: `inherit` whatever session this process has; `none` no D-Bus session at
 * all (the keychain is really unavailable, as on a headless box); `private` a private D-Bus
 * session with an unlocked gnome-keyring (the recipe of tests/integration/keychain.test.ts).
 */
export type KeychainMode = 'inherit' | 'none' | 'private';

export interface E2EOptions {
  /** Configure the OpenAI-compatible test server as provider `test` (default true). */
  provider?: boolean;
  /** The settings' language (default en). */
  language?: 'en' | 'zh-CN';
  keychain?: KeychainMode;
  /** More `serve` flags, e.g. ['--rate-limit', 'off'] for a benchmark that reloads the app quickly. */
  args?: string[];
  /** More environment for the server, e.g. OPENAI_BASE_URL pointing at the test server. */
  env?: (llm: OpenAITestServer) => Record<string, string>;
}

function childEnv(extra: Record<string, string>, keychain: KeychainMode): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(STUDYLOG_|OPENAI_)/.test(k)) env[k] = v;
  if (keychain !== 'inherit') delete env.DBUS_SESSION_BUS_ADDRESS;
  return { ...env, ...SERVE_LOCALE_ENV, ...extra };
}

async function spawnServe(
  dataDir: string,
  env: Record<string, string>,
  keychain: KeychainMode,
  args: readonly string[],
): Promise<{ child: ChildProcess; url: string; token: string; signinUrl: string }> {
  const serve = [CLI, 'serve', '--data-dir', dataDir, '--port', '0', ...args];
  let child: ChildProcess;
  if (keychain === 'private') {
    // The keyring lives in the data dir's sibling home, never the developer's own.
    const home = path.join(dataDir, 'home');
    mkdirSync(home, { mode: 0o700 });
    const script = 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$0" "$@"';
    child = spawn('dbus-run-session', ['--', 'sh', '-c', script, process.execPath, ...serve], {
      env: childEnv({ ...env, HOME: home, XDG_DATA_HOME: home, XDG_RUNTIME_DIR: home }, keychain),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: close() stops the session bus and the keyring with the server.
      detached: true,
    });
  } else {
    child = spawn(process.execPath, serve, { env: childEnv(env, keychain), stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`studylog serve did not start.\nstdout: ${out}\nstderr: ${err}`));
    }, 20_000);
    const check = () => {
      const block = parseServeBlock(out);
      if (block?.adminToken) {
        clearTimeout(timer);
        resolve({ child, url: block.url, token: block.adminToken, signinUrl: block.signinUrl });
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`studylog serve exited (${code}).\nstdout: ${out}\nstderr: ${err}`));
    });
  });
}

export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const language = options.language ?? 'en';
  const keychain = options.keychain ?? 'inherit';
  const [, llm] = await Promise.all([ensureAppBuilt(), startOpenAITestServer({ requiredApiKey: PROVIDER_KEY })]);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'studylog-e2e-'));
  const { child, url, token, signinUrl } = await spawnServe(
    dataDir,
    // Model-made titles off: a test's provider calls and titles stay the ones it makes (a test may turn them on in `env`).
    { STUDYLOG_TEST_KEY: PROVIDER_KEY, STUDYLOG_TEST_BASE_URL: llm.url, STUDYLOG_MODEL_TITLES: 'off', ...options.env?.(llm) },
    keychain,
    options.args ?? [],
  );
  const api = createClient(httpTransport({ baseUrl: url, token }));
  if (options.provider === false) {
    // A first run: no provider at all.
    await api.updateSettings({ language });
  } else {
    // The test provider: no SDK retries, so an injected failure fails at once.
    await api.updateSettings({
      providers: [
        {
          id: 'test',
          name: 'Test provider',
          kind: 'other',
          base_url: llm.url,
          models: llm.models,
          default_model: 'gpt-4o-mini',
          api_key_ref: { source: 'env', var: 'STUDYLOG_TEST_KEY' },
          timeout_ms: 5_000,
          max_retries: 0,
        },
      ],
      default_provider_id: 'test',
      language,
    });
  }
  const browser = await launchBrowser();
  const requests: string[] = [];
  const contexts: BrowserContext[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });
  const newPage = async (options: PageOptions = {}): Promise<Page> => {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1024, height: 640 },
      locale: options.locale ?? (language === 'zh-CN' ? 'zh-CN' : 'en-US'),
      colorScheme: options.colorScheme ?? 'light',
      acceptDownloads: true,
    });
    contexts.push(context);
    const storage = { ...(options.signedIn !== false ? { 'studylog.token': token } : {}), ...options.storage };
    if (Object.keys(storage).length > 0)
      await context.addInitScript((entries) => {
        for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
      }, storage);
    context.on('request', (r) => requests.push(r.url()));
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (401|404|422|409|502|503)/.test(m.text())) console.error(`[console] ${JSON.stringify(m.text())} ${JSON.stringify(m.location())}`);
    });
    return page;
  };

  return {
    url,
    token,
    signinUrl,
    dataDir,
    llm,
    api,
    browser,
    requests,
    newPage,
    async open({ route, ready = composer, ...options } = {}) {
      const page = await newPage(options);
      await page.goto(route === undefined ? url : `${url}/#/${route}`);
      if (ready) await ready(page).waitFor();
      return page;
    },
    async screenshot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
    },
    async close() {
      await Promise.allSettled(contexts.map((c) => c.close()));
      await browser.close().catch(() => {});
      // A private keychain runs in the child's own process group (dbus-run-session, the bus, the server).
      const stop = (signal: NodeJS.Signals) => (keychain === 'private' && child.pid ? process.kill(-child.pid, signal) : child.kill(signal));
      if (child.exitCode === null) stop('SIGTERM');
      const killer = setTimeout(() => child.exitCode === null && stop('SIGKILL'), 5_000);
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      clearTimeout(killer);
      await llm.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The chat's message box. */
export function composer(page: Page): Locator {
  return page.getByTestId('composer');
}

/** Types `text` into the chat's message box and sends it (Enter). */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** The id of the session the chat shows (from `#/chat/<id>`), or null on a new chat. */
export function currentSessionId(page: Page): Promise<string | null> {
  return page.evaluate(() => (globalThis as unknown as { location: { hash: string } }).location.hash.match(/chat\/([^?]+)/)?.[1] ?? null);
}

/** Waits until `fn` returns something truthy (polling), or throws with `what`. */
export async function eventually<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
interface ScrollBox {
  scrollTop: number;
  querySelectorAll(selector: string): { length: number };
}
declare const document: { querySelector(selector: string): ScrollBox | null };
declare function requestAnimationFrame(callback: (now: number) => void): number;

/**
 * Seeds one session of `turns` turns (Markdown and maths in the answers) straight into the
 * server's SQLite file (WAL: the running server sees it at once); returns its id.
 */
export async function seedLongSession(e2e: E2E, count: number): Promise<string> {
  const me = await e2e.api.getMe();
  let sessionId = '';
  const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
  try {
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    const start = Date.now() - count * 1_000;
    store.transaction('seed a long session', (db) => {
      const session = sessions.insertNewSession(db, { user_id: me.id, mode: 'chat', started_at: start, meta: { title: 'A very long session' } });
      sessionId = session.id;
      for (let i = 0; i < count; i++) {
        const user = i % 2 === 0;
        const content = user
          ? `Question ${i}: what is ${i} squared?`
          : i % 10 === 1
            ? `Answer ${i}: $${i - 1}^2 = ${(i - 1) ** 2}$, because\n\n$$\n(${i - 1})^2 = ${i - 1} \\times ${i - 1}\n$$`
            : `Answer ${i}: it is **${(i - 1) ** 2}**.\n\n- first a list item\n- and another one with \`code\``;
        turns.insertNewTurn(db, {
          session_id: session.id,
          content,
          model: 'gpt-4o-mini',
          tokens_in: 20,
          tokens_out: user ? 0 : 12,
          cost: user ? 0 : 15,
          created_at: start + i * 1_000,
          ...(user
            ? { role: 'user' as const, meta: { status: 'answered' as const } }
            : { role: 'assistant' as const, meta: { status: 'complete' as const, usage: { estimated: false, price_known: true } } }),
        });
      }
    });
  } finally {
    store.close();
  }
  return sessionId;
}

/** Scrolls the open chat from the bottom to the top one wheel-sized jump per frame; frame gaps and DOM size. */
export async function measureScroll(page: Page): Promise<{ steps: number; median: number; p95: number; maxNodes: number; top: number }> {
  return page.evaluate(async () => {
    const el = document.querySelector('[data-testid="messages"]')!;
    const frame = () => new Promise<number>((r) => requestAnimationFrame(r));
    const gaps: number[] = [];
    let maxNodes = 0;
    let last = await frame();
    // Wheel-sized jumps from the bottom to the top, one per frame.
    for (let i = 0; i < 400 && el.scrollTop > 0; i++) {
      el.scrollTop = Math.max(0, el.scrollTop - 5_000);
      const now = await frame();
      gaps.push(now - last);
      last = now;
      maxNodes = Math.max(maxNodes, el.querySelectorAll('.message-slot').length);
    }
    // Let the virtualizer measure what is now on screen, then make sure we are at the top.
    for (let i = 0; i < 20 && el.scrollTop > 0; i++) {
      el.scrollTop = 0;
      await frame();
    }
    gaps.sort((a, b) => a - b);
    return { steps: gaps.length, median: gaps[Math.floor(gaps.length / 2)]!, p95: gaps[Math.floor(gaps.length * 0.95)]!, maxNodes, top: el.scrollTop };
  });
}

/** A loopback port nothing listens on: a local model server that is not running. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}
