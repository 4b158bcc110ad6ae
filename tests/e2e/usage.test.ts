// Usage in a real browser: the day's cost in the chart's summary equals what the API reports, the
// chart is drawn, and the tables break it down by mode, assignment and model.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { formatCost } from '../../src/renderer/src/lib/format.ts';
import { startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
interface Rect {
  left: number;
  right: number;
  top: number;
  bottom: number;
  width: number;
}
interface El {
  getBoundingClientRect(): Rect;
  querySelector(s: string): El | null;
}
interface CanvasEl extends El {
  width: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
}
declare const document: { querySelector(s: string): El | null };
declare const localStorage: { setItem(key: string, value: string): void };

/**
 * Today's bar, read off the canvas: bar-coloured (blue) pixels in the last day's slot, and how far
 * the middle of their horizontal extent is from the slot's middle (CSS px). A bar cut by the
 * chart's edge is off-centre (its right half is missing).
 */
function lastBar(days: number): Promise<{ pixels: number; offCentre: number }> {
  return page.evaluate((n) => {
    const root = document.querySelector('[data-testid="usage-chart"]')!;
    const canvas = root.querySelector('canvas') as CanvasEl;
    const c = canvas.getBoundingClientRect();
    const o = root.querySelector('.u-over')!.getBoundingClientRect();
    const ratio = canvas.width / c.width;
    const y = Math.round((o.top - c.top) * ratio);
    const h = Math.round((o.bottom - o.top) * ratio);
    const right = Math.round((o.right - c.left) * ratio);
    const slot = (o.width / n) * ratio;
    const x0 = Math.floor(right - slot);
    const w = right - x0;
    const d = canvas.getContext('2d').getImageData(x0, y, w, h).data;
    let pixels = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < d.length; i += 4) {
      if (!(d[i + 3]! > 0 && d[i + 2]! > d[i]! + 40)) continue;
      pixels++;
      const x = (i / 4) % w;
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    return { pixels, offCentre: pixels ? Math.abs(x0 + (min + max + 1) / 2 - (right - slot / 2)) / ratio : Infinity };
  }, days);
}

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.api.createAssignment({ id: 'hw-u', title: 'Usage homework' });
  await e2e.api.sendProxyMessage({ message: 'hello there, a chat message' });
  await e2e.api.sendProxyMessage({ message: 'a homework question', mode: 'homework', assignment_id: 'hw-u' });
  await e2e.api.sendProxyMessage({ message: 'think hard [[test:{"reasoning":"step one, step two"}]]', mode: 'deep_think', model: 'deepseek-reasoner' });
  page = await e2e.open({ route: 'usage', ready: (p) => p.getByTestId('usage-today-cost') });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`usage${chromium.note}`, () => {
  test("shows today's cost as the API reports it, and draws the chart", async () => {
    const now = new Date();
    const from = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    const report = await e2e.api.getUsage({ from, to: from + 86_400_000, group: 'day', tz_offset_minutes: -now.getTimezoneOffset() });
    expect(report.total.cost).toBeGreaterThan(0);
    await expect(page.getByTestId('usage-today-cost').textContent()).resolves.toBe(formatCost(report.total.cost));
    await expect.poll(() => page.getByTestId('usage-chart').locator('canvas').count()).toBe(1);
    const box = await page.getByTestId('usage-chart').locator('canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    // The legend reads out the day under the cursor: hover today's bar (the last slot).
    const over = page.getByTestId('usage-chart').locator('.u-over');
    await over.hover({ position: { x: (await over.boundingBox())!.width - 4, y: 100 } });
    await expect.poll(() => page.getByTestId('usage-legend-cost').textContent()).toBe(formatCost(report.total.cost));
    await expect(page.getByTestId('usage-legend-tokens').textContent()).resolves.toBe(new Intl.NumberFormat('en').format(report.total.tokens_in + report.total.tokens_out));
    await expect(page.getByTestId('usage-legend-day').textContent()).resolves.toBe(new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(from));
    await e2e.screenshot(page, 'usage');
  });

  test('breaks usage down by mode, assignment and model', async () => {
    const byMode = page.getByTestId('usage-by-mode');
    for (const name of ['Chat', 'Homework', 'Deep think']) await expect(byMode.locator('tbody th', { hasText: name }).count()).resolves.toBe(1);
    const byAssignment = page.getByTestId('usage-by-assignment');
    await expect(byAssignment.locator('tbody th', { hasText: 'Usage homework' }).count()).resolves.toBe(1);
    await expect(byAssignment.locator('tbody th', { hasText: 'No assignment' }).count()).resolves.toBe(1);
    const byModel = page.getByTestId('usage-by-model');
    await expect(byModel.locator('tbody th', { hasText: 'deepseek-reasoner' }).count()).resolves.toBe(1);
    await expect(byModel.locator('tbody th', { hasText: 'gpt-4o-mini' }).count()).resolves.toBe(1);
  });

  test('switching the range keeps today in view', async () => {
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');
    await expect(page.getByTestId('usage-today-cost').textContent()).resolves.not.toBe('$0');
  });

  test("the legend follows the cursor: the first day's values, then today's", async () => {
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    const over = page.getByTestId('usage-chart').locator('.u-over');
    await over.hover({ position: { x: 4, y: 100 } });
    const now = new Date();
    const first = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 6).getTime();
    await expect.poll(() => page.getByTestId('usage-legend-day').textContent()).toBe(new Intl.DateTimeFormat('en', { dateStyle: 'medium' }).format(first));
    await expect(page.getByTestId('usage-legend-cost').textContent()).resolves.toBe('$0');
    await expect(page.getByTestId('usage-legend-tokens').textContent()).resolves.toBe('0');
    await over.hover({ position: { x: (await over.boundingBox())!.width - 4, y: 100 } });
    await expect.poll(() => page.getByTestId('usage-legend-cost').textContent()).not.toBe('$0');
  });

  test("today's bar is drawn whole at every range (not cut at the chart's edge)", async () => {
    for (const n of [7, 30, 90]) {
      await page.getByRole('button', { name: `Last ${n} days` }).click();
      await expect.poll(() => page.getByRole('button', { name: `Last ${n} days` }).getAttribute('aria-pressed')).toBe('true');
      await expect.poll(async () => (await lastBar(n)).offCentre, { message: `${n} days` }).toBeLessThanOrEqual(1.5);
      expect((await lastBar(n)).pixels, `${n} days`).toBeGreaterThan(0);
    }
  });

  test('costs in yuan at the rate set in Settings; stored values unchanged', async () => {
    const before = await e2e.api.getUsage({ from: 0, to: Date.now() + 86_400_000, group: 'mode', tz_offset_minutes: 0 });
    await page.goto(`${e2e.url}/#/settings`);
    await page.getByTestId('currency-select').selectOption('CNY');
    await page.getByTestId('cny-rate').fill('7.25');
    await page.goto(`${e2e.url}/#/usage`);
    const now = new Date();
    const from = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    const today = await e2e.api.getUsage({ from, to: from + 86_400_000, group: 'day', tz_offset_minutes: -now.getTimezoneOffset() });
    const cny = formatCost(today.total.cost, { currency: 'CNY', rate: 7.25 });
    expect(cny).toMatch(/^¥/);
    await expect.poll(() => page.getByTestId('usage-today-cost').textContent()).toBe(cny);
    await expect(page.getByTestId('usage-by-mode').textContent()).resolves.toContain('¥');
    await expect(page.getByTestId('usage-by-mode').textContent()).resolves.not.toContain('$');
    // A chat opened from history shows its replies' cost in yuan too.
    const session = (await e2e.api.getUserSessions({ mode: 'chat', limit: 1 })).items[0]!;
    await page.goto(`${e2e.url}/#/chat/${session.id}`);
    await expect.poll(() => page.getByTestId('reply-usage').first().textContent()).toMatch(/· ¥0\.\d+/);
    await expect(page.getByTestId('session-totals').textContent()).resolves.toMatch(/¥/);
    // The preference survives a reload; the stored costs did not change.
    await page.reload();
    await expect.poll(() => page.getByTestId('session-totals').textContent()).toMatch(/¥/);
    const after = await e2e.api.getUsage({ from: 0, to: Date.now() + 86_400_000, group: 'mode', tz_offset_minutes: 0 });
    expect(after.total.cost).toBe(before.total.cost);

    // Back to dollars.
    await page.goto(`${e2e.url}/#/settings`);
    await page.getByTestId('currency-select').selectOption('USD');
    await expect(page.getByTestId('cny-rate').count()).resolves.toBe(0);
  });

  test('in Chinese, the legend labels its values', async () => {
    const zh = await e2e.newPage({ locale: 'zh-CN' });
    await zh.addInitScript(() => localStorage.setItem('studylog.language', 'zh-CN'));
    await e2e.api.updateSettings({ language: 'zh-CN' });
    try {
      await zh.goto(`${e2e.url}/#/usage`);
      await zh.getByRole('button', { name: '最近 7 天' }).click();
      const over = zh.getByTestId('usage-chart').locator('.u-over');
      await over.waitFor();
      await over.hover({ position: { x: (await over.boundingBox())!.width - 4, y: 100 } });
      await expect.poll(() => zh.getByTestId('usage-legend-cost').textContent()).toMatch(/^\$0\.\d+/);
      const legend = (await zh.getByTestId('usage-legend').textContent()) ?? '';
      expect(legend).toMatch(/日期.+费用\$0\.\d+.+token 数[\d,]+/);
      await e2e.screenshot(zh, 'usage-zh-CN');
    } finally {
      await e2e.api.updateSettings({ language: 'en' });
    }
  });
});
