// A student's 学习小结 on the hub's teacher dashboard, in real Chromium and in Chinese: from the
// class overview, a student's row opens their learner summary per day — the date as the app writes
// dates (2026年11月29日), time on task, messages sent, conversations by mode, per assignment (by its
// title) its conversations and highest hint level, topics — computed on the hub from what the
// student shared with the class and handed in to it; a longer range shows an older day; a student
// with nothing shared has none; closing it leaves the overview.
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleText, buildBundle } from '../../src/main/core/handin/bundle.ts';
import { publicKeyOf } from '../../src/main/core/handin/signing.ts';
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

/** A time today (local: the hub and the browser share this machine's calendar), and `daysAgo` days before. */
function todayAt(hour: number, minute: number, daysAgo = 0): number {
  const d = new Date();
  d.setDate(d.getDate() - daysAgo);
  d.setHours(hour, minute, 0, 0);
  return d.getTime();
}
const zhDate = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
};

describe.skipIf(chromium.skip)(`a student's learner summary on the hub dashboard${chromium.note}`, () => {
  let browser: Browser;
  let hub: RunningHub;
  let store: HubStore;
  let teacherToken = '';

  beforeAll(async () => {
    await ensureAppBuilt();
    store = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-learner-'), 'hub.db')));
    const teacher = await hubTeacher(store, '李老师');
    teacherToken = teacher.token;
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.upsertAssignment(teacher.caller, { id: 'hw_1', class_id: klass.id, title: '一次函数', description: null, due_at: null, policy: { share_sessions: true } });
    const join = async (name: string) => (await store.authenticate((await store.joinClass({ code: klass.code, name, device_name: 'laptop' })).token)) as HubCaller;
    const student = await join('张小明');
    await join('李华');
    // Shared today: homework on 一次函数 up to hint level 2, and a chat; ten days ago, a chat.
    const hw = uuidv7();
    const chat = uuidv7();
    const old = uuidv7();
    await store.push(student, {
      sessions: [
        session(
          hw,
          chained(hw, [
            { content: '一次函数的斜率怎么求？', created_at: todayAt(9, 0) },
            { content: '想想两点之间的变化。', role: 'assistant', created_at: todayAt(9, 2), meta: { hint_level: 2 } },
            { content: '斜率就是变化率吗？', created_at: todayAt(9, 4) },
            { content: '差不多，再想想。', role: 'assistant', created_at: todayAt(9, 6), meta: { hint_level: 2 } },
          ]),
          { assignment_id: 'hw_1' },
        ),
        session(
          chat,
          chained(chat, [
            { content: '斜率和函数图像有什么关系？', created_at: todayAt(9, 8) },
            { content: '斜率越大越陡。', role: 'assistant', created_at: todayAt(9, 10) },
          ]),
          { mode: 'chat' },
        ),
        // Answered 20 seconds later: under a minute, not "0 分钟" (tryout 10).
        session(
          old,
          chained(old, [
            { content: '十天前的问题', created_at: todayAt(15, 0, 10) },
            { content: '一个很快的回答', role: 'assistant', created_at: todayAt(15, 0, 10) + 20_000 },
          ]),
          { mode: 'chat' },
        ),
      ],
    });
    // Handed in to 一次函数 (never shared): one more question, answered at level 3.
    const handed = uuidv7();
    const { privateKey } = generateKeyPairSync('ed25519');
    const bundle = buildBundle(
      {
        assignment: { id: 'hw_1', title: '一次函数', subject: null, due_at: null },
        student: { id: 'laptop-user', name: '张小明' },
        submission: { id: uuidv7(), submitted_at: todayAt(9, 30), late: false },
        sessions: [
          {
            session: { id: handed, assignment_id: 'hw_1', mode: 'homework', started_at: todayAt(9, 12), ended_at: null, title: null, models: [] },
            turns: chained(handed, [
              { content: '截距怎么求？', created_at: todayAt(9, 12) },
              { content: '令 x = 0 试试。', role: 'assistant', created_at: todayAt(9, 13), meta: { hint_level: 3 } },
            ]).map(({ prev_hash: _p, hash: _h, ...t }) => ({ ...t, session_id: handed })),
          },
        ],
        answer: 'y = 2x + 1',
        note: '',
        language: 'zh-CN',
      },
      { privateKey, publicKey: publicKeyOf(privateKey) },
    );
    await store.receiveHandin(student, bundleText(bundle), 'zh-CN');
    hub = await startHubServer({ store, port: 0, staticDir: RENDERER });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await store?.close();
  });

  test('a row of the class overview opens the student’s 学习小结, in Chinese', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    // The assignments' titles the page reads (a day names its assignments by them).
    let titleReads = 0;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.endsWith('/assignments')) titleReads += 1;
    });
    await page.goto(`${hub.url}/#/hub`);
    const overview = page.getByTestId('hub-overview');
    await expect.poll(() => overview.locator('tbody tr').count()).toBe(2);
    const row = overview.locator('tbody tr', { hasText: '张小明' });
    await expect(row.getByTestId('hub-open-learner').textContent()).resolves.toBe('学习小结');
    await row.getByTestId('hub-open-learner').click();

    const view = page.getByTestId('hub-learner-days');
    await expect(view.locator('h2').textContent()).resolves.toBe('学习小结：张小明');
    await expect.poll(() => view.getByTestId('learner-day').count()).toBe(1);
    const day = view.getByTestId('learner-day');
    // The date as the app writes dates, not the day's key.
    await expect(day.getByTestId('learner-date').textContent()).resolves.toBe(zhDate(Date.now()));
    // 9:00 → 9:13 without a pause over 5 minutes: 13 minutes; three questions shared or handed in.
    await expect(day.getByTestId('learner-time').textContent()).resolves.toBe('13 分钟');
    await expect(day.getByTestId('learner-messages').textContent()).resolves.toBe('4');
    await expect(day.getByTestId('learner-sessions').textContent()).resolves.toBe('3 · 作业辅导 2 · 聊天 1');
    await expect(day.getByTestId('learner-assignments').textContent()).resolves.toBe('一次函数（2 个对话，最高提示级别 3）');
    await expect(day.getByTestId('learner-topics').locator('.chip').allTextContents()).resolves.toEqual(['斜率', '函数']);
    // The same labels as the student's own Usage screen.
    await expect(day.locator('dt').allTextContents()).resolves.toEqual(['学习时长', '发出的消息', '对话', '作业', '话题']);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hub-learner-days-zh-CN.png'), fullPage: true });

    // A longer range: the day ten days ago too, the newest first.
    await view.getByTestId('hub-learner-range').selectOption('14');
    await expect.poll(() => view.getByTestId('learner-day').count()).toBe(2);
    await expect(view.getByTestId('learner-date').allTextContents()).resolves.toEqual([zhDate(Date.now()), zhDate(todayAt(15, 0, 10))]);
    await expect(view.getByTestId('learner-time').allTextContents()).resolves.toEqual(['13 分钟', '不到 1 分钟']);
    await expect(view.getByTestId('hub-learner-range').locator('option').allTextContents()).resolves.toEqual(['最近 7 天', '最近 14 天', '最近 31 天']);

    // Another student, with nothing shared: no days.
    await overview.locator('tbody tr', { hasText: '李华' }).getByTestId('hub-open-learner').click();
    await expect(view.locator('h2').textContent()).resolves.toBe('学习小结：李华');
    await expect(view.getByTestId('hub-learner-empty').textContent()).resolves.toBe('这几天还没有小结。');
    // The titles were read once for the dashboard, not again for each student opened.
    expect(titleReads).toBe(1);
    await view.getByTestId('hub-learner-close').click();
    await expect(page.getByTestId('hub-learner-days').count()).resolves.toBe(0);
    await context.close();
  });
});
