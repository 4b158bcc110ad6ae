// Joining a class hub from Settings → Class hub on a computer without a system keychain (no D-Bus
// session, as on a headless Linux box): the join is refused before the hub is asked, and the form
// says it is the hub's token that cannot be kept — with what to do on Linux — not the error table's
// sentence about API keys. In Chinese, the first users' language.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { requirePackage } from '../support/requirements.ts';
import { startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

describe.skipIf(chromium.skip)(`joining a class without a keychain${chromium.note}`, () => {
  let e2e: E2E;
  let page: Page;
  beforeAll(async () => {
    e2e = await startE2E({ language: 'zh-CN', keychain: 'none' });
    page = await e2e.open({ route: 'settings', ready: null });
  }, 90_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('the join form names the hub’s token and the keyring to install, not API keys', async () => {
    const form = page.getByTestId('hub-link');
    await form.getByLabel('班级中心地址').fill('http://hub.school.test:5124');
    await form.getByLabel('班级码').fill('K7P2QXWT');
    await form.getByLabel('你的姓名').fill('张三');
    await form.getByRole('button', { name: '加入班级' }).click();
    const error = form.getByRole('alert');
    await expect.poll(() => error.getAttribute('data-code')).toBe('keychain_unavailable');
    await expect(error.locator('.error-headline').textContent()).resolves.toBe('无法保存班级中心的令牌：系统钥匙串不可用。');
    await expect(error.locator('.error-next').textContent()).resolves.toContain('在 Linux 上请安装并解锁一个密钥环，例如 gnome-keyring');
    await expect(error.textContent()).resolves.not.toContain('API 密钥。');
    await expect(error.textContent()).resolves.not.toContain('模型服务商');
    await e2e.screenshot(page, 'hub-join-no-keychain');
  });
});
