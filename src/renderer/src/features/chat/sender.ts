/**
 * Sending a message and streaming its answer into the chat. Every message gets a
 * client_request_id; a retry (retry.ts) sends the same id, so the server never stores a second
 * copy of the student's message. The send goes through the query cache, which marks what it
 * changes (the session list, the turns, usage …) stale when it is over.
 */
import i18next from 'i18next';
import type { StreamOptions } from '../../../../shared/api/client.ts';
import type { ProxyMessageRequest, ProxyMessageResponse } from '../../../../shared/api/schemas.ts';
import type { ApiCache } from '../../data/cache.ts';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { hrefFor, navigate } from '../../lib/route.ts';
import type { ChatBox } from './chat-state.ts';
import { localKey, type AssistantMessage, type MessageAttachmentView, type UserMessage } from './messages.ts';
import { refreshSession } from './session-loader.ts';

/** Failures of a message that write nothing (the request refused as it came): the message is not stored. */
const NOT_STORED_CODES: ReadonlySet<string> = new Set(['validation_error', 'payload_too_large']);
let returnedSeq = 0;

/** An answer placeholder, filled in as the stream arrives. */
const waitingAnswer = (): AssistantMessage => ({
  kind: 'assistant',
  key: localKey('a'),
  turnId: null,
  content: '',
  reasoning: '',
  status: 'waiting',
  model: null,
  usage: null,
  createdAt: Date.now(),
});

export class Sender {
  readonly #box: ChatBox;
  readonly #cache: ApiCache;
  #controller: AbortController | null = null;

  constructor(box: ChatBox, cache: ApiCache) {
    this.#box = box;
    this.#cache = cache;
  }

  /** The chat was replaced: a reply still streaming for the old one is left to finish on the server. */
  detach(): void {
    this.#controller = null;
  }

  stop(): void {
    this.#controller?.abort();
  }

  /**
   * Adds the student's message (not sent yet) and sends it. `parentId` (versions): an edit, sent
   * as a new version beside the edited message; the branch is read again from the server after.
   * `hintRequest` asks for the next hint level (homework). `attachments`: uploaded already.
   */
  send(content: string, options: { parentId?: string | null; hintRequest?: 'more'; attachments?: MessageAttachmentView[] } = {}): void {
    const { parentId, hintRequest, attachments = [] } = options;
    const user: UserMessage = {
      kind: 'user',
      key: localKey('u'),
      turnId: null,
      content,
      createdAt: Date.now(),
      status: 'sending',
      error: null,
      clientRequestId: crypto.randomUUID(),
      ...(hintRequest ? { hintRequest } : {}),
      ...(parentId !== undefined ? { parentId } : {}),
      attachments,
    };
    this.#box.set({ messages: [...this.#box.getState().messages, user] });
    void this.run(user.key, { refresh: parentId !== undefined });
  }

