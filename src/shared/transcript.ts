/**
 * What a hand-in's transcript shows (the teacher's page in the app and on the hub, the bundle's
 * Markdown) and what its message count counts. Pure, shared by the server and the renderer.
 *
 * - The record of a title call (a system turn, meta.purpose 'title': llm/model-title.ts) is usage,
 *   not conversation: it is left out of transcripts and message counts (not of tokens and cost).
 * - "Version k of n" only for a message or an answer that has versions: siblings of the same role
 *   under the same parent (an edited message, a regenerated answer), oldest first — the app's ‹ k / n ›
 *   (turn-tree.ts), as the export numbers them (turns.repo.ts versionNumbers).
 */

import { childrenOf, inConversation, versionsOf, type TreeTurn } from './turn-tree.ts';

/** The record of the automatic title call. */
export function isTitleCall(turn: { role: string; meta: Record<string, unknown> }): boolean {
  return turn.role === 'system' && turn.meta.purpose === 'title';
}

/** The turns a transcript shows: every version, without title calls. */
export function transcriptTurns<T extends { role: string; meta: Record<string, unknown> }>(turns: readonly T[]): T[] {
  return turns.filter((t) => !isTitleCall(t));
}

/** Each message or answer that has versions: its number among them (from 1) and how many there are (turn-tree.ts). */
export function versionNumbers(turns: readonly { id: string; parent_id: string | null; role: string; created_at: number }[]): Map<string, { n: number; of: number }> {
  // A bundle's turns carry their role as a string; the tree keeps the conversation's (user, assistant).
  const tree = turns as readonly TreeTurn[];
  const children = childrenOf(tree);
  const numbers = new Map<string, { n: number; of: number }>();
  for (const turn of tree) {
    if (!inConversation(turn)) continue;
    const { index, count } = versionsOf(turn, children);
    if (count > 1) numbers.set(turn.id, { n: index + 1, of: count });
  }
  return numbers;
}

/** An answer the hint-ladder check flagged as possibly giving the final answer (turn meta.flagged). */
export function isFlagged(turn: { role: string; meta: Record<string, unknown> }): boolean {
  return turn.role === 'assistant' && turn.meta.flagged === 'final_answer_above_level';
}

/** The messages that got an answer: the parents of the answers (every version). */
export function answeredMessages(turns: readonly { role: string; parent_id: string | null }[]): Set<string> {
  return new Set(turns.flatMap((t) => (t.role === 'assistant' && t.parent_id ? [t.parent_id] : [])));
}

/**
 * A student's message that got no answer — refused before the model saw it (an allowance used up:
 * 'allowance_exhausted' or 'daily_allowance_exhausted', the hint ceiling, a mode the assignment does not allow) or failed and
 * never answered (offline, the provider's error): meta.status 'failed' and no answer under it (a
 * message retried later has one, whatever an older copy's status says). Its error code ('failed'
 * when none was recorded), or null for a message that was answered or is still on its way.
 */
export function unansweredCode(turn: { id: string; role: string; meta: Record<string, unknown> }, answered: ReadonlySet<string>): string | null {
  if (turn.role !== 'user' || turn.meta.status !== 'failed' || answered.has(turn.id)) return null;
  const error = turn.meta.error;
  const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code ? code : 'failed';
}

/** Codes of a message refused before it was sent to the model (proxy.service.ts keeps it, failed with the code). */
export const REFUSED_CODES = ['allowance_exhausted', 'daily_allowance_exhausted', 'hint_ceiling_reached', 'mode_not_allowed'] as const;
export type RefusedCode = (typeof REFUSED_CODES)[number];
export const isRefusedCode = (code: string): code is RefusedCode => (REFUSED_CODES as readonly string[]).includes(code);

/**
 * The mark on a message that got no answer, by its code (unansweredCode) — one wording for the
 * app's transcript (the renderer's i18n handin.unsent / handin.unanswered are these) and the
 * bundle's Markdown (handin/bundle.ts).
 */
export const UNSENT_LABELS = {
  'zh-CN': {
    unsent: {
      allowance_exhausted: '未发送：额度已用完',
      daily_allowance_exhausted: '未发送：今日班级额度已用完',
      hint_ceiling_reached: '未发送：已到提示级别上限',
      mode_not_allowed: '未发送：作业不允许这个模式',
    },
    unanswered: '没有得到回答',
  },
  en: {
    unsent: {
      allowance_exhausted: 'Not sent: allowance used up',
      daily_allowance_exhausted: "Not sent: today's class allowance used up",
      hint_ceiling_reached: 'Not sent: hint ceiling reached',
      mode_not_allowed: 'Not sent: mode not allowed',
    },
    unanswered: 'Got no answer',
  },
} satisfies Record<'zh-CN' | 'en', { unsent: Record<RefusedCode, string>; unanswered: string }>;

/** The mark for a message that got no answer with this code: why it was refused, or just that it got none. */
export function unsentLabel(code: string, language: keyof typeof UNSENT_LABELS): string {
  const words = UNSENT_LABELS[language];
  return isRefusedCode(code) ? words.unsent[code] : words.unanswered;
}

/**
 * What a transcript's student messages were, counted as the AI-use note and the transcript's
 * heading both say it: `asked`, the student's messages except those that got no answer ("提问 N
 * 次"; every version), `answers` (every version), and `unanswered` messages (refused or failed,
 * see unansweredCode). asked + answers + unanswered is every message and answer. Title calls are not counted.
 */
export function messageCounts(turns: readonly { id: string; role: string; parent_id: string | null; meta: Record<string, unknown> }[]): {
  asked: number;
  answers: number;
  unanswered: number;
} {
  const shown = transcriptTurns(turns);
  const answered = answeredMessages(shown);
  let asked = 0;
  let answers = 0;
  let unanswered = 0;
  for (const t of shown) {
    if (t.role === 'assistant') answers++;
    else if (unansweredCode(t, answered) !== null) unanswered++;
    else if (t.role === 'user') asked++;
  }
  return { asked, answers, unanswered };
}
