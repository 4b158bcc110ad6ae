// Tryout 7's chat findings, in zh-CN at 1280×800 (the conversation sidebar beside the chat):
// "新对话" after homework starts a plain chat with no assignment (it was filed under the last
// assignment and shared with the teacher); deleting a session the class hub already holds says the
// teacher keeps a copy; Studylog itself out of reach gets its own banner (not "offline — the
// model", no "your message is saved"); the sidebar lists a new session while its first answer still
// streams; the header shows the whole model name and, in homework, the assignment's whole name;
// an answer cut by a stop of Studylog shows no counted "输入 0" and no "$0".
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { Outbox } from '../../src/main/core/sync/outbox.ts';
import { requirePackage } from '../support/requirements.ts';
import { currentSessionId, sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
interface El {
  scrollWidth: number;
  clientWidth: number;
  offsetWidth: number;
  className: string;
  style: { cssText: string };
  textContent: string | null;
  parentElement: El | null;
  getBoundingClientRect(): { left: number; right: number; width: number };
  cloneNode(deep: boolean): El;
  append(child: El): void;
  remove(): void;
}
declare const document: { createElement(tag: string): El & { value: string; selectedOptions: { text: string }[] } };

let e2e: E2E;
let page: Page;

const ASSIGNMENT = '一次函数：求解析式';

beforeAll(async () => {
  e2e = await startE2E({ language: 'zh-CN' });
  // As a class hub sets it: homework only, its sessions shared with the teacher.
  await e2e.api.createAssignment({ id: 'hw-linear', title: ASSIGNMENT, subject: '数学', policy: { allowed_modes: ['homework'], share_sessions: true } });
  page = await e2e.open({ viewport: { width: 1280, height: 800 } });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const assistants = () => page.locator('[data-role="assistant"]');
const modeChecked = (mode: string) => page.locator(`input[data-mode="${mode}"]`).isChecked();

async function send(text: string) {
  await sendMessage(page, text);
  await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');
}

describe.skipIf(chromium.skip)(`chat fixes (tryout 7)${chromium.note}`, () => {
  let homeworkSession = '';

  test('开始辅导 preselects the homework; 新对话 after it is a plain 聊天 with no assignment, filed under none', async () => {
    await page.goto(`${e2e.url}/#/assignments`);
    await page.locator('.assignment-card', { hasText: ASSIGNMENT }).getByRole('button', { name: '开始辅导' }).click();
    await expect.poll(() => page.getByTestId('assignment-picker').inputValue()).toBe('hw-linear');
    await expect.poll(() => modeChecked('homework')).toBe(true);
    await send('设 y=kx+b，代入两点得 k=2，b=1，对吗？这道题我想多问几句，看看解析式还有什么别的写法和检验的办法');
    await expect.poll(() => currentSessionId(page)).not.toBeNull();
    homeworkSession = (await currentSessionId(page))!;

    // The header's 新对话, then the sidebar's: each a plain chat, every mode choosable.
    for (const button of [page.getByTestId('chat-header').getByRole('button', { name: '新对话' }), page.getByTestId('conv-new')]) {
      await button.click();
      await expect.poll(() => modeChecked('chat')).toBe(true);
      await expect(page.getByTestId('assignment-picker').inputValue()).resolves.toBe('');
      await expect(page.getByTestId('assignment-panel').count()).resolves.toBe(0);
      await expect(page.getByTestId('assignment-chip').count()).resolves.toBe(0);
      await expect(page.locator('input[data-mode="deep_think"]').isDisabled()).resolves.toBe(false);
    }
    await e2e.screenshot(page, 'chatfix-newchat-after-homework');
    await send('光合作用需要哪些条件？');
    const chatSession = (await currentSessionId(page))!;
    expect(chatSession).not.toBe(homeworkSession);
    await expect(e2e.api.getSession({ id: chatSession })).resolves.toMatchObject({ mode: 'chat', assignment_id: null });
    await expect(e2e.api.getSession({ id: homeworkSession })).resolves.toMatchObject({ mode: 'homework', assignment_id: 'hw-linear' });
  });

  test('the homework header at 1280 px names the assignment and the model in full, and keeps room for the title', async () => {
    await page.goto(`${e2e.url}/#/chat/${homeworkSession}`);
    await page.getByTestId('assignment-chip').waitFor();
    await expect.poll(() => page.getByTestId('session-totals').count()).toBe(1);
    const chipText = page.getByTestId('assignment-chip').locator('.chip-text');
    await expect(chipText.evaluate((node) => (node as unknown as El).scrollWidth <= (node as unknown as El).clientWidth)).resolves.toBe(true);
    await expect(chipText.textContent()).resolves.toBe(ASSIGNMENT);
    // The session's title (the long first question) is cut, but keeps at least eight characters' room.
    const title = page.locator('#chat-title');
    const { width, fontSize } = await title.evaluate((node) => {
      const el = node as unknown as El;
      return {
        width: el.getBoundingClientRect().width,
        fontSize: parseFloat((globalThis as unknown as { getComputedStyle(e: El): { fontSize: string } }).getComputedStyle(el).fontSize),
      };
    });
    expect(width).toBeGreaterThanOrEqual(8 * fontSize);
    // Nothing of the header's first line runs past the header.
    const header = await page.getByTestId('chat-header').boundingBox();
    for (const id of ['assignment-chip', 'model-picker', 'chat-header-actions']) {
      const box = (await page.getByTestId(id).boundingBox())!;
      expect(box.x + box.width, id).toBeLessThanOrEqual(header!.x + header!.width);
    }
    await e2e.screenshot(page, 'chatfix-homework-header-1280');
  });

  test('the compact model picker is as wide as the model’s name (deepseek-reasoner, not “deepseek-reas”) and names it on hover', async () => {
    await page.getByTestId('conv-new').click();
    await page.getByTestId('assignment-picker').selectOption('');
    await page.locator('label.mode-option', { has: page.locator('input[data-mode="deep_think"]') }).click();
    await page.getByTestId('model-picker').selectOption('deepseek-reasoner');
    await send('二次函数的顶点怎么求？');
    const picker = page.getByTestId('model-picker');
    await expect.poll(() => picker.evaluate((el) => (el as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]?.text)).toBe('deepseek-reasoner');
    // The width the selected name needs: the same select, holding only that option, at its natural width.
    const { needed, actual } = await picker.evaluate((node) => {
      const el = node as unknown as El;
      const probe = document.createElement('select');
      probe.className = el.className;
      probe.style.cssText = 'position:absolute;visibility:hidden;flex:none;width:auto;max-width:none;min-width:0';
      const option = document.createElement('option');
      option.textContent = (el as unknown as { selectedOptions: { text: string }[] }).selectedOptions[0]!.text;
      probe.append(option);
      el.parentElement!.append(probe);
      const width = probe.offsetWidth;
      probe.remove();
      return { needed: width, actual: el.offsetWidth };
    });
    expect(actual).toBeGreaterThanOrEqual(needed);
    await expect(picker.getAttribute('title')).resolves.toContain('deepseek-reasoner');
    await e2e.screenshot(page, 'chatfix-model-picker-1280');
  });

  test('the sidebar lists a new session while its first answer still streams (never “还没有对话。”)', async () => {
    // As in a fresh install, the sidebar empty: what the tests above made goes, through the API.
    for (const s of (await e2e.api.getUserSessions({ limit: 100 })).items) await e2e.api.deleteSession({ id: s.id });
    await page.goto(`${e2e.url}/#/chat`);
    await page.reload();
    await expect.poll(() => page.getByTestId('conv-sidebar').textContent()).toContain('还没有对话。');
    await sendMessage(page, '讲讲细胞膜的功能 [[test:{"endless":"content","chunkDelayMs":20}]]');
    await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('streaming');
    await expect.poll(() => page.getByTestId('conv-sidebar').locator('.conv-row').count()).toBe(1);
    await expect(page.getByTestId('conv-sidebar').textContent()).resolves.not.toContain('还没有对话。');
    expect(await assistants().last().getAttribute('data-status')).toBe('streaming');
    await e2e.screenshot(page, 'chatfix-sidebar-streaming');
    await page.getByTestId('stop').click();
    await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('aborted');
  });

  test('Studylog itself out of reach: its own banner, which never says the message was saved', async () => {
    await page.getByTestId('conv-new').click();
    // The connection to Studylog breaks (as when its server is killed): the request never arrives.
    await page.route('**/proxy/stream', (route) => route.abort('connectionrefused'));
    try {
      await sendMessage(page, '再说说呼吸作用的场所');
      const banner = page.getByTestId('chat-banner');
      await expect.poll(() => banner.getAttribute('data-code')).toBe('network_error');
      const text = (await banner.textContent())!;
      // The headline once (the shared errors.network_error), then the chat's own next step.
      expect(text.split('无法连接到 Studylog。')).toHaveLength(2);
      expect(text).toContain('重新启动 Studylog');
      expect(text).toContain('再打开这个对话');
      expect(text).not.toContain('离线');
      expect(text).not.toContain('已保存并标记为未发送');
      expect(text).not.toContain('模型');
      await expect(banner.locator('svg.lucide-server-off').count()).resolves.toBe(1);
      await e2e.screenshot(page, 'chatfix-studylog-unreachable');

      // The same in English.
      await e2e.api.updateSettings({ language: 'en' });
      await page.reload();
      await page.getByTestId('conv-new').click();
      await sendMessage(page, 'Where does respiration happen?');
      await expect.poll(() => banner.getAttribute('data-code')).toBe('network_error');
      const en = (await banner.textContent())!;
      expect(en.split('Studylog could not be reached.')).toHaveLength(2);
      expect(en).toContain('Start it again');
      expect(en).toContain('open this chat again');
      expect(en).not.toMatch(/offline|is saved and marked unsent|model/i);
    } finally {
      await page.unroute('**/proxy/stream');
      await e2e.api.updateSettings({ language: 'zh-CN' });
      await page.reload();
    }
  });

  test('deleting a session the class hub already holds says the teacher keeps a copy; a private one does not', async () => {
    const me = await e2e.api.getMe();
    const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
    let shared = '';
    let own = '';
    try {
      const sessions = new SessionsRepo(store);
      const turns = new TurnsRepo(store);
      store.transaction('seed a shared and a private session', (db) => {
        const add = (title: string, assignment: string | null) => {
          const session = sessions.insertNewSession(db, { user_id: me.id, mode: assignment ? 'homework' : 'chat', assignment_id: assignment, meta: { title } });
          turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: title, meta: { status: 'answered' } });
          return session.id;
        };
        shared = add('作业里的问题', 'hw-linear');
        own = add('自己的练习', null);
      });
      // A sync round: the shared session's turns go out and the hub acknowledges them.
      const outbox = new Outbox(store);
      outbox.collect();
      outbox.ack(outbox.pending(100).map((e) => e.item_id));
    } finally {
      store.close();
    }
    await page.goto(`${e2e.url}/#/history`);
    const ask = async (sessionId: string) => {
      await page.locator(`.session-row[data-session-id="${sessionId}"]`).getByRole('button', { name: '删除' }).click();
      return page.getByRole('dialog');
    };
    const dialog = await ask(shared);
    await expect.poll(() => dialog.getByTestId('delete-hub-copy').count()).toBe(1);
    await expect(dialog.getByTestId('delete-hub-copy').textContent()).resolves.toMatch(
      /^老师已经在班级中心保存了这个会话的副本（\d{4}年\d{1,2}月\d{1,2}日 [\d:]+ 同步）。在这里删除不会删除老师那里的副本。$/,
    );
    await e2e.screenshot(page, 'chatfix-delete-shared');
    await dialog.getByRole('button', { name: '取消' }).click();
    const other = await ask(own);
    await other.getByTestId('delete-session-confirm').waitFor();
    // The answer about `own` has come once the session was read: still no warning.
    await expect.poll(async () => (await e2e.api.getSession({ id: own, include: 'hub_shared_at' })).hub_shared_at).toBeUndefined();
    await expect(other.getByTestId('delete-hub-copy').count()).resolves.toBe(0);
    await other.getByRole('button', { name: '取消' }).click();
  });

  test('an answer cut by a stop of Studylog shows what arrived, no counted “输入 0” and no “$0”', async () => {
    const me = await e2e.api.getMe();
    const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
    let id = '';
    try {
      const sessions = new SessionsRepo(store);
      const turns = new TurnsRepo(store);
      store.transaction('seed an interrupted answer', (db) => {
        const session = sessions.insertNewSession(db, { user_id: me.id, mode: 'chat', meta: { title: '被中断的回答' } });
        id = session.id;
        const user = turns.insertNewTurn(db, {
          session_id: id,
          role: 'user',
          content: '再说说呼吸作用的场所',
          meta: { status: 'failed', error: { code: 'interrupted', message: 'Studylog stopped.' } },
        });
        // As answer-recorder.ts recoverInterrupted leaves it: what arrived counted, nothing else.
        turns.insertNewTurn(db, {
          session_id: id,
          role: 'assistant',
          parent_id: user.id,
          content: '植物进行光合作用需要光照、二氧化碳、水和叶',
          model: 'cloud-model-x',
          tokens_in: 0,
          tokens_out: 16,
          cost: 0,
          meta: { status: 'interrupted', usage: { tokens_out: 16, estimated: true } },
        });
      });
    } finally {
      store.close();
    }
    await page.goto(`${e2e.url}/#/chat/${id}`);
    const usage = assistants().last().getByTestId('reply-usage');
    await expect.poll(() => usage.textContent()).toBe('输出 16 个 token（输入未记录） · 价格未知 · 估算');
    await expect(usage.textContent()).resolves.not.toMatch(/输入 0|\$0/);
    await expect(page.getByTestId('session-totals').textContent()).resolves.not.toMatch(/\$0(?![.\d])/);
    await e2e.screenshot(page, 'chatfix-interrupted-usage');
  });
});
