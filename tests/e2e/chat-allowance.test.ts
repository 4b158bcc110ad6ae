// Tryout 8's chat findings, in zh-CN at 1280×800: a student out of an assignment's allowance is
// told so in the composer (with what to do), and nothing can be sent — not a message, a retry, an
// edit, a regeneration or 更多帮助 — while what they type stays; once the teacher raises it, the
// same text goes. A message refused anyway (another window) is marked in the hand-in's transcript
// ("未发送：额度已用完"), and the AI-use note counts as the transcript does. An answer cut by a stop
// of Studylog is "价格未知" even from a provider on 127.0.0.1 (never "免费"). Each delete button of
// the sidebar and of History is named by its conversation.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { putSetting } from '../../src/main/core/db/setting-rows.ts';
import { ALLOWANCES_KEY } from '../../src/main/core/sync/client.ts';
import { requirePackage } from '../support/requirements.ts';
import { currentSessionId, sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');
// Handing in signs with the installation's key, kept in the system keychain.
const keyring = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring']);

let e2e: E2E;
let page: Page;

const ASSIGNMENT = '一次函数：求解析式';
const HW = 'hw-allowance';
// One token: the first answer uses it up.
const POLICY = { allowed_modes: ['homework' as const], allowance: { tokens: 1 } };

beforeAll(async () => {
  e2e = await startE2E({ language: 'zh-CN', keychain: 'private' });
  await e2e.api.createAssignment({ id: HW, title: ASSIGNMENT, subject: '数学', policy: POLICY });
  page = await e2e.open({ viewport: { width: 1280, height: 800 } });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const assistants = () => page.locator('[data-role="assistant"]');
const users = () => page.locator('[data-role="user"]');

describe.skipIf(chromium.skip || keyring.skip)(`chat allowance and costs (tryout 8)${chromium.note}${keyring.note}`, () => {
  let sessionId = '';

  test('out of allowance: the composer says so and what to do, nothing can be sent, the typed text stays; raised, it goes', async () => {
    await page.goto(`${e2e.url}/#/assignments`);
    await page.locator('.assignment-card', { hasText: ASSIGNMENT }).getByRole('button', { name: '开始辅导' }).click();
    await sendMessage(page, '这道题怎么开始做？');
    await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');
    await expect.poll(() => currentSessionId(page)).not.toBeNull();
    sessionId = (await currentSessionId(page))!;

    // The answer used the allowance up: the card and the composer say so, the composer with what to do.
    const hint = page.getByTestId('composer-hint');
    await expect.poll(() => hint.getAttribute('data-blocker')).toBe('allowance');
    await expect(hint.textContent()).resolves.toBe('这份作业的 AI 额度已用完，现在不能再发送。请老师增加额度；你写的内容会留在这里，增加后就能发送。额度增加了吗？再查一次');
    await expect(page.getByTestId('more-help-reason').textContent()).resolves.toBe('这份作业的 AI 额度已用完。');

    // Still writable; Enter and 发送 send nothing, and the text stays.
    const composer = page.getByTestId('composer');
    await expect(composer.isEnabled()).resolves.toBe(true);
    await composer.fill('k 的几何意义是斜率吗？');
    await composer.press('Enter');
    await expect(page.getByTestId('send').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('send').getAttribute('title')).resolves.toBe('这份作业的 AI 额度已用完：请老师增加额度。');
    await expect(composer.inputValue()).resolves.toBe('k 的几何意义是斜率吗？');
    await expect(users().count()).resolves.toBe(1);
    // Nothing else sends either: regenerate, edit, 更多帮助 — each saying why.
    const regenerate = assistants().last().getByTestId('regenerate');
    await expect(regenerate.isDisabled()).resolves.toBe(true);
    await expect(regenerate.getAttribute('title')).resolves.toBe('这份作业的 AI 额度已用完：请老师增加额度。');
    await expect(users().last().getByTestId('edit').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('more-help').isDisabled()).resolves.toBe(true);
    await e2e.screenshot(page, 'allowance-out-composer');
    // Nothing reached the server: the session still holds one message and its answer.
    expect((await e2e.api.getSessionTurns({ id: sessionId })).filter((t) => t.role === 'user')).toHaveLength(1);

    // The teacher raises it; "再查一次" asks again, and the same text goes.
    await e2e.api.updateAssignment({ id: HW, policy: { ...POLICY, allowance: { tokens: 1_000_000 } } });
    await page.getByTestId('allowance-recheck').click();
    await expect.poll(() => hint.count()).toBe(0);
    await expect(composer.inputValue()).resolves.toBe('k 的几何意义是斜率吗？');
    await expect(regenerate.isEnabled()).resolves.toBe(true);
    await composer.press('Enter');
    await expect.poll(() => assistants().count()).toBe(2);
    await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');
    await expect(users().last().textContent()).resolves.toContain('k 的几何意义是斜率吗？');
  });

  test('a message refused anyway (another window) is marked in the hand-in’s transcript, and the note counts as the transcript does', async () => {
    // The hand-in's draft is made now: its note counts the two questions so far.
    const draft = await e2e.api.createSubmission({ id: HW });
    expect(draft.ai_note).toContain('提问 2 次');
    // The teacher lowers it again while the chat is open (this page does not know yet): the
    // message is refused, kept as failed, and the composer then says the allowance is used up.
    await e2e.api.updateAssignment({ id: HW, policy: POLICY });
    await sendMessage(page, '那 b 的意义呢？');
    await expect.poll(() => users().last().getAttribute('data-status')).toBe('failed');
    await expect(users().last().getByTestId('unsent').textContent()).resolves.toBe('未获回答：这份作业的 AI 额度已用完。');
    await expect.poll(() => page.getByTestId('composer-hint').getAttribute('data-blocker')).toBe('allowance');
    await expect(users().last().getByTestId('retry').isDisabled()).resolves.toBe(true);
    // And one from another window.
    await expect(e2e.api.sendProxyMessage({ message: '截距是什么？', meta: { session_id: sessionId } })).rejects.toMatchObject({
      code: 'allowance_exhausted',
    });

    // The hand-in form: the note's counted line brought up to date, the student's own words kept.
    await page.goto(`${e2e.url}/#/handin/${HW}`);
    const updated = page.getByTestId('note-counts-updated');
    await updated.waitFor();
    await expect(updated.textContent()).resolves.toMatch(/^AI 使用说明里的统计已按现在的会话更新：“时间：[\d-]+，1 个会话，提问 2 次（另有 2 条消息没有得到回答）”。/);
    const note = page.locator('textarea[name="ai_note"]');
    await expect(note.inputValue()).resolves.toContain('提问 2 次（另有 2 条消息没有得到回答）');
    await note.fill(`${await note.inputValue()}先自己设了解析式。`);
    await page.getByTestId('handin-save').click();
    await page.getByTestId('handin-saved').waitFor();
    await e2e.screenshot(page, 'allowance-handin-note');
    await e2e.api.submitSubmission({ id: draft.id });

    // What the teacher reads: the refused messages marked, and the same counts as the note.
    await page.goto(`${e2e.url}/#/submission/${draft.id}`);
    const refused = page.locator('.transcript-turn[data-unsent="allowance_exhausted"]');
    await expect.poll(() => refused.count()).toBe(2);
    await expect(refused.first().getByTestId('turn-unsent').textContent()).resolves.toMatch(/^ · +未发送：额度已用完$/);
    await expect(refused.first().textContent()).resolves.toContain('那 b 的意义呢？');
    await expect(page.locator('.transcript-turn[data-unsent]').count()).resolves.toBe(2);
    await expect(page.getByTestId('sum-asked').textContent()).resolves.toBe('2 (另有 2 条没有得到回答)');
    await expect(page.getByTestId('submission-note').textContent()).resolves.toContain('提问 2 次（另有 2 条消息没有得到回答）');
    await refused.first().scrollIntoViewIfNeeded();
    await e2e.screenshot(page, 'allowance-transcript-refused');
  });

  test('an answer cut by a stop of Studylog, from a provider on 127.0.0.1, is “价格未知” — never “免费” — in the reply and the header', async () => {
    const me = await e2e.api.getMe();
    const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
    let id = '';
    try {
      const sessions = new SessionsRepo(store);
      const turns = new TurnsRepo(store);
      store.transaction('seed a priced answer and a cut one', (db) => {
        id = sessions.insertNewSession(db, { user_id: me.id, mode: 'chat', meta: { title: '细胞的结构有哪些？' } }).id;
        const q1 = turns.insertNewTurn(db, { session_id: id, role: 'user', content: '细胞是什么？', meta: { status: 'answered' } });
        const a1 = turns.insertNewTurn(db, {
          session_id: id,
          role: 'assistant',
          parent_id: q1.id,
          content: '细胞是生物体的基本单位。',
          model: 'gpt-4o-mini',
          tokens_in: 300,
          tokens_out: 36,
          cost: 190,
          meta: { status: 'complete', provider_id: 'test', usage: { tokens_in: 300, tokens_out: 36, price_known: true } },
        });
        const q2 = turns.insertNewTurn(db, {
          session_id: id,
          role: 'user',
          parent_id: a1.id,
          content: '细胞的结构有哪些？',
          meta: { status: 'failed', error: { code: 'interrupted', message: 'Studylog stopped.' } },
        });
        // As answer-recorder.ts recoverInterrupted leaves it: the tokens that arrived, the input not counted.
        turns.insertNewTurn(db, {
          session_id: id,
          role: 'assistant',
          parent_id: q2.id,
          content: '细胞是生物体结构和功能的基本',
          model: 'gpt-4o-mini',
          tokens_in: 0,
          tokens_out: 11,
          cost: 0,
          meta: { status: 'interrupted', provider_id: 'test', usage: { tokens_out: 11, estimated: true } },
        });
      });
    } finally {
      store.close();
    }
    await page.goto(`${e2e.url}/#/chat/${id}`);
    const usage = assistants().last().getByTestId('reply-usage');
    await expect.poll(() => usage.textContent()).toBe('输出 11 个 token（输入未记录） · 价格未知 · 估算');
    await expect(assistants().first().getByTestId('reply-cost').getAttribute('data-cost')).resolves.toBe('priced');
    const totals = page.getByTestId('session-totals');
    await expect.poll(() => totals.textContent()).toMatch(/^本分支：347 个 token · \S+ \+ 部分价格未知$/);
    await expect(totals.textContent()).resolves.not.toContain('免费');
    await e2e.screenshot(page, 'allowance-cut-answer-cost');
  });

  test('each delete button, in the sidebar and in History, is named by its conversation', async () => {
    await page.goto(`${e2e.url}/#/chat`);
    const sidebar = page.getByTestId('conv-sidebar');
    await sidebar.getByRole('button', { name: '删除对话：细胞的结构有哪些？', exact: true }).waitFor();
    const names = (await sidebar.getByTestId('conv-delete').allTextContents()).map((n) => n.trim());
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(names.every((n) => n.startsWith('删除对话：'))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    // The visible tooltip stays the short verb.
    await expect(sidebar.getByTestId('conv-delete').first().getAttribute('title')).resolves.toBe('删除');

    await page.goto(`${e2e.url}/#/history`);
    await page.getByRole('button', { name: '删除对话：细胞的结构有哪些？', exact: true }).waitFor();
    await expect(page.getByRole('button', { name: '删除', exact: true }).count()).resolves.toBe(0);
  });

  test('a daily allowance from the class hub: the panel shows what is left today; used up, the composer says it starts again tomorrow', async () => {
    // As a sync leaves it (tests/integration/hub-allowances.test.ts runs the real hub): an assignment
    // of a hub class, and that class's daily allowance for this student — one token.
    const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
    try {
      store.transaction('seed a hub assignment and its daily allowance', (db) => {
        db.prepare(`INSERT INTO assignment (id, title, created_at, meta) VALUES (?, ?, ?, json(?))`).run(
          'hw-daily',
          '二次函数：顶点式',
          Date.now(),
          JSON.stringify({ policy: { allowed_modes: ['homework'] }, hub_class_id: 'class-daily' }),
        );
        putSetting(db, ALLOWANCES_KEY, { 'class-daily': { daily_tokens: 1, updated_at: Date.now() } });
      });
    } finally {
      store.close();
    }
    // Loaded afresh: what sync writes reaches an open app through its next read, not this page's cache.
    await page.goto(`${e2e.url}/#/assignments`);
    await page.reload();
    await page.locator('.assignment-card', { hasText: '二次函数：顶点式' }).getByRole('button', { name: '开始辅导' }).click();
    await expect(page.getByTestId('panel-allowance-daily').textContent()).resolves.toBe('今日班级额度剩余：1 / 1 个 token');
    await sendMessage(page, '顶点式是什么？');
    await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');

    const hint = page.getByTestId('composer-hint');
    await expect.poll(() => hint.getAttribute('data-blocker')).toBe('daily_allowance');
    await expect(hint.textContent()).resolves.toBe('今天班级给你的 AI 额度已用完，今天不能再发送。明天会重新开始，也可以请老师增加；你写的内容会留在这里。额度增加了吗？再查一次');
    await expect(page.getByTestId('send').getAttribute('title')).resolves.toBe('今天班级给你的 AI 额度已用完：明天会重新开始，或请老师增加额度。');
    await expect(page.getByTestId('more-help-reason').textContent()).resolves.toBe('今天班级给你的 AI 额度已用完：明天会重新开始，或请老师增加额度。');
    await expect.poll(() => page.getByTestId('panel-allowance-daily').textContent()).toMatch(/^今日班级额度剩余：0 \/ 1 个 token$/);
    await e2e.screenshot(page, 'allowance-daily-out');
  });
});
