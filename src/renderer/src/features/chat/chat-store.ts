/**
 * The chat's state, kept outside the screen so a reply keeps streaming while the student looks at
 * history or settings, and so opening a session from history is one call. Plain TypeScript with a
 * subscribe/getState pair for useSyncExternalStore.
 *
 * Rules it encodes (the server enforces them too):
 * - A session's mode and assignment are fixed when it starts; choosing another starts a new chat.
 * - homework needs an assignment; chat and deep_think may carry one (it then appears with the
 *   assignment in history and exports, and the assignment's text goes into the model's context).
 * - Every message gets a client_request_id; a retry sends the same id, so the server never stores
 *   a second copy of the student's message.
 */
import { readAllPages, type StudylogClient } from '../../../../shared/api/client.ts';
import type { Mode, ProxyMessageRequest, ProxyMessageResponse, Session, Turn } from '../../../../shared/api/schemas.ts';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { hrefFor, navigate } from '../../lib/route.ts';

export interface ReplyUsage {
  tokens_in: number;
  tokens_out: number;
  cost: number;
  estimated: boolean;
  price_known: boolean;
}

export type UserStatus = 'sending' | 'sent' | 'failed';
export type AssistantStatus = 'waiting' | 'streaming' | 'complete' | 'aborted' | 'interrupted';

export interface UserMessage {
  kind: 'user';
  key: string;
  turnId: string | null;
  content: string;
  createdAt: number;
  status: UserStatus;
  error: UiError | null;
  /** Present when this client (or another Studylog client) can retry it without a duplicate. */
  clientRequestId: string | null;
}

export interface AssistantMessage {
  kind: 'assistant';
  key: string;
  turnId: string | null;
  content: string;
  reasoning: string;
  status: AssistantStatus;
  model: string | null;
  usage: ReplyUsage | null;
  createdAt: number;
}

export type ChatMessage = UserMessage | AssistantMessage;

export interface ChatState {
  sessionId: string | null;
  session: Session | null;
  mode: Mode;
  assignmentId: string | null;
  /** '' = the mode's configured model (or, for an existing session, the one it started with). */
  model: string;
  messages: ChatMessage[];
  loading: boolean;
  loadError: UiError | null;
  /** The user message being answered right now. */
  sendingKey: string | null;
  /** The last send's failure, shown as a banner until dismissed or the next send. */
  notice: UiError | null;
}

export const MODES_NEEDING_ASSIGNMENT: ReadonlySet<Mode> = new Set(['homework']);

const EMPTY: ChatState = {
  sessionId: null,
  session: null,
  mode: 'chat',
  assignmentId: null,
  model: '',
  messages: [],
  loading: false,
  loadError: null,
  sendingKey: null,
  notice: null,
};

let keySeq = 0;
const localKey = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(keySeq++).toString(36)}`;

function titleFrom(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 59)}…` : oneLine;
}

export function messagesFromTurns(turns: Turn[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const turn of turns) {
    if (turn.role === 'user') {
      const { meta } = turn;
      out.push({
        kind: 'user',
        key: turn.id,
        turnId: turn.id,
        content: turn.content,
        createdAt: turn.created_at,
        status: meta.status === 'failed' ? 'failed' : 'sent',
        error: meta.status === 'failed' ? { code: meta.error?.code ?? 'upstream_error', detail: meta.error?.message ?? '' } : null,
        clientRequestId: meta.client_request_id ?? null,
      });
    } else if (turn.role === 'assistant') {
      const { meta } = turn;
      const usage = meta.usage ?? {};
      const status = meta.status;
      out.push({
        kind: 'assistant',
        key: turn.id,
        turnId: turn.id,
        content: turn.content,
        reasoning: meta.reasoning ?? '',
        status: status === 'streaming' || status === 'aborted' || status === 'interrupted' ? status : 'complete',
        model: turn.model,
        usage: { tokens_in: turn.tokens_in, tokens_out: turn.tokens_out, cost: turn.cost, estimated: usage.estimated === true, price_known: usage.price_known !== false },
        createdAt: turn.created_at,
      });
    }
  }
  return out;
}

export function sessionTotals(messages: ChatMessage[]): { tokens: number; cost: number; replies: number } {
  let tokens = 0;
  let cost = 0;
  let replies = 0;
  for (const m of messages) {
    if (m.kind !== 'assistant' || !m.usage) continue;
    tokens += m.usage.tokens_in + m.usage.tokens_out;
    cost += m.usage.cost;
    replies++;
  }
  return { tokens, cost, replies };
}

