// First contact in zh-CN, in a real browser against `studylog serve` on a fresh data directory:
// sign in → "set up a model" → a preset pointed at the OpenAI-compatible test server → key →
// test → models prefilled → done → a streamed answer, in at most 8 clicks; the offline first run
// (a local provider that is not running, no model list ever seen → the offline banner, not "no
// provider"); and, with no D-Bus session at all, the keychain-unavailable hint that keeps the key.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { closedPort, PROVIDER_KEY, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');
const chromiumAndKeyring = requirePackage(['chromium', 'libsecret-1-0', 'dbus', 'gnome-keyring']);

// Runs in the page; the tests compile without the DOM library.
declare const document: { body: { innerText: string } };
declare const localStorage: { length: number; key(i: number): string | null; getItem(k: string): string | null };

/**
 * English that reaches a zh-CN screen: two English words in a row, once names that stay as they
 * are (brands, model ids, commands, variable names, URLs) are taken out.
 */
const KEEP = [
  /https?:\/\/\S+/g,
  /studylog serve|npm start|ollama serve/g, // the commands' names
  /\b[A-Z][A-Z0-9_]{2,}\b/g, // environment variables, API
  /sudo (apt|dnf) install [\w\s.-]+/g,
  /\b(Studylog|DeepSeek|OpenAI|OpenRouter|Kimi|Moonshot|GLM|SiliconFlow|Ollama|LM Studio|DashScope|Base URL|Enter|Shift|Debian|Ubuntu|Fedora|LaTeX)\b/g,
  /[\w.-]+\/[\w.-]+/g, // model ids such as deepseek-ai/DeepSeek-V3, hosts
  /\b[a-z0-9]+(?:[-.:][a-z0-9]+)+\b/g, // model ids such as deepseek-chat, qwen2.5:7b
];
async function englishOn(page: Page): Promise<string[]> {
  let text = await page.evaluate(() => document.body.innerText);
  for (const re of KEEP) text = text.replace(re, ' ');
  return [...text.matchAll(/[A-Za-z]{3,}(?:[ ,']+[A-Za-z]{3,})+/g)].map((m) => m[0]);
}

describe.skipIf(chromiumAndKeyring.skip)(`first run with a keychain${chromiumAndKeyring.note}`, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ provider: false, language: 'zh-CN', keychain: 'private' });
  }, 90_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('from the sign-in link npm start prints to a streamed answer in at most 8 clicks, all in Chinese', async () => {
    const page = await e2e.newPage({ signedIn: false });
    let clicks = 0;
    const click = async (target: Locator) => {
      clicks++;
      await target.click();
    };
    const shot = async (name: string) => {
      expect(await englishOn(page), name).toEqual([]);
      await e2e.screenshot(page, `setup-${name}`);
    };

    // The link `npm start` prints signs the owner in: no token to paste, no click.
    await page.goto(e2e.signinUrl);

    // No provider can answer: "set up a model" in place of the empty chat.
    const prompt = page.getByTestId('setup-prompt');
    await prompt.waitFor();
    expect(page.url()).not.toContain('code=');
    await expect(prompt.textContent()).resolves.toContain('先设置一个模型');
    await shot('01-set-up-a-model');
    await click(page.getByTestId('open-setup'));

    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('[data-preset]').count()).toBe(10);
    await expect(dialog.textContent()).resolves.toContain('Kimi（月之暗面 Moonshot）');
    await expect(dialog.textContent()).resolves.toContain('智谱 GLM');
    await expect(dialog.textContent()).resolves.toContain('硅基流动 SiliconFlow');
    await shot('02-presets');
    await click(dialog.locator('[data-preset="other"]'));

    // No slug to type: the id is generated. The address of "other" is typed; the key is pasted.
    await expect(dialog.locator('input[name="id"]').count()).resolves.toBe(0);
    await dialog.locator('input[name="base_url"]').fill(e2e.llm.url);
    await dialog.getByTestId('setup-key').fill(PROVIDER_KEY);
    await shot('03-key');
    await click(dialog.getByTestId('setup-test'));

    // Connected: each mode's model is prefilled from the provider's own list.
    await expect.poll(() => dialog.getByTestId('setup-connected').textContent()).toBe(`连接成功——有 ${e2e.llm.models.length} 个模型可用。`);
    // (The list comes sorted; "other" has no defaults: the first chat model, the first reasoning one.)
    await expect(dialog.locator('input[data-mode="chat"]').inputValue()).resolves.toBe('deepseek-chat');
    await expect(dialog.locator('input[data-mode="deep_think"]').inputValue()).resolves.toBe('deepseek-reasoner');
    // The key left the page once it was stored.
    await expect(page.content()).resolves.not.toContain(PROVIDER_KEY);
    await shot('04-models');
    await click(dialog.getByTestId('setup-done'));

    // Back in the chat, ready to send.
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await expect(page.getByTestId('setup-prompt').count()).resolves.toBe(0);
    await page.getByTestId('composer').fill('你好，请解释一下二次函数 [[test:{"chunkDelayMs":5,"reply":"二次函数的一般形式是 $y = ax^2 + bx + c$。"}]]');
    await click(page.getByTestId('send'));
    const answer = page.locator('[data-role="assistant"]').last();
    await expect.poll(() => answer.getAttribute('data-status')).toBe('complete');
    await expect(answer.textContent()).resolves.toContain('二次函数的一般形式是');
    await answer.locator('.katex').first().waitFor(); // the maths typeset (its chunk loads on first use)
    await shot('05-first-answer');

    expect(clicks).toBeLessThanOrEqual(8);

    // What was saved: a provider with a generated id and its key in the keychain (never in
    // settings or the browser's storage), and each mode's model from the provider.
    const settings = await e2e.api.getSettings();
    expect(settings.providers).toEqual([expect.objectContaining({ id: 'other', kind: 'other', base_url: e2e.llm.url, api_key_ref: { source: 'keychain' } })]);
    expect(settings.default_provider_id).toBe('other');
    expect(settings.policies).toEqual({
      chat: { provider_id: 'other', model: 'deepseek-chat' },
      homework: { provider_id: 'other', model: 'deepseek-chat' },
      deep_think: { provider_id: 'other', model: 'deepseek-reasoner' },
    });
    expect(JSON.stringify(settings)).not.toContain(PROVIDER_KEY);
    const stored = await page.evaluate(() => Array.from({ length: localStorage.length }, (_, i) => localStorage.getItem(localStorage.key(i)!)).join('\n'));
    expect(stored).not.toContain(PROVIDER_KEY);
    const chatCall = e2e.llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;
    expect(chatCall.body.model).toBe('deepseek-chat');
    await page.context().close();
  });

  test('a second provider of the same preset gets a suffixed id, from Settings → Model providers', async () => {
    const page = await e2e.open({ route: 'settings', ready: (p) => p.locator('.provider-row[data-provider-id="other"]') });
    await page.getByRole('button', { name: '添加服务商' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-preset="other"]').click();
    await dialog.locator('input[name="base_url"]').fill(e2e.llm.url);
    await dialog.getByTestId('setup-key').fill(PROVIDER_KEY);
    await dialog.getByTestId('setup-test').click();
    await dialog.getByTestId('setup-connected').waitFor();
    await dialog.getByRole('button', { name: '保留各模式当前的模型' }).click();
    await page.locator('.provider-row[data-provider-id="other-2"]').waitFor();
    const settings = await e2e.api.getSettings();
    expect(settings.providers.map((p) => [p.id, p.name])).toEqual([
      ['other', '其他 OpenAI 兼容服务'],
      ['other-2', '其他 OpenAI 兼容服务 2'],
    ]);
    expect(settings.default_provider_id).toBe('other');
    expect(settings.policies.chat).toEqual({ provider_id: 'other', model: 'deepseek-chat' });
    await e2e.api.deleteProviderKey({ id: 'other-2' });
    await e2e.api.deleteProviderKey({ id: 'other' });
    await page.context().close();
  });

  test('editing a provider: moving it to another address warns, before saving, that its key must be entered again', async () => {
    await e2e.api.setProviderKey({ id: 'other', api_key: PROVIDER_KEY });
    const page = await e2e.open({ route: 'settings', ready: null });
    const row = page.locator('.provider-row[data-provider-id="other"]');
    await expect.poll(() => row.getByTestId('key-status').textContent()).toBe('已设置密钥');
    await row.getByRole('button', { name: '编辑' }).click();
    const dialog = page.getByRole('dialog');
    const url = dialog.locator('input[name="base_url"]');
    const warning = dialog.getByTestId('key-dropped-warning');
    await expect(warning.count()).resolves.toBe(0);
    // Another path at the same address keeps the key: no warning.
    await url.fill(`${e2e.llm.url}/`);
    await expect(warning.count()).resolves.toBe(0);
    await url.fill('http://127.0.0.1:9/v1');
    await expect(warning.textContent()).resolves.toBe('接口地址改了：已保存的密钥只会发给当初输入它时的地址，所以保存后需要重新输入密钥（也可以现在就在上面的“API 密钥”中填写）。');
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-edit-url-warning');
    // A new key typed here goes with the new address: nothing to warn about.
    await dialog.locator('input[name="api_key"]').fill('sk-new-key');
    await expect(warning.count()).resolves.toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect((await e2e.api.getSettings()).providers.find((p) => p.id === 'other')?.base_url).toBe(e2e.llm.url);
    await e2e.api.deleteProviderKey({ id: 'other' });
    await page.context().close();
  });

  test('a refused key is corrected in the dialog; cancelling removes the provider that never connected, and its key', async () => {
    const page = await e2e.open({ route: 'settings', ready: (p) => p.locator('.provider-row[data-provider-id="other"]') });
    const before = await e2e.api.getSettings();
    await page.getByRole('button', { name: '添加服务商' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-preset="other"]').click();
    await dialog.locator('input[name="base_url"]').fill(e2e.llm.url);
    await dialog.getByTestId('setup-key').fill('fake-key-wrong-for-the-test-server');
    await dialog.getByTestId('setup-test').click();
    const error = dialog.locator('.error-text');
    await expect.poll(() => error.getAttribute('data-code')).toBe('upstream_auth');
    // The key field is right there: not "go to Settings".
    await expect(error.locator('.error-next').textContent()).resolves.toBe('请在上面的“API 密钥”输入框中粘贴正确的密钥，然后再点“测试并继续”。');
    // Two Chinese sentences: no space after the headline's 。
    await expect(error.textContent()).resolves.toMatch(/^服务商拒绝了 API 密钥。请在上面/);
    await expect(error.textContent()).resolves.not.toContain('设置 → 模型服务商');
    expect(await englishOn(page)).toEqual([]);
    // Saved (with the refused key stored) but never connected.
    await expect(e2e.api.getSettings().then((s) => s.providers.map((p) => p.id))).resolves.toEqual(['other', 'other-2', 'other-3']);
    await expect(e2e.api.listModels({}).then((m) => m.providers.find((p) => p.id === 'other-3')?.key_status)).resolves.toBe('set');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    const after = await e2e.api.getSettings();
    expect(after.providers).toEqual(before.providers);
    expect(after.default_provider_id).toBe(before.default_provider_id);
    // The key went with it: a provider added again under that id finds none.
    const again = { ...before.providers.find((p) => p.id === 'other')!, id: 'other-3', name: 'again' };
    await e2e.api.updateSettings({ providers: [...before.providers, again] });
    await expect(e2e.api.listModels({}).then((m) => m.providers.find((p) => p.id === 'other-3')?.key_status)).resolves.toBe('missing');
    await e2e.api.updateSettings({ providers: before.providers });
    await page.context().close();
  });

  test('a provider that connected stays when the dialog is closed at the models step', async () => {
    const page = await e2e.open({ route: 'settings', ready: (p) => p.locator('.provider-row[data-provider-id="other"]') });
    await page.getByRole('button', { name: '添加服务商' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-preset="other"]').click();
    await dialog.locator('input[name="base_url"]').fill(e2e.llm.url);
    await dialog.getByTestId('setup-key').fill(PROVIDER_KEY);
    await dialog.getByTestId('setup-test').click();
    await dialog.getByTestId('setup-connected').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await page.locator('.provider-row[data-provider-id="other-3"]').waitFor();
    expect((await e2e.api.getSettings()).providers.map((p) => p.id)).toEqual(['other', 'other-2', 'other-3']);
    await expect(e2e.api.listModels({}).then((m) => m.providers.find((p) => p.id === 'other-3')?.key_status)).resolves.toBe('set');
    await page.context().close();
  });
});

describe.skipIf(chromium.skip)(`first run without a keychain (no D-Bus session)${chromium.note}`, () => {
  let e2e: E2E;
  let page: Page;
  beforeAll(async () => {
    e2e = await startE2E({ provider: false, language: 'zh-CN', keychain: 'none' });
    page = await e2e.open({ ready: (p) => p.getByTestId('setup-prompt') });
  }, 90_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const KEY = 'fake-key-typed-no-keychain-5e6f7a8b';

  test('sign-in: a wrong token is explained in Chinese', async () => {
    const p = await e2e.newPage({ signedIn: false });
    await p.goto(e2e.url);
    await p.locator('input[name="token"]').fill('slk_not-a-real-token');
    await p.getByRole('button', { name: '登录' }).click();
    const error = p.locator('.error-text');
    await expect.poll(() => error.getAttribute('data-code')).toBe('unauthorized');
    await expect(error.textContent()).resolves.toContain('未登录，或令牌无效。');
    await expect(error.textContent()).resolves.toContain('请用有效的 API 令牌重新登录。');
    expect(await englishOn(p)).toEqual([]);
    await e2e.screenshot(p, 'setup-sign-in-error');
    await p.context().close();
  });

  test('the key stays in the field, and the hint says what is missing and the two ways out', async () => {
    await page.getByTestId('open-setup').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-preset="deepseek"]').click();
    // A cloud preset's address is fixed, and the key page is one click away.
    await expect(dialog.locator('input[name="base_url"]').inputValue()).resolves.toBe('https://api.deepseek.com/v1');
    await expect(dialog.locator('input[name="base_url"]').getAttribute('readonly')).resolves.not.toBeNull();
    await expect(dialog.getByTestId('key-page').getAttribute('href')).resolves.toBe('https://platform.deepseek.com/api_keys');
    await dialog.getByTestId('setup-key').fill(KEY);
    await dialog.getByTestId('setup-test').click();

    const error = dialog.locator('.error-text');
    await expect.poll(() => error.getAttribute('data-code')).toBe('keychain_unavailable');
    await expect(error.locator('.error-headline').textContent()).resolves.toBe('系统钥匙串不可用：无法保存或读取 API 密钥。');
    await expect(dialog.getByTestId('setup-key').inputValue()).resolves.toBe(KEY);
    const hint = dialog.getByTestId('keychain-hint');
    await expect(hint.textContent()).resolves.toContain('sudo apt install gnome-keyring libsecret-1-0');
    await expect(hint.textContent()).resolves.toContain('sudo dnf install gnome-keyring libsecret');
    // Installed but useless without a desktop session: the hint says so, and the second way is
    // the exact command for this provider, with a button to copy it.
    await expect(dialog.getByTestId('keychain-no-session').textContent()).resolves.toBe('已经安装了？在没有桌面会话的环境（服务器、WSL、SSH）里密钥环无法运行，请用第二种方法。');
    await expect(dialog.getByTestId('keychain-env').textContent()).resolves.toBe(
      'STUDYLOG_API_KEY_DEEPSEEK=<你的密钥> STUDYLOG_BASE_URL_DEEPSEEK=https://api.deepseek.com/v1 npm start',
    );
    await expect(hint.getByRole('button', { name: '复制' }).count()).resolves.toBe(1);
    // The server's English detail is folded away, not on screen.
    await expect(error.locator('details').getAttribute('open')).resolves.toBeNull();
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-keychain-unavailable');

    // Nowhere but the field: not in settings, not in the browser's storage.
    expect(JSON.stringify(await e2e.api.getSettings())).not.toContain(KEY);
    const stored = await page.evaluate(() => Array.from({ length: localStorage.length }, (_, i) => localStorage.getItem(localStorage.key(i)!)).join('\n'));
    expect(stored).not.toContain(KEY);
    // Saved by "test and continue", never connected, no key stored: going back to the presets
    // removes it again (the keychain cannot even be asked), and cancelling leaves nothing behind.
    expect((await e2e.api.getSettings()).providers.map((p) => p.id)).toEqual(['deepseek']);
    await dialog.getByRole('button', { name: '返回' }).click();
    await expect.poll(async () => (await e2e.api.getSettings()).providers).toEqual([]);
    await dialog.getByRole('button', { name: '取消' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    const after = await e2e.api.getSettings();
    expect(after.providers).toEqual([]);
    expect(after.default_provider_id).toBeNull();
  });

  test('Settings: the key form keeps the key too, and test connection names the keychain as the problem', async () => {
    // The abandoned setup above left nothing: a DeepSeek provider as the owner saved it before the keychain went away.
    await e2e.api.updateSettings({
      providers: [
        {
          id: 'deepseek',
          name: 'DeepSeek',
          kind: 'deepseek',
          base_url: 'https://api.deepseek.com/v1',
          models: [],
          api_key_ref: { source: 'keychain' },
          timeout_ms: 60_000,
          max_retries: 2,
        },
      ],
      default_provider_id: 'deepseek',
    });
    await page.goto(`${e2e.url}/#/settings`);
    await page.reload();
    const row = page.locator('.provider-row[data-provider-id="deepseek"]');
    await row.waitFor();
    // Never fetched (no key): not "offline".
    await expect(row.getByTestId('models-status').count()).resolves.toBe(0);
    // The key cannot even be looked up: the keychain, not a missing key, is what to fix.
    await row.getByTestId('test-connection').click();
    await expect.poll(() => row.locator('.error-text').getAttribute('data-code')).toBe('keychain_unavailable');
    await expect(row.getByTestId('keychain-hint').textContent()).resolves.toContain('sudo apt install gnome-keyring libsecret-1-0');
    await row.getByTestId('api-key-input').fill(KEY);
    await row.getByTestId('save-key').click();
    await expect.poll(() => row.locator('.error-text').getAttribute('data-code')).toBe('keychain_unavailable');
    await expect(row.getByTestId('api-key-input').inputValue()).resolves.toBe(KEY);
    await expect(row.getByTestId('keychain-env').textContent()).resolves.toContain('STUDYLOG_API_KEY_DEEPSEEK=');
    await row.scrollIntoViewIfNeeded();
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-settings-keychain-unavailable');
    await row.getByTestId('api-key-input').fill('');
  });

  test('offline first run: a local provider that is not running, no model list ever seen → the offline banner', async () => {
    const port = await closedPort();
    await page.locator('a[data-screen="chat"]').click();
    await page.getByTestId('open-setup').click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-preset="ollama"]').click();
    // A local server: its address is editable, and it takes no key.
    await dialog.locator('input[name="base_url"]').fill(`http://127.0.0.1:${port}/v1`);
    await expect(dialog.getByTestId('setup-key').count()).resolves.toBe(0);
    await dialog.getByTestId('setup-test').click();
    await dialog.getByTestId('setup-unreachable').waitFor();
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-offline-unreachable');
    await dialog.getByTestId('setup-continue-offline').click();
    await dialog.locator('input[data-mode="chat"]').fill('qwen2.5:7b');
    await dialog.getByTestId('setup-done').click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    // Nothing sent yet, nothing cached: the banner says offline (not "no model set up").
    const banner = page.getByTestId('chat-banner');
    await expect.poll(() => banner.getAttribute('data-code')).toBe('upstream_unreachable');
    await expect(banner.textContent()).resolves.toContain('离线——无法连接到模型。');
    await expect(page.getByTestId('setup-prompt').count()).resolves.toBe(0);
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-offline-banner');

    // A message is kept as "not sent" with a retry, and the banner stays.
    await page.getByTestId('composer').fill('你在吗？');
    await page.getByTestId('send').click();
    await expect.poll(() => page.locator('[data-role="user"]').last().getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
    await expect(page.getByTestId('unsent').textContent()).resolves.toContain('未发送');
    await expect(page.getByTestId('retry').count()).resolves.toBe(1);
    await expect(banner.getAttribute('data-code')).resolves.toBe('upstream_unreachable');
    await expect(page.content()).resolves.not.toContain('还没有设置模型');
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-offline-unsent');

    const settings = await e2e.api.getSettings();
    expect(settings.providers.find((p) => p.id === 'ollama')).toMatchObject({
      kind: 'ollama',
      models: ['qwen2.5:7b'],
      default_model: 'qwen2.5:7b',
      api_key_ref: { source: 'none' },
    });
    expect(settings.policies.chat).toEqual({ provider_id: 'ollama', model: 'qwen2.5:7b' });
  });

  test('an error banner gives the next step and a button to it, in Chinese', async () => {
    // Point the chat at the provider whose key is in no keychain: the server answers keychain_unavailable.
    await e2e.api.updateSettings({ policies: { chat: { provider_id: 'deepseek', model: 'deepseek-chat' } } });
    await page.goto(`${e2e.url}/#/chat`);
    await page.reload();
    await page.getByTestId('chat-header').getByRole('button', { name: '新对话' }).click();
    await page.getByTestId('composer').fill('再试一次');
    await page.getByTestId('send').click();
    const banner = page.getByTestId('chat-banner');
    await expect.poll(() => banner.getAttribute('data-code')).toBe('keychain_unavailable');
    await expect(banner.textContent()).resolves.toContain('请安装或解锁密钥环，或者用环境变量提供密钥');
    await expect(banner.getByTestId('banner-action').textContent()).resolves.toBe('去设置');
    // The message itself is kept, ready to retry once the key can be read.
    await expect.poll(() => page.locator('[data-role="user"]').last().getAttribute('data-status')).toBe('failed');
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-error-banner');
    await banner.getByTestId('banner-action').click();
    await page.locator('.provider-row[data-provider-id="deepseek"]').waitFor();
  });
});

describe.skipIf(chromium.skip)(`the environment provider (OPENAI_BASE_URL / OPENAI_API_KEY)${chromium.note}`, () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ provider: false, language: 'zh-CN', keychain: 'none', env: (llm) => ({ OPENAI_BASE_URL: llm.url, OPENAI_API_KEY: PROVIDER_KEY }) });
  }, 90_000);
  afterAll(async () => {
    await e2e?.close();
  });

  test('is shown read-only in Settings with its models and where it comes from, and the chat needs no setup', async () => {
    const page = await e2e.open({ route: 'settings', ready: (p) => p.getByTestId('env-provider') });
    const row = page.getByTestId('env-provider');
    await expect(row.textContent()).resolves.toContain(`环境变量中的服务商（${new URL(e2e.llm.url).host}）`);
    await expect(row.textContent()).resolves.toContain(e2e.llm.url);
    await expect(row.textContent()).resolves.toContain('OPENAI_BASE_URL / OPENAI_API_KEY');
    for (const model of e2e.llm.models) await expect(row.textContent()).resolves.toContain(model);
    // Read-only: no key field, no edit or remove.
    await expect(row.locator('input, button').count()).resolves.toBe(0);
    expect((await e2e.api.getSettings()).providers).toEqual([]);
    expect(await englishOn(page)).toEqual([]);
    await e2e.screenshot(page, 'setup-env-provider');
    await page.locator('a[data-screen="chat"]').click();
    await page.getByTestId('composer').waitFor();
    await expect(page.getByTestId('setup-prompt').count()).resolves.toBe(0);
    await page.context().close();
  });
});
