// The chat as a student meets it, in zh-CN: sending from far up a long session brings the message
// and its answer into view, "jump to latest" appears when scrolled away, display maths is display,
// keyboard shortcuts work (Esc stops, Ctrl+K searches, the help lists them), and the header is one
// line once the session runs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePackage } from '../support/requirements.ts';
import { seedLongSession, sendMessage, startE2E, type E2E } from './harness.ts';

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
interface Box {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect(): { top: number; bottom: number };
  getAttribute(name: string): string | null;
}
declare const document: { querySelector(s: string): Box | null; activeElement: Box | null };
declare const window: { location: { hash: string } };

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;
let longSession: string;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E();
  await e2e.api.updateSettings({ language: 'zh-CN' });
  await e2e.api.createAssignment({ id: 'hw-ux', title: '物理作业：牛顿第二定律' });
  longSession = await seedLongSession(e2e, 400);
  page = await e2e.open({ locale: 'zh-CN' });
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

const lastAssistant = () => page.locator('[data-role="assistant"]').last();
const lastUser = () => page.locator('[data-role="user"]').last();

/** Directive for the test server: `reply` streamed in `chunkSize`-character pieces. */
const reply = (text: string, extra: Record<string, unknown> = {}) => `[[test:${JSON.stringify({ reply: text, ...extra })}]]`;

/** Whether the element is (at least partly) inside the message list's visible area. */
async function inView(selector: 'user' | 'assistant'): Promise<boolean> {
  return page.evaluate((role) => {
    const list = document.querySelector('[data-testid="messages"]')!.getBoundingClientRect();
    const all = (document as unknown as { querySelectorAll(s: string): ArrayLike<Box> }).querySelectorAll(`[data-role="${role}"]`);
    const el = all[all.length - 1];
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.bottom > list.top && r.top < list.bottom;
  }, selector);
}

const scrollState = () =>
  page.evaluate(() => {
    const el = document.querySelector('[data-testid="messages"]')!;
    return { top: el.scrollTop, fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight };
  });

/** Scrolls the list to its top, letting the virtualizer measure between jumps. */
async function scrollToTop() {
  for (let i = 0; i < 50; i++) {
    await page.getByTestId('messages').evaluate((el: Box) => (el.scrollTop = 0));
    await page.getByTestId('messages').hover();
    await page.mouse.wheel(0, -5_000);
    if ((await scrollState()).top === 0 && (await page.locator('[data-role="user"]', { hasText: 'Question 0:' }).count()) === 1) return;
  }
  throw new Error('could not scroll to the top');
}

describe.skipIf(chromium.skip)(`scrolling${chromium.note}`, () => {
  test('sending from the top of a long session brings the message and its answer into view', async () => {
    await page.evaluate((id) => (window.location.hash = `#/chat/${id}`), longSession);
    await page.locator('[data-role="assistant"]', { hasText: 'Answer 399:' }).waitFor();
    await scrollToTop();
    await page.getByTestId('jump-latest').waitFor();
    await e2e.screenshot(page, 'chat-jump-latest');

    await sendMessage(page, `从顶部发送的新问题 ${reply('这是新的回答，应该在屏幕上。')}`);
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    await expect(lastAssistant().textContent()).resolves.toContain('这是新的回答');
    await expect.poll(() => inView('user')).toBe(true);
    await expect.poll(() => inView('assistant')).toBe(true);
    await expect(lastUser().textContent()).resolves.toContain('从顶部发送的新问题');
    await expect.poll(async () => (await scrollState()).fromBottom).toBeLessThan(64);
    await expect(page.getByTestId('jump-latest').count()).resolves.toBe(0);
  });

  test('"jump to latest" appears when scrolled away and brings the newest message back', async () => {
    await scrollToTop();
    await expect(inView('assistant')).resolves.toBe(false);
    await page.getByTestId('jump-latest').click();
    await expect.poll(() => inView('assistant')).toBe(true);
    await expect.poll(async () => (await scrollState()).fromBottom).toBeLessThan(64);
    await expect.poll(() => page.getByTestId('jump-latest').count()).toBe(0);
  });

  test('while an answer streams, a student who scrolled up is not pulled back down', async () => {
    await sendMessage(page, `讲一个长故事 ${reply('很长的故事。'.repeat(150), { chunkDelayMs: 30, chunkSize: 6 })}`);
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('streaming');
    await scrollToTop();
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    // Still at the top: following the answer would have moved it.
    await expect(scrollState()).resolves.toMatchObject({ top: 0 });
    await expect(page.getByTestId('jump-latest').count()).resolves.toBe(1);
  });
});

