/**
 * Opening a stored session: the session and all its turns, read through the query cache (so the
 * chat header's `getSession` query has it too), become the chat on screen.
 */
import type { Turn } from '../../../../shared/api/schemas.ts';
import type { ApiCache } from '../../data/cache.ts';
import { toClientError } from '../../lib/errors.ts';
import { EMPTY_CHAT, type ChatBox } from './chat-state.ts';
import { messagesFromTurns } from './messages.ts';

export async function openSession(box: ChatBox, cache: ApiCache, sessionId: string): Promise<void> {
  const generation = box.replace({ ...EMPTY_CHAT, model: box.getState().model, sessionId, loading: true });
  try {
    const [session, turns] = await Promise.all([cache.read('getSession', { id: sessionId }), cache.readAll('getSessionTurns', { id: sessionId })]);
    if (!box.isCurrent(generation)) return;
    // The active branch: the version the student chose (kept in the session), else the newest.
    box.set({ mode: session.mode, assignmentId: session.assignment_id, messages: messagesFromTurns(turns, session.meta.active_leaf_id), loading: false });
  } catch (error) {
    if (!box.isCurrent(generation)) return;
    box.set({ loading: false, loadError: toClientError(error) });
  }
}

/**
 * Versions: reads the session's branch again (after an edit, a regeneration or a switch ‹ ›), in
 * place — no loading state — unless another chat took the screen meanwhile. A failure to read
 * leaves the chat as it is. Resolves with every turn of the session as read (null: not read, or
 * not shown because another chat took the screen).
 */
export async function refreshSession(box: ChatBox, cache: ApiCache, sessionId: string, generation: number): Promise<Turn[] | null> {
  try {
    const [session, turns] = await Promise.all([cache.read('getSession', { id: sessionId }), cache.readAll('getSessionTurns', { id: sessionId })]);
    if (!box.isCurrent(generation) || box.getState().sessionId !== sessionId) return null;
    box.set({ messages: messagesFromTurns(turns, session.meta.active_leaf_id) });
    return turns;
  } catch {
    // Shown as it was; the next open reads it again.
    return null;
  }
}
