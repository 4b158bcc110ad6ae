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

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.api.createAssignment({ id: 'hw-u', title: 'Usage homework' });
  await e2e.api.sendProxyMessage({ message: 'hello there, a chat message' });
  await e2e.api.sendProxyMessage({ message: 'a homework question', mode: 'homework', assignment_id: 'hw-u' });
  await e2e.api.sendProxyMessage({ message: 'think hard [[test:{"reasoning":"step one, step two"}]]', mode: 'deep_think', model: 'deepseek-reasoner' });
  page = await e2e.newPage();
  await page.goto(`${e2e.url}/#/usage`);
  await page.getByTestId('usage-today-cost').waitFor();
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
    // The chart's legend reads out the cost of the day under the cursor: hover today's bar.
    // Hovered again on every try: a chart redrawn after a hover would not update its legend.
    const over = page.getByTestId('usage-chart').locator('.u-over');
    await expect
      .poll(async () => {
        await over.hover({ position: { x: (await over.boundingBox())!.width - 4, y: 100 } });
        return page.getByTestId('usage-chart').locator('.u-legend').textContent();
      })
      .toContain(formatCost(report.total.cost));
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
});
