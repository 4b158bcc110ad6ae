// The built desktop app in a real Electron, driven by Playwright: it opens on app://studylog with
// the CSP, exposes exactly the route table as window.studylog (and no Node), answers through IPC,
// refuses to navigate away, and remembers its window on quit.
//
// Needs Electron's binary, which is fetched lazily and cannot be downloaded on every machine
// (not on the project's build machines). Where it is missing the test is skipped, saying so.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudylogBridge } from '../../src/shared/api/client.ts';
import type { Envelope } from '../../src/shared/api/envelope.ts';
import { ROUTE_NAMES } from '../../src/shared/api/routes.ts';
import { ensureAppBuilt } from '../support/browser.ts';
import { tempDir } from '../support/temp.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The binary electron/index.js would use — looked up without require('electron'), which would try to download it. */
function electronBinary(): string | null {
  const pkg = path.join(ROOT, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkg, 'dist'), relative);
  return relative && existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const SKIP_REASON = " (skipped: Electron's binary is not installed on this machine)";

// What the page's global scope has (the test's tsconfig has no DOM types). Callbacks given to
// page.evaluate run in the page, so they name `globalThis` themselves, never a variable from here.
type PageGlobal = { studylog: StudylogBridge; location: { href: string }; open(url: string): unknown; require?: unknown; process?: unknown };

describe('desktop app (Electron)', () => {
  let app: ElectronApplication | null = null;
  let dataDir = '';

  // The same up-to-date out/ the browser tests use, built under their lock.
  beforeAll(async () => {
    if (binary) await ensureAppBuilt();
  }, 180_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
  });

  it.skipIf(!binary)(
    `opens app://studylog with window.studylog over IPC, sandboxed and locked down${binary ? '' : SKIP_REASON}`,
    async () => {
      dataDir = tempDir('studylog-e2e-');
      const args = [ROOT, `--data-dir=${dataDir}`];
      // Root cannot use Chromium's OS sandbox (the renderer is still sandbox: true, without Node);
      // with no display, Chromium's headless backend.
      if (process.platform === 'linux' && process.getuid?.() === 0) args.unshift('--no-sandbox');
      if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) args.unshift('--ozone-platform=headless');
      const { ELECTRON_RENDERER_URL: _dev, ELECTRON_RUN_AS_NODE: _node, ...env } = process.env;
      app = await _electron.launch({ executablePath: binary!, args, cwd: ROOT, env: env as Record<string, string>, timeout: 60_000 });
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');
      expect(page.url()).toBe('app://studylog/');

      const keys = await page.evaluate(() => Object.keys((globalThis as unknown as PageGlobal).studylog).sort());
      expect(keys).toEqual([...ROUTE_NAMES, 'cancelStream'].sort());
      const me = (await page.evaluate(() => (globalThis as unknown as PageGlobal).studylog.getMe({}))) as Envelope<{ role: string }>;
      expect(me).toMatchObject({ ok: true, status: 200, body: { role: 'admin' } });
      const health = (await page.evaluate(() => (globalThis as unknown as PageGlobal).studylog.health({}))) as Envelope;
      expect(health).toEqual({ ok: true, status: 200, body: { status: 'ok' } });

      // No Node in the page.
      expect(await page.evaluate(() => [typeof (globalThis as unknown as PageGlobal).require, typeof (globalThis as unknown as PageGlobal).process])).toEqual([
        'undefined',
        'undefined',
      ]);
      // The CSP comes with the app's own files.
      const csp = await page.evaluate(() => fetch((globalThis as unknown as PageGlobal).location.href).then((r) => r.headers.get('content-security-policy')));
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      // Nothing else may be fetched.
      expect(
        await page.evaluate(() =>
          fetch('https://example.com/').then(
            () => 'fetched',
            () => 'blocked',
          ),
        ),
      ).toBe('blocked');
      // Neither navigation away nor new windows.
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).open('https://example.com/') ?? null)).toBeNull();
      // Wait for the attempt itself (will-navigate in the main process) instead of a while: the
      // shell's own listener, registered first, has refused it by the time this one hears it.
      type Tried = { navigationTried?: Promise<{ url: string; refused: boolean }> };
      await app.evaluate(({ BrowserWindow }) => {
        const contents = BrowserWindow.getAllWindows()[0]!.webContents;
        (globalThis as Tried).navigationTried = new Promise((resolve) => contents.once('will-navigate', (event) => resolve({ url: event.url, refused: event.defaultPrevented })));
      });
      await page.evaluate(() => {
        (globalThis as unknown as PageGlobal).location.href = 'https://example.com/';
      });
      expect(await app.evaluate(() => (globalThis as Tried).navigationTried)).toEqual({ url: 'https://example.com/', refused: true });
      expect(page.url()).toBe('app://studylog/');
      const windows = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length);
      expect(windows).toBe(1);

      await app.close();
      app = null;
      expect(JSON.parse(readFileSync(path.join(dataDir, 'window-state.json'), 'utf8'))).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
      expect(existsSync(path.join(dataDir, 'studylog.db'))).toBe(true);
    },
    120_000,
  );
});
