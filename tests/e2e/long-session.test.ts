// A 5,000-turn session opens quickly and scrolls smoothly: only the messages on screen are in
// the DOM (virtualized), the newest is shown first, and the oldest is reachable.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { measureScroll, seedLongSession, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
declare const window: { location: { hash: string } };

const TURNS = 5_000;
let e2e: E2E;
let page: Page;
let sessionId: string;

beforeAll(async () => {
  e2e = await startE2E();
  sessionId = await seedLongSession(e2e, TURNS);
  page = await e2e.open();
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

describe.skipIf(chromium.skip)(`a 5,000-turn session${chromium.note}`, () => {
  test('opens at the newest message with only the visible messages in the DOM', async () => {
    await page.evaluate((id) => (window.location.hash = `#/chat/${id}`), sessionId);
    await page.locator('[data-role="assistant"]', { hasText: `Answer ${TURNS - 1}:` }).waitFor();
    const slots = await page.locator('.message-slot').count();
    expect(slots).toBeGreaterThan(2);
    expect(slots).toBeLessThan(60);
    await expect(page.getByTestId('session-totals').textContent()).resolves.toMatch(/This branch: 80,000 tokens · \$0\.00038/);
    await e2e.screenshot(page, 'chat-long-session');
  });

  test('scrolls through all of it, to the very first message, keeping the DOM small', async () => {
    const result = await measureScroll(page);
    console.log(
      `long session scroll: ${result.steps} steps, median frame ${result.median.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, at most ${result.maxNodes} messages in the DOM`,
    );
    expect(result.top).toBe(0);
    // Virtualized: never more than a screenful of messages in the page. Frame times are
    // measured by `npm run bench` (B5), not asserted here.
    expect(result.maxNodes).toBeLessThan(60);
    await page.locator('[data-role="user"]', { hasText: 'Question 0:' }).waitFor();
    await e2e.screenshot(page, 'chat-long-session-top');
  });
});