describe.skipIf(chromium.skip)(`maths${chromium.note}`, () => {
  test('one-line $$…$$, multi-line $$ and \\[…\\] are display maths; \\(…\\) is inline', async () => {
    await page.keyboard.press('Control+Shift+O');
    const text = ['单行公式：', '', '$$E = mc^2$$', '', '多行：', '$$', 'F = ma', '$$', '', '方括号：\\[a^2 + b^2 = c^2\\]', '', '行内 \\(v = at\\) 结束。'].join('\n');
    await sendMessage(page, `公式 ${reply(text)}`);
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    const answer = lastAssistant();
    await expect.poll(() => answer.locator('.katex-display').count()).toBe(3);
    const displays = await answer.locator('.katex-display annotation').allTextContents();
    expect(displays.map((s) => s.trim())).toEqual(['E = mc^2', 'F = ma', 'a^2 + b^2 = c^2']);
    // The inline one: a .katex that is not inside a display block, within its paragraph.
    const inline = answer.locator('p .katex');
    await expect(inline.count()).resolves.toBe(1);
    await expect(inline.locator('annotation').textContent()).resolves.toBe('v = at');
    await e2e.screenshot(page, 'chat-maths');
  });
});

describe.skipIf(chromium.skip)(`an answer the provider cuts${chromium.note}`, () => {
  test('the question says the answer was cut off (not "not sent"), with the partial answer below and a retry', async () => {
    await page.keyboard.press('Control+Shift+O');
    await sendMessage(page, `会被切断的问题 ${reply('第一部分已经到达，后面的部分不会来了。', { fault: { kind: 'cut', afterChunks: 3 } })}`);
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('interrupted');
    await expect(lastAssistant().textContent()).resolves.not.toBe('');
    const status = lastUser().getByTestId('unsent');
    await expect(status.textContent()).resolves.toBe('回答中途中断——可以重试，获取完整回答');
    await expect(lastUser().getByTestId('retry').count()).resolves.toBe(1);
  });
});

describe.skipIf(chromium.skip)(`the header${chromium.note}`, () => {
  test('is compact once the session runs; the pickers are there only before the first message', async () => {
    await page.keyboard.press('Control+Shift+O');
    await page.locator('label.mode-option', { has: page.locator('input[data-mode="homework"]') }).click();
    await page.getByTestId('assignment-picker').selectOption('hw-ux');
    await sendMessage(page, `怎么求加速度？ ${reply('想一想：力和质量之间是什么关系？')}`);
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    await expect(page.getByTestId('assignment-picker').count()).resolves.toBe(0);
    await expect(page.locator('.mode-picker').count()).resolves.toBe(0);
    const header = page.getByTestId('chat-header');
    await expect(header.locator('.badge-mode').textContent()).resolves.toBe('作业辅导');
    await expect(header.getByTestId('assignment-chip').textContent()).resolves.toContain('物理作业');
    await expect(header.getByTestId('model-picker').count()).resolves.toBe(1);
    const box = (await header.boundingBox())!;
    // Compact in a 640-px-tall window (it was a quarter of it): one line, or two where the
    // assignment's and the model's whole names leave the actions no room beside them.
    expect(box.height).toBeLessThan(90);
    await e2e.screenshot(page, 'chat-compact-header');

    // At 800×600 the header wraps rather than squeeze: every control is on-screen, whole, and the
    // title and the assignment keep a readable width.
    await page.setViewportSize({ width: 800, height: 600 });
    try {
      const controls = header.locator('button, select');
      await expect(controls.count()).resolves.toBeGreaterThanOrEqual(3); // model, shortcuts, new chat
      for (const control of await controls.all()) {
        const b = (await control.boundingBox())!;
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width).toBeLessThanOrEqual(800);
        expect(b.y + b.height).toBeLessThanOrEqual(600);
      }
      // Not squeezed to nothing (both hold more than a few characters).
      expect((await header.locator('.chat-title').boundingBox())!.width).toBeGreaterThan(40);
      expect((await header.getByTestId('assignment-chip').boundingBox())!.width).toBeGreaterThan(60);
      const newChat = (await header.getByRole('button', { name: '新对话' }).boundingBox())!;
      expect(newChat.x + newChat.width).toBeLessThanOrEqual((await header.boundingBox())!.x + (await header.boundingBox())!.width);
      await e2e.screenshot(page, 'chat-compact-header-800');
    } finally {
      await page.setViewportSize({ width: 1024, height: 640 });
    }

    // A new chat brings the pickers back.
    await page.getByTestId('chat-header').getByRole('button', { name: '新对话' }).click();
    await page.getByTestId('assignment-picker').waitFor();
  });
});

