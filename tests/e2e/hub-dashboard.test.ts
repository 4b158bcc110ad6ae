// The teacher's dashboard on the hub, in real Chromium: the hub (SQLite) serves the built web app,
// a teacher's token opens #/hub, and the class's overview, triage and search (数学) show what
// students shared — in Chinese, the first users' language.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import { openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { startHubServer, type RunningHub } from '../../src/main/core/hub/server.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { ensureAppBuilt, launchBrowser } from '../support/browser.ts';
import { chained, hubTeacher, session } from '../support/hub.ts';
import { requirePackage } from '../support/requirements.ts';
import { tempDir } from '../support/temp.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };

const chromium = requirePackage('chromium');
const RENDERER = fileURLToPath(new URL('../../out/renderer', import.meta.url));

describe.skipIf(chromium.skip)(`the hub's teacher dashboard${chromium.note}`, () => {
  let browser: Browser;
  let hub: RunningHub;
  let store: HubStore;
  let teacherToken = '';

  beforeAll(async () => {
    await ensureAppBuilt();
    store = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-e2e-'), 'hub.db')));
    const teacher = await hubTeacher(store, '李老师');
    teacherToken = teacher.token;
    const klass = await store.createClass(teacher.caller, '初二（3）班');
    await store.importRoster(teacher.caller, klass.id, '学号,姓名\n1,张三\n2,李四\n');
    const hw = await store.upsertAssignment(teacher.caller, {
      id: 'hw_1',
      class_id: klass.id,
      title: '一次函数',
      description: null,
      due_at: null,
      policy: { share_sessions: true },
    });
    const joined = await store.joinClass({ code: klass.code, name: '张三', student_no: '1', device_name: 'laptop' });
    const student = (await store.authenticate(joined.token)) as HubCaller;
    const sid = uuidv7();
    const specs = [1, 2, 2, 2].flatMap((level, i) => [
      { content: `第${i + 1}步怎么做？` },
      { content: `提示（级别 ${level}）`, role: 'assistant' as const, meta: { hint_level: level } },
    ]);
    specs.push({ content: '我们今天学数学' });
    await store.push(student, { sessions: [session(sid, chained(sid, specs), { assignment_id: hw.id })] });
    hub = await startHubServer({ store, port: 0, staticDir: RENDERER });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await store?.close();
  });

  test('overview, triage and search of a class, in Chinese', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await context.addInitScript((token: string) => localStorage.setItem('studylog.hub.token', token), teacherToken);
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    const overview = page.getByTestId('hub-overview');
    await expect.poll(() => overview.locator('tbody tr').count()).toBe(2);
    await expect.poll(() => overview.locator('tbody tr', { hasText: '张三' }).locator('td').nth(3).textContent()).toBe('9');
    await expect.poll(() => page.getByTestId('hub-class-code').textContent()).toMatch(/^班级码：[A-Z2-9]{8}/);

    await page.getByRole('tab', { name: '需要关注' }).click();
    await expect.poll(() => page.getByTestId('hub-stuck').textContent()).toContain('张三 在 hw_1 上连续 3 次回复停在提示级别 2');

    await page.getByRole('tab', { name: '搜索' }).click();
    await page.getByLabel('搜索本班分享的对话').fill('数学');
    await page.getByLabel('搜索本班分享的对话').press('Enter');
    await expect.poll(() => page.getByTestId('hub-search').locator('li').allTextContents()).toEqual([expect.stringContaining('我们今天学数学')]);
    await context.close();
  });

  test('without a token it asks for one; a wrong one is named', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${hub.url}/#/hub`);
    await page.getByLabel('Hub token').fill('slh_not-a-real-token');
    await page.getByRole('button', { name: 'Open the dashboard' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The hub token is not valid.');
    await context.close();
  });
});