  /**
   * Versions: another answer to the message before `answerKey` (optionally from another model),
   * streamed in its place; the earlier answer stays on the server as another version, and the
   * branch is read again from the server when it is over.
   */
  async regenerate(answerKey: string, model: string | null): Promise<void> {
    const box = this.#box;
    const generation = box.generation;
    const { messages, sessionId } = box.getState();
    const at = messages.findIndex((m) => m.key === answerKey);
    const answer = messages[at];
    const user = messages[at - 1];
    if (!sessionId || answer?.kind !== 'assistant' || !answer.turnId || user?.kind !== 'user') return;
    const controller = new AbortController();
    this.#controller = controller;
    const placeholder = waitingAnswer();
    // What was below the answer belongs to the other version: it comes back with ‹ ›.
    box.set({ messages: [...messages.slice(0, at), placeholder], sendingKey: user.key, notice: null });
    const { failure } = await this.#follow(
      (options) => this.#cache.stream('regenerateAnswer', { id: sessionId, turn_id: answer.turnId!, ...(model ? { model } : {}) }, options),
      controller,
      generation,
      placeholder.key,
      user.key,
    );
    if (this.#controller === controller) this.#controller = null;
    if (!box.isCurrent(generation)) return;
    box.set({ sendingKey: null, ...(failure && !controller.signal.aborted ? { notice: failure } : {}) });
    await refreshSession(box, this.#cache, sessionId, generation);
  }

  /** Sends the user message `userKey` (new, or failed before) and streams its answer in. */
  async run(userKey: string, options: { refresh?: boolean } = {}): Promise<void> {
    const box = this.#box;
    const generation = box.generation;
    const live = () => box.isCurrent(generation);
    const user = box.message(userKey) as UserMessage;
    const controller = new AbortController();
    this.#controller = controller;

    // The reply's placeholder goes right after its message (a retry may not be the last one).
    const assistant = waitingAnswer();
    const messages = [...box.getState().messages];
    let at = messages.findIndex((m) => m.key === userKey) + 1;
    // Skip replies already attached to this message (an interrupted partial answer stays visible).
    while (at < messages.length && messages[at]!.kind === 'assistant') at++;
    messages.splice(at, 0, assistant);
    box.set({ messages, sendingKey: userKey, notice: null });
    box.patchMessage(userKey, { status: 'sending', error: null });

    const s = box.getState();
    const request: ProxyMessageRequest = {
      message: user.content,
      mode: s.mode,
      ...(s.assignmentId ? { assignment_id: s.assignmentId } : {}),
      ...(s.model ? { model: s.model } : {}),
      ...(s.sessionId ? { meta: { session_id: s.sessionId } } : {}),
      ...(!s.sessionId && s.templateId ? { template_id: s.templateId } : {}),
      ...(user.clientRequestId ? { client_request_id: user.clientRequestId } : {}),
      ...(user.hintRequest ? { hint_request: user.hintRequest } : {}),
      ...(user.parentId !== undefined ? { parent_id: user.parentId } : {}),
      // A retry names them again; the server sends the ones stored with the message.
      ...(user.attachments.length ? { attachments: user.attachments.map((a) => ({ sha256: a.sha256, name: a.name, ...(a.text !== undefined ? { text: a.text } : {}) })) } : {}),
    };

    const { response, failure } = await this.#follow((o) => this.#cache.stream('streamProxyMessage', request, o), controller, generation, assistant.key, userKey);
    if (this.#controller === controller) this.#controller = null;
    if (!live()) return;

    if (response) {
      box.patchMessage(userKey, { status: 'sent', turnId: response.meta.user_turn_id });
      box.patchMessage(assistant.key, {
        turnId: response.turn_id,
        content: response.content,
        reasoning: response.meta.reasoning ?? (box.message(assistant.key) as AssistantMessage).reasoning,
        status: response.meta.status === 'streaming' ? 'complete' : response.meta.status,
        model: response.model,
        providerId: typeof response.meta.provider_id === 'string' ? response.meta.provider_id : null,
        usage: response.meta.usage,
        hintLevel: response.meta.hint_level,
        flagged: response.meta.flagged === 'final_answer_above_level',
      });
      if (!box.getState().sessionId) this.#sessionStarted(response.session_id);
      box.set({ sendingKey: null });
      if (response.meta.status === 'complete') this.#awaitTitle(response.session_id);
      if (options.refresh) await refreshSession(box, this.#cache, response.session_id, generation);
      return;
    }

    if (controller.signal.aborted) {
      // Stopped by the student, and the stream's final answer was lost on the way (a stopped
      // stream normally ends with `done`, handled above): the server keeps what arrived as 'aborted'.
      box.patchMessage(userKey, { status: 'sent' });
      box.patchMessage(assistant.key, { status: 'aborted' });
      box.set({ sendingKey: null });
      return;
    }

    const error = failure ?? { code: 'internal_error', detail: '' };
    box.patchMessage(userKey, { status: 'failed', error });
    const partial = box.message(assistant.key) as AssistantMessage;
    // Cut part-way: the message was sent and part of its answer is on screen — the banner says
    // that, not "unsent" (ChatBanner).
    const cut = partial.content !== '' || partial.reasoning !== '';
    if (cut) box.patchMessage(assistant.key, { status: 'interrupted' });
    else box.set({ messages: box.getState().messages.filter((m) => m.key !== assistant.key) });
    box.set({ notice: cut ? { ...error, cut: true } : error });
    // Failed before the server named the message's turn (its `start`): stored or not, the thread
    // is read again — it is then shown as stored, with its id (to edit it, to follow it) — and
    // one the server refused without storing goes back to the composer.
    const sent = box.message(userKey) as UserMessage | undefined;
    if (sent && !sent.turnId) await this.#settleUnconfirmed(sent, error, generation);
    if (live()) box.set({ sendingKey: null });
  }

  /**
   * A message that failed before its turn id came: whether the server stored it. Read from the
   * session (a turn with its client_request_id); in a chat with no session yet, by the code — a
   * request refused as invalid or too large writes nothing (proxy.service.ts #keepUnsent), every
   * other failure that early keeps the message in a new session. Not stored: off the list and
   * back in the composer (ChatState.returned), with the banner saying why.
   */
  async #settleUnconfirmed(user: UserMessage, error: UiError, generation: number): Promise<void> {
    const box = this.#box;
    const { sessionId } = box.getState();
    if (sessionId) {
      const turns = await refreshSession(box, this.#cache, sessionId, generation);
      // Not read: shown as it was (failed, with its retry).
      if (!turns) return;
      if (!user.clientRequestId || turns.some((t) => t.role === 'user' && t.meta.client_request_id === user.clientRequestId)) return;
    } else if (!NOT_STORED_CODES.has(error.code)) return;
    if (!box.isCurrent(generation)) return;
    box.set({
      messages: box.getState().messages.filter((m) => m.key !== user.key),
      // A message of attachments alone went with the localized "see the attachment": the student typed nothing.
      returned: {
        id: ++returnedSeq,
        text: user.attachments.length > 0 && user.content === i18next.t('attachments.defaultMessage') ? '' : user.content,
        attachments: user.attachments,
      },
      notice: { ...error, localized: i18next.t('chat.returnedToComposer') },
    });
  }

  /**
   * Streams an answer into the placeholder `assistantKey`: deltas batched to one re-render per
   * frame, the turn ids from `start`. Resolves with the final response, or the failure.
   */
  async #follow(
    call: (options: StreamOptions) => Promise<ProxyMessageResponse>,
    controller: AbortController,
    generation: number,
    assistantKey: string,
    userKey: string,
  ): Promise<{ response: ProxyMessageResponse | null; failure: UiError | null }> {
    const box = this.#box;
    const live = () => box.isCurrent(generation);
    // Deltas arrive per token; the list re-renders at most once per frame.
    let pendingContent = '';
    let pendingReasoning = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      if (!live() || (!pendingContent && !pendingReasoning)) return;
      const current = box.message(assistantKey) as AssistantMessage | undefined;
      if (!current) return;
      box.patchMessage(assistantKey, { content: current.content + pendingContent, reasoning: current.reasoning + pendingReasoning, status: 'streaming' });
      pendingContent = '';
      pendingReasoning = '';
    };
    const schedule = () => {
      timer ??= setTimeout(flush, 16);
    };

    let response: ProxyMessageResponse | null = null;
    let failure: UiError | null = null;
    try {
      response = await call({
        signal: controller.signal,
        onEvent: (event) => {
          if (!live()) return;
          if (event.type === 'start') {
            box.patchMessage(userKey, { turnId: event.user_turn_id });
            box.patchMessage(assistantKey, { turnId: event.turn_id, model: event.model, status: 'streaming' });
            if (!box.getState().sessionId) this.#sessionStarted(event.session_id);
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
    return { response, failure };
  }

  /**
   * After a session's first complete answer the server asks the model for a short title (unless
   * the student named the session): the chat header and the sidebar show it as soon as it is
   * written — one request that the server answers when the title call is over (no polling).
   */
  #awaitTitle(sessionId: string): void {
    const answers = this.#box.getState().messages.filter((m) => m.kind === 'assistant' && m.status === 'complete').length;
    const titled = this.#cache.cached('getSession', { id: sessionId })?.meta.title_source;
    if (answers !== 1 || titled !== undefined) return;
    // Not shown: the derived title stays until the session is read again.
    this.#cache.write('waitSessionTitle', { id: sessionId }, { settle: false }).catch(() => undefined);
  }

  /**
   * A new session got its id: remember it and show it in the URL. Its title is the server's
   * (derived from the first message when the session was recorded); the chat header reads the
   * session through the cache.
   */
  #sessionStarted(sessionId: string): void {
    this.#box.set({ sessionId });
    // The session exists on the server from now on: the sidebar lists it while the first answer
    // still streams (it would say "no conversations yet" until the stream ends).
    void this.#cache.refresh(['getUserSessions']);
    // Only when the student is looking at this new chat: elsewhere the URL is theirs.
    const hash = window.location.hash.split('?')[0];
    if (hash === '' || hash === '#' || hash === '#/' || hash === hrefFor('chat')) navigate('chat', sessionId, { replace: true });
  }
}
