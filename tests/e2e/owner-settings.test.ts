// Tryout 7 in Chinese, on a student's laptop (the owner, joined to a class hub): the owner's name
// (asked at the first hand-in, filled in from the class roster, carried by the hand-in file; set in
// 设置 → 账户), the hub's sync error with its English detail folded under 技术详情（英文）, a provider that
// refuses its saved key said once and plainly (no Latin id, no green "key set" beside it, no "go to
// Settings" while there), the chat banner's 去设置 landing on 模型服务商, and the teacher's inbox only
// where hand-ins come.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import path from 'node:path';
import { createClient, httpTransport } from '../../src/shared/api/client.ts';
import type { Bundle } from '../../src/shared/api/handin.ts';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { putSetting } from '../../src/main/core/db/setting-rows.ts';
import { LINK_KEY, SYNC_STATE_KEY } from '../../src/main/core/sync/link.ts';
import { requirePackage } from '../support/requirements.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');
const keyring = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring']);
const skip = chromium.skip || keyring.skip;

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
declare const document: { activeElement: { id: string } | null; getElementById(id: string): { getBoundingClientRect(): { top: number } } | null };

const WRONG_KEY = 'fake-key-wrong-for-the-test-server-1a2b';

let e2e: E2E;
let page: Page;

/**
 * Joins "初二（3）班" as 张小明 the way HubLink.join stores it (the hub itself is not needed: its
 * last round failed, as when the school network is down): by default a roster entry claimed with
 * its join code (the name is the roster's); `fromRoster` false: joined with the class code alone,
 * the name typed.
 */
