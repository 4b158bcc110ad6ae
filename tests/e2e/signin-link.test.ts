// The one-click sign-in in real Chromium: the link `studylog serve` printed signs the owner in,
// lands on the app, and leaves no code in the address bar (or the history); a reload keeps the
// session; the same link a second time no longer works and says so.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// Runs in the page; the tests compile without the DOM library.
declare const localStorage: { getItem(key: string): string | null };

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`signing in with the printed link${chromium.note}`, () => {
  test('opens the app as the owner, takes the code out of the address bar, and survives a reload', async () => {
    expect(e2e.signinUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/signin\?code=[A-Za-z0-9_-]{32,}$/);
    const p = await e2e.newPage({ signedIn: false });
    await p.goto(e2e.signinUrl);
    await p.getByTestId('composer').waitFor();
    // The owner (an admin by role, not named yet): "This computer's owner", with no role line under it.
    await expect(p.locator('.me-name').textContent()).resolves.toBe("This computer's owner");
    await expect(p.locator('.me-role').count()).resolves.toBe(0);
    expect(p.url()).toBe(`${e2e.url}/`);
    expect(p.url()).not.toContain('code');
    // Replaced, not pushed: Back goes to where the browser was before (a blank tab), never to the code.
    await p.goBack();
    expect(p.url()).toBe('about:blank');
    await p.goForward();
    expect(p.url()).toBe(`${e2e.url}/`);
    await p.getByTestId('composer').waitFor();
    const token = await p.evaluate(() => localStorage.getItem('studylog.token'));
    expect(token).toMatch(/^slk_/);
    expect(token).not.toBe(e2e.token);
    // The token is the owner's, and the server never saw the code in a URL (it rides in the fragment).
    expect(e2e.requests.some((u) => u.includes('code='))).toBe(false);
    // …and no token ever rode in a URL either.
    expect(e2e.requests.some((u) => u.includes('slk_'))).toBe(false);

    await p.reload();
    await p.getByTestId('composer').waitFor();
    await expect(p.locator('.me-name').textContent()).resolves.toBe("This computer's owner");
    await expect(p.evaluate(() => localStorage.getItem('studylog.token'))).resolves.toBe(token);
    await e2e.screenshot(p, 'signin-link');
    await p.context().close();

    // The same link again (another browser): used up, so the sign-in form says why.
    const again = await e2e.newPage({ signedIn: false });
    await again.goto(e2e.signinUrl);
    await again.getByTestId('signin-link-error').waitFor();
    await expect(again.getByTestId('signin-link-error').textContent()).resolves.toContain('works once, for 15 minutes');
    await again.locator('input[name="token"]').waitFor();
    expect(again.url()).toBe(`${e2e.url}/`);
    await expect(again.evaluate(() => localStorage.getItem('studylog.token'))).resolves.toBeNull();
    await again.context().close();
  });
});
