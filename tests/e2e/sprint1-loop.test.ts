// The whole Sprint 1 loop in one real browser world, in Chinese, on one class server with a real
// keychain (the hand-in is signed with the installation's key): a teacher creates an assignment
// with an AI policy in the Assignments screen; a student works on it in homework mode from the
// chat page, climbing the hint ladder with 更多帮助 up to the ceiling (the provider sees each
// level's prompt, in order); the student opens 交作业 from the assignment panel, picks the session,
// writes the answer and hands in; the teacher opens the inbox, reads the summary card and grades;
// the student sees the score and the feedback. The answer carries a photo and a PDF (signed in the
// bundle); the teacher sees the photo's thumbnail and the PDF's name, and the learner summary of
// the days handed in (never the practice chat the student had the same day). A full-page screenshot of every step is saved
// under test-results/screenshots/sprint1-*.png.
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, httpTransport, type StudylogClient } from '../../src/shared/api/client.ts';
import { HINT_LADDER } from '../../src/shared/hint-ladder.ts';
import { plainImage, textPdf } from '../support/files.ts';
import { requirePackage } from '../support/requirements.ts';
import { SCREENSHOTS, startE2E, type E2E } from './harness.ts';

// Runs in the page (addInitScript); the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void };

const chromium = requirePackage('chromium');
const keyring = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring']);
const skip = chromium.skip || keyring.skip;

const TITLE = '一元二次方程：因式分解';

let e2e: E2E;
const contexts: BrowserContext[] = [];
let student: { token: string; api: StudylogClient; page: Page };
let teacher: { token: string; api: StudylogClient; page: Page };
let assignmentId = '';

async function pageAs(token: string): Promise<Page> {
  const context = await e2e.browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'zh-CN' });
  contexts.push(context);
  await context.addInitScript((t) => localStorage.setItem('studylog.token', t), token);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  return page;
}

/** The whole page, not only what fits the window: a step's screenshot shows that nothing is cut off. */
const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `sprint1-${name}.png`), fullPage: true });

const chatRequests = () => e2e.llm.requests.filter((r) => r.path.endsWith('/chat/completions'));
/** The hint level whose zh-CN prompt a request's system message carries (0: none). */
const levelOf = (request: { body: { messages: { role: string; content: unknown }[] } }) => {
  const system = String(request.body.messages[0]?.content ?? '');
  return HINT_LADDER.find((step) => system.includes(step.prompt['zh-CN']))?.level ?? 0;
};

beforeAll(async () => {
  if (skip) return;
  e2e = await startE2E({ language: 'zh-CN', keychain: 'private' });
  const as = async (role: 'student' | 'teacher', name: string) => {
    const { token } = await e2e.api.createToken({ name, role });
    return { token, api: createClient(httpTransport({ baseUrl: e2e.url, token })), page: await pageAs(token) };
  };
  teacher = await as('teacher', '李老师');
  student = await as('student', '王小明');
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await e2e?.close();
});

