// The hint check in a real browser, in zh-CN (tryout 8 item 4): an answer that gives the result
// after 就得到/就是/即 ("这样就得到 y = 2x + 1 了。") is marked 可能直接给出了答案, as "所以…是…"
// was; a hint with the same words and no value ("这样就得到一个关于 k 的方程") is not.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requirePackage } from '../support/requirements.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E({ language: 'zh-CN' });
  await e2e.api.createAssignment({ id: 'hw-line', title: '一次函数：求解析式', subject: '数学', description: '直线经过 $(1,3)$ 和 $(2,5)$，求解析式。' });
  page = await e2e.open();
  await page.locator('label.mode-option', { has: page.locator('input[data-mode="homework"]') }).click();
  await page.getByTestId('assignment-picker').selectOption('hw-line');
  await page.getByTestId('assignment-panel').waitFor();
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const assistants = () => page.locator('[data-role="assistant"]');

/** Sends a question the test provider answers with `reply`; resolves when the answer is complete. */
async function ask(question: string, reply: string) {
  const answered = await assistants().count();
  await sendMessage(page, `${question}[[test:${JSON.stringify({ reply })}]]`);
  await expect.poll(() => assistants().count()).toBe(answered + 1);
  await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');
}

describe.skipIf(chromium.skip)(`the hint check's 得到/就是/即 in Chinese${chromium.note}`, () => {
  test('a hint with 就得到 and no value is not marked; the result after 就得到 is', async () => {
    await ask('这道题怎么开始？', '把两个点分别代入 $y=kx+b$，这样就得到一个关于 $k$ 和 $b$ 的方程组。');
    await expect(assistants().last().getByTestId('flagged').count()).resolves.toBe(0);

    await ask('然后呢？', '两式相减得 $k=2$，再代回去，这样就得到 y = 2x + 1 了。');
    await expect(assistants().last().getByTestId('flagged').textContent()).resolves.toBe('可能直接给出了答案');
    await e2e.screenshot(page, 'hint-check-words-zh-CN');
  });
});
