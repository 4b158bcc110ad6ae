// Hand-in and review in a real browser, in Chinese, on one class server with a real keychain (the
// installation's signing key lives there): a student hands in from the hand-in screen and
// downloads the signed .studylog file (which `studylog verify` accepts); the teacher sees the
// inbox and the summary card and grades it; the student sees the grade in History.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, httpTransport, type StudylogClient } from '../../src/shared/api/client.ts';
import { runCli } from '../support/cli.ts';
import { requirePackage } from '../support/requirements.ts';
import { tempDir } from '../support/temp.ts';
import { startE2E, type E2E } from './harness.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };

const chromium = requirePackage('chromium');
const keyring = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring']);
const skip = chromium.skip || keyring.skip;

let e2e: E2E;
const contexts: BrowserContext[] = [];
let student: { token: string; api: StudylogClient };
let teacher: { token: string; api: StudylogClient };

async function pageAs(token: string): Promise<Page> {
  const context = await e2e.browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'zh-CN', acceptDownloads: true });
  contexts.push(context);
  await context.addInitScript((t) => localStorage.setItem('studylog.token', t), token);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return page;
}

beforeAll(async () => {
  if (skip) return;
  // Model-made titles on: the transcript test below records a title call (a system turn) on purpose.
  e2e = await startE2E({ language: 'zh-CN', keychain: 'private', env: () => ({ STUDYLOG_MODEL_TITLES: 'on' }) });
  const as = async (role: 'student' | 'teacher', name: string) => {
    const { token } = await e2e.api.createToken({ name, role });
    return { token, api: createClient(httpTransport({ baseUrl: e2e.url, token })) };
  };
  student = await as('student', '王小明');
  teacher = await as('teacher', '李老师');
  await teacher.api.createAssignment({ id: 'hw-e2e', title: '二次函数作业', subject: '数学', due_at: '2099-01-01' });
  await student.api.sendProxyMessage({ message: '二次函数的顶点怎么求？', mode: 'homework', assignment_id: 'hw-e2e' });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await e2e?.close();
});

