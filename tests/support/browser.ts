// Real Chromium for the e2e tests: Debian's chromium driven by playwright-core (Playwright cannot
// download its own browsers here; see ../shared/TOOLCHAIN.md), and the renderer build the
// browser loads from `studylog serve`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { buildIsStale as staleAt } from '../../scripts/build-state.mjs';
import { CHROMIUM } from './requirements.ts';

// Tests that launch it say so with requirePackage('chromium') (requirements.ts).
export { CHROMIUM };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCK = path.join(ROOT, 'out/.build.lock');

/**
 * Launches headless Chromium with the flags TOOLCHAIN.md lists. Playwright gives every launch a
 * fresh temporary profile (its own --user-data-dir under the OS temp dir) and removes it on close,
 * so nothing touches ~/.config/chromium.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: this needs Debian package chromium (apt-get install -y chromium), or set STUDYLOG_CHROMIUM.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** out/ is older than its sources (the rule `npm start` uses too: scripts/build-state.mjs). */
export function buildIsStale(): boolean {
  return staleAt(ROOT);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Builds out/ with `electron-vite build` when its sources are newer than the build.
 * Test files run in parallel processes: a lock directory makes one of them build while the others
 * wait for it.
 */
export async function ensureAppBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (buildIsStale()) {
    mkdirSync(path.dirname(LOCK), { recursive: true });
    let mine = false;
    try {
      mkdirSync(LOCK);
      mine = true;
    } catch {
      // Someone else is building; a lock older than 3 minutes is from a crashed run.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 180_000) rmSync(LOCK, { recursive: true, force: true });
    }
    if (mine) {
      try {
        if (!buildIsStale()) return;
        const bin = path.join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js');
        const result = spawnSync(process.execPath, [bin, 'build'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
        if (result.status !== 0) throw new Error(`electron-vite build failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
        return;
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
    }
    if (Date.now() > deadline) throw new Error('Timed out waiting for another test process to build out/.');
    await sleep(250);
  }
}
