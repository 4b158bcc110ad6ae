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
