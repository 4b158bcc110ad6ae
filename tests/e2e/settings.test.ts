// Settings in a real browser: providers (a stored key is never shown; the key input is write-only),
// test connection, per-mode policy and reset, the LAN server, API tokens shown once, language
// (zh-CN ↔ en) and theme; and the browser's sign-in with a token, sign-out and a revoked token.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { PROVIDER_KEY, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
declare const document: { documentElement: { lang: string; dataset: Record<string, string | undefined> }; body: object };
declare function getComputedStyle(element: object): { backgroundColor: string };
declare const localStorage: { getItem(key: string): string | null };

const STORED_KEY = 'fake-key-stored-SECRET-4d5e6f7a8b9c';
const TYPED_KEY = 'fake-key-typed-SECRET-0a1b2c3d4e5f';

let e2e: E2E;
let page: Page;
let keychain: 'set' | 'unavailable';

beforeAll(async () => {
  e2e = await startE2E();
  const settings = await e2e.api.getSettings();
  await e2e.api.updateSettings({
    providers: [
      ...settings.providers,
      {
        id: 'deepseek',
        name: 'DeepSeek',
        kind: 'deepseek',
        base_url: 'https://api.deepseek.com',
        models: ['deepseek-chat'],
        api_key_ref: { source: 'keychain' },
        timeout_ms: 60_000,
        max_retries: 2,
      },
    ],
  });
  // Where a keychain is reachable the key is stored; a headless box without one says so.
  try {
    await e2e.api.setProviderKey({ id: 'deepseek', api_key: STORED_KEY });
    keychain = 'set';
  } catch (error) {
    expect(error).toMatchObject({ code: 'keychain_unavailable' });
    keychain = 'unavailable';
  }
  page = await e2e.open({ route: 'settings', ready: (p) => p.locator('.provider-row').nth(1) });
}, 90_000);

afterAll(async () => {
  if (keychain === 'set') await e2e?.api.deleteProviderKey({ id: 'deepseek' }).catch(() => {});
  await e2e?.close();
});

async function pageNeverShowsAKey() {
  const html = await page.content();
  const values = await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value).join('\n'));
  for (const secret of [STORED_KEY, TYPED_KEY, PROVIDER_KEY]) {
    expect(html).not.toContain(secret);
    expect(values).not.toContain(secret);
  }
}

