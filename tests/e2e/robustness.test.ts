// Screens that never blank: a due date beyond JavaScript's Date range, written straight into the
// SQLite file as old data could hold it, renders as a placeholder on every screen; and a screen
// that fails (here: its code cannot be loaded) shows its own error while the rest of the app works.
// (The "Failed to load resource" / "A screen failed to render" console lines in the output are
// that test's deliberate failure.)
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DB_FILE_NAME } from '../../src/main/core/db/connection.ts';
import { INVALID_DATE } from '../../src/renderer/src/lib/format.ts';
import { requirePackage } from '../support/requirements.ts';
import { startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;
const pageErrors: string[] = [];

/** Beyond ±8.64e15 ms: `new Date(x)` is Invalid Date and Intl.DateTimeFormat#format throws. */
const OUT_OF_RANGE = 9_000_000_000_000_000;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E();
  await e2e.api.updateSettings({ language: 'zh-CN' });
  await e2e.api.createAssignment({ id: 'hw-old', title: '旧数据里的作业', subject: '历史' });
  await e2e.api.sendProxyMessage({ message: '关于旧作业的问题', mode: 'homework', assignment_id: 'hw-old' });
  // Straight into the file, past the API's validation (WAL: the running server sees it at once).
  const db = new Database(path.join(e2e.dataDir, DB_FILE_NAME));
  try {
    db.prepare('UPDATE assignment SET due_at = ? WHERE id = ?').run(BigInt(OUT_OF_RANGE), 'hw-old');
  } finally {
    db.close();
  }
  page = await e2e.newPage({ locale: 'zh-CN' });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(e2e.url);
  await page.getByTestId('composer').waitFor();
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`a timestamp beyond the Date range${chromium.note}`, () => {
  test('the API really returns it (the test is not vacuous)', async () => {
    const stored = (await e2e.api.listAssignments()).find((a) => a.id === 'hw-old');
    expect(stored?.due_at).toBe(OUT_OF_RANGE);
  });

  test('the assignments screen shows the assignment with a placeholder date', async () => {
    await page.locator('a[data-screen="assignments"]').click();
    const card = page.locator('[data-assignment-id="hw-old"]');
    await card.waitFor();
    await expect(card.locator('.due').textContent()).resolves.toContain(INVALID_DATE);
    await expect(page.getByTestId('screen-error').count()).resolves.toBe(0);
    await e2e.screenshot(page, 'assignment-invalid-date');
    // Editing it opens a form with an empty due date instead of garbage.
    await card.getByRole('button', { name: '编辑' }).click();
    await expect(page.locator('dialog input[type="datetime-local"][name="due"]').inputValue()).resolves.toBe('');
    await page.keyboard.press('Escape');
  });

  test('every other screen renders', async () => {
    for (const [screen, ready] of [
      ['chat', '[data-testid="composer"]'],
      ['history', '.session-row'],
      ['usage', '[data-testid="usage-by-assignment"]'],
      ['settings', '#settings-title'],
    ] as const) {
      await page.locator(`a[data-screen="${screen}"]`).click();
      await page.locator(ready).first().waitFor();
      await expect(page.getByTestId('screen-error').count(), screen).resolves.toBe(0);
    }
    expect(pageErrors).toEqual([]);
  });
});

describe.skipIf(chromium.skip)(`the error boundary${chromium.note}`, () => {
  test('a screen that throws shows its own error, localized, and the rest of the app keeps working', async () => {
    // A fresh page where the usage screen's code cannot load: React.lazy throws while rendering.
    const broken = await e2e.newPage({ locale: 'zh-CN' });
    await broken.route(/\/assets\/UsageScreen-[^/]+\.js$/, (route) => route.abort());
    await broken.goto(`${e2e.url}/#/usage`);
    const error = broken.getByTestId('screen-error');
    await error.waitFor();
    await expect(error.textContent()).resolves.toContain('此页面出现问题');
    await expect(error.getByTestId('screen-reload').textContent()).resolves.toBe('重新加载此页面');
    // The sidebar still works, and so do the other screens.
    await expect(broken.locator('nav.sidebar a[data-screen="chat"]').isVisible()).resolves.toBe(true);
    await e2e.screenshot(broken, 'screen-error');
    await broken.locator('a[data-screen="history"]').click();
    await broken.locator('.session-row').first().waitFor();
    await expect(broken.getByTestId('screen-error').count()).resolves.toBe(0);

    // Back on the broken screen, with its code reachable again: "reload" first re-mounts the
    // screen (React.lazy keeps the failed import, so it fails again), then reloads the page.
    await broken.locator('a[data-screen="usage"]').click();
    await error.waitFor();
    await broken.unroute(/\/assets\/UsageScreen-[^/]+\.js$/);
    await broken.getByTestId('screen-reload').click();
    await error.waitFor();
    await broken.getByTestId('screen-reload').click();
    await broken.getByTestId('usage-today-cost').waitFor();
    await expect(broken.getByTestId('screen-error').count()).resolves.toBe(0);
  });
});
