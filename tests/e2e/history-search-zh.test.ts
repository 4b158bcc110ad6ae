// History search in zh-CN finds what a student typed and what an answer reads (tryout 10, item 7):
// 测试429 exactly as sent (Chinese touching digits), and 叶绿体中 inside an answer stored as
// `**叶绿体**中的叶绿素` (Markdown's emphasis inside a phrase), each hit with its words marked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E({ language: 'zh-CN' });
  e2e.llm.script({ reply: '光合作用需要以下条件：\n\n1. **光照**：提供能量；\n2. **二氧化碳**和**水**；\n3. **叶绿体**中的叶绿素。' }, { reply: '不算太快。' });
  const first = await e2e.api.sendProxyMessage({ message: '光合作用需要哪些条件？' });
  await e2e.api.sendProxyMessage({ message: '测试429：太快了吗', meta: { session_id: first.session_id } });
  page = await e2e.open({ route: 'history', locale: 'zh-CN', ready: (p) => p.locator('.session-row').first() });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

/** The search hits' texts and what each marks, once every hit shown marks the query (the results of this search, not the last). */
async function hits(query: string) {
  await page.getByTestId('history-search').fill(query);
  const read = async () => {
    const found: { text: string; marked: string[] }[] = [];
    for (const hit of await page.getByTestId('search-hit').all()) found.push({ text: (await hit.textContent()) ?? '', marked: await hit.locator('mark').allTextContents() });
    return found;
  };
  await expect.poll(async () => (await read()).map((h) => h.marked[0])).toContain(query);
  await expect.poll(async () => (await read()).every((h) => h.marked[0] === query)).toBe(true);
  return read();
}

describe.skipIf(chromium.skip)(`history search in zh-CN${chromium.note}`, () => {
  test('测试429 typed as sent finds the message', async () => {
    const found = await hits('测试429');
    expect(found).toHaveLength(1);
    expect(found[0]!.text).toContain('测试429：太快了吗');
    expect(found[0]!.marked).toEqual(['测试429']);
    await e2e.screenshot(page, 'history-search-zh-测试429');
  });

  test('叶绿体中 finds the answer that shows it, though ** splits it in the stored Markdown', async () => {
    const found = await hits('叶绿体中');
    expect(found).toHaveLength(1);
    expect(found[0]!.text).toContain('叶绿体中的叶绿素');
    expect(found[0]!.marked).toEqual(['叶绿体中']);
    await e2e.screenshot(page, 'history-search-zh-叶绿体中');
  });

  test('what worked still does: 光合作用 finds the message and the answer', async () => {
    const found = await hits('光合作用');
    expect(found).toHaveLength(2);
    for (const hit of found) expect(hit.marked[0]).toBe('光合作用');
  });
});
