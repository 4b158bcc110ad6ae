// Homework in a real browser, in zh-CN: an assignment with an AI policy (created through the API)
// shows in the AssignmentPanel beside the chat; 更多帮助 climbs the hint ladder (the provider sees
// each level's prompt), the ceiling disables the button with its reason, the allowance left
// shrinks as answers arrive, and an answer the check pass flags is marked.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { HINT_LADDER } from '../../src/shared/hint-ladder.ts';
import { sendMessage, startE2E, type E2E } from './harness.ts';
import { requirePackage } from '../support/requirements.ts';

const chromium = requirePackage('chromium');

// page.evaluate callbacks run in the browser; the tests compile without the DOM library.
declare function getComputedStyle(element: unknown): { minWidth: string };

let e2e: E2E;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E({ language: 'zh-CN' });
  await e2e.api.createAssignment({
    id: 'hw-ladder',
    title: '数学作业：一元二次方程',
    subject: '数学',
    description: '解方程 $x^2 - 5x + 6 = 0$。',
    due_at: '2020-01-10',
    policy: { hint_ceiling: 3, allowed_models: ['gpt-4o-mini', 'deepseek-chat'], allowance: { tokens: 100_000 }, context: '本班只学过因式分解。' },
  });
  page = await e2e.open();
}, 90_000);

afterAll(async () => {
  await e2e?.close();
});

const panel = () => page.getByTestId('assignment-panel');
const assistants = () => page.locator('[data-role="assistant"]');
const chatRequests = () => e2e.llm.requests.filter((r) => r.path.endsWith('/chat/completions'));
const lastSystemPrompt = () => chatRequests().at(-1)?.body.messages[0].content as string | undefined;
const tokensLeft = async () => Number((await panel().getByTestId('panel-allowance-tokens').textContent())!.match(/剩余额度：([\d,]+)/)![1]!.replace(/,/g, ''));

