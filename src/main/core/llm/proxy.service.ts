/**
 * The LLM proxy: every student message goes through here (seed: "数据流程图").
 *
 *   1. find or create the session (its policy_snapshot = exactly what will be sent)   session-policy.ts
 *      — or, for a client_request_id seen before, replay or retry                      request-ledger.ts
 *   2. commit the user turn (status 'pending')          ← durable before the model is called
 *   3. call the model through the openai SDK                                           openai-adapter.ts
 *   4. commit the assistant turn and mark the user turn 'answered'                     answer-recorder.ts
 *      — or, on failure, mark the user turn 'failed' with meta.error {code, message}
 *
 * Validation happens once, at the edge: dispatch (core/api/dispatch.ts) parses every request with
 * its route's schema, so the proxy takes a parsed ProxyMessage and does not parse it again. (The
 * repositories still check the rows they write — the store's own invariants, as the CHECK
 * constraints do for raw SQL.) Every write goes through the group commit (store.writes).
 */
import { v7 as uuidv7 } from 'uuid';
import type { AssistantTurn, Language, ProxyMessage, ProxyMessageResponse, ProxyStreamEvent, UserTurn } from '../../../shared/api/schemas.ts';
import { ApiError, type ErrorCode } from '../../../shared/errors.ts';
import type { Caller } from '../caller.ts';
import type { Store } from '../db/connection.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import type { TurnsRepo } from '../db/turns.repo.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { AnswerRecorder } from './answer-recorder.ts';
import { buildMessages } from './context.ts';
import { traitsOf } from './models.ts';
import { AnswerStream, complete } from './openai-adapter.ts';
import { errorContext, type Prepared } from './prepared.ts';
import { ModelsUnreadable, type ProviderRegistry } from './providers.ts';
import { RequestLedger } from './request-ledger.ts';
import { SessionPolicy, type AssignmentLookup, type AssignmentRegistrar, type SessionPlan } from './session-policy.ts';
import { upstreamError } from './upstream-errors.ts';
import { DEFAULT_MAX_REQUEST_MS } from './upstream-limits.ts';

export type { PolicySnapshot, ProxyMessage } from '../../../shared/api/schemas.ts';
export type { AssignmentInfo, AssignmentLookup, AssignmentRegistrar } from './session-policy.ts';

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

type Prepare = { kind: 'replay'; response: ProxyMessageResponse } | { kind: 'call'; prepared: Prepared };

/** Why no model could be chosen, when the message is still worth keeping for a retry (#keepUnsent). */
const KEPT_WHEN_UNCHOSEN: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'keychain_unavailable',
  'upstream_auth',
  'upstream_unreachable',
  'upstream_timeout',
  'upstream_rate_limited',
  'upstream_error',
  'upstream_bad_response',
]);

export class ProxyService {
  readonly #o: ProxyServiceOptions;
  readonly #policy: SessionPolicy;
  readonly #ledger: RequestLedger;
  readonly #recorder: AnswerRecorder;

  constructor(options: ProxyServiceOptions) {
    this.#o = options;
    this.#policy = new SessionPolicy(options);
    this.#ledger = new RequestLedger(options);
    this.#recorder = new AnswerRecorder(options);
  }

  /** Sends one message and waits for the whole answer. */
  async send(caller: Caller, input: ProxyMessage, signal?: AbortSignal): Promise<ProxyMessageResponse> {
    const step = await this.#prepare(caller, input);
    if (step.kind === 'replay') return step.response;
    const p = step.prepared;
    let turn: AssistantTurn;
    try {
      const answer = await complete(p, signal);
      // The answer could not be stored (full or read-only disk): the message must not stay
      // 'pending', or every retry would be refused as still in flight until the next start.
      turn = await this.#recorder.recordCompletion(p, answer);
    } catch (error) {
      throw await this.#recorder.fail(p, error);
    }
    return this.#recorder.response(p.session, turn);
  }

