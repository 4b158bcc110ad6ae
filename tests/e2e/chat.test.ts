// The chat in a real browser against `studylog serve`: each mode streams, stop keeps the partial
// answer, a failed message is retried without a second copy, offline is explained, and homework
// needs an assignment that then rides on every turn of the session.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { eventually, sendMessage, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// Runs in the page; the tests compile without the DOM library.
interface El {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  blur(): void;
}
declare const document: {
  activeElement: El | null;
  documentElement: { scrollWidth: number; clientWidth: number };
  querySelector(s: string): { scrollWidth: number; clientWidth: number } | null;
};
declare function getComputedStyle(element: El): { outlineStyle: string; outlineWidth: string };

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.api.createAssignment({ id: 'hw-math-1', title: '数学作业：二次函数', subject: '数学', description: '求 y = x^2 - 4x + 3 的顶点。' });
  await e2e.api.createAssignment({ id: 'hw-essay', title: 'Essay outline', subject: 'English' });
  page = await e2e.open({ ready: null });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

async function newChat(mode: 'chat' | 'homework' | 'deep_think') {
  await page.getByRole('button', { name: 'New chat' }).first().click();
  await page.locator('label.mode-option', { has: page.locator(`input[data-mode="${mode}"]`) }).click();
}

const lastAssistant = () => page.locator('[data-role="assistant"]').last();

