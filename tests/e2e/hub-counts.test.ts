// What the hub's teacher dashboard counts, in real Chromium and in Chinese (tryout 8): the overview
// and the inbox count a student's messages and answers' tokens as the laptop does — the title call
// (a system turn) is neither a message nor counted in the tokens, so the overview's 1,347 is the
// triage's 1,347 and its 4 messages the hand-in's — each number with thousands separators and each
// column saying what it counts; the class search finds a conversation by its title (匹配的标题) and
// opens it; a roster entry who has not joined yet is said to be so in their 学习小结.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubServer, type RunningHub } from '../../src/main/core/hub/server.ts';
import { openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { ensureAppBuilt, launchBrowser } from '../support/browser.ts';
import { chained, hubTeacher, session } from '../support/hub.ts';
import { requirePackage } from '../support/requirements.ts';
import { tempDir } from '../support/temp.ts';
import { SCREENSHOTS } from './harness.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };

const chromium = requirePackage('chromium');
const RENDERER = fileURLToPath(new URL('../../out/renderer', import.meta.url));

describe.skipIf(chromium.skip)(`what the hub dashboard counts, and its title search${chromium.note}`, () => {
  let browser: Browser;
  let hub: RunningHub;
  let store: HubStore;
  let teacherToken = '';
  let sid = '';

  beforeAll(async () => {
    await ensureAppBuilt();
    store = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-counts-'), 'hub.db')));
    const teacher = await hubTeacher(store, '王老师');
    teacherToken = teacher.token;
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.upsertAssignment(teacher.caller, {
      id: 'hw_1',
      class_id: klass.id,
      title: '一次函数：求解析式',
      description: null,
      due_at: null,
      policy: { share_sessions: true, allowance: { tokens: 1200 } },
    });
    // 李明 joined with his join code; 张华 is on the roster and has not joined.
    const roster = await store.importRoster(teacher.caller, klass.id, '学号,姓名\n2024001,李明\n2024002,张华\n');
    const joined = await store.joinClass({ code: klass.code, name: '李明', student_no: '2024001', join_code: roster.codes[0]!.join_code, device_name: 'laptop' });
    const li = (await store.authenticate(joined.token)) as HubCaller;
    // The tryout's session: two questions, two answers (1,347 tokens) and the title call (92) — 1,439 in all.
    sid = uuidv7();
    // Each message answering the one before (the title call under none), as the laptop records them.
    const [q1, a1, q2, a2] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await store.push(li, {
      sessions: [
        session(
          sid,
          chained(sid, [
            { id: q1, content: '已知直线过 (1,3) 和 (2,5)，这条直线怎么写？', tokens_in: 0, tokens_out: 0 },
            { id: a1, parent_id: q1, content: '先设解析式为 y = kx + b。', role: 'assistant', tokens_in: 600, tokens_out: 90, meta: { hint_level: 1 } },
            { content: '一次函数求解析式', role: 'system', tokens_in: 80, tokens_out: 12, meta: { purpose: 'title' } },
            { id: q2, parent_id: a1, content: '代入以后呢？', role: 'user', tokens_in: 0, tokens_out: 0 },
            { id: a2, parent_id: q2, content: '两式相减，先求 k。', role: 'assistant', tokens_in: 560, tokens_out: 97, meta: { hint_level: 1 } },
          ]),
          { assignment_id: 'hw_1' },
        ),
      ],
    });
    hub = await startHubServer({ store, port: 0, staticDir: RENDERER });
    browser = await launchBrowser();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await store?.close();
  });

  async function teacherPage() {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    return { context, page };
  }

  test('the overview, the inbox and needs attention agree: 4 messages, 1,347 tokens, each column saying what it counts; 张华 has not joined', async () => {
    const { context, page } = await teacherPage();
    const overview = page.getByTestId('hub-overview');
    await expect.poll(() => overview.locator('tbody tr').count()).toBe(2);
    await expect(overview.locator('thead th').allTextContents()).resolves.toEqual(['学生', '学号', '会话', '消息', 'AI 回答的 token 数', '最近活动', '每日 AI 额度', '']);
    const li = overview.locator('tbody tr', { hasText: '李明' }).locator('td');
    await expect.poll(() => li.nth(3).textContent()).toBe('4');
    await expect(li.nth(4).textContent()).resolves.toBe('1,347');
    await expect(overview.locator('thead th', { hasText: '消息' }).getAttribute('title')).resolves.toContain('不含自动生成标题的调用');
    await expect(page.getByTestId('hub-counts-note').textContent()).resolves.toMatch(
      /^消息：学生发出的消息和 AI 的回答，.*AI 回答的 token 数：每次 AI 回答的输入加输出 token，与作业的 AI 额度/,
    );

    // 张华's 学习小结: not "nothing these days" but that he has not joined.
    await overview.getByRole('button', { name: '张华 的学习小结' }).click();
    await expect.poll(() => page.getByTestId('hub-learner-empty').textContent()).toBe('张华还没有加入班级（还没有在 Studylog 里用加入码或班级码加入），所以还没有学习小结。');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-counts-overview.png'), fullPage: true });
    // 李明 has joined (his turns are from 2023): a quiet week reads as before.
    await overview.getByRole('button', { name: '李明 的学习小结' }).click();
    await expect.poll(() => page.locator('#hub-learner-title').textContent()).toBe('学习小结：李明');
    await expect.poll(() => page.getByTestId('hub-learner-empty').textContent()).toBe('这几天还没有小结。');

    await page.getByRole('tab', { name: '需要关注' }).click();
    await expect.poll(() => page.getByTestId('hub-allowance').locator('li').allTextContents()).toEqual(['李明 在“一次函数：求解析式”上已用 1,347 个 token（额度 1,200）']);

    await page.getByRole('tab', { name: '作业收件箱' }).click();
    const row = page.getByTestId('hub-inbox-row');
    await expect.poll(() => row.locator('td').nth(3).textContent()).toBe('4');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-counts-inbox.png'), fullPage: true });
    await context.close();
  });

  test('search finds the conversation by its title (匹配的标题) and a title hit opens it', async () => {
    const { context, page } = await teacherPage();
    await page.getByRole('tab', { name: '搜索' }).click();
    const box = page.getByLabel('搜索本班分享的对话');
    await box.fill('求解析式');
    await box.press('Enter');
    const search = page.getByTestId('hub-search');
    await expect.poll(() => search.getByTestId('hub-title-hits-heading').textContent()).toBe('匹配的标题（1）');
    const hit = search.getByTestId('hub-title-hit');
    await expect(hit.locator('.hub-hit-title').textContent()).resolves.toBe('一次函数求解析式');
    await expect(hit.locator('mark').textContent()).resolves.toBe('求解析式');
    // No message holds the words: only the title group, and no "没有找到。".
    await expect(search.getByTestId('hub-search-hit').count()).resolves.toBe(0);
    await expect(search.textContent()).resolves.not.toContain('没有找到。');
    await hit.getByRole('button', { name: /查看对话/ }).click();
    const opened = page.getByTestId('hub-session');
    await expect.poll(() => opened.locator('.transcript-turn').count()).toBe(4);
    await expect(opened.locator('h3').first().textContent()).resolves.toBe('李明 的对话');
    await expect(opened.locator('.transcript-turn-hit').count()).resolves.toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-search-title.png'), fullPage: true });

    // A word both in a message and in the title: both groups, the messages under their own heading.
    await box.fill('解析式');
    await box.press('Enter');
    await expect.poll(() => search.getByTestId('hub-search-hit').count()).toBe(1);
    await expect(search.getByTestId('hub-title-hit').count()).resolves.toBe(1);
    await expect(search.locator(':scope > h3').allTextContents()).resolves.toEqual(['匹配的标题（1）', '消息']);
    await context.close();
  });
});
