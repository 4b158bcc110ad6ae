/**
 * Opening a stored session: the session and all its turns, read through the query cache (so the
 * chat header's `getSession` query has it too), become the chat on screen.
 */
import type { ApiCache } from '../../data/cache.ts';
import { toClientError } from '../../lib/errors.ts';
import { EMPTY_CHAT, type ChatBox } from './chat-state.ts';
import { messagesFromTurns } from './messages.ts';

export async function openSession(box: ChatBox, cache: ApiCache, sessionId: string): Promise<void> {
  const generation = box.replace({ ...EMPTY_CHAT, model: box.getState().model, sessionId, loading: true });
  try {
    const [session, turns] = await Promise.all([cache.read('getSession', { id: sessionId }), cache.readAll('getSessionTurns', { id: sessionId })]);
    if (!box.isCurrent(generation)) return;
    box.set({ mode: session.mode, assignmentId: session.assignment_id, messages: messagesFromTurns(turns), loading: false });
  } catch (error) {
    if (!box.isCurrent(generation)) return;
    box.set({ loading: false, loadError: toClientError(error) });
  }
}
