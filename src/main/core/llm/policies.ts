/**
 * Modes are data: each mode is a policy (prompt, sampling, budget, reasoning) with defaults here
 * and per-field overrides from settings. The proxy never branches on a mode's name.
 */
import { createHash } from 'node:crypto';
import type { Language, Mode, PolicyOverride } from '../../../shared/api/schemas.ts';
import { needsAssignment } from '../../../shared/modes.ts';

export type ReasoningEffort = 'low' | 'medium' | 'high';

export interface ModePolicy {
  mode: Mode;
  /** Sessions in this mode must name an assignment (the shared rule, src/shared/modes.ts). */
  requires_assignment: boolean;
  temperature: number | null;
  max_output_tokens: number;
  /** Sent only to models that accept it (see models.ts). */
  reasoning_effort: ReasoningEffort | null;
  system_prompt: { id: string; version: string; text: Record<Language, string> };
}

export const DEFAULT_POLICIES: Readonly<Record<Mode, ModePolicy>> = {
  chat: {
    mode: 'chat',
    requires_assignment: needsAssignment('chat'),
    temperature: 0.7,
    max_output_tokens: 2_048,
    reasoning_effort: null,
    system_prompt: {
      id: 'chat',
      version: '1',
      text: {
        'zh-CN': '你是 Studylog 的学习助手。请用清晰、准确、友好的语言回答学生的问题；数学公式使用 LaTeX（行内 $…$，独立 $$…$$）。不确定时要如实说明。',
        en: "You are Studylog's study assistant. Answer the student's questions clearly, accurately and kindly; write maths in LaTeX ($…$ inline, $$…$$ for display). Say so when you are not sure.",
      },
    },
  },
  homework: {
    mode: 'homework',
    requires_assignment: needsAssignment('homework'),
    temperature: 0.3,
    max_output_tokens: 1_024,
    reasoning_effort: null,
    system_prompt: {
      id: 'homework.socratic',
      version: '1',
      text: {
        'zh-CN':
          '你是一位苏格拉底式的作业辅导老师。学生正在完成下面这份作业。不要直接给出最终答案或完整解题过程，即使学生要求也不要。' +
          '请通过提问、提示和分步引导，帮助学生自己想出答案：先弄清学生已经知道什么、卡在哪里，再一次只给一个小提示。' +
          '学生给出答案时，指出推理中正确和需要检查的地方，而不是直接改正。数学公式使用 LaTeX。',
        en:
          'You are a Socratic homework tutor. The student is working on the assignment below. Do not give the final answer or a full ' +
          'worked solution, even when asked. Help the student reach the answer themselves with questions, hints and small steps: first ' +
          'find out what they already know and where they are stuck, then give one small hint at a time. When they propose an answer, ' +
          'point out what is sound in their reasoning and what to check, rather than correcting it for them. Write maths in LaTeX.',
      },
    },
  },
  deep_think: {
    mode: 'deep_think',
    requires_assignment: needsAssignment('deep_think'),
    // Reasoning models reject or ignore temperature; leave sampling to the model.
    temperature: null,
    max_output_tokens: 8_192,
    reasoning_effort: 'high',
    system_prompt: {
      id: 'deep_think',
      version: '1',
      text: {
        'zh-CN': '你是一位严谨的思考伙伴。请一步一步仔细推理，检查自己的每一步，然后给出有条理的结论，并说明关键依据。数学公式使用 LaTeX。',
        en: 'You are a rigorous thinking partner. Reason carefully step by step, check each step, then give a well-organised conclusion with its key grounds. Write maths in LaTeX.',
      },
    },
  },
};

/** A mode's policy after settings overrides, with the prompt text in the chosen language. */
export interface ResolvedPolicy {
  mode: Mode;
  requires_assignment: boolean;
  provider_id: string | undefined;
  model: string | undefined;
  temperature: number | null;
  max_output_tokens: number;
  reasoning_effort: ReasoningEffort | null;
  system_prompt: { id: string; version: string; language: Language; text: string };
}

export function resolvePolicy(mode: Mode, language: Language, override: PolicyOverride = {}): ResolvedPolicy {
  const base = DEFAULT_POLICIES[mode];
  const customPrompt = override.system_prompt;
  return {
    mode,
    requires_assignment: base.requires_assignment,
    provider_id: override.provider_id,
    model: override.model,
    temperature: override.temperature !== undefined ? override.temperature : base.temperature,
    max_output_tokens: override.max_output_tokens ?? base.max_output_tokens,
    reasoning_effort: override.reasoning_effort !== undefined ? override.reasoning_effort : base.reasoning_effort,
    system_prompt: customPrompt
      ? // A custom prompt is versioned by its content, so a snapshot says exactly which text was used.
        { id: `${base.system_prompt.id}.custom`, version: createHash('sha256').update(customPrompt).digest('hex').slice(0, 12), language, text: customPrompt }
      : { id: base.system_prompt.id, version: base.system_prompt.version, language, text: base.system_prompt.text[language] },
  };
}
