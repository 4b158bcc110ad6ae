/**
 * Versions in the proxy (src/shared/turn-tree.ts has the tree itself): where a new message goes
 * in its session's tree, which turns are its context, and the active branch following new turns.
 *
 * - A new message follows `parent_id` when the request names one (an edit sends the edited
 *   message's parent), else the end of the active branch: its last answer — or, when the branch
 *   ends on a message that got none (failed), that message's parent, so the new message is a
 *   version beside the unanswered one and user and assistant turns keep alternating.
 * - Its context is the branch down to its parent, never "every turn in order".
 * - A new turn makes the newest turn the end of the active branch again: a chosen leaf
 *   (meta.active_leaf_id) is dropped in the same write.
 */
import type { Session, Turn } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { WritableDB } from '../db/handles.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import type { TurnsRepo } from '../db/turns.repo.ts';

const badParent = (message: string) => new ApiError('validation_error', `Invalid message: parent_id: ${message}`, [{ path: 'parent_id', message }]);

/** The parent of a new message in `session` (null: a first message). */
export function parentOfNewMessage(turns: TurnsRepo, session: Session, isNew: boolean, requested: string | null | undefined): string | null {
  if (isNew) {
    if (requested) throw badParent(`there is no turn '${requested}' in this session`);
    return null;
  }
  if (requested === null) return null;
  if (requested !== undefined) {
    const parent = turns.getTurnById(requested);
    if (!parent || parent.session_id !== session.id) throw badParent(`there is no turn '${requested}' in this session`);
    if (parent.role !== 'assistant') throw badParent('must be an answer (an assistant turn): a message follows an answer');
    return parent.id;
  }
  const leafId = turns.activeLeafId(session.id, session.meta.active_leaf_id);
  const leaf = leafId ? turns.getTurnById(leafId) : null;
  if (!leaf) return null;
  return leaf.role === 'assistant' ? leaf.id : leaf.parent_id;
}

/** The turns before a message whose parent is `parentId`: its branch, oldest first. */
export function contextOf(turns: TurnsRepo, parentId: string | null): Turn[] {
  return turns.getPathTo(parentId);
}

/** Inside a write that adds a turn: the newest turn is the end of the active branch again. */
export function followNewTurn(db: WritableDB, sessions: SessionsRepo, sessionId: string): void {
  const current = sessions.getSessionById(sessionId);
  if (current?.meta.active_leaf_id === undefined) return;
  const { active_leaf_id: _dropped, ...meta } = current.meta;
  sessions.updateSessionById(db, sessionId, { meta });
}
