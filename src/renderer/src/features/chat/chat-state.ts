/**
 * The chat's state and its container: plain TypeScript with a subscribe/getState pair for
 * useSyncExternalStore. The seams of the chat (composer.ts, session-loader.ts, sender.ts,
 * retry.ts) all change the chat through one box.
 *
 * The session itself (title, ended or not, its policy snapshot) is not kept here: it is server
 * state, read through the query cache (`getSession`), so a rename or an end elsewhere shows at once.
 */
import type { Mode } from '../../../../shared/api/schemas.ts';
import type { UiError } from '../../lib/errors.ts';
import type { AssistantMessage, ChatMessage, MessageAttachmentView, UserMessage } from './messages.ts';

/** A message the server refused before storing it (too long …): back in the composer, never lost. */
export interface ReturnedMessage {
  /** Changes with each message returned, so the composer takes each once. */
  id: number;
  text: string;
  attachments: MessageAttachmentView[];
}

export interface ChatState {
  sessionId: string | null;
  mode: Mode;
  assignmentId: string | null;
  /** '' = the mode's configured model (or, for an existing session, the one it started with). */
  model: string;
  /** The study template a new chat starts with (GET /templates); a started session keeps its own. */
  templateId: string | null;
  messages: ChatMessage[];
  loading: boolean;
  loadError: UiError | null;
  /** The user message being answered right now. */
  sendingKey: string | null;
  /** The last send's failure, shown as a banner until dismissed or the next send. */
  notice: UiError | null;
  /** A message the server refused without storing it, for the composer to take back (then null). */
  returned: ReturnedMessage | null;
}

export const EMPTY_CHAT: ChatState = {
  sessionId: null,
  mode: 'chat',
  assignmentId: null,
  model: '',
  templateId: null,
  messages: [],
  loading: false,
  loadError: null,
  sendingKey: null,
  notice: null,
  returned: null,
};

export class ChatBox {
  #state: ChatState = EMPTY_CHAT;
  readonly #listeners = new Set<() => void>();
  /** Bumped whenever the chat is replaced, so a detached stream or load stops writing into it. */
  #generation = 0;

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): ChatState => this.#state;

  set(patch: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }

  /** Another chat takes the screen; returns its generation. */
  replace(state: ChatState): number {
    this.#generation++;
    this.set({ ...EMPTY_CHAT, ...state });
    return this.#generation;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Whether work started for `generation` may still write into the chat. */
  isCurrent(generation: number): boolean {
    return generation === this.#generation;
  }

  get started(): boolean {
    return this.#state.sessionId !== null || this.#state.messages.length > 0;
  }

  message(key: string): ChatMessage | undefined {
    return this.#state.messages.find((m) => m.key === key);
  }

  patchMessage(key: string, patch: Partial<UserMessage> | Partial<AssistantMessage>): void {
    this.set({ messages: this.#state.messages.map((m) => (m.key === key ? ({ ...m, ...patch } as ChatMessage) : m)) });
  }
}
