/**
 * Versions in the proxy (src/shared/turn-tree.ts has the tree itself): where a new message goes
 * in its session's tree, which turns are its context, and the active branch following new turns.
 *
 * - A new message follows `parent_id` when the request names one (an edit sends the edited
 *   message's parent), else the end of the active branch: its last answer — or, when the branch
 *   ends on a message that got none (failed), that message: the new one follows it, as the chat
 *   showed them, one after another (it was once put beside the unanswered one as its version,
 *   which a reload then showed as ‹ 1 / 2 › and hid what followed). So two user turns may follow
 *   one another; the model is not sent the unanswered one (context.ts: it never reached it). A message that waited
 *   behind an earlier one (queued) takes that place when its turn comes.
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
    // A message follows an answer, or a message that got none (an edit of the message after it).
    if (parent.role === 'system') throw badParent('must be a message or an answer of the conversation');
    if (parent.role === 'user' && parent.meta.status !== 'failed') throw badParent('a message follows an answer, or a message that got none (failed)');
    return parent.id;
  }
  // Queued messages not yet given their place are passed over (proxy.service.ts #afterEarlierMessages).
  const leafId = turns.activeLeafId(session.id, session.meta.active_leaf_id, true);
  const leaf = leafId ? turns.getTurnById(leafId) : null;
  if (!leaf) return null;
  // A message still waiting for its answer (another process wrote it; this one's queue never
  // leaves one) is not followed: the new message goes beside it, as before.
  return leaf.role === 'user' && leaf.meta.status === 'pending' ? leaf.parent_id : leaf.id;
}

/**
 * Inside the write where a queued message takes its place: when it takes it — now, or just after
 * the newest turn already placed (written in the same millisecond), so that a child stays newer
 * than its parent and the newest turn stays the end of the active branch.
 */
export function placedAt(turns: TurnsRepo, sessionId: string, now = Date.now()): number {
  const leafId = turns.activeLeafId(sessionId, null, true);
  const leaf = leafId ? turns.getTurnById(leafId) : null;
  return leaf ? Math.max(now, leaf.created_at + 1) : now;
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