describe.skipIf(skip)(`the Sprint 1 loop${chromium.note}${keyring.note}`, () => {
  test('1. the teacher creates the assignment with its AI policy in the Assignments screen', async () => {
    const tp = teacher.page;
    await tp.goto(`${e2e.url}/#/assignments`);
    await tp.getByRole('button', { name: '新建作业' }).click();
    const dialog = tp.getByRole('dialog');
    await dialog.locator('input[name="title"]').fill(TITLE);
    await dialog.locator('input[name="subject"]').fill('数学');
    await dialog.locator('textarea[name="description"]').fill('解方程 $x^2 - 5x + 6 = 0$，写出过程。');
    await dialog.locator('select[name="hint_ceiling"]').selectOption('3');
    await dialog.locator('input[name="allowance_tokens"]').fill('100000');
    await dialog.locator('textarea[name="context"]').fill('本班只学过因式分解。');
    await shoot(tp, '1-teacher-creates');
    await dialog.getByRole('button', { name: '保存' }).click();
    await tp.locator('.assignment-card', { hasText: TITLE }).waitFor();
    await shoot(tp, '1-teacher-assignments');

    const [created] = (await teacher.api.listAssignments({})).filter((a) => a.title === TITLE);
    expect(created?.owner_id).toBe((await teacher.api.getMe()).id);
    expect(created?.policy).toEqual({ hint_ceiling: 3, allowance: { tokens: 100_000 }, context: '本班只学过因式分解。' });
    assignmentId = created!.id;
  });

  test('2. the student climbs the hint ladder in homework mode up to the ceiling', async () => {
    const sp = student.page;
    const panel = sp.getByTestId('assignment-panel');
    const assistants = sp.locator('[data-role="assistant"]');
    await sp.goto(e2e.url);
    await sp.getByTestId('composer').waitFor();
    await sp.locator('label.mode-option', { has: sp.locator('input[data-mode="homework"]') }).click();
    await sp.getByTestId('assignment-picker').selectOption({ label: TITLE });
    await expect.poll(() => panel.getByTestId('panel-ceiling').textContent()).toBe('最多提示到第 3 级：下一步');
    await expect(panel.getByTestId('hint-level').textContent()).resolves.toBe('当前提示：第 1 级 · 该复习什么');

    const before = chatRequests().length;
    await sp.getByTestId('composer').fill('这道题我该从哪里开始？');
    await sp.getByTestId('composer').press('Enter');
    await expect.poll(() => assistants.last().getAttribute('data-status')).toBe('complete');
    for (const level of [2, 3]) {
      const answered = await assistants.count();
      await sp.getByTestId('more-help').click();
      await expect.poll(() => assistants.count()).toBe(answered + 1);
      await expect.poll(() => assistants.last().getAttribute('data-status')).toBe('complete');
      await expect.poll(() => panel.getByTestId('hint-level').getAttribute('data-level')).toBe(String(level));
    }
    // The provider saw each level's prompt once, in order, with the teacher's context.
    const sent = chatRequests().slice(before);
    expect(sent.map(levelOf)).toEqual([1, 2, 3]);
    expect(sent.map((r) => r.body.messages.at(-1))).toEqual([
      { role: 'user', content: '这道题我该从哪里开始？' },
      { role: 'user', content: '请给我更多帮助。' },
      { role: 'user', content: '请给我更多帮助。' },
    ]);
    for (const r of sent) expect(String(r.body.messages[0]!.content)).toContain('本班只学过因式分解。');
    await expect(assistants.last().getByTestId('reply-hint-level').textContent()).resolves.toBe('提示第 3 级');

    // The ceiling: the button is disabled, with the reason.
    await expect(panel.getByTestId('hint-level').textContent()).resolves.toBe('当前提示：第 3 级 · 下一步');
    await expect.poll(() => sp.getByTestId('more-help').isDisabled()).toBe(true);
    await expect(panel.getByTestId('more-help-reason').textContent()).resolves.toBe('已到这份作业允许的最高提示级别。');
    await shoot(sp, '2-student-ladder');
  });

  test('3. the student opens 交作业 from the panel, picks the session, writes the answer and hands in', async () => {
    const sp = student.page;
    // A practice chat the same day: never part of what the teacher sees.
    await student.api.sendProxyMessage({ message: '恐龙化石是什么？恐龙化石怎么形成？', mode: 'chat' });
    await sp.getByTestId('assignment-panel').getByTestId('hand-in').click();
    await sp.getByRole('heading', { name: `交作业：${TITLE}` }).waitFor();
    const session = sp.locator('input[type=checkbox][data-session-id]');
    await expect(session.count()).resolves.toBe(1);
    // Pick it (again): the choice is the student's.
    await session.uncheck();
    await session.check();
    await expect(sp.locator('textarea[name=ai_note]').inputValue()).resolves.toContain('最高提示级别：3');
    await sp.locator('textarea[name=answer]').fill('x² − 5x + 6 = (x − 2)(x − 3) = 0，所以 x = 2 或 x = 3。');
    // The answer's files: a photo of the working and a PDF, attached as in the chat's composer.
    await sp.getByTestId('answer-attach-input').setInputFiles([
      { name: '草稿纸.png', mimeType: 'image/png', buffer: await plainImage('png', 120, 90) },
      { name: '解答.pdf', mimeType: 'application/pdf', buffer: textPdf(['x = 2, x = 3']) },
    ]);
    await expect.poll(() => sp.locator('[data-testid=attachment-chip][data-status=ready]').count()).toBe(2);
    await shoot(sp, '3-student-handin-form');
    await sp.getByTestId('handin-submit').click();
    await expect.poll(() => sp.getByTestId('handin-status').getAttribute('data-status')).toBe('submitted');
    await expect(sp.getByTestId('handin-saved').textContent()).resolves.toContain('已提交');
    // Said beside the button that was clicked (the bottom of a long form), and focused: in view, not at the top of the page.
    const notice = (await sp.getByTestId('handin-saved').boundingBox())!;
    const button = (await sp.getByTestId('handin-submit').boundingBox())!;
    expect(notice.y).toBeGreaterThanOrEqual(0);
    expect(notice.y + notice.height).toBeLessThanOrEqual(800);
    expect(Math.abs(button.y - notice.y)).toBeLessThan(200);
    // Saved with the hand-in: the files are now the draft's, listed by name.
    await expect(sp.getByTestId('answer-files').locator('.attachment-name').allTextContents()).resolves.toEqual(['草稿纸.png', '解答.pdf']);
    await shoot(sp, '3-student-submitted');
  });

  test('4. the teacher opens the inbox, reads the summary card and grades with feedback', async () => {
    const tp = teacher.page;
    await tp.goto(`${e2e.url}/#/assignments`);
    await tp.locator('.assignment-card', { hasText: TITLE }).getByTestId('open-inbox').click();
    const row = tp.getByTestId('inbox').locator('tbody tr');
    await expect.poll(() => row.count()).toBe(1);
    await expect(row.first().textContent()).resolves.toMatch(/王小明.*已提交.*校验通过/);
    await shoot(tp, '4-teacher-inbox');
    await row.first().getByRole('link', { name: '王小明' }).click();
    await tp.getByTestId('summary-card').waitFor();
    // The summary card tells how AI was used: three questions and answers, up to the ceiling, no worked solution, verified.
    await expect(tp.getByTestId('sum-turns').textContent()).resolves.toBe('6');
    await expect(tp.getByTestId('sum-hint').textContent()).resolves.toMatch(/^3 \(/);
    await expect(tp.getByTestId('sum-worked').textContent()).resolves.toBe('否');
    await expect(tp.getByTestId('sum-verification').getAttribute('data-ok')).resolves.toBe('true');
    await expect(tp.getByTestId('sum-verification').textContent()).resolves.toContain('校验通过');
    await expect(tp.getByTestId('submission-answer').textContent()).resolves.toBe('x² − 5x + 6 = (x − 2)(x − 3) = 0，所以 x = 2 或 x = 3。');
    await expect(tp.locator('.transcript-turn').count()).resolves.toBe(6);
    // Three questions, three answers, none asked for again: no answer is marked as a version.
    await expect(tp.locator('.transcript').textContent()).resolves.not.toMatch(/另一个版本|版，共/);
    await expect(tp.getByTestId('sum-flagged').textContent()).resolves.toBe('0');
    // The answer's files, from the signed bundle: the photo as a thumbnail, the PDF by name.
    const files = tp.getByTestId('answer-files');
    await expect(files.locator('.attachment-name').allTextContents()).resolves.toEqual(['草稿纸.png', '解答.pdf']);
    await expect.poll(() => files.locator('li[data-kind=image]').getByTestId('answer-thumb').getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    await expect(files.locator('li[data-kind=pdf] .attachment-icon').count()).resolves.toBe(1);
    await files.scrollIntoViewIfNeeded();
    await shoot(tp, '4-teacher-answer-files');
    // The learner summary of the days handed in: this hand-in's three questions, up to level 3, and not the practice chat.
    const days = tp.getByTestId('handed-in-days');
    await expect.poll(() => days.locator('tbody tr').count()).toBe(1);
    await expect(days.getByTestId('day-messages').textContent()).resolves.toBe('3');
    await expect(days.getByTestId('day-hint').textContent()).resolves.toBe('3');
    // Its day as the app writes dates (2026年11月29日), not the day's key (2026-11-29).
    await expect(days.getByTestId('day-date').textContent()).resolves.toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    await expect(days.textContent()).resolves.not.toMatch(/恐龙|化石/);
    await days.scrollIntoViewIfNeeded();
    await shoot(tp, '4-teacher-days');
    await tp.locator('input[name=score]').fill('92');
    await tp.locator('textarea[name=feedback]').fill('因式分解正确，过程完整。');
    await tp.getByTestId('grade-return').click();
    await tp.getByTestId('grade-saved').waitFor();
    await shoot(tp, '4-teacher-graded');
  });

  test('5. the student sees the score and the feedback', async () => {
    const sp = student.page;
    // In History …
    await sp.goto(`${e2e.url}/#/history`);
    const mine = sp.getByTestId('my-handins');
    await expect.poll(() => mine.getByTestId('handin-grade').textContent()).toBe('得分：92 — 因式分解正确，过程完整。');
    await shoot(sp, '5-student-history');
    // … on the hand-in screen (left for History above, so it opens afresh) …
    await sp.goto(`${e2e.url}/#/handin/${assignmentId}`);
    await expect.poll(() => sp.getByTestId('handin-status').getAttribute('data-status')).toBe('returned');
    await expect(sp.getByTestId('handin-grade').textContent()).resolves.toBe('得分：92 — 因式分解正确，过程完整。');
    await expect(sp.getByTestId('handin-submit').count()).resolves.toBe(0);
    await shoot(sp, '5-student-handin-returned');
    // … and in the assignment panel beside the chat.
    await sp.goto(e2e.url);
    await sp.locator('label.mode-option', { has: sp.locator('input[data-mode="homework"]') }).click();
    await sp.getByTestId('assignment-picker').selectOption({ label: TITLE });
    const panel = sp.getByTestId('assignment-panel');
    await expect.poll(() => panel.getByTestId('handin-grade').textContent()).toBe('得分：92 — 因式分解正确，过程完整。');
    await shoot(sp, '5-student-panel');
  });

  test('6. a file changed after signing is refused on import, said in the UI’s language whatever the server’s', async () => {
    const tp = teacher.page;
    const [handedIn] = await teacher.api.listSubmissions({ id: assignmentId });
    const bundle = JSON.parse((await teacher.api.getSubmissionBundle({ id: handedIn!.id })).content) as {
      answer_files: { sha256: string; name: string }[];
      file_data: Record<string, string>;
    };
    const pdf = bundle.answer_files.find((f) => f.name === '解答.pdf')!;
    const bytes = Buffer.from(bundle.file_data[pdf.sha256]!, 'base64');
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0x01;
    bundle.file_data[pdf.sha256] = bytes.toString('base64');
    const tampered = JSON.stringify(bundle);
    // The server's settings now in English: its own message is English …
    await e2e.api.updateSettings({ language: 'en' });
    const refused = await teacher.api.importSubmission({ bundle: tampered }).then(
      () => null,
      (e: unknown) => e as { code: string; issues: { path: string; message: string }[] },
    );
    expect(refused?.code).toBe('bundle_invalid');
    expect(refused?.issues.map((i) => [i.path, i.message])).toEqual([['file_changed', expect.stringMatching(/^The answer's file 2 \(解答\.pdf\) was changed after signing/)]]);
    // … while the teacher's Chinese screen says it in Chinese, from the problem's code and where it is.
    await tp.goto(`${e2e.url}/#/review/${assignmentId}`);
    await tp.getByTestId('handin-import-file').setInputFiles({ name: 'tampered.studylog', mimeType: 'application/json', buffer: Buffer.from(tampered) });
    const problems = tp.getByTestId('bundle-problems');
    await expect.poll(() => problems.textContent()).toBe('答案的第 2 个附件（解答.pdf）在签名后被改动过：内容与签名时的 SHA-256 不一致。');
    await shoot(tp, '6-teacher-import-refused');
  });
});
