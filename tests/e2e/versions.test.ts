// Versions in the chat, in zh-CN: editing a sent message sends it as a new version beside the old
// one (‹ 2 / 2 ›), regenerating an answer (with another model) adds an answer beside the old one,
// ‹ › switches the branch shown below — and the choice survives a reload. What the model is sent
// follows the branch.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { requirePackage } from '../support/requirements.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
interface Element {
  textContent: string | null;
  querySelector(selector: string): Element | null;
}

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E({ language: 'zh-CN' });
  page = await e2e.open();
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

const messages = () => page.locator('[data-role]');
const users = () => page.locator('[data-role="user"]');
const answers = () => page.locator('[data-role="assistant"]');
/** What the chat shows, top to bottom: each message's text and its ‹ n / m › (if it has versions). */
const shown = () =>
  messages().evaluateAll((els) =>
    (els as unknown as Element[]).map((el) => {
      const text = (el.querySelector('.plain-text, .markdown') ?? el).textContent?.trim() ?? '';
      const count = el.querySelector('[data-testid="version-count"]')?.textContent?.replace(/\s+/g, ' ').trim() ?? null;
      return count ? `${text} ‹${count}›` : text;
    }),
  );
/** The messages of the last call to the model, without the system prompt. */
const lastSent = () =>
  (e2e.llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body.messages as { role: string; content: string }[])
    .filter((m) => m.role !== 'system')
    .map((m) => m.content);

const idle = () => expect.poll(() => page.getByTestId('send').isVisible(), { timeout: 10_000 }).toBe(true);

describe.skipIf(chromium.skip)(`versions${chromium.note}`, () => {
  test('edit a message, regenerate an answer, switch with ‹ › — the choice survives a reload', async () => {
    await sendMessage(page, '什么是勾股定理？');
    await expect.poll(() => answers().count()).toBe(1);
    await idle();
    await sendMessage(page, '举个例子');
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举个例子', 'Echo: 举个例子']);
    await idle();

    // Edit the second message: the edited text goes as a new version; the old one stays a ‹ › away.
    await users().nth(1).getByTestId('edit').click();
    await users().nth(1).getByTestId('edit-input').fill('举一个直角三角形的例子');
    await users().nth(1).getByTestId('edit-send').click();
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举一个直角三角形的例子 ‹2 / 2›', 'Echo: 举一个直角三角形的例子']);
    expect(lastSent()).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举一个直角三角形的例子']);
    await idle();

    // Regenerate the last answer with another model the mode allows.
    e2e.llm.script({ reply: '例如边长 3、4、5 的三角形。' });
    await answers().nth(1).getByTestId('regenerate-model').selectOption('deepseek-chat');
    await answers().nth(1).getByTestId('regenerate').click();
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举一个直角三角形的例子 ‹2 / 2›', '例如边长 3、4、5 的三角形。 ‹2 / 2›']);
    await expect(answers().nth(1).textContent()).resolves.toContain('deepseek-chat');
    expect(e2e.llm.requests.at(-1)!.body.model).toBe('deepseek-chat');
    expect(lastSent()).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举一个直角三角形的例子']);
    await idle();

    // ‹ on the answer: the first answer again.
    await expect(answers().nth(1).getByTestId('versions').getAttribute('aria-label')).resolves.toBe('第 2 版，共 2 版');
    await answers().nth(1).getByTestId('version-prev').click();
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举一个直角三角形的例子 ‹2 / 2›', 'Echo: 举一个直角三角形的例子 ‹1 / 2›']);
    await page.reload();
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举一个直角三角形的例子 ‹2 / 2›', 'Echo: 举一个直角三角形的例子 ‹1 / 2›']);

    // ‹ on the message: the first version, with what followed it.
    await users().nth(1).getByTestId('version-prev').click();
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举个例子 ‹1 / 2›', 'Echo: 举个例子']);
    await page.reload();
    await expect.poll(shown).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举个例子 ‹1 / 2›', 'Echo: 举个例子']);

    // The next message continues the branch shown.
    await sendMessage(page, '再解释一下');
    await expect.poll(() => answers().count()).toBe(3);
    await idle();
    expect(lastSent()).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举个例子', 'Echo: 举个例子', '再解释一下']);

    // Every version is kept: the API lists them all with their parents, and the active branch alone.
    const sessionId = decodeURIComponent(/chat\/([^?]+)/.exec(page.url())![1]!);
    const all = await e2e.api.getSessionTurns({ id: sessionId });
    expect(all.map((t) => t.content)).toEqual([
      '什么是勾股定理？',
      'Echo: 什么是勾股定理？',
      '举个例子',
      'Echo: 举个例子',
      '举一个直角三角形的例子',
      'Echo: 举一个直角三角形的例子',
      '例如边长 3、4、5 的三角形。',
      '再解释一下',
      'Echo: 再解释一下',
    ]);
    const active = await e2e.api.getSessionTurns({ id: sessionId, path: 'active' });
    expect(active.map((t) => t.content)).toEqual(['什么是勾股定理？', 'Echo: 什么是勾股定理？', '举个例子', 'Echo: 举个例子', '再解释一下', 'Echo: 再解释一下']);
    await e2e.screenshot(page, 'versions-zh');
  }, 60_000);
});
