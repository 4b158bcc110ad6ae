// The Usage screen in Chinese, with model-made titles on (tryout 7 item 8): the count at the top
// says it counts model calls — answers and the automatic title calls — and so differs from the
// learner summary's count of the messages the student sent; the summary's day is written as the
// app writes every date (2026年11月29日), not as its YYYY-MM-DD key.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatDate, localDayKey, nextLocalDay, startOfLocalDay } from '../../src/renderer/src/lib/format.ts';
import { requirePackage } from '../support/requirements.ts';
import { startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E({ language: 'zh-CN', env: () => ({ STUDYLOG_MODEL_TITLES: 'on' }) });
  // Two messages in one chat, and its automatic title: three model calls, two messages sent.
  const first = await e2e.api.sendProxyMessage({ message: '一次函数的图像为什么是直线？' });
  await e2e.api.waitSessionTitle({ id: first.session_id });
  await e2e.api.sendProxyMessage({ message: '那斜率是什么意思？', meta: { session_id: first.session_id } });
  const today = startOfLocalDay(Date.now());
  await e2e.api.runLearnerSummary({ from: localDayKey(today), to: localDayKey(nextLocalDay(today)) });
  page = await e2e.open({
    storage: { 'studylog.language': 'zh-CN' },
    viewport: { width: 1280, height: 900 },
    route: 'usage',
    ready: (p) => p.getByTestId('usage-today-cost'),
  });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`usage labels in Chinese${chromium.note}`, () => {
  test('the count at the top is model calls (titles included), the learner summary counts messages sent', async () => {
    const calls = page.getByTestId('usage-calls');
    await expect(calls.locator('.stat-label').textContent()).resolves.toBe('模型调用次数');
    await expect(calls.locator('.stat-value').textContent()).resolves.toBe('3');
    await expect(calls.textContent()).resolves.toContain('自动生成标题也算');
    // The tables' column says the same.
    await expect(page.getByTestId('usage-by-mode').locator('thead th').nth(1).textContent()).resolves.toBe('调用次数');
    await expect(page.getByText('消息数', { exact: true }).count()).resolves.toBe(0);
    await e2e.screenshot(page, 'usage-labels-zh-CN');

    const day = page.getByTestId('learner-day').first();
    await day.scrollIntoViewIfNeeded();
    await expect(day.getByTestId('learner-messages').textContent()).resolves.toBe('2');
    await expect(day.locator('dt').nth(1).textContent()).resolves.toBe('发出的消息');
  });

  test("the learner summary's day is written as every other date in the app", async () => {
    const date = page.getByTestId('learner-date').first();
    const expected = formatDate(startOfLocalDay(Date.now()), 'zh-CN');
    expect(expected).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    await expect(date.textContent()).resolves.toBe(expected);
    await date.scrollIntoViewIfNeeded();
    await e2e.screenshot(page, 'usage-learner-zh-CN');
  });
});