describe.skipIf(chromium.skip)(`settings${chromium.note}`, () => {
  test('providers show only the key status, never a key', async () => {
    const deepseek = page.locator('.provider-row[data-provider-id="deepseek"]');
    // Without a keychain the stored key cannot be read either: the status says why.
    await expect.poll(() => deepseek.getByTestId('key-status').textContent()).toBe(keychain === 'set' ? 'Key set' : 'Keychain not reachable');
    const test = page.locator('.provider-row[data-provider-id="test"]');
    await expect.poll(() => test.getByTestId('key-status').textContent()).toBe('Key set');
    await expect(test.textContent()).resolves.toContain('Key read from $STUDYLOG_TEST_KEY');
    await expect(deepseek.getByTestId('api-key-input').getAttribute('type')).resolves.toBe('password');
    await pageNeverShowsAKey();
    await e2e.screenshot(page, 'settings');
  });

  test('a typed key goes to the keychain and leaves the page; without a keychain the error says so and the key stays', async () => {
    const deepseek = page.locator('.provider-row[data-provider-id="deepseek"]');
    await deepseek.getByTestId('api-key-input').fill(TYPED_KEY);
    await deepseek.getByTestId('save-key').click();
    if (keychain === 'set') {
      await expect.poll(() => deepseek.locator('.ok-text').textContent()).toContain('Key saved');
      await expect(deepseek.getByTestId('api-key-input').inputValue()).resolves.toBe('');
    } else {
      const error = deepseek.locator('.error-text');
      await expect.poll(() => error.getAttribute('data-code')).toBe('keychain_unavailable');
      await expect(error.textContent()).resolves.toContain('The system keychain is not available');
      await expect(deepseek.getByTestId('keychain-env').textContent()).resolves.toContain('STUDYLOG_API_KEY_DEEPSEEK=<your key>');
      // Nothing was stored: the key stays in its field, for the student to use once a keyring runs.
      await expect(deepseek.getByTestId('api-key-input').inputValue()).resolves.toBe(TYPED_KEY);
      await e2e.screenshot(page, 'settings-keychain-unavailable');
      await deepseek.getByTestId('api-key-input').fill('');
    }
    await pageNeverShowsAKey();
  });

  test('test connection lists the provider’s models', async () => {
    const row = page.locator('.provider-row[data-provider-id="test"]');
    await row.getByTestId('test-connection').click();
    await expect.poll(() => row.getByTestId('test-result').textContent()).toBe(`Connected — ${e2e.llm.models.length} models available.`);
  });

  test('adds a provider through the setup dialog (no id to type) and removes it with its mode models', async () => {
    await page.getByRole('button', { name: 'Add provider' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('[data-preset="ollama"]').click();
    await expect(dialog.locator('input[name="base_url"]').inputValue()).resolves.toBe('http://127.0.0.1:11434/v1');
    // Pointed at the test server (which wants a key Ollama does not send): it answers, but "no".
    await dialog.locator('input[name="base_url"]').fill(e2e.llm.url);
    await dialog.getByTestId('setup-test').click();
    await expect.poll(() => dialog.locator('.error-text').getAttribute('data-code')).toBe('upstream_auth');
    await expect(dialog.locator('.error-text').textContent()).resolves.toContain('The provider refused the API key.');
    // One space between the headline and the next step in English (none in Chinese: setup.test.ts).
    await expect(dialog.locator('.error-text').textContent()).resolves.toMatch(/^The provider refused the API key\. [A-Z]/);
    // Where nothing answers, a local provider is set up with a typed model name.
    await dialog.locator('input[name="base_url"]').fill('http://127.0.0.1:9/v1');
    await dialog.getByTestId('setup-test').click();
    await dialog.getByTestId('setup-continue-offline').click();
    await dialog.locator('input[data-mode="chat"]').fill('llama3.2');
    await dialog.getByTestId('setup-done').click();
    const row = page.locator('.provider-row[data-provider-id="ollama"]');
    await row.waitFor();
    await expect.poll(() => row.getByTestId('key-status').textContent()).toBe('No key needed');
    await expect.poll(() => row.getByTestId('models-status').textContent()).toBe('Offline — the provider could not be reached');
    const added = await e2e.api.getSettings();
    expect(added.providers.map((p) => p.id)).toEqual(['test', 'deepseek', 'ollama']);
    expect(added.default_provider_id).toBe('test');
    expect(added.policies.chat).toEqual({ provider_id: 'ollama', model: 'llama3.2' });
    await row.getByRole('button', { name: 'Remove provider' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove provider' }).click();
    await expect.poll(() => row.count()).toBe(0);
    const removed = await e2e.api.getSettings();
    expect(removed.providers.map((p) => p.id)).toEqual(['test', 'deepseek']);
    expect(removed.policies).toEqual({});
  });

  test('a mode policy override is saved, and reset removes it', async () => {
    const card = page.locator('.policy-card[data-mode="chat"]');
    await card.locator('input[type="number"]').fill('0.2');
    await card.locator('textarea').fill('Answer in one sentence.');
    await card.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await e2e.api.getSettings()).policies.chat).toEqual({ temperature: 0.2, system_prompt: 'Answer in one sentence.' });
    await card.getByRole('button', { name: 'Reset to default' }).click();
    await expect.poll(async () => (await e2e.api.getSettings()).policies.chat).toBeUndefined();
    await expect.poll(() => card.locator('textarea').inputValue()).toBe('');
  });

  test('a mode whose only change is its model (as the setup wizard writes) says "Model chosen", not "Customised"', async () => {
    const badge = (mode: string) => page.locator(`.policy-card[data-mode="${mode}"]`).getByTestId('policy-badge');
    const before = (await e2e.api.getSettings()).policies;
    // What the wizard stores per mode (SetupDialog): the provider and the model, nothing else.
    await e2e.api.updateSettings({ policies: { chat: { provider_id: 'test', model: 'gpt-4o-mini' }, homework: { provider_id: 'test', model: 'gpt-4o-mini', temperature: 0.3 } } });
    await page.reload();
    await expect.poll(() => badge('chat').getAttribute('data-badge')).toBe('model');
    await expect(badge('chat').textContent()).resolves.toBe('Model chosen');
    await expect(badge('homework').textContent()).resolves.toBe('Customised');
    await expect(badge('deep_think').getAttribute('data-badge')).resolves.toBe('defaults');
    await expect(badge('deep_think').textContent()).resolves.toBe('Defaults');
    await e2e.api.updateSettings({ policies: before });
    await page.reload();
    await expect.poll(() => badge('chat').getAttribute('data-badge')).toBe('defaults');
  });

  test('the section list scrolls the settings panel, never the page (the app’s navigation stays)', async () => {
    await page.locator('.settings-toc a').last().click();
    // The tokens section (the last) is in view inside the app's main panel; the page itself has not moved.
    const inView =
      "(() => { const s = document.getElementById('set-tokens').getBoundingClientRect(); const m = document.querySelector('main').getBoundingClientRect(); return s.top >= m.top && s.top < m.bottom; })()";
    await expect.poll(() => page.evaluate(inView)).toBe(true);
    expect(await page.evaluate('document.scrollingElement.scrollTop')).toBe(0);
    await page.locator('.settings-toc a').first().click();
  });

  test('the LAN server settings are saved', async () => {
    const section = page.locator('#set-server');
    await section.getByLabel('Turn the server on').check();
    await section.getByLabel('Allow other devices on the local network').check();
    await section.locator('input[type="number"]').fill('5200');
    await section.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await e2e.api.getSettings()).server).toMatchObject({ enabled: true, lan: true, port: 5200 });
  });

  test('a new token is shown once with a copy button, and can be revoked', async () => {
    const section = page.locator('#set-tokens');
    await section.getByRole('textbox').fill('Tablet');
    await section.getByRole('button', { name: 'Create token' }).click();
    const token = (await section.getByTestId('new-token').textContent())!;
    expect(token.length).toBeGreaterThan(20);
    await expect(section.locator('.created-token').getByRole('button', { name: 'Copy' }).count()).resolves.toBe(1);
    await section.locator('.created-token').scrollIntoViewIfNeeded();
    await e2e.screenshot(page, 'settings-token-created');
    await section.getByRole('button', { name: 'Done' }).click();
    await expect(page.content()).resolves.not.toContain(token);
    const row = section.locator('tr', { hasText: 'Tablet' });
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.textContent()).toContain('Revoked');
    expect((await e2e.api.listTokens()).find((t) => t.name === 'Tablet')!.revoked_at).toEqual(expect.any(Number));
  });

  test('language switch: zh-CN everywhere, remembered, and back to English', async () => {
    await page.getByTestId('language-select').selectOption('zh-CN');
    await expect.poll(() => page.locator('a[data-screen="chat"]').textContent()).toBe('聊天');
    await expect(page.locator('#settings-title').textContent()).resolves.toBe('设置');
    await expect.poll(async () => (await e2e.api.getSettings()).language).toBe('zh-CN');
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('zh-CN');
    await page.reload();
    await expect.poll(() => page.locator('#settings-title').textContent()).toBe('设置');
    await e2e.screenshot(page, 'settings-zh');
    await page.locator('a[data-screen="chat"]').click();
    await expect.poll(() => page.locator('.mode-option .mode-name').allTextContents()).toEqual(['聊天', '作业辅导', '深度思考']);
    await e2e.screenshot(page, 'chat-zh');
    await page.locator('a[data-screen="usage"]').click();
    await page.locator('#usage-title').waitFor();
    await expect(page.locator('#usage-title').textContent()).resolves.toBe('用量');
    await page.locator('a[data-screen="settings"]').click();
    await page.getByTestId('language-select').selectOption('en');
    await expect.poll(() => page.locator('a[data-screen="chat"]').textContent()).toBe('Chat');
    await expect.poll(async () => (await e2e.api.getSettings()).language).toBe('en');
  });

  test('theme: dark is applied and saved', async () => {
    await page.locator('label.seg-option', { hasText: 'Dark' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expect.poll(async () => (await e2e.api.getSettings()).theme).toBe('dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(22, 22, 22)');
    await page.locator('a[data-screen="chat"]').click();
    await e2e.screenshot(page, 'chat-dark');
    await page.locator('a[data-screen="settings"]').click();
    await page.locator('label.seg-option', { hasText: 'System' }).click();
    await expect.poll(async () => (await e2e.api.getSettings()).theme).toBe('system');
  });
});

describe.skipIf(chromium.skip)(`signing in from a browser${chromium.note}`, () => {
  test('asks for a token, refuses a wrong one, signs in a student, and signs out', async () => {
    const student = await e2e.api.createToken({ name: 'student browser', role: 'student' });
    const p = await e2e.newPage({ signedIn: false });
    await p.goto(e2e.url);
    await p.locator('input[name="token"]').fill('slk_not-a-real-token');
    await p.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => p.locator('.error-text').getAttribute('data-code')).toBe('unauthorized');
    await e2e.screenshot(p, 'signin');
    await p.locator('input[name="token"]').fill(student.token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('composer').waitFor();
    await expect(p.locator('.me-role').textContent()).resolves.toBe('student');
    await expect(p.evaluate(() => localStorage.getItem('studylog.token'))).resolves.toBe(student.token);
    // A student sees only the local settings.
    await p.locator('a[data-screen="settings"]').click();
    await expect.poll(() => p.locator('.notice').first().textContent()).toContain('can be changed by an admin');
    await expect(p.locator('.provider-row').count()).resolves.toBe(0);
    await p.getByRole('button', { name: 'Sign out' }).first().click();
    await p.locator('input[name="token"]').waitFor();
    await expect(p.evaluate(() => localStorage.getItem('studylog.token'))).resolves.toBeNull();
    await p.context().close();
  });

  test('a revoked token sends the browser back to sign-in', async () => {
    const student = await e2e.api.createToken({ name: 'soon revoked', role: 'student' });
    const p = await e2e.newPage({ signedIn: false });
    await p.goto(e2e.url);
    await p.locator('input[name="token"]').fill(student.token);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByTestId('composer').waitFor();
    await e2e.api.revokeToken({ id: student.info.id });
    // The next request is refused, whichever comes first: one the app was still making after
    // sign-in (which already takes the nav away) or the history screen's.
    await p.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = '#/history';
    });
    await p.locator('input[name="token"]').waitFor();
    await expect(p.locator('[role="alert"]').first().textContent()).resolves.toContain('no longer accepted');
    await p.context().close();
  });
});