  /**
   * Sends one message and yields the answer as it arrives: a `start`, text and reasoning deltas,
   * then one `done` with the same response `send` returns. Aborting `signal` stops the model;
   * the partial answer is kept with status 'aborted' and `done` still comes. A failure throws an
   * ApiError after the partial answer (if any) is stored with status 'interrupted'.
   */
  async *stream(caller: Caller, input: ProxyMessage, signal?: AbortSignal): AsyncGenerator<ProxyStreamEvent, void, undefined> {
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

    const answer = new AnswerStream(p, signal);
    const partial = this.#recorder.partial(p, turnId);
    try {
      for await (const piece of answer.run()) {
        await partial.flush(answer.content, answer.reasoning, answer.model);
        if (piece.visible) yield { type: piece.kind, content: piece.visible };
      }
    } catch (error) {
      const failure = upstreamError(error, errorContext(p));
      if (partial.stored || answer.content || answer.reasoning) {
        try {
          await this.#recorder.finish(p, turnId, partial.stored, {
            content: answer.content,
            reasoning: answer.reasoning,
            status: 'interrupted',
            finishReason: answer.finishReason,
            reported: null,
            model: answer.model,
            error: failure,
            truncated: answer.reasoningCapped,
          });
        } catch (storeError) {
          throw await this.#recorder.fail(p, storeError);
        }
      }
      // What arrived before the failure was stored: the caller sees all of it too.
      yield* answer.tails();
      throw await this.#recorder.fail(p, failure);
    }
    const aborted = answer.stoppedByCaller;
    yield* answer.tails();
    let turn: AssistantTurn;
    try {
      turn = await this.#recorder.finish(p, turnId, partial.stored, {
        content: answer.content,
        reasoning: answer.reasoning,
        status: aborted ? 'aborted' : 'complete',
        finishReason: answer.finishReason,
        // A capped stream was stopped before the provider's usage chunk: counted locally.
        reported: aborted || answer.capped ? null : answer.reported,
        model: answer.model,
        truncated: answer.capped || answer.reasoningCapped,
      });
    } catch (error) {
      // As in send(): a message whose answer could not be stored is failed, not left 'pending'.
      throw await this.#recorder.fail(p, error);
    }
    yield { type: 'done', response: this.#recorder.response(p.session, turn) };
  }

  /**
   * Start-up repair after a crash or kill: streams that were in flight keep their flushed text and
   * become 'interrupted'; messages that never got an answer become 'failed' (retry offers itself).
   */
  recoverInterrupted(): { assistant_turns: number; user_turns: number } {
    return this.#recorder.recoverInterrupted();
  }

  // -------------------------------------------------------------------------------------------

  async #prepare(caller: Caller, req: ProxyMessage): Promise<Prepare> {
    // An idempotent retry: never a second user turn.
    const ledgered = this.#ledger.lookup(caller, req.client_request_id);
    if (ledgered.kind === 'replay') return { kind: 'replay', response: this.#recorder.response(ledgered.session, ledgered.answer) };
    const retried: UserTurn | null = ledgered.kind === 'retry' ? ledgered.turn : null;

    const plan = retried ? this.#policy.sessionOfRetry(retried.session_id) : this.#policy.sessionFor(caller, req);
    const { session } = plan;
    let choice: Awaited<ReturnType<SessionPolicy['choose']>>;
    try {
      choice = await this.#policy.choose(plan, req.model);
    } catch (error) {
      throw await this.#keepUnsent(caller, req, plan, retried, error);
    }
    const { snapshot, provider, model } = choice;

    // A session this message starts has no history yet: no query.
    const history = (plan.isNew ? [] : this.#o.turns.getTurnsBySessionId(session.id)).filter(
      (t) => !retried || t.created_at < retried.created_at || (t.created_at === retried.created_at && t.id < retried.id),
    );
    const systemPrompt = this.#policy.systemPrompt(snapshot, session.assignment_id);
    const message = retried ? retried.content : req.message;
    const { messages } = buildMessages({ systemPrompt, history, message, contextWindow: traitsOf(model).contextWindow, maxOutputTokens: snapshot.max_output_tokens });

    // Durable before the upstream call: the new session (if any) and the user turn, together.
    // The write joins a group commit, so other messages may be written between the checks above
    // and it: what they could have changed is checked again inside it.
    const userTurn = await this.#o.store.writes.run('record the message', (db) => {
      this.#policy.checkInWrite(db, plan, choice);
      if (req.client_request_id) this.#ledger.checkInWrite(caller, req.client_request_id, retried);
      this.#policy.createInWrite(db, plan, choice);
      return this.#ledger.record(db, caller, req, session, model, retried);
    });

    // The key is fetched only now: a locked keychain or a missing key leaves the message saved,
    // marked failed with that code, ready to retry once the key is there.
    let connection: Awaited<ReturnType<ProviderRegistry['client']>>;
    try {
      connection = await this.#o.providers.client(provider);
    } catch (error) {
      throw await this.#recorder.markFailed(userTurn, upstreamError(error, { provider: provider.name, model, secrets: [] }), []);
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
   * No model could be chosen because the provider could not be asked (its key is missing or
   * refused, the keychain is locked, it is offline): the message is still kept — a new session
   * with an empty snapshot (filled in by the first message that gets an answer) and the user turn
   * marked failed with that code — so a retry sends it once the provider answers. Refusals
   * (validation, not found, conflict) and a setup with no usable model write nothing, as before.
   */
  async #keepUnsent(caller: Caller, req: ProxyMessage, plan: SessionPlan, retried: UserTurn | null, error: unknown): Promise<unknown> {
    if (!(error instanceof ModelsUnreadable || (error instanceof ApiError && KEPT_WHEN_UNCHOSEN.has(error.code)))) return error;
    const userTurn = await this.#o.store.writes.run('record the message', (db) => {
      if (req.client_request_id) this.#ledger.checkInWrite(caller, req.client_request_id, retried);
      this.#policy.createUnchosenInWrite(db, plan);
      return this.#ledger.record(db, caller, req, plan.session, req.model ?? null, retried);
    });
    return this.#recorder.markFailed(userTurn, error, []);
  }
}
