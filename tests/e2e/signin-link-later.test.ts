// Tryout 10 #1, in zh-CN: the two ways a student uses the printed sign-in link on a page that
// already shows the sign-in form — opening it in that same tab (only the hash changes, so no new
// load), and pasting it into the form's field — both sign in, and a used link pasted again says
// the link no longer works (not "未登录，或令牌无效"). One world per way: a link works once.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// Runs in the page; the tests compile without the DOM library.
declare const localStorage: { getItem(key: string): string | null };

let opened: E2E;
let pasted: E2E;

beforeAll(async () => {
  if (chromium.skip) return;
  opened = await startE2E({ language: 'zh-CN' });
  pasted = await startE2E({ language: 'zh-CN' });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([opened?.close(), pasted?.close()]);
});

describe.skipIf(chromium.skip)(`the sign-in link on a page already open${chromium.note}`, () => {
  test('opened in the tab that shows the sign-in form: signs in, and the code leaves the address bar', async () => {
    const p = await opened.newPage({ signedIn: false, viewport: { width: 1280, height: 800 } });
    await p.goto(opened.url);
    await p.locator('input[name="token"]').waitFor();
    // The same tab, the printed link: a same-document navigation (hashchange), no load.
    await p.goto(opened.signinUrl);
    await p.getByTestId('composer').waitFor();
    expect(p.url()).toBe(`${opened.url}/`);
    const token = await p.evaluate(() => localStorage.getItem('studylog.token'));
    expect(token).toMatch(/^slk_/);
    expect(opened.requests.some((u) => u.includes('code='))).toBe(false);
    await opened.screenshot(p, 'signin-link-same-tab-zh');
    await p.context().close();

    // The code alone, pasted after it was used: the form says the link is used up.
    const code = new URL(opened.signinUrl).hash.replace(/^#\/signin\?code=/, '');
    const again = await opened.newPage({ signedIn: false, viewport: { width: 1280, height: 800 } });
    await again.goto(opened.url);
    await again.locator('input[name="token"]').fill(code);
    await again.getByRole('button', { name: '登录' }).click();
    await again.getByTestId('signin-link-error').waitFor();
    await expect(again.getByTestId('signin-link-error').textContent()).resolves.toContain('这个登录链接已失效');
    await expect(again.getByRole('alert').filter({ hasText: '未登录，或令牌无效' }).count()).resolves.toBe(0);
    await again.context().close();
  });

  test('pasted into the form (link and all): signs in; pasted again, says the link is used up', async () => {
    const p = await pasted.newPage({ signedIn: false, viewport: { width: 1280, height: 800 } });
    await p.goto(pasted.url);
    await expect(p.locator('.signin-card').textContent()).resolves.toContain('登录链接或 API 令牌');
    await p.locator('input[name="token"]').fill(`  ${pasted.signinUrl}\n`);
    await p.getByRole('button', { name: '登录' }).click();
    await p.getByTestId('composer').waitFor();
    const token = await p.evaluate(() => localStorage.getItem('studylog.token'));
    expect(token).toMatch(/^slk_/);
    expect(token).not.toBe(pasted.token);
    await p.context().close();

    const again = await pasted.newPage({ signedIn: false, viewport: { width: 1280, height: 800 } });
    await again.goto(pasted.url);
    await again.locator('input[name="token"]').fill(pasted.signinUrl);
    await again.getByRole('button', { name: '登录' }).click();
    await again.getByTestId('signin-link-error').waitFor();
    await expect(again.getByTestId('signin-link-error').textContent()).resolves.toContain('这个登录链接已失效');
    // The field emptied for a token or a new link; nothing was stored.
    await expect(again.locator('input[name="token"]').inputValue()).resolves.toBe('');
    await expect(again.evaluate(() => localStorage.getItem('studylog.token'))).resolves.toBeNull();
    await pasted.screenshot(again, 'signin-link-pasted-used-zh');
    await again.context().close();
  });
});
