// Find and copy, in zh-CN (issue 12, items 4-6): the sidebar's search finds a session by a word of
// its title; a search hit opens its session scrolled to the message, highlighted; an answer copies
// as plain text and a formula as LaTeX (the real clipboard of Chromium, permissions granted); a
// study template picked beside 新对话 seeds the new session's system prompt.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { builtinTemplate } from '../../src/shared/templates.ts';
import { requirePackage } from '../support/requirements.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
interface Rect {
  top: number;
  bottom: number;
}
declare const document: { querySelector(s: string): { getBoundingClientRect(): Rect } | null };
declare const navigator: { clipboard: { readText(): Promise<string> } };
declare const location: { hash: string };

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;
const ids = { long: '', formula: '', target: '' };

/** Two sessions straight into the server's SQLite file: a long one (one message about 光合作用 in the middle) and one with a formula. */
async function seed() {
  const me = await e2e.api.getMe();
  const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
  try {
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    store.transaction('seed find-and-copy sessions', (db) => {
      const start = Date.now() - 3_600_000;
      const long = sessions.insertNewSession(db, { user_id: me.id, mode: 'chat', started_at: start, meta: { title: '我们今天学数学' } });
      ids.long = long.id;
      for (let i = 0; i < 60; i++) {
        // One answer in the middle is about 光合作用.
        const middle = i === 31;
        const fields = { session_id: long.id, created_at: start + i * 1_000 };
        const turn =
          i % 2 === 0
            ? turns.insertNewTurn(db, { ...fields, role: 'user', content: `第 ${i} 条消息：这是一段普通的问题，用来把会话撑长。`, meta: { status: 'answered' } })
            : turns.insertNewTurn(db, {
                ...fields,
                role: 'assistant',
                content: middle ? '**光合作用**把光能变成化学能。' : `第 ${i} 条回答：这是一段普通的对话内容。`,
                meta: { status: 'complete' },
              });
        if (middle) ids.target = turn.id;
      }
      const formula = sessions.insertNewSession(db, { user_id: me.id, mode: 'chat', started_at: start + 120_000, meta: { title: '公式练习' } });
      ids.formula = formula.id;
      turns.insertNewTurn(db, { session_id: formula.id, role: 'user', content: '平方怎么写？', created_at: start + 120_000, meta: { status: 'answered' } });
      turns.insertNewTurn(db, {
        session_id: formula.id,
        role: 'assistant',
        content: '**粗体** 和 $x^2 + 1$ 就是这样。',
        created_at: start + 121_000,
        meta: { status: 'complete' },
      });
    });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E({ language: 'zh-CN' });
  await seed();
  page = await e2e.open({ viewport: { width: 1280, height: 720 }, ready: (p) => p.getByTestId('conv-sidebar').locator('.conv-row').first() });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(e2e.url).origin });
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

const readClipboard = () => page.evaluate(() => navigator.clipboard.readText());

describe.skipIf(chromium.skip)(`find and copy${chromium.note}`, () => {
  test('the sidebar’s search finds a session by a word of its title (数学 in 我们今天学数学)', async () => {
    const sidebar = page.getByTestId('conv-sidebar');
    await page.getByTestId('conv-search').fill('数学');
    await expect.poll(() => sidebar.locator('.conv-row:not(.conv-hit) .conv-title').allTextContents()).toEqual(['我们今天学数学']);
    await page.getByTestId('conv-search').fill('');
  });

  test('a search hit in History opens its session scrolled to the message, highlighted', async () => {
    await page.goto(`${e2e.url}#/history`);
    await page.getByTestId('history-search').fill('光合');
    const hit = page.getByTestId('search-hit').first();
    // The snippet is plain text: no ** from the Markdown.
    await expect.poll(() => hit.locator('.hit-snippet').textContent()).toBe('光合作用把光能变成化学能。');
    await expect(hit.locator('mark').textContent()).resolves.toBe('光合');
    await hit.locator('a').click();
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/chat/${ids.long}?turn=${ids.target}`);
    const slot = page.locator(`[data-turn-id="${ids.target}"]`);
    await expect.poll(() => slot.getAttribute('data-highlighted')).toBe('true');
    // In view inside the message list (60 messages: the list alone would open at the end).
    const inView = () =>
      page.evaluate((id) => {
        const list = document.querySelector('[data-testid="messages"]')!.getBoundingClientRect();
        const message = document.querySelector(`[data-turn-id="${id}"]`)!.getBoundingClientRect();
        return message.top >= list.top && message.bottom <= list.bottom;
      }, ids.target);
    await expect.poll(inView).toBe(true);
    // Rendered as Markdown (once its chunk has loaded).
    await expect.poll(() => slot.locator('.markdown strong').textContent()).toBe('光合作用');
    await e2e.screenshot(page, 'find-hit-highlighted');
  });

  test('an answer copies as plain text, and a formula as LaTeX', async () => {
    await page.goto(`${e2e.url}#/chat/${ids.formula}`);
    const answer = page.locator('[data-role="assistant"]').last();
    await answer.locator('.katex').first().waitFor();
    await answer.getByTestId('copy-menu').click();
    await answer.getByTestId('copy-plain').click();
    await expect.poll(readClipboard).toBe('粗体 和 $x^2 + 1$ 就是这样。');
    await answer.getByTestId('copy-menu').click();
    await answer.getByTestId('copy-markdown').click();
    await expect.poll(readClipboard).toBe('**粗体** 和 $x^2 + 1$ 就是这样。');

    await answer.locator('.katex').first().click({ button: 'right' });
    await page.getByTestId('copy-latex').click();
    await expect.poll(readClipboard).toBe('x^2 + 1');
    await expect(page.getByTestId('copy-latex').textContent()).resolves.toContain('已复制');
  });

  test('a template picked beside 新对话 seeds the new session’s system prompt', async () => {
    await page.goto(`${e2e.url}#/chat`);
    await page.getByTestId('chat-header-actions').getByRole('button', { name: '新对话' }).click();
    // The picker is labelled where it stands, not only for screen readers.
    await expect(
      page
        .getByTestId('chat-header-actions')
        .locator('label', { has: page.getByTestId('template-picker') })
        .locator('.field-label')
        .textContent(),
    ).resolves.toBe('学习模板');
    await page.getByTestId('template-picker').selectOption({ label: '作文批改' });
    // The empty chat says what the template is for and what to send, not the mode's blurb.
    const empty = page.getByTestId('template-empty');
    await expect(empty.locator('.chat-empty-title').textContent()).resolves.toBe('作文批改');
    await expect(empty.locator('.chat-empty-hint').textContent()).resolves.toBe(builtinTemplate('essay_feedback')!.hint['zh-CN']);
    await expect(empty.textContent()).resolves.not.toContain('有问必答的学习助手');
    await e2e.screenshot(page, 'chat-template-picked');
    await sendMessage(page, '请批改：我的家乡很美。');
    await expect.poll(() => page.getByTestId('template-chip').textContent()).toBe('作文批改');
    const call = e2e.llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;
    expect(call.body.messages[0].content).toContain(builtinTemplate('essay_feedback')!.text['zh-CN']);
  });
});