describe.skipIf(skip)(`hand-in and review${chromium.note}${keyring.note}`, () => {
  test('the student hands in from the hand-in screen; the teacher reviews and grades; the student sees the grade', async () => {
    // The student: the assignment's card opens the hand-in screen.
    const sp = await pageAs(student.token);
    await sp.goto(`${e2e.url}/#/assignments`);
    await sp.locator('.assignment-card', { hasText: '二次函数作业' }).getByTestId('open-handin').click();
    await sp.getByRole('heading', { name: '交作业：二次函数作业' }).waitFor();
    // The assignment's session is picked; the AI-use note is prefilled from it.
    await expect(sp.locator('input[type=checkbox][data-session-id]').isChecked()).resolves.toBe(true);
    await expect(sp.locator('textarea[name=ai_note]').inputValue()).resolves.toMatch(/^工具：Studylog（gpt-4o-mini）/);
    await sp.locator('textarea[name=answer]').fill('顶点是 (-b/2a, c - b²/4a)。');
    await sp.locator('textarea[name=ai_note]').fill('用 Studylog 问了一次顶点公式的提示。');
    await sp.getByTestId('handin-submit').click();
    await expect.poll(() => sp.getByTestId('handin-saved').textContent()).toBe('已提交，老师现在可以看到了。你也可以下载 .studylog 文件，用其他方式提交。');
    await expect.poll(() => sp.getByTestId('handin-status').getAttribute('data-status')).toBe('submitted');
    // Not a class hub's assignment: nothing is waiting for a sync.
    await expect(sp.getByTestId('handin-delivery').count()).resolves.toBe(0);
    await e2e.screenshot(sp, 'handin-student');

    // The signed file downloads and verifies.
    const [download] = await Promise.all([sp.waitForEvent('download'), sp.getByTestId('handin-download').click()]);
    expect(download.suggestedFilename()).toMatch(/\.studylog$/);
    const file = path.join(tempDir(), download.suggestedFilename());
    await download.saveAs(file);
    const verified = runCli(['verify', file], { LANG: 'zh_CN.UTF-8', LC_ALL: '' });
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^OK：.*校验通过（1 个会话，2 条消息，学生 王小明，作业 二次函数作业）/);

    // The teacher: the inbox, then the hand-in's summary card.
    const tp = await pageAs(teacher.token);
    await tp.goto(`${e2e.url}/#/assignments`);
    await tp.locator('.assignment-card', { hasText: '二次函数作业' }).getByTestId('open-inbox').click();
    const row = tp.getByTestId('inbox').locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    await expect(row.first().textContent()).resolves.toMatch(/王小明.*已提交.*校验通过/);
    await row.first().getByRole('link', { name: '王小明' }).click();
    await tp.getByTestId('summary-card').waitFor();
    await expect(tp.getByTestId('sum-turns').textContent()).resolves.toBe('2');
    await expect(tp.getByTestId('sum-verification').getAttribute('data-ok')).resolves.toBe('true');
    await expect(tp.getByTestId('sum-worked').textContent()).resolves.toBe('否');
    await expect(tp.getByTestId('sum-flagged').textContent()).resolves.toBe('0');
    // One question, one answer: no versions, so no version mark.
    await expect(tp.getByTestId('turn-version').count()).resolves.toBe(0);
    await expect(tp.getByTestId('submission-answer').textContent()).resolves.toBe('顶点是 (-b/2a, c - b²/4a)。');
    await expect(tp.getByTestId('submission-note').textContent()).resolves.toBe('用 Studylog 问了一次顶点公式的提示。');
    await expect(tp.locator('.transcript-turn').first().textContent()).resolves.toContain('二次函数的顶点怎么求？');
    await tp.locator('input[name=score]').fill('95');
    await tp.locator('textarea[name=feedback]').fill('推导清楚。');
    await tp.getByTestId('grade-return').click();
    await tp.getByTestId('grade-saved').waitFor();
    await e2e.screenshot(tp, 'handin-teacher-review');

    // A tampered file is refused on import with the exact problem.
    const text = JSON.parse(readFileSync(file, 'utf8')) as { sessions: { turns: { content: string }[] }[] };
    text.sessions[0]!.turns[1]!.content = '改过的回答';
    const tampered = path.join(tempDir(), 'tampered.studylog');
    writeFileSync(tampered, JSON.stringify(text));
    await tp.goto(`${e2e.url}/#/review/hw-e2e`);
    await tp.getByTestId('handin-import-file').setInputFiles(tampered);
    await expect.poll(() => tp.getByTestId('bundle-problems').textContent()).toMatch(/对话记录在第 1 个会话（.*）的第 2 条消息处对不上/);
    // A file larger than any hand-in (counted in bytes: 2.7 million Chinese characters are 8.1 MB) is refused at once, naming its size.
    const huge = path.join(tempDir(), 'huge.studylog');
    writeFileSync(huge, '春'.repeat(2_700_000));
    await tp.getByTestId('handin-import-file').setInputFiles(huge);
    await expect
      .poll(async () => (await tp.locator('[data-code="payload_too_large"] .error-next').textContent())?.trim())
      .toBe('这份作业有 7.7 MB（8100000 字节），超过了上限 7 MB（7340032 字节）。请少交几个会话或更小的文件。');
    // Its details line too, in the UI's language.
    await expect(tp.locator('[data-code="payload_too_large"] .error-detail').textContent()).resolves.toBe('huge.studylog：8100000 字节');

    // The student sees the grade in History.
    await sp.goto(`${e2e.url}/#/history`);
    const mine = sp.getByTestId('my-handins');
    await expect.poll(() => mine.getByTestId('handin-status').getAttribute('data-status')).toBe('returned');
    await expect(mine.getByTestId('handin-grade').textContent()).resolves.toBe('得分：95 — 推导清楚。');
  });

  test('the teacher’s transcript: the title call left out, versions marked only where there are versions, the flagged answer marked and counted, answers as Markdown with KaTeX', async () => {
    await teacher.api.createAssignment({ id: 'hw-e2e-2', title: '一元二次方程', subject: '数学', due_at: '2099-01-01', policy: { hint_ceiling: 3 } });
    const reply = (text: string) => `[[test:${JSON.stringify({ reply: text })}]]`;
    const first = await student.api.sendProxyMessage({
      message: `怎么解 x² − 5x + 6 = 0？${reply('**先因式分解**。答案是 x = 2 或 x = 3。')}`,
      mode: 'homework',
      assignment_id: 'hw-e2e-2',
    });
    // The automatic title: one small model call, recorded as a system turn (meta.purpose 'title').
    await student.api.waitSessionTitle({ id: first.session_id });
    // The answer asked for again: two versions of it under the one question.
    await student.api.regenerateAnswer({ id: first.session_id, turn_id: first.turn_id });
    await student.api.sendProxyMessage({ message: `求根公式是什么？${reply('求根公式：$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}$$')}`, meta: { session_id: first.session_id } });
    const turns = await student.api.getSessionTurns({ id: first.session_id });
    expect(turns.filter((t) => t.role === 'system' && t.meta.purpose === 'title')).toHaveLength(1);

    // The student hands in at the bottom of a long form: the notice is beside the button, focused, in view.
    const sp = await pageAs(student.token);
    await sp.goto(`${e2e.url}/#/handin/hw-e2e-2`);
    await sp.getByRole('heading', { name: '交作业：一元二次方程' }).waitFor();
    await sp.locator('textarea[name=answer]').fill('x = 2 或 x = 3');
    await sp.getByTestId('handin-submit').click();
    const saved = sp.getByTestId('handin-saved');
    await expect.poll(() => saved.textContent()).toContain('已提交');
    await expect.poll(() => saved.evaluate((el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement)).toBe(true);
    const box = (await saved.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(800);

    const [handedIn] = await teacher.api.listSubmissions({ id: 'hw-e2e-2' });
    const tp = await pageAs(teacher.token);
    await tp.goto(`${e2e.url}/#/submission/${handedIn!.id}`);
    await tp.getByTestId('summary-card').waitFor();
    // Two questions and three answers; the title call is not a message, but its tokens count, said so.
    await expect(tp.getByTestId('sum-turns').textContent()).resolves.toBe('5');
    await expect(tp.getByTestId('sum-tokens').textContent()).resolves.toContain('(含 1 次自动生成标题)');
    await expect(tp.locator('.transcript-turn').count()).resolves.toBe(5);
    await expect(tp.locator('.transcript-turn.role-system').count()).resolves.toBe(0);
    await expect(tp.locator('.transcript').textContent()).resolves.not.toContain('系统');
    // Only the regenerated answer's two versions are marked; the follow-up's answer is not.
    await expect(tp.getByTestId('turn-version').allTextContents()).resolves.toEqual([' · 第 1 版，共 2 版', ' · 第 2 版，共 2 版']);
    // "答案是 …" at hint level 1: flagged by the hint-ladder check, marked on the answer and counted on the card.
    const flagged = await tp.locator('.transcript-turn[data-flagged=true]').count();
    expect(flagged).toBeGreaterThan(0);
    await expect(tp.getByTestId('sum-flagged').textContent()).resolves.toBe(String(flagged));
    await expect(tp.getByTestId('turn-flagged').first().textContent()).resolves.toContain('可能直接给出了答案');
    // Answers as the chat shows them: Markdown and KaTeX, not their source.
    await expect.poll(() => tp.locator('.transcript .markdown strong').first().textContent()).toBe('先因式分解');
    await expect.poll(() => tp.locator('.transcript .katex').count()).toBeGreaterThan(0);
    const answers = await tp.locator('.transcript-turn.role-assistant').allTextContents();
    expect(answers).toHaveLength(3);
    expect(answers.filter((text) => text.includes('$$') || text.includes('**'))).toEqual([]);
    await e2e.screenshot(tp, 'handin-teacher-transcript');
  });

  test('an assignment from the class hub: handing in says it goes to the teacher at the next sync, and that it is not sent yet', async () => {
    // What a sync writes on the laptop for a hub's assignment (sync/client.ts): meta.hub_class_id.
    await teacher.api.createAssignment({ id: 'hw-hub', title: '班级中心作业', due_at: '2099-01-01', meta: { hub_class_id: 'class-1' } });
    const sp = await pageAs(student.token);
    await sp.goto(`${e2e.url}/#/handin/hw-hub`);
    await sp.getByRole('heading', { name: '交作业：班级中心作业' }).waitFor();
    await sp.locator('textarea[name=answer]').fill('我的答案');
    await sp.getByTestId('handin-submit').click();
    await expect.poll(() => sp.getByTestId('handin-saved').textContent()).toBe('已提交并签名。下次与班级中心同步时会发送给老师；你也可以下载 .studylog 文件。');
    await expect.poll(() => sp.getByTestId('handin-delivery').textContent()).toBe('还没有发送到班级中心：会在下次同步时发送。');
    await expect(sp.getByTestId('handin-delivery').getAttribute('data-delivered')).resolves.toBe('false');
  });
});