describe.skipIf(chromium.skip)(`homework${chromium.note}`, () => {
  test('the panel shows the assignment and its policy in plain words', async () => {
    await page.locator('label.mode-option', { has: page.locator('input[data-mode="homework"]') }).click();
    await page.getByTestId('assignment-picker').selectOption('hw-ladder');
    await panel().waitFor();
    await expect(panel().locator('.assignment-panel-title').textContent()).resolves.toBe('数学作业：一元二次方程');
    // 'late' comes with the student's standing (getAssignmentStatus), which loads after the panel.
    await expect.poll(() => panel().getByTestId('panel-due').textContent()).toContain('已逾期');
    await expect(panel().getByTestId('panel-ceiling').textContent()).resolves.toBe('最多提示到第 3 级：下一步');
    await expect(panel().getByTestId('panel-models').textContent()).resolves.toBe('可用模型：gpt-4o-mini、deepseek-chat');
    await expect.poll(tokensLeft).toBe(100_000);
    await expect(panel().getByTestId('panel-allowance-tokens').textContent()).resolves.toMatch(/剩余额度：[\d,]+ \/ 100,000 个 token$/);
    await expect(panel().getByTestId('hint-level').textContent()).resolves.toBe('当前提示：第 1 级 · 该复习什么');
    await expect(panel().getByTestId('hand-in').textContent()).resolves.toBe('交作业');
    // An assignment that names no models says so in plain Chinese.
    await e2e.api.createAssignment({ id: 'hw-any-model', title: '没有模型限制的作业' });
    await page.reload();
    await page.locator('label.mode-option', { has: page.locator('input[data-mode="homework"]') }).click();
    await page.getByTestId('assignment-picker').selectOption('hw-any-model');
    await expect.poll(() => panel().getByTestId('panel-models').textContent()).toBe('可使用该模式允许的任意模型');
    await page.getByTestId('assignment-picker').selectOption('hw-ladder');
    await expect.poll(() => panel().getByTestId('panel-models').textContent()).toBe('可用模型：gpt-4o-mini、deepseek-chat');
  });

  test('a first question is answered at level 1; the allowance left shrinks; a final answer is flagged', async () => {
    // The usual Chinese way of stating the result (tryout 7: "所以…是 …" was not flagged).
    await sendMessage(page, '这道题怎么开始？[[test:{"reply":"先复习因式分解。所以方程的解为 $x = 2$ 或 $x = 3$。"}]]');
    await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');
    expect(lastSystemPrompt()).toContain(HINT_LADDER[0]!.prompt['zh-CN']);
    expect(lastSystemPrompt()).toContain('本班只学过因式分解。');
    await expect.poll(tokensLeft).toBeLessThan(100_000);
    await expect(assistants().last().getByTestId('flagged').textContent()).resolves.toBe('可能直接给出了答案');
    await expect(assistants().last().getByTestId('reply-hint-level').textContent()).resolves.toBe('提示第 1 级');
    await e2e.screenshot(page, 'homework-flagged');
  });

  test('更多帮助 climbs one level at a time; at the ceiling the button is disabled with the reason', async () => {
    const before = await tokensLeft();
    for (const level of [2, 3]) {
      const answered = await assistants().count();
      await page.getByTestId('more-help').click();
      await expect.poll(() => assistants().count()).toBe(answered + 1);
      await expect.poll(() => assistants().last().getAttribute('data-status')).toBe('complete');
      expect(lastSystemPrompt()).toContain(HINT_LADDER[level - 1]!.prompt['zh-CN']);
      expect(chatRequests().at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: '请给我更多帮助。' });
      await expect.poll(() => panel().getByTestId('hint-level').getAttribute('data-level')).toBe(String(level));
    }
    await expect(panel().getByTestId('hint-level').textContent()).resolves.toBe('当前提示：第 3 级 · 下一步');
    await expect.poll(() => page.getByTestId('more-help').isDisabled()).toBe(true);
    await expect(panel().getByTestId('more-help-reason').textContent()).resolves.toBe('已到这份作业允许的最高提示级别。');
    await expect.poll(tokensLeft).toBeLessThan(before);
    await e2e.screenshot(page, 'homework-panel');
  });

  test('at 1280 px the header names the assignment in full (and on hover), and the long session title keeps a readable width', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      const chip = page.getByTestId('assignment-chip');
      await expect(chip.getAttribute('title')).resolves.toContain('数学作业：一元二次方程');
      type Box = { scrollWidth: number; clientWidth: number; getBoundingClientRect(): { width: number } };
      // The pill's name is whole (a tryout saw "一次函数：…" beside "设 y=…").
      await expect(chip.locator('.chip-text').evaluate((el) => (el as unknown as Box).scrollWidth <= (el as unknown as Box).clientWidth)).resolves.toBe(true);
      // The title (the first question, long) is what gives way, but never below its minimum
      // width (computed min-width, in px).
      const title = page.locator('#chat-title');
      const sizes = () => title.evaluate((el) => ({ width: (el as unknown as Box).getBoundingClientRect().width, min: parseFloat(getComputedStyle(el).minWidth) }));
      const { width, min } = await sizes();
      expect(min).toBeGreaterThan(0);
      expect(width).toBeGreaterThanOrEqual(min - 1);
      await e2e.screenshot(page, 'homework-header-1280');
    } finally {
      await page.setViewportSize({ width: 1024, height: 640 });
    }
  });

  test('the teacher’s editor shows the policy; raising the ceiling there lets the student climb again', async () => {
    const chatUrl = page.url();
    await page.goto(`${e2e.url}/#/assignments`);
    const card = page.locator('.assignment-card', { hasText: '数学作业：一元二次方程' });
    await card.getByRole('button', { name: '编辑' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.locator('select[name="hint_ceiling"]').inputValue()).resolves.toBe('3');
    // The allowed models are the installation's, ticked (no free text a typo could spoil).
    const models = dialog.getByTestId('allowed-models');
    await expect.poll(() => models.locator('input[type="checkbox"]').count()).toBeGreaterThan(2);
    await expect(models.locator('input:checked').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value))).resolves.toEqual([
      'gpt-4o-mini',
      'deepseek-chat',
    ]);
    await expect(models.locator('[data-unknown]').count()).resolves.toBe(0);
    await expect(dialog.locator('input[name="allowance_tokens"]').inputValue()).resolves.toBe('100000');
    // "token" as the rest of the Chinese UI writes it (not "tokens").
    await expect(dialog.getByText('每位学生的额度（token 数）').count()).resolves.toBe(1);
    await expect(dialog.locator('textarea[name="context"]').inputValue()).resolves.toBe('本班只学过因式分解。');
    await dialog.locator('select[name="hint_ceiling"]').selectOption('5');
    await dialog.locator('input[name="mode-deep_think"]').uncheck();
    await dialog.getByRole('button', { name: '保存' }).click();
    await expect
      .poll(async () => (await e2e.api.getAssignment({ id: 'hw-ladder' })).policy)
      .toEqual({
        allowed_modes: ['chat', 'homework'],
        hint_ceiling: 5,
        allowed_models: ['gpt-4o-mini', 'deepseek-chat'],
        allowance: { tokens: 100_000 },
        context: '本班只学过因式分解。',
      });

    // The card says in one line what the policy now allows.
    await expect
      .poll(() => card.getByTestId('policy-summary').textContent())
      .toBe('AI 规则：仅聊天、作业辅导 · 提示最多到第 5 级 · 每人 100,000 个 token · 模型：gpt-4o-mini、deepseek-chat · 附背景材料');

    await page.goto(chatUrl);
    await expect.poll(() => panel().getByTestId('panel-ceiling').textContent()).toBe('最多提示到第 5 级：完整解答');
    await expect.poll(() => page.getByTestId('more-help').isDisabled()).toBe(false);
  });
});
