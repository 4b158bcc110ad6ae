// The 学习小结's topics on the Usage screen, in real Chromium and in Chinese (tryout 8 item 5): a
// student who asked twice about 光合作用 saw the chips "光合 合作 作用" (合作 is cooperation). The
// topics are words now — 光合作用, and school terms the dictionary splits (一次|函数, 解析|式) whole.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { localDayKey, nextLocalDay, startOfLocalDay } from '../../src/renderer/src/lib/format.ts';
import { requirePackage } from '../support/requirements.ts';
import { startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E({ language: 'zh-CN' });
  // The tryout student's two questions on 光合作用, and two on 一次函数, each in its own chat.
  for (const message of ['光合作用的产物是什么？', '光合作用需要哪些条件？', '已知一次函数的图像经过点(1,3)和(2,5)，求这个一次函数的解析式', '一次函数的解析式怎么检查？'])
    await e2e.api.sendProxyMessage({ message });
  const today = startOfLocalDay(Date.now());
  await e2e.api.runLearnerSummary({ from: localDayKey(today), to: localDayKey(nextLocalDay(today)) });
  page = await e2e.open({
    storage: { 'studylog.language': 'zh-CN' },
    viewport: { width: 1280, height: 900 },
    route: 'usage',
    ready: (p) => p.getByTestId('learner-day').first(),
  });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`the learner summary's topics in Chinese${chromium.note}`, () => {
  test('are whole words: 一次函数 (said 3 times), 光合作用, 解析式 — not 光合 合作 作用', async () => {
    const day = page.getByTestId('learner-day').first();
    await day.scrollIntoViewIfNeeded();
    await expect(day.getByTestId('learner-messages').textContent()).resolves.toBe('4');
    await expect(day.getByTestId('learner-topics').locator('.chip').allTextContents()).resolves.toEqual(['一次函数', '光合作用', '解析式']);
    await e2e.screenshot(page, 'learner-topics-zh-CN');
  });
});
