// History in a real browser: newest first, filters, Chinese and English search, open a session to
// read and continue it, rename, end, delete with confirmation, export as Markdown and JSON (with files too).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { sendMessage, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';
import { DB_FILE_NAME } from '../../src/main/core/db/connection.ts';

const chromium = requirePackage('chromium');
/** A 16×16 PNG. */
const BLANK_PNG = 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAHUlEQVQokWP4TyJgGNVABGAgRhEyGNVADKB9KAEAr639H8LdEzEAAAAASUVORK5CYII=';

let e2e: E2E;
let page: Page;
const ids: Record<string, string> = {};

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.api.createAssignment({ id: 'hw-alg', title: 'Algebra homework', subject: 'Maths' });
  const send = async (name: string, message: string, extra: Record<string, unknown> = {}) => {
    const r = await e2e.api.sendProxyMessage({ message, ...extra });
    ids[name] = r.session_id;
    await e2e.api.updateSession({ id: r.session_id, title: name });
  };
  // Oldest first, so "Physics chat" is the newest. The first carries a photo (for the export with files).
  const photo = await e2e.api.uploadAttachment({ name: '草稿.png', data: BLANK_PNG });
  await send('Maths in Chinese', '我想复习数学里的二次函数', { attachments: [{ sha256: photo.sha256, name: '草稿.png' }] });
  await send('Algebra help', 'How do I factor x^2 - 5x + 6?', { mode: 'homework', assignment_id: 'hw-alg' });
  await send('Deep question', 'Why does a prime have exactly two divisors?', { mode: 'deep_think' });
  await send('Physics chat', 'What is momentum in physics?');
  await e2e.api.sendProxyMessage({ message: 'And what about impulse?', meta: { session_id: ids['Physics chat']! } });
  page = await e2e.open({ route: 'history', ready: (p) => p.locator('.session-row').first() });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const rowTitles = () => page.locator('.session-row .row-title').allTextContents();