function seedHubLink(ownerId: string, studentName = '张小明', fromRoster = true): void {
  const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
  try {
    store.transaction('seed a class hub link', (db) => {
      putSetting(db, LINK_KEY, {
        hub_url: 'http://127.0.0.1:9',
        class_id: 'class-1',
        class_name: '初二（3）班',
        student_name: studentName,
        name_from_roster: fromRoster,
        user_id: 'hub-user-1',
        device_id: 'device-1',
        joined_at: Date.now(),
        local_user_id: ownerId,
        token_account: 'hub:device-token:device-1',
      });
      putSetting(db, SYNC_STATE_KEY, {
        last_attempt_at: Date.now(),
        last_success_at: null,
        last_error: { code: 'hub_unreachable', detail: 'The class hub could not be reached: fetch failed' },
      });
    });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  if (skip) return;
  e2e = await startE2E({ language: 'zh-CN', keychain: 'private' });
  // Two of the laptop's own assignments; a student of this Studylog hands in to the first.
  await e2e.api.createAssignment({ id: 'hw-received', title: '二次函数', due_at: '2099-01-01' });
  await e2e.api.createAssignment({ id: 'hw-mine', title: '一次函数：求解析式', due_at: '2099-01-01' });
  const { token } = await e2e.api.createToken({ name: '王小红', role: 'student' });
  const student = createClient(httpTransport({ baseUrl: e2e.url, token }));
  const draft = await student.createSubmission({ id: 'hw-received' });
  await student.updateSubmission({ id: draft.id, answer: '顶点 (1, 2)' });
  await student.submitSubmission({ id: draft.id });
  // The provider the student set up with a mistyped key ("其他 OpenAI 兼容服务", id "other").
  const settings = await e2e.api.getSettings();
  await e2e.api.updateSettings({
    providers: [
      ...settings.providers,
      {
        id: 'other',
        name: '其他 OpenAI 兼容服务',
        kind: 'other',
        base_url: e2e.llm.url,
        models: e2e.llm.models,
        default_model: 'gpt-4o-mini',
        api_key_ref: { source: 'keychain' },
        timeout_ms: 5_000,
        max_retries: 0,
      },
    ],
  });
  page = await e2e.newPage({ viewport: { width: 1280, height: 800 } });
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(skip)(`the owner’s settings and hand-ins, in Chinese${chromium.note}${keyring.note}`, () => {
  test('an owner not in a class (maybe a teacher) has the inbox, named as received work, after 交作业', async () => {
    await page.goto(`${e2e.url}/#/assignments`);
    const card = page.locator('.assignment-card[data-assignment-id="hw-mine"]');
    await card.getByTestId('open-handin').waitFor();
    await expect.poll(() => card.getByTestId('open-inbox').textContent()).toBe('收到的作业');
    await expect(page.locator('.assignment-card[data-assignment-id="hw-received"]').getByTestId('open-inbox').textContent()).resolves.toBe('收到的作业');
  });

  test('joined to a class: no inbox beside 交作业 (hand-ins go to the hub)', async () => {
    seedHubLink((await e2e.api.getMe()).id);
    await page.goto(`${e2e.url}/#/settings`);
    await page.getByTestId('hub-link-class').waitFor();
    await page.goto(`${e2e.url}/#/assignments`);
    const mine = page.locator('.assignment-card[data-assignment-id="hw-mine"]');
    const received = page.locator('.assignment-card[data-assignment-id="hw-received"]');
    await expect(mine.getByTestId('open-handin').textContent()).resolves.toBe('交作业');
    await expect.poll(() => mine.getByTestId('open-inbox').count()).toBe(0);
    await expect(received.getByTestId('open-inbox').count()).resolves.toBe(0);
    await expect(page.locator('.assignment-card').filter({ hasText: '作业提交' }).count()).resolves.toBe(0);
    await e2e.screenshot(page, 'owner-assignments-zh');
  });

  test('the first hand-in asks for the name, filled in from the roster; the file carries it', async () => {
    await page.goto(`${e2e.url}/#/handin/hw-mine`);
    await page.locator('textarea[name=answer]').fill('设 y=kx+b，代入两点得 k=2，b=1，所以 y=2x+1。');
    await page.getByTestId('handin-submit').click();
    const dialog = page.getByTestId('handin-name');
    await expect.poll(() => dialog.getByTestId('your-name').inputValue()).toBe('张小明');
    await expect(dialog.textContent()).resolves.toContain('已按班级名单填入');
    await e2e.screenshot(page, 'owner-handin-name-zh');
    await dialog.getByTestId('your-name-save').click();
    await expect.poll(() => page.getByTestId('handin-status').getAttribute('data-status')).toBe('submitted');
    await expect(page.locator('.me-name').textContent()).resolves.toBe('张小明');

    const me = await e2e.api.getMe();
    expect(me.name).toBe('张小明');
    const [mine] = (await e2e.api.listMySubmissions()).filter((s) => s.assignment_id === 'hw-mine');
    const file = await e2e.api.getSubmissionBundle({ id: mine!.id });
    expect(file.filename).toBe('一次函数-求解析式-张小明.studylog');
    expect((JSON.parse(file.content) as Bundle).student).toEqual({ id: me.id, name: '张小明' });

    // Named now: handing in again asks nothing.
    await page.getByTestId('handin-submit').click();
    await expect.poll(() => page.getByTestId('handin-saved').textContent()).toContain('已提交');
    await expect(page.getByTestId('handin-name').count()).resolves.toBe(0);
  });

  test('设置 → 账户: the name, changed there; 班级中心 still shows the roster’s, labelled as what the teacher sees', async () => {
    await page.goto(`${e2e.url}/#/settings`);
    const account = page.getByTestId('account');
    await expect.poll(() => account.getByTestId('your-name').inputValue()).toBe('张小明');
    await account.getByTestId('your-name').fill('张晓明');
    await account.getByTestId('your-name-save').click();
    await expect.poll(() => account.getByTestId('your-name-saved').textContent()).toBe('姓名已保存。');
    expect((await e2e.api.getMe()).name).toBe('张晓明');
    await expect(page.locator('.me-name').textContent()).resolves.toBe('张晓明');
    const hub = page.getByTestId('hub-link');
    await expect(hub.locator('dt').first().textContent()).resolves.toBe('老师看到的姓名（班级名单）');
    await expect(hub.getByTestId('hub-link-name').textContent()).resolves.toBe('张小明（本机“账户”里的姓名是“张晓明”，修改它不会改变老师那里的姓名。）');
    await expect(hub.getByTestId('hub-link-class').textContent()).resolves.toBe('已加入：初二（3）班（http://127.0.0.1:9）');
    await e2e.screenshot(page, 'owner-account-zh');
  });

  test('设置 → 账户: a 150-character roster name is filled in and saved (the hub’s limit is the desktop’s); an emptied name is said, not sent', async () => {
    // The roster (the hub) takes names of up to PERSON_NAME_MAX_CHARS; the desktop once refused those over 100.
    const long = Array.from({ length: 150 }, (_, i) => '欧阳明轩思远'[i % 6]).join('');
    await e2e.api.updateMe({ name: 'owner' });
    seedHubLink((await e2e.api.getMe()).id, long);
    // Changed behind the app's back: a fresh load reads the name and the link again.
    await page.goto(`${e2e.url}/#/settings`);
    await page.reload();
    const account = page.getByTestId('account');
    await expect.poll(() => account.getByTestId('your-name').inputValue()).toBe(long);
    await expect(account.textContent()).resolves.toContain('已按班级名单填入');
    await account.getByTestId('your-name-save').click();
    await expect.poll(() => account.getByTestId('your-name-saved').textContent()).toBe('姓名已保存。');
    expect((await e2e.api.getMe()).name).toBe(long);

    await account.getByTestId('your-name').fill('  ');
    await expect(account.getByTestId('your-name-problem').textContent()).resolves.toBe('请写上你的姓名，不能为空。');
    await expect(account.getByTestId('your-name-save').isDisabled()).resolves.toBe(true);

    // Joined with the class code alone, the name typed then: filled in, never said to be the roster's.
    await e2e.api.updateMe({ name: 'owner' });
    seedHubLink((await e2e.api.getMe()).id, '小明同学', false);
    await page.reload();
    await expect.poll(() => account.getByTestId('your-name').inputValue()).toBe('小明同学');
    await expect(account.getByTestId('your-name-help').textContent()).resolves.toContain('已填入你加入班级时写的姓名');
    await expect(account.textContent()).resolves.not.toContain('已按班级名单填入');
    await expect(page.getByTestId('hub-link').locator('dt').first().textContent()).resolves.toBe('老师看到的姓名（加入时填写）');
    // The next tests' laptop: named 张晓明 again.
    await e2e.api.updateMe({ name: '张晓明' });
    seedHubLink((await e2e.api.getMe()).id);
    await page.reload();
  });

  test('班级中心: the sync error in Chinese, its English detail folded under 技术详情（英文）', async () => {
    const error = page.getByTestId('hub-link-error');
    await expect.poll(() => error.locator('.error-text').textContent()).toMatch(/^无法/);
    await expect(error.locator('summary').textContent()).resolves.toBe('技术详情（英文）');
    await expect(error.locator('.error-detail').isVisible()).resolves.toBe(false);
    // Nothing in English shows until it is opened.
    expect((await error.innerText()).replace('Studylog', '')).not.toMatch(/[A-Za-z]{4,}/);
    await page.locator('#set-hub').scrollIntoViewIfNeeded();
    await e2e.screenshot(page, 'owner-hub-error-zh');
    await error.locator('summary').click();
    await expect(error.locator('.error-detail').isVisible()).resolves.toBe(true);
  });

  test('a refused key: the provider’s name (not "other"), said once in red, how to replace it here', async () => {
    const row = page.locator('.provider-row[data-provider-id="other"]');
    await row.getByTestId('api-key-input').fill(WRONG_KEY);
    await row.getByTestId('save-key').click();
    // Saved, then refused when its models are asked for: said so at once, not "saved" in green.
    await expect.poll(() => row.getByTestId('key-status').getAttribute('data-state')).toBe('refused');
    await expect(row.getByTestId('api-key-input').getAttribute('placeholder')).resolves.toBe('粘贴新的密钥以替换被拒绝的密钥');
    await row.getByTestId('test-connection').click();
    await expect.poll(() => row.getByTestId('test-connection').isEnabled()).toBe(true);
    const error = row.locator('.error-text');
    await expect.poll(() => error.getAttribute('data-code')).toBe('upstream_auth');
    await expect(error.locator('.error-headline').textContent()).resolves.toBe('服务商拒绝了保存的 API 密钥。');
    await expect(error.locator('.error-next').textContent()).resolves.toContain('粘贴到上面的“API 密钥”框里');
    await expect(row.getByTestId('key-status').textContent()).resolves.toBe('保存的密钥被拒绝');
    const text = await row.innerText();
    for (const wrong of ['已设置密钥', '密钥已保存到钥匙串', '设置 → 模型服务商', '模型列表']) expect(text).not.toContain(wrong);
    await expect(row.locator('.row-title-line').innerText()).resolves.not.toMatch(/\bother\b/);
    await expect(row.locator('.row-title-line strong').textContent()).resolves.toBe('其他 OpenAI 兼容服务');
    await row.scrollIntoViewIfNeeded();
    await e2e.screenshot(page, 'owner-wrong-key-zh');
  });

  test('the chat banner’s 去设置 opens Settings at 模型服务商, focused', async () => {
    await e2e.api.updateSettings({ default_provider_id: 'other' });
    await page.goto(`${e2e.url}/#/chat`);
    await sendMessage(page, '细胞膜有什么功能？');
    const banner = page.getByTestId('chat-banner');
    await expect.poll(() => banner.getAttribute('data-code')).toBe('upstream_auth');
    await banner.getByTestId('banner-action').click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('set-providers');
    expect(await page.evaluate(() => window.location.hash)).toBe('#/settings');
    // At the top of the settings panel (its heading and the table of contents above it scrolled away).
    const top = await page.evaluate(() => document.getElementById('set-providers')!.getBoundingClientRect().top);
    expect(Math.abs(top)).toBeLessThan(40);
    await e2e.screenshot(page, 'owner-goto-providers-zh');
  });
});

declare const window: { location: { hash: string } };