describe.skipIf(chromium.skip)(`chat${chromium.note}`, () => {
  // How fast it appears is measured by `npm run bench` (B5), not asserted here.
  test('the first screen is the chat, with the three modes described', async () => {
    await page.reload();
    await page.getByTestId('composer').waitFor();
    for (const name of ['Chat', 'Homework', 'Deep think']) await expect(page.locator('.mode-option', { hasText: name }).count()).resolves.toBe(1);
    await expect(page.locator('.mode-desc').first().textContent()).resolves.toMatch(/assistant/i);
  });

  test('chat mode: Enter sends, the reply streams in and shows tokens and cost', async () => {
    await newChat('chat');
    await sendMessage(page, 'Explain $x^2$ please [[test:{"chunkDelayMs":5,"reply":"Sure: $x^2$ is **x squared**.\\n\\n```js\\nconst y = x * x;\\n```"}]]');
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    // Markdown, KaTeX and the highlighter arrive in a lazily loaded chunk.
    await expect.poll(() => lastAssistant().locator('.katex').count()).toBeGreaterThan(0);
    await expect(lastAssistant().locator('strong').textContent()).resolves.toBe('x squared');
    await expect(lastAssistant().locator('pre code.hljs, pre code[class*="language-"]').count()).resolves.toBe(1);
    await expect(lastAssistant().getByTestId('reply-usage').textContent()).resolves.toMatch(/in \/ \d+ out tokens · \$/);
    await expect(page.getByTestId('session-totals').textContent()).resolves.toMatch(/This branch: [\d,]+ tokens · \$/);
    await e2e.screenshot(page, 'chat');
  });

  test('a model without a price on a local server (loopback) is free, in the reply and in the header alike; the header says it counts this branch', async () => {
    await newChat('chat');
    await page.getByTestId('model-picker').selectOption('llama3.2');
    await sendMessage(page, 'Hi from a local model');
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    const cost = lastAssistant().getByTestId('reply-cost');
    await expect(cost.getAttribute('data-cost')).resolves.toBe('free');
    await expect(cost.textContent()).resolves.toBe('free');
    const totals = page.getByTestId('session-totals');
    await expect(totals.textContent()).resolves.toMatch(/^This branch: [\d,]+ tokens · free$/);
    await expect(totals.getAttribute('title')).resolves.toContain('Usage counts every call');
  });

  test('Shift+Enter makes a new line instead of sending', async () => {
    const box = page.getByTestId('composer');
    await box.fill('line one');
    await box.press('Shift+Enter');
    await box.pressSequentially('line two');
    await expect(box.inputValue()).resolves.toBe('line one\nline two');
    await box.fill('');
  });

  test('deep_think: the reasoning is shown collapsed above the answer', async () => {
    await newChat('deep_think');
    await sendMessage(page, 'Why is the sky blue? [[test:{"reasoning":"Rayleigh scattering scales with 1/λ^4.","reply":"Because of Rayleigh scattering."}]]');
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    const details = lastAssistant().getByTestId('reasoning');
    await expect(details.getAttribute('open')).resolves.toBeNull();
    await expect(lastAssistant().textContent()).resolves.toContain('Because of Rayleigh scattering.');
    await details.locator('summary').click();
    await expect(details.textContent()).resolves.toContain('Rayleigh scattering scales');
    await e2e.screenshot(page, 'chat-deep-think');
    const sessions = await e2e.api.getUserSessions({ mode: 'deep_think' });
    expect(sessions.total).toBe(1);
  });

  test('homework refuses to send without an assignment; with one, every turn of the session carries it', async () => {
    await newChat('homework');
    await page.getByTestId('composer').fill('How do I find the vertex?');
    await expect(page.getByTestId('send').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('composer-hint').textContent()).resolves.toMatch(/Choose an assignment/);
    await page.getByTestId('composer').press('Enter');
    await expect(page.locator('[data-role="user"]').count()).resolves.toBe(0);
    await e2e.screenshot(page, 'chat-homework-needs-assignment');

    await page.getByTestId('assignment-picker').selectOption('hw-math-1');
    await expect(page.getByTestId('assignment-chip').textContent()).resolves.toContain('数学作业');
    await expect(page.getByTestId('send').isDisabled()).resolves.toBe(false);
    await page.getByTestId('composer').press('Enter');
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    await sendMessage(page, 'And then?');
    await expect.poll(() => page.locator('[data-role="assistant"][data-status="complete"]').count()).toBe(2);

    const sessions = await e2e.api.getUserSessions({ mode: 'homework' });
    expect(sessions.total).toBe(1);
    const session = sessions.items[0]!;
    expect(session.assignment_id).toBe('hw-math-1');
    const turns = await e2e.api.getSessionTurns({ id: session.id });
    expect(turns.map((t) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(new Set(turns.map((t) => t.session_id))).toEqual(new Set([session.id]));
    // The assignment went to the model too (the homework prompt names it).
    const lastChat = e2e.llm.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;
    expect(JSON.stringify(lastChat.body.messages)).toContain('数学作业：二次函数');
    await e2e.screenshot(page, 'chat-homework');
  });

  test('a started session fixes its mode and assignment: another one means a new chat', async () => {
    // The pickers are gone from the (one-line) header once the session runs.
    await expect(page.getByTestId('assignment-picker').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'New chat' }).first().click();
    await expect(page.locator('[data-role="user"]').count()).resolves.toBe(0);
    // The new chat is a plain chat with no assignment (tryout 7: a homework's assignment rode
    // along into an unrelated question); mode and assignment are chosen again, on purpose.
    await expect(page.locator('input[data-mode="chat"]').isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('assignment-picker').inputValue()).resolves.toBe('');
    await page.locator('label.mode-option', { has: page.locator('input[data-mode="homework"]') }).click();
    await page.getByTestId('assignment-picker').selectOption('hw-essay');
    await expect(page.getByTestId('assignment-chip').textContent()).resolves.toContain('Essay outline');
  });

  test('stop mid-stream keeps the partial answer, marked stopped (aborted on the server)', async () => {
    await newChat('chat');
    const long = 'word '.repeat(200);
    await sendMessage(page, `Tell me a long story [[test:{"chunkDelayMs":40,"chunkSize":5,"reply":"${long}"}]]`);
    // Some of the answer's own text has arrived (not just the "Thinking…" placeholder).
    await expect.poll(async () => ((await lastAssistant().locator('.markdown, .plain-text').first().textContent()) ?? '').length).toBeGreaterThan(20);
    await page.getByTestId('stop').click();
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('aborted');
    await expect(lastAssistant().textContent()).resolves.toContain('Stopped');
    await expect(page.getByTestId('send').isVisible()).resolves.toBe(true);
    const partial = ((await lastAssistant().locator('.markdown, .plain-text').first().textContent()) ?? '').trim();
    expect(partial.length).toBeLessThan(long.trim().length);

    const session = (await e2e.api.getUserSessions({ mode: 'chat', limit: 1 })).items[0]!;
    const stored = await eventually(
      async () => {
        const turns = await e2e.api.getSessionTurns({ id: session.id });
        const a = turns.find((t) => t.role === 'assistant');
        return a && a.meta.status !== 'streaming' ? a : null;
      },
      'the stopped answer to be stored',
      15_000,
    );
    expect(stored.meta.status).toBe('aborted');
    expect(stored.content.length).toBeGreaterThan(0);
    expect(stored.content.length).toBeLessThan(long.length);
    await e2e.screenshot(page, 'chat-stopped');
  });

  test('a failed message is retried with the same request id: one user turn, then the answer', async () => {
    await newChat('chat');
    e2e.llm.script({ fault: { kind: 'status', status: 500 } });
    await sendMessage(page, 'Retry me please');
    await expect.poll(() => page.locator('[data-role="user"]').last().getAttribute('data-status')).toBe('failed');
    await expect(page.getByTestId('chat-banner').getAttribute('data-code')).resolves.toBe('upstream_error');
    await e2e.screenshot(page, 'chat-failed');
    await page.getByTestId('retry').click();
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    await expect(lastAssistant().textContent()).resolves.toContain('Echo: Retry me please');
    await expect(page.getByTestId('chat-banner').count()).resolves.toBe(0);

    const session = (await e2e.api.getUserSessions({ mode: 'chat', limit: 1 })).items[0]!;
    const turns = await e2e.api.getSessionTurns({ id: session.id });
    expect(turns.filter((t) => t.role === 'user')).toHaveLength(1);
    expect(turns.filter((t) => t.role === 'user')[0]!.meta.status).toBe('answered');
    expect(turns.filter((t) => t.role === 'assistant')).toHaveLength(1);
  });

  test('offline: a clear banner, the message stays unsent with retry, history still works', async () => {
    await newChat('chat');
    e2e.llm.script({ fault: { kind: 'reset' } });
    await sendMessage(page, 'Are you there?');
    const banner = page.getByTestId('chat-banner');
    await banner.waitFor();
    await expect(banner.getAttribute('data-code')).resolves.toBe('upstream_unreachable');
    await expect(banner.textContent()).resolves.toMatch(/Offline/);
    await expect(page.getByTestId('unsent').textContent()).resolves.toMatch(/Not sent/);
    await e2e.screenshot(page, 'chat-offline');

    // The rest of the app keeps working with the provider unreachable.
    await page.locator('a[data-screen="history"]').click();
    await page.locator('.session-row').first().waitFor();
    await page.locator('a[data-screen="chat"]').click();
    // The unsent message is still there (reloaded from the server), and retry sends it.
    await page.reload();
    await expect.poll(() => page.locator('[data-role="user"]').last().getAttribute('data-status')).toBe('failed');
    await page.getByTestId('retry').click();
    await expect.poll(() => lastAssistant().getAttribute('data-status')).toBe('complete');
    await expect(lastAssistant().textContent()).resolves.toContain('Echo: Are you there?');
  });

  test('keyboard: skip link, then every screen reachable by Tab with a visible focus ring', async () => {
    // A fresh load: the sequential focus order starts at the top of the document.
    await page.goto(`${e2e.url}/#/chat`);
    await page.reload();
    await page.getByTestId('composer').waitFor();
    const focused = () =>
      page.evaluate(() => ({
        tag: document.activeElement?.tagName,
        text: document.activeElement?.textContent?.trim(),
        screen: document.activeElement?.getAttribute('data-screen'),
      }));
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('Tab');
    await expect(focused()).resolves.toMatchObject({ text: 'Skip to content' });
    await page.keyboard.press('Tab');
    const ring = () =>
      page
        .evaluate(() => (document.activeElement ? getComputedStyle(document.activeElement) : null))
        .then((st) => st && st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2);
    // The first Tab of a fresh focus order lands on the skip link or the first nav link.
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const f = await focused();
      if (f.screen) {
        seen.add(f.screen);
        expect(await ring()).toBe(true);
      }
      await page.keyboard.press('Tab');
    }
    expect([...seen]).toEqual(expect.arrayContaining(['chat', 'history', 'assignments', 'usage', 'settings']));
    await page.locator('a[data-screen="usage"]').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toMatch(/#\/usage$/);
  });

  test('every screen fits 1024×640 without sideways scrolling', async () => {
    for (const screen of ['chat', 'history', 'assignments', 'usage', 'settings']) {
      await page.goto(`${e2e.url}/#/${screen}`);
      // This screen's own heading (goto only changes the hash), then its data loaded.
      await page.locator(`#${screen}-title`).waitFor();
      await expect.poll(() => page.locator('#main .spinner').count(), { message: screen }).toBe(0);
      const overflow = () =>
        page.evaluate(() => {
          const main = document.querySelector('#main')!;
          return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, main: main.scrollWidth - main.clientWidth };
        });
      await expect.poll(overflow, { message: screen }).toEqual({ page: 0, main: 0 });
    }
  });

  test('no request left the app for anywhere but the Studylog server', () => {
    const foreign = e2e.requests.filter((u) => !u.startsWith(e2e.url) && !u.startsWith('data:') && !u.startsWith('blob:'));
    expect(foreign).toEqual([]);
  });

  test('an assignment that allows only some modes: the others are disabled with a reason, and the chat moves to an allowed one', async () => {
    await e2e.api.createAssignment({ id: 'hw-only', title: 'Homework only', policy: { allowed_modes: ['homework'] } });
    await page.goto(`${e2e.url}/#/chat`);
    await page.reload();
    await newChat('chat');
    await page.getByTestId('assignment-picker').selectOption('hw-only');
    await expect.poll(() => page.locator('input[data-mode="homework"]').isChecked()).toBe(true);
    for (const mode of ['chat', 'deep_think']) {
      await expect(page.locator(`input[data-mode="${mode}"]`).isDisabled()).resolves.toBe(true);
      await expect(page.locator('label.mode-option', { has: page.locator(`input[data-mode="${mode}"]`) }).getAttribute('title')).resolves.toBe(
        '“Homework only” does not allow this mode (its teacher chose the modes).',
      );
    }
    // Without the assignment every mode is open again.
    await page.getByTestId('assignment-picker').selectOption('');
    await expect(page.locator('input[data-mode="chat"]').isDisabled()).resolves.toBe(false);
    await e2e.api.deleteAssignment({ id: 'hw-only' });
  });
});
