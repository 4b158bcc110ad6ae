/**
 * Homework's hint ladder and an assignment's AI policy defaults, as plain data (no zod): the
 * server puts a level's prompt into the system message (src/main/core/llm/assignment-policy.ts),
 * the renderer shows the level's name (its i18n `homework.levels.<id>` equals `name` here, a unit
 * test keeps them equal).
 *
 * A homework session starts at level 1 (its `meta.hint_level`); the level rises by one only when
 * the student asks (`hint_request: "more"` on a message), never above the assignment's ceiling.
 * Every assistant turn of a homework session records the level it answered at (`meta.hint_level`).
 */
import type { Language, Mode } from './api/schemas.ts';

export const HINT_LEVELS = [1, 2, 3, 4, 5] as const;
export type HintLevel = (typeof HINT_LEVELS)[number];

/** Where a homework session starts. */
export const FIRST_HINT_LEVEL: HintLevel = 1;
/** The ceiling when the assignment sets none: "check my work" — never the worked solution by default. */
export const DEFAULT_HINT_CEILING: HintLevel = 4;
/** The level at which a full solution is allowed, so the final-answer check no longer applies. */
export const WORKED_SOLUTION_LEVEL: HintLevel = 5;

export interface HintStep {
  level: HintLevel;
  id: 'review' | 'method' | 'next_step' | 'check_work' | 'worked_solution';
  name: Record<Language, string>;
  /** Added to the homework system prompt while the session is at this level. */
  prompt: Record<Language, string>;
}

export const HINT_LADDER: readonly HintStep[] = [
  {
    level: 1,
    id: 'review',
    name: { 'zh-CN': '该复习什么', en: 'What to review' },
    prompt: {
      'zh-CN': '当前提示级别：第 1 级（该复习什么）。只告诉学生这道题涉及哪些知识点、该回顾课本或笔记的哪一部分；不要给出方法、公式、步骤或答案。',
      en: 'Hint level 1 (what to review). Only name the topics this problem draws on and which part of the textbook or notes to review; give no method, formula, step or answer.',
    },
  },
  {
    level: 2,
    id: 'method',
    name: { 'zh-CN': '方法或公式', en: 'Method or formula' },
    prompt: {
      'zh-CN': '当前提示级别：第 2 级（方法或公式）。可以指出适用的方法或公式并解释为什么适用；不要代入本题的数据，不要算出任何一步的结果，不要给出答案。',
      en: 'Hint level 2 (method or formula). You may name the method or formula that applies and why; do not substitute this problem’s numbers, work out any step, or give the answer.',
    },
  },
  {
    level: 3,
    id: 'next_step',
    name: { 'zh-CN': '下一步', en: 'The next step' },
    prompt: {
      'zh-CN': '当前提示级别：第 3 级（下一步）。根据学生已做到的地方，只说明紧接着的一步该做什么（可以示范这一步怎么开始）；不要继续往下做，不要给出最终答案。',
      en: 'Hint level 3 (the next step). From where the student has got to, describe only the one next step (you may show how it starts); do not go further and do not give the final answer.',
    },
  },
  {
    level: 4,
    id: 'check_work',
    name: { 'zh-CN': '检查我的做法', en: 'Check my work' },
    prompt: {
      'zh-CN':
        '当前提示级别：第 4 级（检查我的做法）。请学生先写出自己的尝试；检查其中每一步，指出哪一步对、哪一步有问题以及为什么，但不要替学生改正，也不要给出最终答案。学生还没有给出尝试时，请他先写出来。',
      en: 'Hint level 4 (check my work). Ask the student to show their attempt; check each step, say which steps are sound and which are wrong and why, but do not correct them yourself or give the final answer. If the student has shown no attempt yet, ask for one first.',
    },
  },
  {
    level: 5,
    id: 'worked_solution',
    name: { 'zh-CN': '完整解答', en: 'Worked solution' },
    prompt: {
      'zh-CN': '当前提示级别：第 5 级（完整解答）。可以给出完整的解题过程和答案，并逐步解释每一步的理由，最后请学生用自己的话复述关键思路。',
      en: 'Hint level 5 (worked solution). You may give the full worked solution and the answer, explaining the reason for each step, then ask the student to restate the key idea in their own words.',
    },
  },
];

export function hintStep(level: number): HintStep {
  return HINT_LADDER[Math.min(Math.max(Math.trunc(level), 1), HINT_LADDER.length) - 1]!;
}

/** An assignment's AI policy with its defaults filled in: what is enforced and what the snapshot records. */
export type AppliedAssignmentPolicy = {
  /** The modes a session on this assignment may use (default: every mode). */
  allowed_modes: Mode[];
  /** The highest hint level a homework session may reach (default 4). */
  hint_ceiling: HintLevel;
  /** Model ids a student may use; empty: any the mode allows. */
  allowed_models: string[];
  /** Per student, over all their sessions on this assignment; an unset field is unlimited. */
  allowance: { tokens?: number; cost?: number };
  /** Epoch ms before which no message on this assignment is answered; null: open now. */
  opens_at: number | null;
  /** The assignment's due date (after it: still allowed, shown as late). */
  due_at: number | null;
  /** After it hand-ins are refused (handin_closed); null: never. */
  closes_at: number | null;
  /** Text the model is given in the system prompt; null: none. */
  context: string | null;
};
