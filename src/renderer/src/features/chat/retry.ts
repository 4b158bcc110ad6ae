/**
 * Retrying a failed message: the same client_request_id, so the server answers the message it
 * already stored instead of storing a second copy. Only one message is answered at a time, and
 * only a failed message nothing follows yet is retried.
 */
import type { ChatBox } from './chat-state.ts';
import { isFollowed } from './messages.ts';
import type { Sender } from './sender.ts';

export function retryMessage(box: ChatBox, sender: Sender, userKey: string): void {
  const user = box.message(userKey);
  if (!user || user.kind !== 'user' || user.status !== 'failed' || !user.clientRequestId || box.getState().sendingKey) return;
  // Another message follows it: its answer would end the branch and hide that one (messages.ts isFollowed).
  const { messages } = box.getState();
  if (isFollowed(messages, messages.indexOf(user))) return;
  void sender.run(userKey);
}
