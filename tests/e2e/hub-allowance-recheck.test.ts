// A student out of today's allowance from the class hub, in zh-CN: the teacher raises it on the hub,
// and "额度增加了吗？再查一次" syncs with the hub before it asks again — so the message goes at once,
// not after the background sync (a minute away). The daily refusal is said as such: it starts again
// tomorrow, in the banner and on the message, not "ask your teacher" as for the assignment's own.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startHubServer, type RunningHub } from '../../src/main/core/hub/server.ts';
import { openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import { sql } from '../../src/main/core/hub/sql.ts';
import { hubTeacher } from '../support/hub.ts';
import { requirePackage } from '../support/requirements.ts';
import { tempDir } from '../support/temp.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');
// Joining keeps the hub's device token in the system keychain.
const keyring = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring']);

describe.skipIf(chromium.skip || keyring.skip)(`today's class allowance, raised on the hub${chromium.note}${keyring.note}`, () => {
  let e2e: E2E;
  let page: Page;
  let store: HubStore;
  let hub: RunningHub;
  let teacher: HubCaller;
  let classId = '';
  let studentId = '';

  beforeAll(async () => {
    store = new HubStore(openSqliteHub(path.join(tempDir('studylog-hub-recheck-'), 'hub.db')));
    teacher = (await hubTeacher(store, '王老师')).caller;
    const klass = await store.createClass(teacher, '初二（3）班');
    classId = klass.id;
    await store.upsertAssignment(teacher, { id: 'hw_hub', class_id: klass.id, title: '一次函数：斜率', description: null, due_at: null, policy: { allowed_modes: ['homework'] } });
    hub = await startHubServer({ store, port: 0 });
    e2e = await startE2E({ language: 'zh-CN', keychain: 'private' });
    await e2e.api.joinHub({ hub_url: hub.url, code: klass.code, name: '王小明' });
    const [member] = await store.db.all<{ user_id: string }>(sql`SELECT user_id FROM hub_member WHERE class_id = ${klass.id} AND role = 'student'`);
    studentId = member!.user_id;
    // One token for today: the first answer uses it up.
    await store.setAllowance(teacher, { class_id: classId, user_id: studentId, daily_tokens: 1 });
    await e2e.api.syncHub({});
    page = await e2e.open({ viewport: { width: 1280, height: 800 } });
  }, 90_000);

  afterAll(async () => {
    await e2e?.close();
    await hub?.close();
    await store?.close();
  });

  test('used up, the message is refused as today’s; raised on the hub, 再查一次 syncs and the text goes', async () => {
    await page.goto(`${e2e.url}/#/assignments`);
    await page.locator('.assignment-card', { hasText: '一次函数：斜率' }).getByRole('button', { name: '开始辅导' }).click();
    await sendMessage(page, '斜率是什么？');
    await expect.poll(() => page.locator('[data-role="assistant"]').last().getAttribute('data-status')).toBe('complete');
    const hint = page.getByTestId('composer-hint');
    await expect.poll(() => hint.getAttribute('data-blocker')).toBe('daily_allowance');

    // Refused anyway (another window, before this one knew): said as today's allowance.
    const refused = await e2e.api.sendProxyMessage({ message: '截距呢？', mode: 'homework', assignment_id: 'hw_hub' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'daily_allowance_exhausted' });

    // The teacher raises it on the hub; the laptop has not synced since.
    await store.setAllowance(teacher, { class_id: classId, user_id: studentId, daily_tokens: 1_000_000 });
    await page.getByTestId('composer').fill('截距呢？');
    await page.getByTestId('allowance-recheck').click();
    await expect.poll(() => hint.count()).toBe(0);
    await expect(page.getByTestId('panel-allowance-daily').textContent()).resolves.toMatch(/^今日班级额度剩余：[\d,]+ \/ 1,000,000 个 token$/);
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => page.locator('[data-role="assistant"]').count()).toBe(2);
    await e2e.screenshot(page, 'hub-allowance-recheck');
  });
});
