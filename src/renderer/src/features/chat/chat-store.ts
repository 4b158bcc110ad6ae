/**
 * The chat, kept outside the screen so a reply keeps streaming while the student looks at
 * history or settings, and so opening a session from history is one call. One object for the
 * screen and the shortcuts, over the chat's seams:
 * - chat-state.ts: the state and its container (useSyncExternalStore);
 * - composer.ts: mode, assignment and model, and why sending is blocked (the modes' rules);
 * - session-loader.ts: opening a stored session, through the query cache;
 * - sender.ts: sending and streaming the answer; retry.ts: retrying a failed message.
 * Server state (the session, the session list, usage) lives in the query cache, not here.
 */
import type { Attachment, Mode } from '../../../../shared/api/schemas.ts';
import type { ApiCache } from '../../data/cache.ts';
import { toClientError } from '../../lib/errors.ts';
import { ChatBox, EMPTY_CHAT, type ChatState } from './chat-state.ts';
import { blockerOf, ComposerChoices, isTooLong, type Blocker, type NewChatOptions } from './composer.ts';
import { parentOf, type MessageAttachmentView } from './messages.ts';
import { retryMessage } from './retry.ts';
import { Sender } from './sender.ts';
import { openSession, refreshSession } from './session-loader.ts';

export type { ChatState } from './chat-state.ts';
export type { AssistantMessage, ChatMessage, ReplyUsage, UserMessage } from './messages.ts';

export class ChatStore {
  readonly #cache: ApiCache;
  readonly #box = new ChatBox();
  readonly #sender: Sender;
  readonly #composer: ComposerChoices;

  constructor(cache: ApiCache) {
    this.#cache = cache;
    this.#sender = new Sender(this.#box, cache);
    this.#composer = new ComposerChoices(this.#box, (options) => this.newChat(options));
  }

  subscribe = (listener: () => void): (() => void) => this.#box.subscribe(listener);
  getState = (): ChatState => this.#box.getState();

  get started(): boolean {
    return this.#box.started;
  }

  /**
   * A fresh chat. A reply still streaming for the old one is left to finish on the server.
   * Without options it is a plain 聊天 with no assignment, whatever the last chat was: an
   * assignment must never ride along into an unrelated question (it would be filed under that
   * homework, use its allowance and — on a class hub — be shared with the teacher). Homework is
   * chosen on purpose: 开始辅导 on an assignment, or the mode and assignment pickers. The model
   * picked stays only for a chat of the same mode (another mode allows other models).
   */
  newChat(options: NewChatOptions = {}): void {
    this.#sender.detach();
    const { mode: oldMode, model } = this.#box.getState();
    const mode = options.mode ?? 'chat';
    this.#box.replace({ ...EMPTY_CHAT, mode, assignmentId: options.assignmentId ?? null, model: mode === oldMode ? model : '' });
  }

  open(sessionId: string): Promise<void> {
    this.#sender.detach();
    return openSession(this.#box, this.#cache, sessionId);
  }

  setMode(mode: Mode): void {
    this.#composer.setMode(mode);
  }

  setAssignment(assignmentId: string | null): void {
    this.#composer.setAssignment(assignmentId);
  }

  setModel(model: string): void {
    this.#composer.setModel(model);
  }

  /** Before the first message only: the session records its template when it starts. */
  setTemplate(templateId: string | null): void {
    if (!this.#box.started) this.#box.set({ templateId });
  }

  dismissNotice(): void {
    this.#box.set({ notice: null });
  }

  /** The composer took back the message the server refused (ChatState.returned). */
  tookReturned = (): void => {
    if (this.#box.getState().returned) this.#box.set({ returned: null });
  };

  /** Why sending is not possible right now, or null (the session and the assignment's allowance as the cache has them). */
  blocker(): Blocker | null {
    const { sessionId, assignmentId } = this.#box.getState();
    return blockerOf(
      this.#box.getState(),
      sessionId ? this.#cache.cached('getSession', { id: sessionId }) : undefined,
      assignmentId ? this.#cache.cached('getAssignmentStatus', { id: assignmentId }) : undefined,
    );
  }

  /** `text` may be empty when there are attachments: `fallback` (a localized "see the attachment") is sent then. */
  send(text: string, attachments: MessageAttachmentView[] = [], fallback = ''): boolean {
    const content = text.trim() || (attachments.length ? fallback : '');
    // Too long: kept in the composer, which says how much to cut (the server would refuse it whole).
    if (!content || isTooLong(content) || this.blocker()) return false;
    this.#sender.send(content, { attachments });
    return true;
  }

  /**
   * Homework's "more help": sends `text` asking for the next hint level (the server raises the
   * session's level by one, or refuses at the assignment's ceiling with the message kept).
   */
  moreHelp(text: string): boolean {
    const content = text.trim();
    if (!content || this.blocker() || this.#box.getState().sendingKey) return false;
    this.#sender.send(content, { hintRequest: 'more' });
    return true;
  }

  /** Uploads a file the student attached (checked, cleaned and read by the server). */
  uploadAttachment(name: string, data: string): Promise<Attachment> {
    return this.#cache.write('uploadAttachment', { name, data });
  }

  retry(userKey: string): void {
    retryMessage(this.#box, this.#sender, userKey);
  }

  /**
   * Versions: the edited text goes as a new message beside the one edited (same parent); that one
   * stays, a ‹ › away. What was below it belongs to its version. The edited message's photos and
   * PDFs go with it: the same files, with the text sent in their place when this chat has it (else
   * the server sends the text stored with the edited message).
   */
  edit(userKey: string, text: string): boolean {
    const content = text.trim();
    const { messages } = this.#box.getState();
    const at = messages.findIndex((m) => m.key === userKey);
    const edited = messages[at];
    if (!content || isTooLong(content) || edited?.kind !== 'user' || this.blocker()) return false;
    const parentId = parentOf(messages, userKey);
    this.#box.set({ messages: messages.slice(0, at) });
    this.#sender.send(content, { parentId, attachments: edited.attachments });
    return true;
  }

  /** Versions: another answer in place of `answerKey`'s (which stays, a ‹ › away), from `model` or the session's. */
  regenerate(answerKey: string, model: string | null): void {
    if (this.blocker()) return;
    void this.#sender.regenerate(answerKey, model);
  }

  /** Versions: show another version of a message or an answer; the choice is kept in the session. */
  async showVersion(turnId: string): Promise<void> {
    const { sessionId } = this.#box.getState();
    if (!sessionId || this.#box.getState().sendingKey) return;
    const generation = this.#box.generation;
    try {
      await this.#cache.write('selectSessionPath', { id: sessionId, turn_id: turnId }, { settle: false });
    } catch (error) {
      if (this.#box.isCurrent(generation)) this.#box.set({ notice: toClientError(error) });
      return;
    }
    await refreshSession(this.#box, this.#cache, sessionId, generation);
  }

  stop(): void {
    this.#sender.stop();
  }
}
