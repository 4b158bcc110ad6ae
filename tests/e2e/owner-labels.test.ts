// Tryout 10's smaller findings, in zh-CN at 1280×800: the student on their own laptop is the
// installation's owner — an admin by role — and the sidebar says "本机所有者" under their name,
// never "管理员" (and nothing under the name while the name line itself says 本机所有者); the
// Usage chart's legend writes "token" as the rest of the app does, not "Token".
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requirePackage } from '../support/requirements.ts';
import { startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');
const VIEWPORT = { width: 1280, height: 800 };

// Runs in the page; the tests compile without the DOM library.
declare const document: { querySelector(s: string): { innerText: string } | null };

let e2e: E2E;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E({ language: 'zh-CN' });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`the owner's labels${chromium.note}`, () => {
  test('under the owner’s name: nothing while unnamed, then 本机所有者 — never 管理员', async () => {
    const page = await e2e.open({ viewport: VIEWPORT });
    await expect(page.locator('.me-name').textContent()).resolves.toBe('本机所有者');
    await expect(page.locator('.me-role').count()).resolves.toBe(0);

    await e2e.api.updateMe({ name: '李明' });
    await page.reload();
    await page.getByTestId('composer').waitFor();
    await expect(page.locator('.me-name').textContent()).resolves.toBe('李明');
    await expect(page.locator('.me-role').textContent()).resolves.toBe('本机所有者');
    await expect(page.locator('.sidebar-foot').textContent()).resolves.not.toContain('管理员');
    await e2e.screenshot(page, 'owner-label-zh');
    await page.context().close();
  });

  test('the Usage chart’s legend says "token 数", not "Token"', async () => {
    await e2e.api.sendProxyMessage({ message: '一次函数的图像为什么是直线？' });
    const page = await e2e.open({ route: 'usage', viewport: VIEWPORT, ready: (p) => p.locator('main h1') });
    await expect.poll(() => page.evaluate(() => document.querySelector('main')?.innerText ?? '')).toContain('token 数');
    const text = await page.evaluate(() => document.querySelector('main')?.innerText ?? '');
    expect(text).not.toMatch(/Token/);
    await e2e.screenshot(page, 'usage-legend-zh');
    await page.context().close();
  });
});