describe.skipIf(chromium.skip)(`history${chromium.note}`, () => {
  test('lists sessions newest first with mode and assignment', async () => {
    expect(await rowTitles()).toEqual(['Physics chat', 'Deep question', 'Algebra help', 'Maths in Chinese']);
    const algebra = page.locator('.session-row', { hasText: 'Algebra help' });
    await expect(algebra.locator('.badge-homework').textContent()).resolves.toBe('Homework');
    await expect(algebra.locator('.chip-assignment').textContent()).resolves.toContain('Algebra homework');
    await e2e.screenshot(page, 'history');
  });

  test('filters by mode, assignment and date', async () => {
    await page.getByTestId('filter-mode').selectOption('deep_think');
    await expect.poll(rowTitles).toEqual(['Deep question']);
    await page.getByTestId('filter-mode').selectOption('');
    await page.getByTestId('filter-assignment').selectOption('hw-alg');
    await expect.poll(rowTitles).toEqual(['Algebra help']);
    await page.getByTestId('filter-assignment').selectOption('');
    // Tomorrow onwards: nothing; today: everything.
    const day = (offset: number) => {
      const d = new Date();
      d.setDate(d.getDate() + offset);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    };
    await page.getByTestId('filter-from').fill(day(1));
    await expect.poll(() => page.locator('.session-row').count()).toBe(0);
    await expect(page.locator('.empty').textContent()).resolves.toMatch(/No sessions match/);
    await page.getByTestId('filter-from').fill(day(0));
    await page.getByTestId('filter-to').fill(day(0));
    await expect.poll(() => page.locator('.session-row').count()).toBe(4);
    await page.getByTestId('filter-from').fill('');
    await page.getByTestId('filter-to').fill('');
  });

  test('full-text search finds Chinese (数学) and English words, with snippets', async () => {
    await page.getByTestId('history-search').fill('数学');
    await expect.poll(rowTitles).toEqual(['Maths in Chinese']);
    const hit = page.getByTestId('search-hit').first();
    await expect(hit.locator('mark').first().textContent()).resolves.toBe('数学');
    await e2e.screenshot(page, 'history-search-zh');
    await page.getByTestId('history-search').fill('momentum');
    await expect.poll(rowTitles).toEqual(['Physics chat']);
    await page.getByTestId('history-search').fill('');
    await expect.poll(() => page.locator('.session-row').count()).toBe(4);
  });

  test('opens a session to read it and continue it', async () => {
    await page.locator('.session-row .row-title', { hasText: 'Physics chat' }).click();
    await expect.poll(() => page.url()).toContain(`#/chat/${ids['Physics chat']}`);
    await expect.poll(() => page.locator('[data-role="user"]').count()).toBe(2);
    await expect(page.locator('#chat-title').textContent()).resolves.toBe('Physics chat');
    await sendMessage(page, 'One more question');
    await expect.poll(() => page.locator('[data-role="assistant"][data-status="complete"]').count()).toBe(3);
    const turns = await e2e.api.getSessionTurns({ id: ids['Physics chat']! });
    expect(turns.filter((t) => t.role === 'user').map((t) => t.content)).toEqual(['What is momentum in physics?', 'And what about impulse?', 'One more question']);
    await page.locator('a[data-screen="history"]').click();
    await page.locator('.session-row').first().waitFor();
  });

  test('exports one session as Markdown and JSON', async () => {
    const row = page.locator('.session-row', { hasText: 'Maths in Chinese' });
    const [md] = await Promise.all([page.waitForEvent('download'), row.getByTestId('export-md').click()]);
    expect(md.suggestedFilename()).toMatch(/\.md$/);
    const mdText = readFileSync((await md.path())!, 'utf8');
    expect(mdText).toContain('我想复习数学里的二次函数');
    const [json] = await Promise.all([page.waitForEvent('download'), row.getByTestId('export-json').click()]);
    expect(json.suggestedFilename()).toMatch(/\.json$/);
    const parsed = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { attachments?: unknown };
    expect(JSON.stringify(parsed)).toContain('我想复习数学里的二次函数');
    // Plain JSON names the photo; only the export with files carries its bytes.
    expect(parsed.attachments).toBeUndefined();
    const [withFiles] = await Promise.all([page.waitForEvent('download'), row.getByTestId('export-json-files').click()]);
    const files = (JSON.parse(readFileSync((await withFiles.path())!, 'utf8')) as { attachments: Record<string, { name: string; mime: string; data: string }> }).attachments;
    const [file] = Object.values(files);
    expect(Object.keys(files)).toHaveLength(1);
    expect(file).toMatchObject({ name: '草稿.png', mime: 'image/png' });
    expect(Buffer.from(file!.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  test('exports every session of an assignment', async () => {
    await page.getByTestId('filter-assignment').selectOption('hw-alg');
    const [md] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-assignment-md').click()]);
    const text = readFileSync((await md.path())!, 'utf8');
    expect(text).toContain('Algebra homework');
    expect(text).toContain('How do I factor');
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-assignment-json-files').click()]);
    const exported = JSON.parse(readFileSync((await json.path())!, 'utf8')) as { sessions: unknown[]; attachments: Record<string, unknown> };
    expect(exported.sessions).toHaveLength(1);
    expect(exported.attachments).toEqual({});
    await page.getByTestId('filter-assignment').selectOption('');
    await expect.poll(() => page.locator('.session-row').count()).toBe(4);
  });

  test('renames and ends a session', async () => {
    const row = page.locator('.session-row', { hasText: 'Deep question' });
    await row.getByRole('button', { name: 'Rename' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox').fill('Primes, carefully');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(rowTitles).toContain('Primes, carefully');
    expect((await e2e.api.getSession({ id: ids['Deep question']! })).meta.title).toBe('Primes, carefully');

    const renamed = page.locator('.session-row', { hasText: 'Primes, carefully' });
    await renamed.getByRole('button', { name: 'End session' }).click();
    await expect.poll(() => renamed.locator('.badge', { hasText: 'Ended' }).count()).toBe(1);
    expect((await e2e.api.getSession({ id: ids['Deep question']! })).ended_at).toEqual(expect.any(Number));
  });

  test('deletes a session only after confirmation', async () => {
    const row = page.locator('.session-row', { hasText: 'Algebra help' });
    await row.getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain('cannot be undone');
    // The same confirmation as the conversation sidebar's (one component: useDeleteSession).
    await expect(dialog.getByTestId('delete-session-confirm').textContent()).resolves.toContain('Algebra help');
    await e2e.screenshot(page, 'history-delete-confirm');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.locator('.session-row').count()).resolves.toBe(4);
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator('.session-row').count()).toBe(3);
    await expect(e2e.api.getSession({ id: ids['Algebra help']! })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('a search the index could not catch up with says the newest messages may be missing', async () => {
    // Another process (a CLI command beside the server) writes a message, then holds the write
    // lock: the server's search cannot index it and answers from the index as it is.
    const other = new Database(path.join(e2e.dataDir, DB_FILE_NAME));
    other.pragma('busy_timeout = 5000'); // waits out a write of the server's own, as any second process does
    try {
      other
        .prepare(`INSERT INTO turn (id, session_id, role, content, created_at, meta) VALUES (?, ?, 'user', 'What is a zeppelin made of?', ?, '{}')`)
        .run(randomUUID(), ids['Maths in Chinese']!, Date.now());
      other.prepare('BEGIN IMMEDIATE').run();
      try {
        await page.getByTestId('history-search').fill('zeppelin');
        await expect.poll(() => page.getByTestId('search-index-behind').textContent()).toBe('The newest messages may not be in these results yet; search again in a moment.');
        expect(await page.getByTestId('search-hit').count()).toBe(0);
      } finally {
        other.prepare('ROLLBACK').run();
      }
    } finally {
      other.close();
    }
    // The lock is gone: searching again finds it, and the line is gone.
    await page.reload();
    await page.getByTestId('history-search').fill('zeppelin');
    await expect.poll(() => page.getByTestId('search-hit').count()).toBe(1);
    expect(await page.getByTestId('search-index-behind').count()).toBe(0);
  });
});
