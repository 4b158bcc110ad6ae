// Tryout 10 #5 and #6, in zh-CN at 1280×800: what the connection test says when the provider's
// address is wrong or cannot be reached.
// - #5: a base URL with no OpenAI-compatible API under it (its /models answers 404) says the
//   address looks wrong (it usually ends in /v1), not "服务商没有这个模型" — in Settings and in
//   the setup dialog.
// - #6: a cloud address that cannot be reached asks to check the network, not to "start it";
//   its offline model step names no Ollama model. A local one (Ollama) still says to start it.
//   (Which words each preset gets, DeepSeek's included: tests/unit/setup-offline-words.test.ts.)
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closedPort, PROVIDER_KEY, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromiumAndKeyring = requirePackage(['chromium', 'libsecret-1-0', 'dbus', 'gnome-keyring']);
const VIEWPORT = { width: 1280, height: 800 };
/** A cloud address that never resolves (the .invalid top-level domain is reserved for that). */
const CLOUD_UNREACHABLE = 'https://studylog-test.invalid/v1';

let e2e: E2E;

beforeAll(async () => {
  if (chromiumAndKeyring.skip) return;
  e2e = await startE2E({ language: 'zh-CN', keychain: 'private' });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

async function openSetupFromSettings(page: Page) {
  await page.getByRole('button', { name: '添加服务商' }).click();
  return page.getByRole('dialog');
}

describe.skipIf(chromiumAndKeyring.skip)(`the connection test's words${chromiumAndKeyring.note}`, () => {
  test('a wrong base URL (…/wrong: /models answers 404) says the address looks wrong, in Settings', async () => {
    const settings = await e2e.api.getSettings();
    const wrong = `${e2e.llm.url.replace(/\/v1$/, '')}/wrong`;
    await e2e.api.updateSettings({ providers: settings.providers.map((p) => (p.id === 'test' ? { ...p, base_url: wrong } : p)) });
    try {
      const page = await e2e.open({ route: 'settings', viewport: VIEWPORT, ready: (p) => p.locator('li[data-provider-id="test"]') });
      const row = page.locator('li[data-provider-id="test"]');
      await row.getByTestId('test-connection').click();
      const alert = row.getByRole('alert');
      await alert.waitFor();
      await expect(alert.textContent()).resolves.toContain('这个地址上找不到兼容 OpenAI 的接口。');
      await expect(alert.textContent()).resolves.toContain('通常以 /v1 结尾');
      await expect(row.textContent()).resolves.not.toContain('服务商没有这个模型');
      await row.scrollIntoViewIfNeeded();
      await e2e.screenshot(page, 'provider-wrong-base-url-zh');
      await page.context().close();
    } finally {
      await e2e.api.updateSettings({ providers: settings.providers });
    }
  });

  test('the setup dialog: a wrong address (the address looks wrong), a cloud one unreachable (check the network), Ollama not running (start it)', async () => {
    const page = await e2e.open({ route: 'settings', viewport: VIEWPORT, ready: (p) => p.getByRole('button', { name: '添加服务商' }) });
    const dialog = await openSetupFromSettings(page);
    // "Other OpenAI-compatible": the preset whose address the student types (the cloud presets' is fixed).
    await dialog.locator('[data-preset="other"]').click();

    // The test server's address without its /v1 path: it answers, but nothing OpenAI-compatible is there.
    await dialog.locator('input[name="base_url"]').fill(`${e2e.llm.url.replace(/\/v1$/, '')}/wrong`);
    await dialog.getByTestId('setup-key').fill(PROVIDER_KEY);
    await dialog.getByTestId('setup-test').click();
    await dialog.getByText('这个地址上找不到兼容 OpenAI 的接口。').waitFor();
    // The address field is right here: the next step points at it, not at Settings.
    await expect(dialog.textContent()).resolves.toContain('请检查上面的接口地址：通常以 /v1 结尾');
    await expect(dialog.textContent()).resolves.not.toContain('服务商没有这个模型');
    await e2e.screenshot(page, 'setup-wrong-base-url-zh');

    // A cloud address that cannot be reached: check the network, never "start it".
    await dialog.locator('input[name="base_url"]').fill(CLOUD_UNREACHABLE);
    await dialog.getByTestId('setup-key').fill('fake-key-e2e-provider-words');
    await dialog.getByTestId('setup-test').click();
    const unreachable = dialog.getByTestId('setup-unreachable');
    await unreachable.waitFor();
    await expect(unreachable.textContent()).resolves.toContain('请检查这台电脑的网络连接');
    await expect(unreachable.textContent()).resolves.not.toContain('启动');
    await e2e.screenshot(page, 'setup-cloud-unreachable-zh');
    await dialog.getByTestId('setup-continue-offline').click();
    const typed = dialog.getByTestId('setup-models-typed');
    await expect(typed.textContent()).resolves.toBe('无法获取模型列表：请手动填写服务商提供的模型名称。');

    // Back to the presets: Ollama on this computer, not running — start it (ollama serve).
    await dialog.getByRole('button', { name: '返回' }).click();
    await dialog.getByRole('button', { name: '返回' }).click();
    await dialog.locator('[data-preset="ollama"]').click();
    await dialog.locator('input[name="base_url"]').fill(`http://127.0.0.1:${await closedPort()}/v1`);
    await dialog.getByTestId('setup-test').click();
    await unreachable.waitFor();
    await expect(unreachable.textContent()).resolves.toContain('请启动 Ollama');
    await expect(unreachable.textContent()).resolves.toContain('ollama serve');
    await dialog.getByTestId('setup-continue-offline').click();
    await expect(typed.textContent()).resolves.toContain('Ollama 例如 qwen2.5:7b');
    await e2e.screenshot(page, 'setup-ollama-unreachable-models-zh');
    await page.context().close();
  });
});
