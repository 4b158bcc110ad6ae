/**
 * Versions: a session's turns form a tree (turn.parent_id). Editing a message adds a user turn
 * beside the edited one (same parent); regenerating an answer adds an assistant turn beside the
 * old one (same user turn). Nothing is overwritten. What the student sees, and what is sent
 * upstream, is one branch: the path from a first message down to a leaf.
 *
 * The leaf of the active branch is the one the student chose (session meta.active_leaf_id, set by
 * POST /sessions/{id}/path), else the newest message or answer. Pure functions, shared by the
 * server (GET /sessions/{id}/turns?path=active) and the app (‹ 2 / 3 ›).
 */

/** What the tree needs of a turn. */
export interface TreeTurn {
  id: string;
  parent_id: string | null;
  role: 'user' | 'assistant' | 'system';
  created_at: number;
}

/** Turns of the conversation itself: not system turns (imported prompts, the title call's record). */
export function inConversation(turn: TreeTurn): boolean {
  return turn.role === 'user' || turn.role === 'assistant';
}

const newer = (a: TreeTurn, b: TreeTurn) => a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id);
const byAge = (a: TreeTurn, b: TreeTurn) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The children of each turn (key null: the first messages), oldest first. */
export function childrenOf<T extends TreeTurn>(turns: readonly T[]): Map<string | null, T[]> {
  const children = new Map<string | null, T[]>();
  for (const turn of turns) {
    if (!inConversation(turn)) continue;
    const list = children.get(turn.parent_id);
    if (list) list.push(turn);
    else children.set(turn.parent_id, [turn]);
  }
  for (const list of children.values()) list.sort(byAge);
  return children;
}

/** The newest leaf below `turn` (itself when it has no children): where a switch to that version lands. */
export function newestLeafUnder<T extends TreeTurn>(turn: T, children: Map<string | null, T[]>): T {
  let at = turn;
  const seen = new Set<string>();
  for (;;) {
    const below = children.get(at.id);
    if (!below?.length || seen.has(at.id)) return at;
    seen.add(at.id);
    at = below.reduce((a, b) => (newer(b, a) ? b : a));
  }
}

/** The leaf of the active branch: the chosen one when it is a turn of the session, else the newest turn. */
export function activeLeaf<T extends TreeTurn>(turns: readonly T[], chosenLeafId: string | null | undefined): T | null {
  let newest: T | null = null;
  for (const turn of turns) {
    if (!inConversation(turn)) continue;
    if (turn.id === chosenLeafId) return turn;
    if (!newest || newer(turn, newest)) newest = turn;
  }
  return newest;
}

/** The path from a first message down to `leafId`, in order (empty when there is no such turn). */
export function pathTo<T extends TreeTurn>(turns: readonly T[], leafId: string | null): T[] {
  const byId = new Map(turns.map((t) => [t.id, t]));
  const path: T[] = [];
  const seen = new Set<string>();
  for (let at = leafId ? byId.get(leafId) : undefined; at && !seen.has(at.id); at = at.parent_id ? byId.get(at.parent_id) : undefined) {
    seen.add(at.id);
    path.push(at);
  }
  return path.reverse();
}

/** The active branch of a session's turns. */
export function activePath<T extends TreeTurn>(turns: readonly T[], chosenLeafId: string | null | undefined): T[] {
  return pathTo(turns, activeLeaf(turns, chosenLeafId)?.id ?? null);
}

/** A turn's place among its versions (its siblings of the same role): `index` from 0, of `count`. */
export interface VersionInfo<T extends TreeTurn = TreeTurn> {
  index: number;
  count: number;
  siblings: T[];
}

export function versionsOf<T extends TreeTurn>(turn: T, children: Map<string | null, T[]>): VersionInfo<T> {
  const siblings = (children.get(turn.parent_id) ?? [turn]).filter((t) => t.role === turn.role);
  return {
    index: Math.max(
      0,
      siblings.findIndex((t) => t.id === turn.id),
    ),
    count: siblings.length,
    siblings,
  };
}
