// KaTeX loads only for maths (features/chat/markdown-math.ts): a chat whose answers have none
// shows them as Markdown without ever requesting KaTeX's code, styles or fonts; an answer with
// $x^2$ is still typeset, whether it has maths when it first shows or gains them while it streams.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { DB_FILE_NAME, openDatabase } from '../../src/main/core/db/connection.ts';
import { SessionsRepo } from '../../src/main/core/db/sessions.repo.ts';
import { TurnsRepo } from '../../src/main/core/db/turns.repo.ts';
import { requirePackage } from '../support/requirements.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
const ids: Record<'plain' | 'maths', string> = { plain: '', maths: '' };

/** One session per answer, a question and its answer, straight into the server's SQLite file. */
async function seed(answers: Record<'plain' | 'maths', string>) {
  const me = await e2e.api.getMe();
  const store = openDatabase(path.join(e2e.dataDir, DB_FILE_NAME));
  try {
    const sessions = new SessionsRepo(store);
    const turns = new TurnsRepo(store);
    store.transaction('seed answers', (db) => {
      for (const [key, answer] of Object.entries(answers) as ['plain' | 'maths', string][]) {
        const started = Date.now() - 60_000;
        const session = sessions.insertNewSession(db, { user_id: me.id, mode: 'chat', started_at: started, meta: { title: `${key} session` } });
        ids[key] = session.id;
        turns.insertNewTurn(db, { session_id: session.id, role: 'user', content: 'What is x squared?', created_at: started, meta: { status: 'answered' } });
        turns.insertNewTurn(db, {
          session_id: session.id,
          role: 'assistant',
          content: answer,
          model: 'gpt-4o-mini',
          tokens_in: 10,
          tokens_out: 10,
          cost: 10,
          created_at: started + 1_000,
          meta: { status: 'complete', usage: { estimated: false, price_known: true } },
        });
      }
    });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  if (chromium.skip) return;
  e2e = await startE2E();
  await seed({
    // Markdown, and dollars only in code: no maths.
    plain: 'It is **four**.\n\n- a list item\n- run `echo $HOME`\n\n```sh\n$ npm test\n```',
    maths: 'The square: $x^2$, and\n\n$$\n\\frac{1}{2}\n$$',
  });
}, 120_000);

afterAll(async () => {
  await e2e?.close();
});

/** What `page` requested of KaTeX since `from` (an index into e2e.requests): its code, styles, fonts. */
const katexRequests = (from: number) => e2e.requests.slice(from).filter((url) => /katex|markdown-math/i.test(url));
const answer = (page: Page) => page.locator('[data-role="assistant"]').last();

describe.skipIf(chromium.skip)(`KaTeX loads only for maths${chromium.note}`, () => {
  test('answers without maths show as Markdown and request nothing of KaTeX; an answer with $x^2$ is typeset', async () => {
    const from = e2e.requests.length;
    const page = await e2e.newPage();
    await page.goto(`${e2e.url}/#/chat/${ids.plain}`);
    await expect.poll(() => answer(page).locator('.markdown strong').textContent()).toBe('four');
    await expect(answer(page).locator('.markdown pre code').textContent()).resolves.toContain('$ npm test');
    // The Markdown view loaded (its chunk), KaTeX did not.
    expect(e2e.requests.slice(from).some((url) => /\/assets\/Markdown-[^/]+\.js$/.test(url))).toBe(true);
    expect(katexRequests(from)).toEqual([]);

    // A session with maths: typeset, inline and display, and only now KaTeX's code and styles.
    await page.goto(`${e2e.url}/#/chat/${ids.maths}`);
    await expect.poll(() => answer(page).locator('p .katex annotation').textContent()).toBe('x^2');
    await expect(answer(page).locator('.katex-display annotation').textContent()).resolves.toBe('\\frac{1}{2}');
    // No "$x^2$" left as text beside the typeset formula.
    await expect(answer(page).locator('.markdown').textContent()).resolves.not.toContain('$');
    const loaded = katexRequests(from);
    expect(loaded.some((url) => url.endsWith('.js'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('.css'))).toBe(true);
    await page.context().close();
  });

  test('an answer that gains maths while it streams is typeset once KaTeX arrives', async () => {
    const page = await e2e.newPage();
    // A fresh page: KaTeX not loaded; the answer starts without maths and its formula comes last.
    await page.goto(`${e2e.url}/#/chat/${ids.plain}`);
    await answer(page).locator('.markdown strong').waitFor();
    const text = `${'Some words first. '.repeat(20)}Then $y^2$.`;
    await sendMessage(page, `maths at the end [[test:${JSON.stringify({ reply: text, chunkSize: 8, chunkDelayMs: 20 })}]]`);
    await expect.poll(() => answer(page).getAttribute('data-status')).toBe('complete');
    await expect.poll(() => answer(page).locator('.katex annotation').textContent()).toBe('y^2');
    await page.context().close();
  });
});
