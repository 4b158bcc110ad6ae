// Assignments in a real browser: import a teacher's JSON file (an invalid entry reported by its
// index), create, edit, delete, see an assignment's sessions and start homework from it.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { sendMessage, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
declare const localStorage: { setItem(key: string, value: string): void; removeItem(key: string): void };

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E();
  page = await e2e.open({ route: 'assignments', ready: (p) => p.getByTestId('import-button') });
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const cardTitles = () => page.locator('.assignment-card .card-title').allTextContents();

describe.skipIf(chromium.skip)(`assignments${chromium.note}`, () => {
  test("imports a teacher's file and reports the invalid entry by its index", async () => {
    const file = {
      assignments: [
        { id: 'math-01', title: '数学：一元二次方程', subject: '数学', due_at: '2030-03-01', description: '解方程 $x^2 - 5x + 6 = 0$，并说明思路。' },
        { id: 'bad', subject: 'no title here' },
        { id: 'eng-01', title: 'English: persuasive essay', subject: 'English' },
      ],
    };
    await page.getByTestId('import-file').setInputFiles({ name: 'teacher.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) });
    const result = page.getByTestId('import-result');
    await result.waitFor();
    await expect(result.textContent()).resolves.toContain('teacher.json: 2 imported, 0 updated.');
    const errors = result.locator('.import-errors li');
    await expect(errors.count()).resolves.toBe(1);
    await expect(errors.first().getAttribute('data-index')).resolves.toBe('1');
    await expect(errors.first().textContent()).resolves.toMatch(/^Entry 2: Title: is missing/);
    await expect.poll(cardTitles).toEqual(expect.arrayContaining(['数学：一元二次方程', 'English: persuasive essay']));
    expect((await e2e.api.listAssignments()).map((a) => a.id).sort()).toEqual(['eng-01', 'math-01']);
    // The teacher's id is shown, small; the description's maths is rendered by KaTeX, as in the chat.
    const math = page.locator('.assignment-card', { hasText: '数学：一元二次方程' });
    await expect(math.getByTestId('assignment-id').textContent()).resolves.toBe('ID math-01');
    await math.locator('.card-desc .katex').first().waitFor();
    await e2e.screenshot(page, 'assignments-import');
  });

  test('a file that is not JSON is refused with a clear message', async () => {
    await page.getByTestId('import-file').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just some notes') });
    await expect.poll(() => page.locator('.error-text').first().textContent()).toContain('notes.txt is not a valid JSON file.');
    await page.getByTestId('import-file').setInputFiles({ name: 'one.json', mimeType: 'application/json', buffer: Buffer.from('{"title": "A"}') });
    await expect.poll(() => page.locator('.error-text').first().textContent()).toContain('one.json has no list of assignments');
  });

  test('creates, edits and deletes an assignment', async () => {
    await page.getByRole('button', { name: 'New assignment' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.locator('input[name="title"]').fill('Physics lab report');
    await dialog.locator('input[name="subject"]').fill('Physics');
    await dialog.locator('textarea[name="description"]').fill('Measure g with a pendulum.');
    await e2e.screenshot(page, 'assignments-edit');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(cardTitles).toContain('Physics lab report');

    const card = page.locator('.assignment-card', { hasText: 'Physics lab report' });
    await expect(card.getByTestId('assignment-id').count()).resolves.toBe(0); // a made-up UUID is not shown
    await card.getByRole('button', { name: 'Edit' }).click();
    dialog = page.getByRole('dialog');
    await dialog.locator('input[name="title"]').fill('Physics lab report (pendulum)');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(cardTitles).toContain('Physics lab report (pendulum)');

    await page.locator('.assignment-card', { hasText: 'Physics lab report (pendulum)' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await expect.poll(cardTitles).not.toContain('Physics lab report (pendulum)');
    expect((await e2e.api.listAssignments()).some((a) => a.title.startsWith('Physics'))).toBe(false);
  });

  test('editing keeps what the form does not show (a class hub’s share_sessions)', async () => {
    await e2e.api.createAssignment({ id: 'hw-shared', title: 'Shared with the teacher', policy: { share_sessions: true, hint_ceiling: 3 } });
    await page.reload();
    const card = page.locator('.assignment-card', { hasText: 'Shared with the teacher' });
    await card.getByRole('button', { name: 'Edit' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[name="title"]').fill('Shared with the teacher (edited)');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(cardTitles).toContain('Shared with the teacher (edited)');
    expect((await e2e.api.getAssignment({ id: 'hw-shared' })).policy).toEqual({ share_sessions: true, hint_ceiling: 3 });
    await e2e.api.deleteAssignment({ id: 'hw-shared' });
    await page.reload();
  });

  test('an assignment from the class hub is read-only: no Edit or Delete, a note that the teacher sets it', async () => {
    await e2e.api.createAssignment({ id: 'hw-from-hub', title: 'From the class hub', policy: { hint_ceiling: 2 }, meta: { hub_class_id: 'class-1' } });
    await page.reload();
    const card = page.locator('.assignment-card', { hasText: 'From the class hub' });
    await expect(card.getByTestId('hub-managed').textContent()).resolves.toBe('This assignment is set by your teacher on the class hub.');
    expect(await card.getByRole('button', { name: 'Edit' }).count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    // A card of the laptop's own still has both.
    await e2e.api.createAssignment({ id: 'hw-own', title: 'The laptop’s own', policy: {} });
    await page.reload();
    const own = page.locator('.assignment-card', { hasText: 'The laptop’s own' });
    await own.getByRole('button', { name: 'Edit' }).waitFor();
    expect(await own.getByTestId('hub-managed').count()).toBe(0);
    await e2e.screenshot(page, 'assignments-from-hub');
    await e2e.api.deleteAssignment({ id: 'hw-own' });
    await page.reload();
  });

  test('the policy editor offers the installation’s models (a saved unknown id marked), the cost allowance in the display currency, and the card sums the policy up', async () => {
    await e2e.api.createAssignment({
      id: 'policy-01',
      title: 'Policy check',
      policy: { allowed_modes: ['homework'], hint_ceiling: 3, allowed_models: ['deepsek-chat'], allowance: { tokens: 3000, cost: 100_000_000 } },
    });
    await page.reload();
    const card = page.locator('.assignment-card', { hasText: 'Policy check' });
    await expect
      .poll(() => card.getByTestId('policy-summary').textContent())
      .toBe('AI rules: only Homework · hints up to level 3 · 3,000 tokens per student · $1.00 per student · models: deepsek-chat');
    // An assignment without a policy says so, rather than nothing.
    await expect(page.locator('.assignment-card', { hasText: 'English: persuasive essay' }).getByTestId('policy-summary').textContent()).resolves.toBe(
      'AI rules: No limits on AI use',
    );

    await card.getByRole('button', { name: 'Edit' }).click();
    let dialog = page.getByRole('dialog');
    const models = dialog.getByTestId('allowed-models');
    // Every model the test provider lists, as a checkbox; the misspelt saved id stays, ticked and marked.
    await expect.poll(() => models.locator('input[value="gpt-4o-mini"]').count()).toBe(1);
    await expect(models.locator('input[value="llama3.2"]').isChecked()).resolves.toBe(false);
    const unknown = models.locator('[data-unknown]');
    await expect(unknown.textContent()).resolves.toBe('deepsek-chat (not offered here)');
    await expect(unknown.locator('input').isChecked()).resolves.toBe(true);
    await expect(dialog.getByTestId('allowance-cost-label').textContent()).resolves.toBe('Allowance per student (US$)');
    await expect(dialog.locator('input[name="allowance_cost"]').inputValue()).resolves.toBe('1');
    await e2e.screenshot(page, 'assignments-policy-editor');
    // Replace the misspelt model with a real one; the untouched cost is kept exactly.
    // Unticked, it stays listed (the untick can be undone).
    await unknown.locator('input').uncheck();
    await expect(unknown.locator('input').isChecked()).resolves.toBe(false);
    await models.locator('input[value="gpt-4o-mini"]').check();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(async () => (await e2e.api.getAssignment({ id: 'policy-01' })).policy)
      .toMatchObject({ allowed_models: ['gpt-4o-mini'], allowance: { tokens: 3000, cost: 100_000_000 } });

    // Costs shown in yuan (Settings): the allowance is edited in yuan at the same rate, stored in US$ micro-cents.
    await page.evaluate(() => {
      localStorage.setItem('studylog.currency', 'CNY');
      localStorage.setItem('studylog.cnyRate', '7');
    });
    await page.reload();
    await expect.poll(() => card.getByTestId('policy-summary').textContent()).toContain('¥7.00 per student');
    await card.getByRole('button', { name: 'Edit' }).click();
    dialog = page.getByRole('dialog');
    await expect(dialog.getByTestId('allowance-cost-label').textContent()).resolves.toBe('Allowance per student (yuan)');
    await expect(dialog.getByTestId('allowance-cost-note').textContent()).resolves.toContain('US$1 = ¥7');
    await expect(dialog.locator('input[name="allowance_cost"]').inputValue()).resolves.toBe('7');
    await dialog.locator('input[name="allowance_cost"]').fill('14');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await e2e.api.getAssignment({ id: 'policy-01' })).policy.allowance).toEqual({ tokens: 3000, cost: 200_000_000 });
    await page.evaluate(() => {
      localStorage.removeItem('studylog.currency');
      localStorage.removeItem('studylog.cnyRate');
    });
    await page.reload();
  });

  test('the page’s introduction speaks to a teacher as a teacher, and to the desktop’s owner as a student', async () => {
    await expect(page.getByTestId('import-help').textContent()).resolves.toContain("Import a teacher's assignments file");
    const { token } = await e2e.api.createToken({ name: 'Ms Li', role: 'teacher' });
    const context = await e2e.browser.newContext({ viewport: { width: 1024, height: 640 }, locale: 'en-US' });
    try {
      await context.addInitScript((t) => localStorage.setItem('studylog.token', t), token);
      const teacher = await context.newPage();
      await teacher.goto(`${e2e.url}/#/assignments`);
      const help = teacher.getByTestId('import-help');
      await help.waitFor();
      await expect(help.textContent()).resolves.toContain('You can import several assignments at once');
      await expect(help.textContent()).resolves.not.toContain('a teacher gave you');
    } finally {
      await context.close();
    }
  });

  test('each assignment shows its sessions, and homework starts from it', async () => {
    await e2e.api.sendProxyMessage({ message: '我不知道怎么开始', mode: 'homework', assignment_id: 'math-01' });
    const card = page.locator('.assignment-card', { hasText: '数学：一元二次方程' });
    await card.getByRole('button', { name: 'Sessions' }).click();
    await expect.poll(() => card.locator('.session-row').count()).toBe(1);
    await e2e.screenshot(page, 'assignments');

    await card.getByRole('button', { name: 'Start homework' }).click();
    await expect.poll(() => page.url()).toMatch(/#\/chat$/);
    await expect(page.getByTestId('assignment-chip').textContent()).resolves.toContain('数学：一元二次方程');
    await expect(page.locator('input[data-mode="homework"]').isChecked()).resolves.toBe(true);
    await expect(page.getByTestId('send').isDisabled()).resolves.toBe(true); // nothing typed yet
    await sendMessage(page, '从哪里开始？');
    await expect.poll(() => page.locator('[data-role="assistant"][data-status="complete"]').count()).toBe(1);
    const sessions = await e2e.api.getUserSessions({ assignment_id: 'math-01' });
    expect(sessions.total).toBe(2);
    expect(sessions.items.every((s) => s.mode === 'homework')).toBe(true);
  });
});