describe.skipIf(chromium.skip)(`keyboard shortcuts${chromium.note}`, () => {
  test('Esc stops a streaming answer', async () => {
    await page.keyboard.press('Control+Shift+O');
    await sendMessage(page, `慢慢回答 ${reply('字'.repeat(600), { chunkDelayMs: 40, chunkSize: 4 })}`);
    await expect.poll(async () => ((await lastAssistant().locator('.markdown, .plain-text').first().textContent()) ?? '').length).toBeGreaterThan(10);
    await page.keyboard.press('Escape');
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('aborted');
    await expect(lastAssistant().textContent()).resolves.toContain('已停止');
  });

  test('Ctrl+K opens history with the search box focused', async () => {
    await page.keyboard.press('Control+k');
    await expect.poll(() => page.url()).toMatch(/#\/history$/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('history-search');
  });

  test('"/" goes back to the chat with the message box focused; Ctrl+Shift+O starts a new chat', async () => {
    await page.locator('#history-title').click();
    await page.keyboard.press('/');
    await expect.poll(() => page.url()).toMatch(/#\/chat/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer');
    await expect.poll(() => page.locator('[data-role="user"]').count()).toBeGreaterThan(0);
    await page.keyboard.press('Control+Shift+O');
    await expect.poll(() => page.locator('[data-role="user"]').count()).toBe(0);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer');
  });

  test('the help lists the shortcuts: from its button and from Ctrl+/', async () => {
    await page.getByTestId('shortcuts-button').click();
    const help = page.getByTestId('shortcuts-help');
    await help.waitFor();
    for (const label of ['新对话', '停止正在生成的回答', '搜索历史记录']) await expect(help.textContent()).resolves.toContain(label);
    await e2e.screenshot(page, 'chat-shortcuts');
    await page.keyboard.press('Escape');
    await expect.poll(() => help.count()).toBe(0);
    await page.keyboard.press('Control+/');
    await help.waitFor();
    await page.keyboard.press('Control+/');
    await expect.poll(() => help.count()).toBe(0);
  });
});

describe.skipIf(chromium.skip)(`currency${chromium.note}`, () => {
  test('Settings: yuan at an editable rate; a rate that is not a number is refused with a message', async () => {
    await page.locator('a[data-screen="settings"]').click();
    await page.getByTestId('currency-select').selectOption('CNY');
    const rate = page.getByTestId('cny-rate');
    await expect(rate.inputValue()).resolves.toBe('7.1');
    await rate.fill('0');
    await expect(page.locator('#rate-help').textContent()).resolves.toContain('请输入大于 0 的数字');
    await rate.fill('8');
    await expect(page.locator('#rate-help').textContent()).resolves.toContain('此汇率只用于在本设备上换算显示');
    await e2e.screenshot(page, 'settings-currency');
    // The rate in use is the last valid one: a 15-micro-cent reply is 15e-8 × 8 = ¥0.0000012
    // (at the default 7.1 it would read ¥0.0000011).
    await page.evaluate((id) => (window.location.hash = `#/chat/${id}`), longSession);
    await expect.poll(() => page.getByTestId('reply-usage').first().textContent()).toMatch(/· ¥0\.0000012$/);
    await page.locator('a[data-screen="settings"]').click();
    await page.getByTestId('currency-select').selectOption('USD');
  });
});
