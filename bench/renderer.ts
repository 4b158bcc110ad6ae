/**
 * B5: the app in headless Chromium (Debian's), served by `studylog serve`: time to the first
 * usable screen, and frame times while scrolling a 5,000-turn session from bottom to top.
 */
import { measureScroll, seedLongSession, startE2E } from '../tests/e2e/harness.ts';
import { summarize, type Summary } from './stats.ts';

// Runs in the page; this file compiles without the DOM library.
declare const performance: { now(): number };
declare const window: { location: { hash: string } };

export async function measureRenderer(reloads: number): Promise<{ firstScreen: Summary; scroll: { median: number; p95: number; maxNodes: number; steps: number } }> {
  // Reloaded many times in a few seconds: the per-token rate limit (a real student never does that) is off.
  const e2e = await startE2E({ args: ['--rate-limit', 'off'] });
  try {
    const page = await e2e.newPage();
    await page.goto(e2e.url);
    await page.getByTestId('composer').waitFor();
    const samples: number[] = [];
    for (let i = 0; i < reloads; i++) {
      await page.reload();
      await page.getByTestId('composer').waitFor();
      // Milliseconds since this navigation started, read in the page once the composer is there.
      samples.push(await page.evaluate(() => performance.now()));
    }
    const sessionId = await seedLongSession(e2e, 5_000);
    await page.evaluate((id) => (window.location.hash = `#/chat/${id}`), sessionId);
    await page.locator('[data-role="assistant"]', { hasText: 'Answer 4999:' }).waitFor();
    const scroll = await measureScroll(page);
    return { firstScreen: summarize(samples), scroll };
  } finally {
    await e2e.close();
  }
}
