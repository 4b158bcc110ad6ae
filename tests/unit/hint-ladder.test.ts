// The hint ladder as data (src/shared/hint-ladder.ts), the policy defaults and the check pass's
// heuristic (src/main/core/llm/assignment-policy.ts).
import { describe, expect, test } from 'vitest';
import { applyPolicy, finalAnswerFlag } from '../../src/main/core/llm/assignment-policy.ts';
import { AssignmentPolicySchema } from '../../src/shared/api/schemas.ts';
import { DEFAULT_HINT_CEILING, HINT_LADDER, HINT_LEVELS } from '../../src/shared/hint-ladder.ts';
import { en } from '../../src/renderer/src/i18n/en.ts';
import { zhCN } from '../../src/renderer/src/i18n/zh-CN.ts';

describe('the hint ladder', () => {
  test('five levels in order, each with a name and a prompt in both languages, the UI’s names equal to the ladder’s', () => {
    expect(HINT_LADDER.map((s) => s.level)).toEqual([...HINT_LEVELS]);
    expect(HINT_LADDER.map((s) => s.id)).toEqual(['review', 'method', 'next_step', 'check_work', 'worked_solution']);
    for (const step of HINT_LADDER) {
      expect(en.homework.levels[step.id]).toBe(step.name.en);
      expect(zhCN.homework.levels[step.id]).toBe(step.name['zh-CN']);
      expect(step.prompt.en).toContain(`Hint level ${step.level}`);
      expect(step.prompt['zh-CN']).toContain(`第 ${step.level} 级`);
    }
    expect(DEFAULT_HINT_CEILING).toBe(4);
    expect(HINT_LADDER[3]!.name['zh-CN']).toBe('检查我的做法');
  });
});

describe('the assignment policy', () => {
  test('every field has a default', () => {
    expect(applyPolicy(null)).toEqual({
      allowed_modes: ['chat', 'homework', 'deep_think'],
      hint_ceiling: 4,
      allowed_models: [],
      allowance: {},
      opens_at: null,
      due_at: null,
      closes_at: null,
      context: null,
    });
    expect(applyPolicy({ policy: { allowed_models: [], context: '' }, due_at: 5 })).toMatchObject({ allowed_models: [], context: null, due_at: 5 });
  });

  test('the schema refuses what cannot be enforced', () => {
    for (const bad of [
      { hint_ceiling: 0 },
      { hint_ceiling: 6 },
      { hint_ceiling: 2.5 },
      { allowed_modes: [] },
      { allowance: { tokens: -1 } },
      { allowance: { cost: 0 } },
      { opens_at: '2026-02-30' },
      { extra: 1 },
    ]) {
      expect(AssignmentPolicySchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(AssignmentPolicySchema.parse({ opens_at: '2026-03-01T08:00:00Z', allowance: { tokens: 5000 } })).toEqual({
      opens_at: Date.parse('2026-03-01T08:00:00Z'),
      allowance: { tokens: 5000 },
    });
  });
});

describe('the check pass', () => {
  test.each([
    ['所以答案是 x = 2。', true],
    ['最终答案：$x=2$', true],
    ['The answer is 42.', true],
    ['Final answer: 7', true],
    ['$\\boxed{3}$', true],
    ['先想一想：两边同时减去 1 会怎样？', false],
    ['What do you get when you subtract 1 from both sides?', false],
    ['Your answer needs one more step.', false],
  ])('%s → flagged %s below level 5', (text, flagged) => {
    expect(finalAnswerFlag(text, 4) === 'final_answer_above_level').toBe(flagged);
    expect(finalAnswerFlag(text, 5)).toBeUndefined();
  });
});
