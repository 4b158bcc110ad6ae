/**
 * The LLM proxy: every student message goes through here (seed: "数据流程图").
 *
 *   1. validate → find or create the session (its policy_snapshot = exactly what will be sent)
 *   2. commit the user turn (status 'pending')          ← durable before the model is called
 *   3. call the model through the openai SDK
 *   4. commit the assistant turn and mark the user turn 'answered'
 *      — or, on failure, mark the user turn 'failed' with meta.error {code, message}
 *
 * Accounting: the assistant turn carries the whole call — tokens_in = prompt tokens (system +
 * history + message), tokens_out = completion tokens, cost = the call's cost. The user turn's
 * tokens_in is the local token count of the student's own text, its tokens_out and cost are 0,
 * so summing any set of turns never counts a call twice.
 */
import type OpenAI from 'openai';
import { v7 as uuidv7 } from 'uuid';
import {
  MAX_CONTENT_CHARS,
  ProxyMessageRequestSchema,
  type AssistantStatus,
  type JsonObject,
  type Language,
  type Mode,
  type ProxyMessageRequest,
  type ProxyMessageResponse,
  type ProxyStreamEvent,
  type Provider,
  type Session,
  type Turn,
  type Usage,
} from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Caller } from '../caller.ts';
import type { Store } from '../db/connection.ts';
import { inTransaction } from '../db/db-errors.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import { clientRequestKey, type TurnsRepo } from '../db/turns.repo.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { buildMessages, type ChatMessage } from './context.ts';
import { traitsOf } from './models.ts';
import { resolvePolicy, type ReasoningEffort } from './policies.ts';
import { titleMeta } from './session-title.ts';
import { costOf } from './pricing.ts';
import type { ProviderRegistry } from './providers.ts';
import { countPromptTokens, countTokens } from './tokens.ts';
import { redact, StreamRedactor, upstreamError } from './upstream-errors.ts';
import { DEFAULT_MAX_REQUEST_MS, MAX_REASONING_CHARS, tooLargeIn } from './upstream-limits.ts';

/** What the proxy needs to know about an assignment to tutor on it. */
export interface AssignmentInfo {
  id: string;
  title: string;
  subject?: string | null;
  description?: string | null;
  meta?: Record<string, unknown>;
}

export type AssignmentLookup = (id: string) => AssignmentInfo | null;
/** Registers an assignment a message names but nobody created (title = id); runs inside the message's write. */
export type AssignmentRegistrar = (id: string) => void;

/** Exactly what is sent for a session, frozen when it starts (the seed's policy_snapshot). */
export interface PolicySnapshot {
  provider_id: string;
  provider_name: string;
  /** The model the session started with; a follow-up that names no model uses it. */
  model: string;
  /** Every model sent in this session, in order of first use (turn.model says which, per turn). */
  models: string[];
  temperature: number | null;
  max_output_tokens: number;
  reasoning_effort: ReasoningEffort | null;
  system_prompt: { id: string; version: string; language: Language; text: string };
}

export interface ProxyServiceOptions {
  store: Store;
  sessions: SessionsRepo;
  turns: TurnsRepo;
  settings: SettingsStore;
  providers: ProviderRegistry;
  assignments?: AssignmentLookup;
  /** Without it, a message naming an unknown assignment is refused. */
  registerAssignment?: AssignmentRegistrar;
  /** The UI language, for system prompts; settings.language wins when set. */
  defaultLanguage?: Language;
  /** How often streamed text is written to the database (not per token). */
  flushIntervalMs?: number;
}

/** Everything decided before the model is called. */
interface Prepared {
  session: Session;
  snapshot: PolicySnapshot;
  userTurn: Turn;
  model: string;
  /** The provider this message goes to (a session may switch models, and so providers). */
  providerId: string;
  messages: ChatMessage[];
  client: OpenAI;
  secrets: string[];
  providerName: string;
  timeoutMs: number;
  /** The longest the whole answer may take. */
  maxRequestMs: number;
}

type Prepare = { kind: 'replay'; response: ProxyMessageResponse } | { kind: 'call'; prepared: Prepared };

const DEFAULT_FLUSH_INTERVAL_MS = 1_000;
const REQUEST_ID_IN_USE = 'This client_request_id is already in use; send a new one for a new message.';
const STILL_BEING_ANSWERED = 'This message is still being answered.';

