/**
 * The composer's choices — mode, assignment, model — and why sending is not possible right now.
 * The rules are the server's (src/shared/modes.ts), shown here before the server would refuse:
 * - A session's mode and assignment are fixed when it starts; choosing another starts a new chat.
 * - A mode whose assignment is 'required' (homework) cannot send without one; in the others it is
 *   optional (it then appears with the assignment in history and exports, and the assignment's
 *   text goes into the model's context).
 * - An assignment whose allowance is used up (GET /assignments/{id}/status `exhausted`) takes no
 *   more messages (allowance_exhausted): sending, retrying, editing, regenerating and "more help"
 *   wait until the teacher raises it. The composer stays writable — what the student typed is kept.
 */
import type { AssignmentStatus, Mode, Session } from '../../../../shared/api/schemas.ts';
import { MAX_MESSAGE_CHARS } from '../../../../shared/api/vocabulary.ts';
import { needsAssignment } from '../../../../shared/modes.ts';
import type { ChatBox, ChatState } from './chat-state.ts';

/** A message's length as the server counts it (the request schema trims, then counts UTF-16 units). */
export function messageLength(text: string): number {
  return text.trim().length;
}

/** Longer than the server takes (MAX_MESSAGE_CHARS): it would be refused whole, so it is not sent (MessageLength.tsx says how much to cut). */
export function isTooLong(text: string): boolean {
  return messageLength(text) > MAX_MESSAGE_CHARS;
}

/** `allowance`: the assignment's own is used up (the teacher must raise it); `daily_allowance`: only today's from the class hub (it starts again tomorrow). */
export type Blocker = 'busy' | 'needs_assignment' | 'ended' | 'loading' | 'allowance' | 'daily_allowance';

/**
 * Why sending is not possible in this state, or null. `session`: the chat's session as the cache
 * has it; `status`: the student's standing on the chat's assignment, as the cache has it.
 */
export function blockerOf(state: ChatState, session: Session | undefined, status?: Pick<AssignmentStatus, 'assignment_id' | 'exhausted' | 'left' | 'daily'>): Blocker | null {
  if (state.loading) return 'loading';
  if (state.sendingKey) return 'busy';
  if (session?.ended_at) return 'ended';
  if (state.assignmentId !== null && status?.assignment_id === state.assignmentId) {
    const allowance = allowanceBlocker(status);
    if (allowance) return allowance;
  }
  if (!state.sessionId && needsAssignment(state.mode) && !state.assignmentId) return 'needs_assignment';
  return null;
}

/** Which allowance stops messages on the assignment, or null. The assignment's own first: tomorrow does not help with that one. */
export function allowanceBlocker(status: Pick<AssignmentStatus, 'exhausted' | 'left' | 'daily'>): 'allowance' | 'daily_allowance' | null {
  if (!status.exhausted) return null;
  const ownUsedUp = status.left.tokens === 0 || status.left.cost === 0;
  // A daily allowance of 0 is the teacher's "no AI here": it does not start again tomorrow.
  return !ownUsedUp && status.daily !== null && status.daily.left === 0 && status.daily.tokens > 0 ? 'daily_allowance' : 'allowance';
}

export interface NewChatOptions {
  mode?: Mode;
  assignmentId?: string | null;
}

export class ComposerChoices {
  readonly #box: ChatBox;
  readonly #newChat: (options: NewChatOptions) => void;

  constructor(box: ChatBox, newChat: (options: NewChatOptions) => void) {
    this.#box = box;
    this.#newChat = newChat;
  }

  setMode(mode: Mode): void {
    const state = this.#box.getState();
    if (mode === state.mode) return;
    // An assignment is kept where it is required and otherwise chosen anew: it is optional
    // there, so it should never ride along unnoticed.
    const assignmentId = needsAssignment(mode) ? state.assignmentId : null;
    if (this.#box.started) this.#newChat({ mode, assignmentId });
    else this.#box.set({ mode, assignmentId });
  }

  setAssignment(assignmentId: string | null): void {
    if (assignmentId === this.#box.getState().assignmentId) return;
    // A new chat keeps this chat's mode (it starts as plain chat otherwise).
    if (this.#box.started) this.#newChat({ mode: this.#box.getState().mode, assignmentId });
    else this.#box.set({ assignmentId });
  }

  /** The model may change between messages: it never starts a new chat. */
  setModel(model: string): void {
    this.#box.set({ model });
  }
}
