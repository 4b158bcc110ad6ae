/**
 * What a hand-in's transcript shows (the teacher's page in the app and on the hub, the bundle's
 * Markdown) and what its message count counts. Pure, shared by the server and the renderer.
 *
 * - The record of a title call (a system turn, meta.purpose 'title': llm/model-title.ts) is usage,
 *   not conversation: it is left out of transcripts and message counts (not of tokens and cost).
 * - "Version k of n" only for a message or an answer that has versions: siblings of the same role
 *   under the same parent (an edited message, a regenerated answer), oldest first — as the export
 *   numbers them (turns.repo.ts versionNumbers).
 */

/** What the version numbers need of a turn (a bundle's turns carry their role as a string). */
interface VersionedTurn {
  id: string;
  parent_id: string | null;
  role: string;
  created_at: number;
}

/** The record of the automatic title call. */
export function isTitleCall(turn: { role: string; meta: Record<string, unknown> }): boolean {
  return turn.role === 'system' && turn.meta.purpose === 'title';
}

/** The turns a transcript shows: every version, without title calls. */
export function transcriptTurns<T extends { role: string; meta: Record<string, unknown> }>(turns: readonly T[]): T[] {
  return turns.filter((t) => !isTitleCall(t));
}

/** Each message or answer that has versions: its number among them (from 1) and how many there are. */
export function versionNumbers(turns: readonly VersionedTurn[]): Map<string, { n: number; of: number }> {
  const groups = new Map<string, VersionedTurn[]>();
  for (const turn of turns) {
    if (turn.role !== 'user' && turn.role !== 'assistant') continue;
    const key = `${turn.role}\u0000${turn.parent_id ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(turn);
    else groups.set(key, [turn]);
  }
  const numbers = new Map<string, { n: number; of: number }>();
  for (const same of groups.values()) {
    if (same.length < 2) continue;
    same.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    same.forEach((t, i) => numbers.set(t.id, { n: i + 1, of: same.length }));
  }
  return numbers;
}

/** An answer the hint-ladder check flagged as possibly giving the final answer (turn meta.flagged). */
export function isFlagged(turn: { role: string; meta: Record<string, unknown> }): boolean {
  return turn.role === 'assistant' && turn.meta.flagged === 'final_answer_above_level';
}