export class ChatStore {
  readonly #client: StudylogClient;
  #state: ChatState = EMPTY;
  readonly #listeners = new Set<() => void>();
  /** Bumped whenever the chat is replaced, so a detached stream stops writing into it. */
  #generation = 0;
  #controller: AbortController | null = null;

  constructor(client: StudylogClient) {
    this.#client = client;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getState = (): ChatState => this.#state;

  #set(patch: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }

  #patchMessage(key: string, patch: Partial<UserMessage> | Partial<AssistantMessage>): void {
    this.#set({ messages: this.#state.messages.map((m) => (m.key === key ? ({ ...m, ...patch } as ChatMessage) : m)) });
  }

  #message(key: string): ChatMessage | undefined {
    return this.#state.messages.find((m) => m.key === key);
  }

  get started(): boolean {
    return this.#state.sessionId !== null || this.#state.messages.length > 0;
  }

  /** A fresh chat. A reply still streaming for the old one is left to finish on the server. */
  newChat(options: { mode?: Mode; assignmentId?: string | null } = {}): void {
    this.#generation++;
    this.#controller = null;
    const { mode, assignmentId, model } = this.#state;
    this.#set({ ...EMPTY, mode: options.mode ?? mode, assignmentId: options.assignmentId !== undefined ? options.assignmentId : assignmentId, model });
  }

  async open(sessionId: string): Promise<void> {
    const generation = ++this.#generation;
    this.#controller = null;
    this.#set({ ...EMPTY, model: this.#state.model, sessionId, loading: true });
    try {
      const [session, turns] = await Promise.all([this.#client.getSession({ id: sessionId }), readAllPages(this.#client.page.getSessionTurns, { id: sessionId })]);
      if (generation !== this.#generation) return;
      this.#set({ session, mode: session.mode, assignmentId: session.assignment_id, messages: messagesFromTurns(turns), loading: false });
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#set({ loading: false, loadError: toClientError(error) });
    }
  }

  /** Mode and assignment are fixed per session: changing them on a started chat starts a new one. */
  setMode(mode: Mode): void {
    if (mode === this.#state.mode) return;
    // An assignment is kept for homework (where it is needed) and otherwise chosen anew: it is
    // optional outside homework, so it should never ride along unnoticed.
    const assignmentId = MODES_NEEDING_ASSIGNMENT.has(mode) ? this.#state.assignmentId : null;
    if (this.started) this.newChat({ mode, assignmentId });
    else this.#set({ mode, assignmentId });
  }

  setAssignment(assignmentId: string | null): void {
    if (assignmentId === this.#state.assignmentId) return;
    if (this.started) this.newChat({ assignmentId });
    else this.#set({ assignmentId });
  }

  setModel(model: string): void {
    this.#set({ model });
  }

  dismissNotice(): void {
    this.#set({ notice: null });
  }

  /** Why sending is not possible right now, or null. */
  blocker(): 'busy' | 'needs_assignment' | 'ended' | 'loading' | null {
    const s = this.#state;
    if (s.loading) return 'loading';
    if (s.sendingKey) return 'busy';
    if (s.session?.ended_at) return 'ended';
    if (!s.sessionId && MODES_NEEDING_ASSIGNMENT.has(s.mode) && !s.assignmentId) return 'needs_assignment';
    return null;
  }

  send(text: string): boolean {
    const content = text.trim();
    if (!content || this.blocker()) return false;
    const user: UserMessage = {
      kind: 'user',
      key: localKey('u'),
      turnId: null,
      content,
      createdAt: Date.now(),
      status: 'sending',
      error: null,
      clientRequestId: crypto.randomUUID(),
    };
    this.#set({ messages: [...this.#state.messages, user] });
    void this.#run(user.key);
    return true;
  }

  retry(userKey: string): void {
    const user = this.#message(userKey);
    if (!user || user.kind !== 'user' || user.status !== 'failed' || !user.clientRequestId || this.#state.sendingKey) return;
    void this.#run(userKey);
  }

  stop(): void {
    this.#controller?.abort();
  }

  async #run(userKey: string): Promise<void> {
    const generation = this.#generation;
    const live = () => generation === this.#generation;
    const user = this.#message(userKey) as UserMessage;
    const controller = new AbortController();
    this.#controller = controller;

    // The reply's placeholder goes right after its message (a retry may not be the last one).
    const assistant: AssistantMessage = { kind: 'assistant', key: localKey('a'), turnId: null, content: '', reasoning: '', status: 'waiting', model: null, usage: null, createdAt: Date.now() };
    const messages = [...this.#state.messages];
    let at = messages.findIndex((m) => m.key === userKey) + 1;
    // Skip replies already attached to this message (an interrupted partial answer stays visible).
    while (at < messages.length && messages[at]!.kind === 'assistant') at++;
    messages.splice(at, 0, assistant);
    this.#set({ messages, sendingKey: userKey, notice: null });
    this.#patchMessage(userKey, { status: 'sending', error: null });

    const s = this.#state;
    const request: ProxyMessageRequest = {
      message: user.content,
      mode: s.mode,
      ...(s.assignmentId ? { assignment_id: s.assignmentId } : {}),
      ...(s.model ? { model: s.model } : {}),
      ...(s.sessionId ? { meta: { session_id: s.sessionId } } : {}),
      ...(user.clientRequestId ? { client_request_id: user.clientRequestId } : {}),
    };

    // Deltas arrive per token; the list re-renders at most once per frame.
    let pendingContent = '';
    let pendingReasoning = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      if (!live() || (!pendingContent && !pendingReasoning)) return;
      const current = this.#message(assistant.key) as AssistantMessage | undefined;
      if (!current) return;
      this.#patchMessage(assistant.key, { content: current.content + pendingContent, reasoning: current.reasoning + pendingReasoning, status: 'streaming' });
      pendingContent = '';
      pendingReasoning = '';
    };
    const schedule = () => {
      timer ??= setTimeout(flush, 16);
    };

    let response: ProxyMessageResponse | null = null;
    let failure: UiError | null = null;
    try {
      response = await this.#client.streamProxyMessage(request, {
        signal: controller.signal,
        onEvent: (event) => {
          if (!live()) return;
          if (event.type === 'start') {
            this.#patchMessage(userKey, { turnId: event.user_turn_id });
            this.#patchMessage(assistant.key, { turnId: event.turn_id, model: event.model, status: 'streaming' });
            if (!this.#state.sessionId) this.#sessionStarted(event.session_id, user.content);
          } else if (event.type === 'delta') {
            pendingContent += event.content;
            schedule();
          } else if (event.type === 'reasoning') {
            pendingReasoning += event.content;
            schedule();
          }
        },
      });
    } catch (error) {
      failure = toClientError(error);
    }
    if (timer) clearTimeout(timer);
    flush();
    if (this.#controller === controller) this.#controller = null;
    if (!live()) return;

    if (response) {
      this.#patchMessage(userKey, { status: 'sent', turnId: response.meta.user_turn_id });
      this.#patchMessage(assistant.key, {
        turnId: response.turn_id,
        content: response.content,
        reasoning: response.meta.reasoning ?? (this.#message(assistant.key) as AssistantMessage).reasoning,
        status: response.meta.status === 'streaming' ? 'complete' : response.meta.status,
        model: response.model,
        usage: response.meta.usage,
      });
      if (!this.#state.sessionId) this.#sessionStarted(response.session_id, user.content);
      this.#set({ sendingKey: null });
      return;
    }

    if (controller.signal.aborted) {
      // Stopped by the student, and the stream's final answer was lost on the way (a stopped
      // stream normally ends with `done`, handled above): the server keeps what arrived as 'aborted'.
      this.#patchMessage(userKey, { status: 'sent' });
      this.#patchMessage(assistant.key, { status: 'aborted' });
      this.#set({ sendingKey: null });
      return;
    }

    const error = failure ?? { code: 'internal_error', detail: '' };
    this.#patchMessage(userKey, { status: 'failed', error });
    const partial = this.#message(assistant.key) as AssistantMessage;
    if (partial.content || partial.reasoning) this.#patchMessage(assistant.key, { status: 'interrupted' });
    else this.#set({ messages: this.#state.messages.filter((m) => m.key !== assistant.key) });
    this.#set({ sendingKey: null, notice: error });
  }

  /** A new session got its id: remember it, name it after the first message, show it in the URL. */
  #sessionStarted(sessionId: string, firstMessage: string): void {
    const generation = this.#generation;
    this.#set({ sessionId });
    // Only when the student is looking at this new chat: elsewhere the URL is theirs.
    const hash = window.location.hash.split('?')[0];
    if (hash === '' || hash === '#' || hash === '#/' || hash === hrefFor('chat')) navigate('chat', sessionId, { replace: true });
    void (async () => {
      try {
        const session = await this.#client.updateSession({ id: sessionId, title: titleFrom(firstMessage) || 'Untitled' });
        if (generation === this.#generation) this.#set({ session });
      } catch {
        try {
          const session = await this.#client.getSession({ id: sessionId });
          if (generation === this.#generation) this.#set({ session });
        } catch {
          // The session header then shows what the chat already knows.
        }
      }
    })();
  }
}