/**
 * What the store can hold of an answer: a reply longer than a turn may be, or reasoning longer
 * than its meta may hold, is cut and the turn says so (meta.truncated) rather than being lost.
 */
function storable(content: string, secrets: readonly string[]): string {
  // Redacted first: a provider echoing the key (in any form) must not get it stored or returned.
  const safe = redact(content, secrets);
  return safe.length > MAX_CONTENT_CHARS ? safe.slice(0, MAX_CONTENT_CHARS) : safe;
}

function userTurnMeta(turn: Turn, patch: JsonObject): JsonObject {
  const meta: JsonObject = { ...turn.meta, ...patch };
  if (patch.status !== 'failed') delete meta.error;
  return meta;
}

export class ProxyService {
  readonly #o: ProxyServiceOptions;

  constructor(options: ProxyServiceOptions) {
    this.#o = options;
  }

  /** Sends one message and waits for the whole answer. */
  async send(caller: Caller, input: ProxyMessageRequest, signal?: AbortSignal): Promise<ProxyMessageResponse> {
    const step = await this.#prepare(caller, input);
    if (step.kind === 'replay') return step.response;
    const p = step.prepared;
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    // The whole answer has a time limit too (the SDK's timeout is the provider's idle timeout).
    const deadline = AbortSignal.timeout(p.maxRequestMs);
    try {
      completion = await p.client.chat.completions.create({ ...this.#params(p), stream: false }, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
      if (!completion || typeof completion !== 'object' || !Array.isArray(completion.choices)) throw new SyntaxError('no choices in the reply');
    } catch (error) {
      if (deadline.aborted && !signal?.aborted) throw this.#fail(p, new ApiError('upstream_timeout', `${p.providerName} took longer than ${Math.round(p.maxRequestMs / 1000)} s to answer.`));
      const tooLarge = tooLargeIn(error);
      if (tooLarge) throw this.#fail(p, new ApiError('upstream_bad_response', `${p.providerName} sent a reply larger than ${tooLarge.limitBytes} bytes; it was not kept.`));
      throw this.#fail(p, error);
    }
    const choice = completion.choices[0];
    const message = choice?.message as (OpenAI.Chat.Completions.ChatCompletionMessage & { reasoning_content?: unknown }) | undefined;
    if (!message || (message.content !== null && typeof message.content !== 'string')) {
      throw this.#fail(p, new SyntaxError('the reply has no message'));
    }
    const content = message.content ?? '';
    const reasoning = typeof message.reasoning_content === 'string' ? message.reasoning_content : '';
    const usage = this.#usage(p, completion.usage, content, reasoning);
    // The answer could not be stored (full or read-only disk): the message must not stay
    // 'pending', or every retry would be refused as still in flight until the next start.
    let turn: Turn;
    try {
      turn = await this.#o.store.writes.run('record the answer', () => {
        const assistant = this.#o.turns.insertNewTurn({
          session_id: p.session.id,
          role: 'assistant',
          content: storable(content, p.secrets),
          model: completion.model || p.model,
          tokens_in: usage.tokens_in,
          tokens_out: usage.tokens_out,
          cost: usage.cost,
          meta: this.#assistantMeta(p, { status: 'complete', usage, content, reasoning, finish_reason: choice?.finish_reason ?? null }),
        });
        this.#o.turns.updateTurnById(p.userTurn.id, { meta: userTurnMeta(p.userTurn, { status: 'answered', assistant_turn_id: assistant.id }) });
        return assistant;
      });
    } catch (error) {
      throw this.#fail(p, error);
    }
    return this.#response(p.session, turn);
  }

  /**
   * Sends one message and yields the answer as it arrives: a `start`, text and reasoning deltas,
   * then one `done` with the same response `send` returns. Aborting `signal` stops the model;
   * the partial answer is kept with status 'aborted' and `done` still comes. A failure throws an
   * ApiError after the partial answer (if any) is stored with status 'interrupted'.
   */
  async *stream(caller: Caller, input: ProxyMessageRequest, signal?: AbortSignal): AsyncGenerator<ProxyStreamEvent, void, undefined> {
    const step = await this.#prepare(caller, input);
    if (step.kind === 'replay') {
      const r = step.response;
      yield { type: 'start', session_id: r.session_id, user_turn_id: r.meta.user_turn_id, turn_id: r.turn_id, model: r.model };
      if (r.meta.reasoning) yield { type: 'reasoning', content: r.meta.reasoning };
      if (r.content) yield { type: 'delta', content: r.content };
      yield { type: 'done', response: r };
      return;
    }
    const p = step.prepared;
    const turnId = uuidv7();
    yield { type: 'start', session_id: p.session.id, user_turn_id: p.userTurn.id, turn_id: turnId, model: p.model };

    // One controller stops the upstream call: the caller's abort, or our idle timeout.
    const upstream = new AbortController();
    const onAbort = () => upstream.abort(new Error('aborted by the caller'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    let timedOut: ApiError | null = null;
    const timeOut = (error: ApiError) => {
      timedOut ??= error;
      upstream.abort(new Error(error.detail));
    };
    const armIdleTimer = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => timeOut(new ApiError('upstream_timeout', `${p.providerName} stopped sending data.`)), p.timeoutMs);
    };
    // However steadily it sends, a provider gets maxRequestMs for the whole answer.
    const wallClock = setTimeout(() => timeOut(new ApiError('upstream_timeout', `${p.providerName} took longer than ${Math.round(p.maxRequestMs / 1000)} s to answer.`)), p.maxRequestMs);
    /** The answer reached a turn's cap: the upstream is stopped and what fits is kept (meta.truncated). */
    let capped = false;
    let reasoningCapped = false;

    let content = '';
    let reasoning = '';
    // What the caller sees as it arrives, with any echo of the key removed (held back a little).
    const contentOut = new StreamRedactor(p.secrets);
    const reasoningOut = new StreamRedactor(p.secrets);
    let finishReason: string | null = null;
    let reported: OpenAI.Completions.CompletionUsage | null | undefined;
    let stored = false;
    let flushedAt = 0;
    let responseModel = p.model;
    const flushInterval = this.#o.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    const flush = () => {
      if (!stored) {
        this.#o.turns.insertNewTurn({
          id: turnId,
          session_id: p.session.id,
          role: 'assistant',
          content: storable(content, p.secrets),
          model: responseModel,
          meta: this.#assistantMeta(p, { status: 'streaming', content, reasoning }),
        });
        stored = true;
        flushedAt = Date.now();
      } else if (Date.now() - flushedAt >= flushInterval) {
        this.#o.turns.updateTurnById(turnId, { content: storable(content, p.secrets), meta: this.#assistantMeta(p, { status: 'streaming', content, reasoning }) });
        flushedAt = Date.now();
      }
    };

    try {
      armIdleTimer();
      const chunks = await p.client.chat.completions.create(
        { ...this.#params(p), stream: true, stream_options: { include_usage: true } },
        { signal: upstream.signal },
      );
      for await (const chunk of chunks) {
        armIdleTimer();
        if (chunk.usage) reported = chunk.usage;
        if (chunk.model) responseModel = chunk.model;
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        const delta = choice.delta as { content?: string | null; reasoning_content?: string | null } | undefined;
        if (choice.finish_reason) finishReason = choice.finish_reason;
        if (delta?.reasoning_content && !reasoningCapped) {
          // Reasoning past its cap is dropped (not held): the answer after it may still come.
          const piece = delta.reasoning_content.slice(0, MAX_REASONING_CHARS - reasoning.length);
          reasoning += piece;
          if (reasoning.length >= MAX_REASONING_CHARS) reasoningCapped = true;
          flush();
          const visible = reasoningOut.push(piece);
          if (visible) yield { type: 'reasoning', content: visible };
        }
        if (delta?.content) {
          const piece = delta.content.slice(0, MAX_CONTENT_CHARS - content.length);
          content += piece;
          flush();
          const visible = contentOut.push(piece);
          if (visible) yield { type: 'delta', content: visible };
          if (content.length >= MAX_CONTENT_CHARS) {
            // A turn holds no more: stop the provider now rather than read what cannot be kept.
            capped = true;
            finishReason = 'length';
            upstream.abort(new Error('the answer reached the length a turn holds'));
            break;
          }
        }
      }
      // Our timeouts, or a stream that ends without a finish reason (cut; some SDK paths end quietly).
      if (timedOut) throw timedOut;
      if (finishReason === null && !signal?.aborted) throw new SyntaxError('the stream ended before the model finished');
    } catch (error) {
      clearTimeout(idleTimer);
      clearTimeout(wallClock);
      const callerAborted = signal?.aborted === true && !timedOut;
      if (!callerAborted) {
        const tooLarge = tooLargeIn(error);
        const failure =
          timedOut ??
          (tooLarge ? new ApiError('upstream_bad_response', `${p.providerName} sent more than ${tooLarge.limitBytes} bytes; the stream was stopped.`) : upstreamError(error, this.#errorContext(p)));
        if (stored || content || reasoning) {
          try {
            await this.#finishAssistant(p, turnId, stored, { content, reasoning, status: 'interrupted', finishReason, reported: null, model: responseModel, error: failure, truncated: reasoningCapped });
          } catch (storeError) {
            throw this.#fail(p, storeError);
          }
        }
        // What arrived before the failure was stored: the caller sees all of it too.
        const reasoningTail = reasoningOut.end();
        if (reasoningTail) yield { type: 'reasoning', content: reasoningTail };
        const contentTail = contentOut.end();
        if (contentTail) yield { type: 'delta', content: contentTail };
        throw this.#fail(p, failure);
      }
      // The caller stopped: fall through and keep what arrived, marked 'aborted'.
    } finally {
      clearTimeout(idleTimer);
      clearTimeout(wallClock);
      signal?.removeEventListener('abort', onAbort);
    }
    const aborted = signal?.aborted === true && !timedOut && !capped;
    const reasoningTail = reasoningOut.end();
    if (reasoningTail) yield { type: 'reasoning', content: reasoningTail };
    const contentTail = contentOut.end();
    if (contentTail) yield { type: 'delta', content: contentTail };
    let turn: Turn;
    try {
      turn = await this.#finishAssistant(p, turnId, stored, {
        content,
        reasoning,
        status: aborted ? 'aborted' : 'complete',
        finishReason,
        // A capped stream was stopped before the provider's usage chunk: counted locally.
        reported: aborted || capped ? null : reported,
        model: responseModel,
        truncated: capped || reasoningCapped,
      });
    } catch (error) {
      // As in send(): a message whose answer could not be stored is failed, not left 'pending'.
      throw this.#fail(p, error);
    }
    yield { type: 'done', response: this.#response(p.session, turn) };
  }

  /**
   * Start-up repair after a crash or kill: streams that were in flight keep their flushed text and
   * become 'interrupted'; messages that never got an answer become 'failed' (retry offers itself).
   */
  recoverInterrupted(): { assistant_turns: number; user_turns: number } {
    let assistantTurns = 0;
    let userTurns = 0;
    inTransaction(this.#o.store.sqlite, 'repair the answers the last run left open', () => {
      for (const turn of this.#o.turns.getOpenTurns()) {
        if (turn.role === 'assistant') {
          const usage = turn.meta.usage as Usage | undefined;
          const tokensOut = countTokens(turn.content) + countTokens(String(turn.meta.reasoning ?? ''));
          this.#o.turns.updateTurnById(turn.id, {
            tokens_out: tokensOut,
            meta: { ...turn.meta, status: 'interrupted', usage: { ...(usage ?? {}), tokens_out: tokensOut, estimated: true } },
          });
          assistantTurns++;
        } else {
          this.#o.turns.updateTurnById(turn.id, {
            meta: userTurnMeta(turn, { status: 'failed', error: { code: 'interrupted', message: 'Studylog stopped before the answer was complete.' } }),
          });
          userTurns++;
        }
      }
    });
    return { assistant_turns: assistantTurns, user_turns: userTurns };
  }

  // -------------------------------------------------------------------------------------------

  async #prepare(caller: Caller, input: ProxyMessageRequest): Promise<Prepare> {
    const req = parseInput(ProxyMessageRequestSchema, input, 'message');
    const { turns, sessions } = this.#o;

    // An idempotent retry: never a second user turn.
    let retried: Turn | null = null;
    if (req.client_request_id) {
      // Scoped per user: another user's use of the same id is invisible, a fresh id here.
      const previous = turns.findByClientRequestId(caller.user_id, req.client_request_id);
      if (previous) {
        const status = previous.meta.status;
        if (status === 'answered') {
          const answer = turns.getTurnById(String(previous.meta.assistant_turn_id));
          const session = sessions.getSessionById(previous.session_id);
          if (answer && session) return { kind: 'replay', response: this.#response(session, answer) };
        }
        if (status === 'pending') throw new ApiError('conflict', STILL_BEING_ANSWERED);
        retried = previous;
      }
    }

    const found = retried ? { session: sessions.getSessionById(retried.session_id)!, isNew: false, registerAssignment: false } : this.#sessionFor(caller, req);
    const { session, isNew, registerAssignment } = found;
    if (retried && session.ended_at !== null) throw new ApiError('conflict', `Session '${session.id}' has ended; start a new session.`);
    const { snapshot, provider, model } = isNew ? await this.#snapshotFor(session.mode, req.model) : await this.#followUp(session, req.model);
    const addsModel = !isNew && !snapshot.models.includes(model);

    const history = turns.getTurnsBySessionId(session.id).filter((t) => !retried || t.created_at < retried.created_at || (t.created_at === retried.created_at && t.id < retried.id));
    const systemPrompt = this.#systemPrompt(snapshot, session.assignment_id);
    const traits = traitsOf(model);
    const message = retried ? retried.content : req.message;
    const { messages } = buildMessages({ systemPrompt, history, message, contextWindow: traits.contextWindow, maxOutputTokens: snapshot.max_output_tokens });

    // Durable before the upstream call: the new session (if any) and the user turn, together.
    // The write joins a group commit, so other messages may be written between the checks above
    // and it: what they could have changed is checked again inside it.
    const userTurn = await this.#o.store.writes.run('record the message', () => {
      if (!isNew) {
        const current = sessions.getSessionById(session.id);
        if (!current) throw new ApiError('not_found', `There is no session '${session.id}'.`);
        if (current.ended_at !== null) throw new ApiError('conflict', `Session '${session.id}' has ended; start a new session.`);
        // Another model in this session: the snapshot keeps saying what was sent.
        if (addsModel) {
          const models = (current.policy_snapshot as Partial<PolicySnapshot>).models ?? snapshot.models;
          if (!models.includes(model)) sessions.updateSessionById(session.id, { policy_snapshot: { ...snapshot, ...current.policy_snapshot, models: [...models, model] } });
        }
      } else if (sessions.getSessionById(session.id)) {
        // An offered session id another message took first.
        throw new ApiError('conflict', `Session '${session.id}' was just started by another message; send this one again.`);
      }
      if (req.client_request_id) {
        const previous = turns.findByClientRequestId(caller.user_id, req.client_request_id);
        if (previous?.meta.status === 'pending') throw new ApiError('conflict', STILL_BEING_ANSWERED);
        if (previous && previous.id !== retried?.id) throw new ApiError('conflict', REQUEST_ID_IN_USE);
      }
      if (isNew && registerAssignment && session.assignment_id) this.#o.registerAssignment!(session.assignment_id);
      if (isNew) sessions.insertNewSession({ ...session, policy_snapshot: { ...snapshot } });
      if (retried) {
        const pending = turns.updateTurnById(retried.id, { meta: userTurnMeta(retried, { status: 'pending', retries: Number(retried.meta.retries ?? 0) + 1 }) });
        if (!pending) throw new ApiError('not_found', `There is no message '${retried.id}' to retry.`);
        return pending;
      }
      return turns.insertNewTurn({
        session_id: session.id,
        role: 'user',
        content: req.message,
        model,
        tokens_in: countTokens(req.message),
        meta: {
          status: 'pending',
          mode: session.mode,
          ...(req.client_request_id ? { client_request_id: req.client_request_id, client_request_key: clientRequestKey(caller.user_id, req.client_request_id) } : {}),
          ...(req.chat_id ? { chat_id: req.chat_id } : {}),
        },
      });
    });

    // The key is fetched only now: a locked keychain or a missing key leaves the message saved,
    // marked failed with that code, ready to retry once the key is there.
    let connection: Awaited<ReturnType<ProviderRegistry['client']>>;
    try {
      connection = await this.#o.providers.client(provider);
    } catch (error) {
      throw this.#markFailed(userTurn, upstreamError(error, { provider: provider.name, model, secrets: [] }), []);
    }
    return {
      kind: 'call',
      prepared: {
        session,
        snapshot,
        userTurn,
        model,
        providerId: provider.id,
        messages,
        client: connection.client,
        secrets: connection.secrets,
        providerName: provider.name,
        timeoutMs: provider.timeout_ms,
        maxRequestMs: provider.max_request_ms ?? DEFAULT_MAX_REQUEST_MS,
      },
    };
  }

  /**
   * The session a request belongs to. Rule for a request whose mode or assignment differs from its
   * session's: refused (conflict). A session's mode and assignment are fixed when it starts, so its
   * policy_snapshot and its place in the assignment's history stay true; switching mode or
   * assignment starts a new session. Omitting them in a follow-up means "the session's own".
   *
   * A meta.session_id that names no session at all starts a new session with that id (the seed's
   * `"session_id": "session_xyz"`); a later message with it continues that session. One that names
   * another user's session is not found. (The request schema's IdSchema already refused ids that
   * could not be used in a /sessions/{id} path.)
   *
   * An assignment_id that names no assignment is accepted: the assignment is registered with its id
   * as title (meta.registered_from = 'message'), in the same write as the session; a teacher's
   * import of that id fills it in later.
   */
  #sessionFor(caller: Caller, req: ReturnType<typeof ProxyMessageRequestSchema.parse>): { session: Session; isNew: boolean; registerAssignment: boolean } {
    const sessionId = req.meta?.session_id;
    if (sessionId) {
      const existing = this.#o.sessions.getSessionById(sessionId);
      // Another user's session is "not found" too: its content stays out of reach.
      if (existing && existing.user_id !== caller.user_id) throw new ApiError('not_found', `There is no session '${sessionId}'.`);
      if (existing) {
        if (req.mode && req.mode !== existing.mode) {
          throw new ApiError('conflict', `Session '${sessionId}' is in ${existing.mode} mode; start a new session to use ${req.mode} mode.`);
        }
        if (req.assignment_id !== undefined && req.assignment_id !== existing.assignment_id) {
          throw new ApiError('conflict', `Session '${sessionId}' belongs to ${existing.assignment_id ? `assignment '${existing.assignment_id}'` : 'no assignment'}; start a new session for another assignment.`);
        }
        if (existing.ended_at !== null) throw new ApiError('conflict', `Session '${sessionId}' has ended; start a new session.`);
        return { session: existing, isNew: false, registerAssignment: false };
      }
    }
    const mode: Mode = req.mode ?? 'chat';
    const policy = resolvePolicy(mode, this.#language(), this.#o.settings.get().policies[mode]);
    if (policy.requires_assignment && !req.assignment_id) {
      throw new ApiError('validation_error', `Invalid message: assignment_id: ${mode} mode needs an assignment`, [{ path: 'assignment_id', message: `${mode} mode needs an assignment` }]);
    }
    const unknownAssignment = Boolean(req.assignment_id && this.#o.assignments && !this.#o.assignments(req.assignment_id));
    if (unknownAssignment && !this.#o.registerAssignment) {
      throw new ApiError('validation_error', `Invalid message: assignment_id: there is no assignment '${req.assignment_id}'`, [{ path: 'assignment_id', message: 'no such assignment' }]);
    }
    const session: Session = {
      id: sessionId ?? uuidv7(),
      user_id: caller.user_id,
      assignment_id: req.assignment_id ?? null,
      mode,
      started_at: Date.now(),
      ended_at: null,
      policy_snapshot: {},
      // Named after its first message here, so every client shows the same title (session-title.ts).
      meta: { ...(req.chat_id ? { chat_id: req.chat_id } : {}), ...titleMeta(req.message) },
    };
    return { session, isNew: true, registerAssignment: unknownAssignment };
  }

  #language(): Language {
    return this.#o.settings.get().language ?? this.#o.defaultLanguage ?? 'zh-CN';
  }

  /** A new session's snapshot: the mode's policy, and the model the student may have (validly) chosen. */
  async #snapshotFor(mode: Mode, requestedModel: string | undefined): Promise<{ snapshot: PolicySnapshot; provider: Provider; model: string }> {
    const override = this.#o.settings.get().policies[mode] ?? {};
    const policy = resolvePolicy(mode, this.#language(), override);
    const { provider, model } = await this.#o.providers.select({ mode, requested: requestedModel, policy: override });
    const snapshot: PolicySnapshot = {
      provider_id: provider.id,
      provider_name: provider.name,
      model,
      models: [model],
      temperature: policy.temperature,
      max_output_tokens: policy.max_output_tokens,
      reasoning_effort: policy.reasoning_effort,
      system_prompt: policy.system_prompt,
    };
    return { snapshot, provider, model };
  }

  /**
   * A follow-up (or a retry) in an existing session. Named no model, or one the session has used:
   * that model, on the provider it used. Another model: only one the mode allows (as for a new
   * session); the write that records the message adds it to the snapshot's `models`.
   */
  async #followUp(session: Session, requestedModel: string | undefined): Promise<{ snapshot: PolicySnapshot; provider: Provider; model: string }> {
    const snapshot = await this.#snapshotOf(session);
    const model = requestedModel ?? snapshot.model;
    if (model === snapshot.model || snapshot.models.includes(model)) {
      return { snapshot, provider: await this.#o.providers.route(model, model === snapshot.model ? snapshot.provider_id : undefined), model };
    }
    const override = this.#o.settings.get().policies[session.mode] ?? {};
    const chosen = await this.#o.providers.select({ mode: session.mode, requested: model, policy: override });
    return { snapshot, ...chosen };
  }

  async #snapshotOf(session: Session): Promise<PolicySnapshot> {
    const s = session.policy_snapshot as Partial<PolicySnapshot>;
    // Sessions written before a snapshot existed (imports, old data) fall back to today's policy.
    if (!s.model || !s.system_prompt || !s.provider_id) return (await this.#snapshotFor(session.mode, undefined)).snapshot;
    // Snapshots from before per-turn models name only the first one.
    return { ...(s as PolicySnapshot), models: s.models ?? [s.model] };
  }

  #systemPrompt(snapshot: PolicySnapshot, assignmentId: string | null): string {
    if (!assignmentId) return snapshot.system_prompt.text;
    const found = this.#o.assignments?.(assignmentId);
    // One a message registered knows only its id (its title is the id).
    const a = found?.meta?.registered_from === 'message' ? null : found;
    const zh = snapshot.system_prompt.language === 'zh-CN';
    const lines = a
      ? [zh ? `作业：${a.title}` : `Assignment: ${a.title}`, a.subject ? (zh ? `科目：${a.subject}` : `Subject: ${a.subject}`) : '', a.description ?? '']
      : [zh ? `作业编号：${assignmentId}` : `Assignment id: ${assignmentId}`];
    return `${snapshot.system_prompt.text}\n\n${lines.filter(Boolean).join('\n')}`;
  }

  /** The request body: the snapshot's parameters, shaped for what this model accepts. */
  #params(p: Prepared): Omit<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming, 'stream'> {
    const traits = traitsOf(p.model);
    const s = p.snapshot;
    return {
      model: p.model,
      messages: p.messages,
      ...(s.temperature !== null && !traits.noTemperature ? { temperature: s.temperature } : {}),
      ...(traits.maxCompletionTokens ? { max_completion_tokens: s.max_output_tokens } : { max_tokens: s.max_output_tokens }),
      ...(s.reasoning_effort && traits.reasoningEffort ? { reasoning_effort: s.reasoning_effort } : {}),
    };
  }

  #usage(p: Prepared, reported: OpenAI.Completions.CompletionUsage | null | undefined, content: string, reasoning: string): Usage {
    const estimated = !reported || typeof reported.prompt_tokens !== 'number' || typeof reported.completion_tokens !== 'number';
    const tokensIn = estimated ? countPromptTokens(p.messages) : reported.prompt_tokens;
    const tokensOut = estimated ? countTokens(content) + countTokens(reasoning) : reported.completion_tokens;
    // OpenAI and Qwen report prompt_tokens_details.cached_tokens; DeepSeek prompt_cache_hit_tokens.
    const details = reported as (OpenAI.Completions.CompletionUsage & { prompt_cache_hit_tokens?: number }) | null | undefined;
    const cached = estimated ? 0 : (details?.prompt_tokens_details?.cached_tokens ?? details?.prompt_cache_hit_tokens ?? 0);
    const costing = costOf(p.model, { tokensIn, cachedTokens: cached, tokensOut }, this.#o.settings.get().prices);
    return { tokens_in: tokensIn, tokens_out: tokensOut, cached_tokens: cached, cost: costing.cost, estimated, price_known: costing.price_known, price_table_version: costing.price_table_version };
  }

  #assistantMeta(p: Prepared, fields: { status: AssistantStatus; usage?: Usage; content: string; reasoning: string; finish_reason?: string | null; error?: ApiError; truncated?: boolean }): JsonObject {
    const truncated = fields.truncated === true || fields.content.length > MAX_CONTENT_CHARS || fields.reasoning.length > MAX_REASONING_CHARS;
    return {
      user_turn_id: p.userTurn.id,
      mode: p.session.mode,
      provider_id: p.providerId,
      status: fields.status,
      ...(fields.usage ? { usage: fields.usage } : {}),
      ...(fields.reasoning ? { reasoning: redact(fields.reasoning, p.secrets).slice(0, MAX_REASONING_CHARS) } : {}),
      ...(truncated ? { truncated: true } : {}),
      ...(fields.finish_reason !== undefined ? { finish_reason: fields.finish_reason } : {}),
      ...(fields.error ? { error: { code: fields.error.code, message: redact(fields.error.detail, p.secrets) } } : {}),
    };
  }

  #finishAssistant(
    p: Prepared,
    turnId: string,
    stored: boolean,
    r: { content: string; reasoning: string; status: AssistantStatus; finishReason: string | null; reported: OpenAI.Completions.CompletionUsage | null | undefined; model: string; error?: ApiError; truncated?: boolean },
  ): Promise<Turn> {
    const usage = this.#usage(p, r.reported, r.content, r.reasoning);
    const fields = {
      content: storable(r.content, p.secrets),
      model: r.model,
      tokens_in: usage.tokens_in,
      tokens_out: usage.tokens_out,
      cost: usage.cost,
      meta: this.#assistantMeta(p, { status: r.status, usage, content: r.content, reasoning: r.reasoning, finish_reason: r.finishReason, truncated: r.truncated === true, ...(r.error ? { error: r.error } : {}) }),
    };
    return this.#o.store.writes.run('record the answer', () => {
      const turn = stored
        ? this.#o.turns.updateTurnById(turnId, fields)
        : this.#o.turns.insertNewTurn({ id: turnId, session_id: p.session.id, role: 'assistant', ...fields });
      // Deleted mid-stream (with its session): nothing left to finish.
      if (!turn) throw new ApiError('not_found', `Session '${p.session.id}' was deleted while it was being answered.`);
      // A cut stream leaves the message unanswered (retry offers itself); a stopped one is answered.
      if (r.status !== 'interrupted') {
        this.#o.turns.updateTurnById(p.userTurn.id, { meta: userTurnMeta(p.userTurn, { status: 'answered', assistant_turn_id: turnId }) });
      }
      return turn;
    });
  }

  #errorContext(p: Prepared) {
    return { provider: p.providerName, model: p.model, secrets: p.secrets };
  }

  /** Records the failure on the user turn (which stays) and returns the error to throw. */
  #fail(p: Prepared, error: unknown): ApiError {
    return this.#markFailed(p.userTurn, upstreamError(error, this.#errorContext(p)), p.secrets);
  }

  #markFailed(userTurn: Turn, failure: ApiError, secrets: readonly string[]): ApiError {
    this.#o.turns.updateTurnById(userTurn.id, {
      meta: userTurnMeta(userTurn, { status: 'failed', error: { code: failure.code, message: redact(failure.detail, secrets) } }),
    });
    return failure;
  }

  #response(session: Session, turn: Turn): ProxyMessageResponse {
    const meta = turn.meta as { user_turn_id: string; status: AssistantStatus; usage: Usage; reasoning?: string; finish_reason?: string | null; truncated?: boolean };
    return {
      turn_id: turn.id,
      session_id: session.id,
      content: turn.content,
      model: turn.model ?? '',
      meta: {
        session_id: session.id,
        mode: session.mode,
        user_turn_id: meta.user_turn_id,
        assignment_id: session.assignment_id,
        status: meta.status,
        usage: meta.usage,
        ...(meta.reasoning ? { reasoning: meta.reasoning } : {}),
        ...(meta.truncated ? { truncated: true } : {}),
        finish_reason: meta.finish_reason ?? null,
      },
    };
  }
}
