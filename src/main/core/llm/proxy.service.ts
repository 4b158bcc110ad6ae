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
import { newId } from '../ids.ts';
import type {
  AssistantTurn,
  Language,
  PolicySnapshot,
  ProxyMessage,
  ProxyMessageResponse,
  ProxyStreamEvent,
  Session,
  Turn,
  TurnAttachmentMeta,
  UserTurn,
  UserTurnMeta,
} from '../../../shared/api/schemas.ts';
import { modelInfo } from '../../../shared/presets.ts';
import { ApiError, type ErrorCode } from '../../../shared/errors.ts';
import type { AttachmentService, MessageFile } from '../attachments/service.ts';
import type { Caller } from '../caller.ts';
import type { Store } from '../db/connection.ts';
import type { WritableDB } from '../db/handles.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import type { TurnsRepo } from '../db/turns.repo.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { AnswerRecorder, userTurnMeta } from './answer-recorder.ts';
import { AssignmentGate, type AssignmentUse, type DailyAllowance, type Gate } from './assignment-policy.ts';
import { composeMessage, historyMessage, imagesRefused, withImages, type ComposedMessage } from './attachment-context.ts';
import { buildMessages } from './context.ts';
import { traitsOf } from './models.ts';
import { AnswerStream, complete } from './openai-adapter.ts';
import { errorContext, type Prepared } from './prepared.ts';
import { ModelsUnreadable, type ProviderRegistry } from './providers.ts';
import { RequestLedger } from './request-ledger.ts';
import { SessionPolicy, type AssignmentLookup, type AssignmentRegistrar, type SessionPlan, type SessionPolicyOptions } from './session-policy.ts';
import { countTokens } from './tokens.ts';
import { upstreamError } from './upstream-errors.ts';
import { DEFAULT_MAX_REQUEST_MS } from './upstream-limits.ts';
import { ModelTitles } from './model-title.ts';
import { contextOf, followNewTurn, parentOfNewMessage, placedAt } from './versions.ts';

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
  /** What a student has used on an assignment, for its allowance (without it, allowances are not enforced). */
  assignmentUse?: AssignmentUse;
  /** A daily allowance on top of the assignment's own (the class hub's, sync/allowances.ts). */
  dailyAllowance?: DailyAllowance;
  /** The UI language, for system prompts; settings.language wins when set. */
  defaultLanguage?: Language;
  /** How often streamed text is written to the database (not per token). */
  flushIntervalMs?: number;
  /** After a session's first answer, ask its model for a short title (model-title.ts). Off unless the entry point turns it on. */
  modelTitles?: boolean;
  /** Photos and PDFs on messages; without it, a message with attachments is refused. */
  attachments?: AttachmentService;
  /** Study templates (a new session's template_id): see session-policy.ts. */
  templates?: SessionPolicyOptions['templates'];
}

/** Another answer to a message (versions): the session, the message or its answer, optionally another model. */
export interface RegenerateRequest {
  id: string;
  turn_id: string;
  model?: string | undefined;
}

/** `done`: the exchange is over (answered, failed or stopped): the session's next message may go (#afterEarlierMessages). */
type Prepare = { kind: 'replay'; response: ProxyMessageResponse } | { kind: 'call'; prepared: Prepared; done: () => void };

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
  readonly #gate: AssignmentGate;
  /** Per session, the end of its queue of new messages in flight (#afterEarlierMessages). */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** Model-made session titles, after the first answer is recorded (in the background: never delaying it). */
  readonly titles: ModelTitles;

  constructor(options: ProxyServiceOptions) {
    this.#o = options;
    this.#policy = new SessionPolicy(options);
    this.#ledger = new RequestLedger(options);
    this.#recorder = new AnswerRecorder(options);
    this.#gate = new AssignmentGate(options);
    this.titles = new ModelTitles({ ...options, enabled: options.modelTitles === true });
  }

  /** Sends one message and waits for the whole answer. */
  async send(caller: Caller, input: ProxyMessage, signal?: AbortSignal): Promise<ProxyMessageResponse> {
    const step = await this.#prepare(caller, input, signal);
    if (step.kind === 'replay') return step.response;
    const p = step.prepared;
    let turn: AssistantTurn;
    try {
      const answer = await complete(p, signal);
      // The answer could not be stored (full or read-only disk): the message must not stay
      // 'pending', or every retry would be refused as still in flight until the next start.
      turn = await this.#recorder.recordCompletion(p, answer);
    } catch (error) {
      throw await this.#recorder.fail(p, imagesRefused(p, error));
    } finally {
      step.done();
    }
    this.titles.afterAnswer(p, turn);
    return this.#recorder.response(p.session, turn);
  }

  /**
   * Sends one message and yields the answer as it arrives: a `start`, text and reasoning deltas,
   * then one `done` with the same response `send` returns. Aborting `signal` stops the model;
   * the partial answer is kept with status 'aborted' and `done` still comes. A failure throws an
   * ApiError after the partial answer (if any) is stored with status 'interrupted'.
   */
  async *stream(caller: Caller, input: ProxyMessage, signal?: AbortSignal): AsyncGenerator<ProxyStreamEvent, void, undefined> {
    const step = await this.#prepare(caller, input, signal);
    if (step.kind === 'replay') {
      const r = step.response;
      yield { type: 'start', session_id: r.session_id, user_turn_id: r.meta.user_turn_id, turn_id: r.turn_id, model: r.model };
      if (r.meta.reasoning) yield { type: 'reasoning', content: r.meta.reasoning };
      if (r.content) yield { type: 'delta', content: r.content };
      yield { type: 'done', response: r };
      return;
    }
    try {
      yield* this.#streamAnswer(step.prepared, signal);
    } finally {
      // Also when the consumer stops reading (return()): the generator's finally runs then.
      step.done();
    }
  }

  /**
   * Versions: another answer to a message already sent (`turn_id` names the message or one of its
   * answers), streamed as `stream` does, beside the earlier answers — which stay. Optionally with
   * another model the mode allows. The context is the message's own branch. A failure leaves the
   * message and its earlier answers as they were.
   */
  async *regenerate(caller: Caller, req: RegenerateRequest, signal?: AbortSignal): AsyncGenerator<ProxyStreamEvent, void, undefined> {
    const p = await this.#prepareRegeneration(caller, req);
    yield* this.#streamAnswer(p, signal);
  }

  /** The answer to a prepared message, streamed and recorded (`stream`, `regenerate`). */
  async *#streamAnswer(p: Prepared, signal: AbortSignal | undefined): AsyncGenerator<ProxyStreamEvent, void, undefined> {
    const turnId = newId();
    yield { type: 'start', session_id: p.session.id, user_turn_id: p.userTurn.id, turn_id: turnId, model: p.model };

    const answer = new AnswerStream(p, signal);
    const partial = this.#recorder.partial(p, turnId);
    try {
      for await (const piece of answer.run()) {
        await partial.flush(answer.content, answer.reasoning, answer.model);
        if (piece.visible) yield { type: piece.kind, content: piece.visible };
      }
    } catch (error) {
      const failure = imagesRefused(p, upstreamError(error, errorContext(p))) as ReturnType<typeof upstreamError>;
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
    // Started before `done` goes out (it runs in the background): a client waiting for the title
    // after `done` (GET /sessions/{id}/title) finds it in flight.
    this.titles.afterAnswer(p, turn);
    yield { type: 'done', response: this.#recorder.response(p.session, turn) };
  }

  /**
   * Start-up repair after a crash or kill: streams that were in flight keep their flushed text and
   * become 'interrupted'; messages that never got an answer become 'failed' (retry offers itself).
   */
  recoverInterrupted(): { assistant_turns: number; user_turns: number } {
    // Only a session with an exchange left open can hold a message left waiting behind it (one
    // stopped or refused while it waited is placed once that exchange is over): found before the
    // repair settles them, so start-up reads those sessions and never every turn.
    const open = new Set(this.#o.turns.getOpenTurns().map((t) => t.session_id));
    const repaired = this.#recorder.recoverInterrupted();
    // Messages that were waiting (meta.queued) take the place they never took: the end of their
    // session's active branch, failed as the repair left them, in the order they arrived — so
    // the student sees each one and its retry (which answers it where it is).
    this.#o.store.transaction('place the messages the last run left waiting', (db) => {
      for (const sessionId of open) {
        for (const turn of this.#o.turns.getTurnsBySessionId(sessionId)) {
          if (turn.role === 'user' && turn.meta.queued === true) this.#placeFailed(db, turn.id);
        }
      }
    });
    return repaired;
  }

  // -------------------------------------------------------------------------------------------

  async #prepare(caller: Caller, req: ProxyMessage, signal: AbortSignal | undefined): Promise<Prepare> {
    // An idempotent retry: never a second user turn. (A message waiting in the queue was written
    // when it arrived, so its retry finds it: 'pending' is a conflict, answered a replay.)
    const ledgered = this.#ledger.lookup(caller, req.client_request_id);
    if (ledgered.kind === 'replay') return { kind: 'replay', response: this.#recorder.response(ledgered.session, ledgered.answer) };
    const retried: UserTurn | null = ledgered.kind === 'retry' ? ledgered.turn : null;

    let plan = retried ? this.#policy.sessionOfRetry(retried.session_id) : this.#policy.sessionFor(caller, req);
    // A retry keeps its place — unless it never took one (stopped or cut while it waited): then it
    // takes it now, as a new message does.
    const placed = retried !== null && retried.meta.queued !== true;
    if (placed || plan.isNew || req.parent_id !== undefined) {
      return { kind: 'call', prepared: await this.#prepareCall(caller, req, retried, plan, null), done: () => {} };
    }
    const slot = this.#afterEarlierMessages(plan.session.id);
    let unplaced: UserTurn | null = null;
    let stoppedWaiting = false;
    try {
      if (slot.waiting || retried) {
        // Durable before it waits: never only in memory (see #recordArrival).
        unplaced = await this.#recordArrival(caller, req, plan, retried);
        try {
          await unlessStopped(slot.ready, signal);
        } catch (stop) {
          // Stopped while it waited (the student, a closed window, a shutdown): kept, failed; the
          // model is never asked and no answer is written. A retry sends it.
          stoppedWaiting = true;
          throw await this.#recorder.markFailed(unplaced, stop instanceof ApiError ? stop : stoppedWhileQueued(), []);
        }
      }
      // The session as the earlier message left it (its answer is the new end of the branch, its hint level).
      plan = retried ? this.#policy.sessionOfRetry(retried.session_id) : this.#policy.sessionFor(caller, req);
      return { kind: 'call', prepared: await this.#prepareCall(caller, req, retried, plan, unplaced), done: slot.done };
    } catch (error) {
      if (!unplaced) {
        slot.done();
        throw error;
      }
      // Written on arrival and refused before it was sent (the session ended meanwhile, a model the
      // policy forbids …): failed with that reason, not left 'pending'.
      await this.#failIfPending(unplaced.id, error);
      // Never left where it arrived (below the newest turn then, maybe the earlier message itself,
      // off every branch the student can see): once the earlier exchange is over it takes its
      // place, failed — before the next message goes, so that one follows it. A message stopped
      // while it waits is told so at once; its place follows when the earlier answer ends.
      const placing = this.#placeWhenReady(unplaced.id, slot.ready).finally(slot.done);
      if (!stoppedWaiting) await placing;
      throw error;
    }
  }

  /**
   * Two new messages sent to one session at the same moment (no parent_id: "the end of the active
   * branch") must follow one another, not both pick the same parent and become sibling versions.
   * The parent is the end of the branch once the earlier message is answered (its answer), so
   * picking it again inside the group-committed write is not enough: the earlier message may
   * still be waiting for its answer. So such messages queue per session: each waits until the
   * previous one's exchange is over (answered, failed, stopped), then is prepared as usual. Edits
   * and regenerations name their parent on purpose and never wait; a retry keeps its place; a
   * replay or a conflict answers at once.
   *
   * A message that has to wait is written first (#recordArrival), so it is never only in memory,
   * and takes its place when its turn comes (#place). Its wait ends early when it is stopped.
   *
   * The queue lives in this process's memory, per session: another process writing the same
   * database (a second `studylog serve` on the data dir, which the serving lock refuses) would not
   * see it. Nothing else needs it to survive a restart — a message that was waiting is failed by
   * the start-up repair, and sent again it queues anew.
   *
   * Returns at once (no await, so messages queue in the order they arrived): `waiting` (an earlier
   * message is in flight), `ready` (resolves when it is over), `done` (this message's exchange is
   * over; idempotent; every path calls it). The next message waits for both this one's `done` and
   * the earlier one's end, so an early `done` (a refusal, a stop while waiting) never lets it
   * overtake the earlier message.
   */
  #afterEarlierMessages(sessionId: string): { waiting: boolean; ready: Promise<void>; done: () => void } {
    const earlier = this.#inFlight.get(sessionId);
    let earlierOver = earlier === undefined;
    const ready = earlier ? earlier.then(() => void (earlierOver = true)) : Promise.resolve();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Never rejects: both are resolve-only.
    const mine = Promise.all([ready, released]).then(() => undefined);
    this.#inFlight.set(sessionId, mine);
    let over = false;
    const forget = () => {
      if (this.#inFlight.get(sessionId) === mine) this.#inFlight.delete(sessionId);
    };
    const done = () => {
      if (over) return;
      over = true;
      release();
      // The session's entry goes when nothing is queued behind this one: at once when the earlier
      // message is over too (so a message sent right after this answer does not count as waiting),
      // else once it is.
      if (earlierOver) forget();
      else void mine.then(forget);
    };
    return { waiting: earlier !== undefined, ready, done };
  }

  /**
   * A message that must wait behind an earlier one of its session is written when it arrives, as
   * every message is before the model is called: 'pending', with its attachments, marked
   * meta.queued, below the newest turn for now — its real place, the end of the branch once the
   * earlier exchange is over, is set when its turn comes (#place). So it is in GET
   * /sessions/{id}/turns while it waits, a retry with its client_request_id finds it, and a crash,
   * kill or shutdown leaves it failed (the start-up repair), for a retry. A message that never
   * took its place, sent again, is set 'pending' again here (its retries counted).
   */
  async #recordArrival(caller: Caller, req: ProxyMessage, plan: SessionPlan, retried: UserTurn | null): Promise<UserTurn> {
    const { session } = plan;
    if (retried) {
      return this.#o.store.writes.run('record the message', (db) => {
        this.#ledger.checkInWrite(caller, req.client_request_id, retried);
        return this.#ledger.record(db, caller, req, session, retried.model, retried, retried.parent_id);
      });
    }
    const provisional = this.#o.turns.activeLeafId(session.id, session.meta.active_leaf_id);
    const files = this.#files(caller, req, null, { sessionId: session.id, parentId: provisional });
    return this.#o.store.writes.run('record the message', (db) => {
      if (req.client_request_id) this.#ledger.checkInWrite(caller, req.client_request_id, null);
      const turn = this.#ledger.record(db, caller, req, session, req.model ?? null, null, provisional, { queued: true });
      return this.#attach(db, turn, files, null, null);
    });
  }

  /**
   * Inside the write that sends a queued message: it takes its place — `parentId`, the end of the
   * branch as the earlier exchange left it — and the time it took it (versions.ts placedAt), and
   * gets what a new message is written with (the model, the hint level).
   */
  #place(db: WritableDB, turnId: string, parentId: string | null, model: string | null, extra: UserTurnMeta): UserTurn {
    const turn = this.#o.turns.getTurnById(turnId);
    if (turn?.role !== 'user') throw new ApiError('not_found', `There is no message '${turnId}' to send (its session was deleted).`);
    const { queued: _placed, ...meta } = turn.meta;
    const moved = this.#o.turns.updateTurnById(db, turnId, {
      parent_id: parentId,
      created_at: placedAt(this.#o.turns, turn.session_id),
      model,
      meta: { ...meta, ...extra, status: 'pending' },
    });
    if (moved?.role !== 'user') throw new ApiError('not_found', `There is no message '${turnId}' to send.`);
    return moved;
  }

  /** A failed message that never took its place takes it once `ready` (the earlier exchange is over). Never rejects. */
  async #placeWhenReady(turnId: string, ready: Promise<void>): Promise<void> {
    await ready;
    try {
      await this.#o.store.writes.run('place the unsent message', (db) => this.#placeFailed(db, turnId));
    } catch {
      // The store closed meanwhile (a shutdown): the start-up repair places it.
    }
  }

  /**
   * Inside a write: a failed message that never took its place (stopped or refused while it
   * waited, or cut by a crash) takes it as it would have when sent — the end of the active
   * branch (versions.ts parentOfNewMessage) at the time it takes it (placedAt) — and stays
   * failed, so the student sees it on the branch with its retry. One sent again meanwhile
   * ('pending': its retry places it), answered, or deleted with its session is left alone.
   */
  #placeFailed(db: WritableDB, turnId: string): void {
    const turn = this.#o.turns.getTurnById(turnId);
    if (turn?.role !== 'user' || turn.meta.queued !== true || turn.meta.status !== 'failed') return;
    const session = this.#o.sessions.getSessionById(turn.session_id);
    if (!session) return;
    const { queued: _placed, ...meta } = turn.meta;
    this.#o.turns.updateTurnById(db, turnId, {
      parent_id: parentOfNewMessage(this.#o.turns, session, false, undefined),
      created_at: placedAt(this.#o.turns, session.id),
      meta,
    });
    // The newest turn is the end of the active branch again: the student sees it.
    followNewTurn(db, this.#o.sessions, session.id);
  }

  /** A queued message refused before it was sent: failed with the reason (unless already settled). */
  async #failIfPending(turnId: string, error: unknown): Promise<void> {
    const turn = this.#o.turns.getTurnById(turnId);
    if (turn?.role !== 'user' || turn.meta.status !== 'pending') return;
    const failure = error instanceof ApiError ? error : new ApiError('internal_error', `The message could not be sent: ${String(error)}`);
    await this.#recorder.markFailed(turn, failure, []).catch(() => undefined);
  }

  /** `unplaced`: the message, written already while it waited (#recordArrival); it takes its place in the write below. */
  async #prepareCall(caller: Caller, req: ProxyMessage, retried: UserTurn | null, plan: SessionPlan, unplaced: UserTurn | null): Promise<Prepared> {
    // Versions: where the message goes in the session's tree (versions.ts); a queued one, at the
    // end of the branch as the earlier exchange left it.
    const parentId = retried && !unplaced ? retried.parent_id : parentOfNewMessage(this.#o.turns, plan.session, plan.isNew, req.parent_id);
    // Stored with the message already (a retry, or a queued message: linked when it arrived).
    const stored = retried ?? unplaced;
    // The assignment's policy, from the local database before the provider is asked (so offline
    // too): refusals that keep the message end here (assignment-policy.ts).
    // Its attachments (each checked to be the caller's): kept with the message whatever happens next.
    const files = this.#files(caller, req, stored, plan.isNew ? undefined : { sessionId: plan.session.id, parentId });
    const gate = this.#gate.check(plan, req, retried);
    if (gate?.refusal) throw await this.#keepRefused(caller, req, plan, retried, unplaced, parentId, files, gate);
    if (plan.isNew && gate) plan = { ...plan, session: { ...plan.session, meta: this.#gate.newSessionMeta(gate, plan.session.meta) } };
    const { session } = plan;
    let choice: Awaited<ReturnType<SessionPolicy['choose']>>;
    try {
      choice = await this.#policy.choose(plan, req.model);
      const allowed = this.#gate.modelToRetry(gate, req.model, choice.model);
      if (allowed) choice = await this.#policy.choose(plan, allowed);
    } catch (error) {
      throw await this.#keepUnsent(caller, req, plan, retried, unplaced, parentId, files, error);
    }
    this.#gate.checkModel(gate, choice.model);
    // The policy as applied lands in a new session's snapshot (a running one's: recordInWrite).
    if (gate && plan.isNew) choice = { ...choice, snapshot: { ...choice.snapshot, assignment_policy: gate.policy } };
    const { snapshot, provider, model } = choice;

    // Versions: the message's context is its own branch (a retried message keeps its place); a
    // session this message starts has none yet: no query.
    const history = plan.isNew ? [] : contextOf(this.#o.turns, parentId);
    const systemPrompt = this.#policy.systemPrompt(snapshot, session.assignment_id, this.#gate.promptAdditions(gate, snapshot.system_prompt.language));
    const message = stored ? stored.content : req.message;
    const { messages, composed, imageTokens } = upstreamMessages(snapshot, model, systemPrompt, history, message, files, this.#filesOf);

    // Durable before the upstream call: the new session (if any) and the user turn, together.
    // The write joins a group commit, so other messages may be written between the checks above
    // and it: what they could have changed is checked again inside it.
    const userTurn = await this.#o.store.writes.run('record the message', (db) => {
      this.#policy.checkInWrite(db, plan, choice);
      // A queued message holds its client_request_id since it arrived.
      if (req.client_request_id && !unplaced) this.#ledger.checkInWrite(caller, req.client_request_id, retried);
      this.#policy.createInWrite(db, plan, choice);
      this.#gate.recordInWrite(db, plan, gate);
      if (!plan.isNew) followNewTurn(db, this.#o.sessions, session.id);
      const extra = this.#gate.userTurnMeta(gate);
      const recorded = unplaced ? this.#place(db, unplaced.id, parentId, model, extra) : this.#ledger.record(db, caller, req, session, model, retried, parentId, extra);
      return this.#attach(db, recorded, files, composed, stored);
    });

    // The key is fetched only now: a locked keychain or a missing key leaves the message saved,
    // marked failed with that code, ready to retry once the key is there.
    let connection: Awaited<ReturnType<ProviderRegistry['client']>>;
    try {
      connection = await this.#o.providers.client(provider);
    } catch (error) {
      throw await this.#recorder.markFailed(userTurn, upstreamError(error, { provider: provider.name, model, secrets: [] }), []);
    }
    return preparedCall({ session, snapshot, userTurn, model, provider, messages, connection, imageTokens, gate });
  }

  /** What regenerate sends: the message again, on its own branch, to the model chosen (or the session's). */
  async #prepareRegeneration(caller: Caller, req: RegenerateRequest): Promise<Prepared> {
    const { sessions, turns } = this.#o;
    const found: Session | null = sessions.getSessionById(req.id);
    // Only the session's owner may add to it (an admin reads others' sessions, never writes in them).
    if (!found || found.user_id !== caller.user_id) throw new ApiError('not_found', `There is no session '${req.id}'.`);
    const named = turns.getTurnById(req.turn_id);
    if (!named || named.session_id !== found.id || named.role === 'system')
      throw new ApiError('not_found', `There is no message or answer '${req.turn_id}' in session '${req.id}'.`);
    const message = named.role === 'user' ? named : named.parent_id ? turns.getTurnById(named.parent_id) : null;
    if (message?.role !== 'user') throw new ApiError('not_found', `The answer '${req.turn_id}' has no message to answer again.`);
    if (message.meta.status === 'pending') throw new ApiError('conflict', 'This message is still being answered.');
    const plan = this.#policy.sessionOfRetry(found.id);
    // The assignment's policy applies to another answer as to the first: the allowance, the
    // models, and the hint level the message was sent at (answered like a retry of it).
    const gate = this.#gate.check(plan, {}, message);
    if (gate?.refusal) throw gate.refusal;
    let choice = await this.#policy.choose(plan, req.model);
    const allowed = this.#gate.modelToRetry(gate, req.model, choice.model);
    if (allowed) choice = await this.#policy.choose(plan, allowed);
    this.#gate.checkModel(gate, choice.model);
    const { snapshot, provider, model } = choice;
    const systemPrompt = this.#policy.systemPrompt(snapshot, found.assignment_id, this.#gate.promptAdditions(gate, snapshot.system_prompt.language));
    // The message's attachments go again, as the model chosen takes them.
    const files = this.#files(caller, {}, message);
    const { messages, imageTokens } = upstreamMessages(snapshot, model, systemPrompt, contextOf(turns, message.parent_id), message.content, files, this.#filesOf);
    // The model joins the snapshot's `models`; the new answer will be the end of the active branch.
    await this.#o.store.writes.run('record the regeneration', (db) => {
      this.#policy.checkInWrite(db, plan, choice);
      followNewTurn(db, sessions, found.id);
    });
    const connection = await this.#o.providers.client(provider).catch((error: unknown) => {
      throw upstreamError(error, { provider: provider.name, model, secrets: [] });
    });
    return { ...preparedCall({ session: plan.session, snapshot, userTurn: message, model, provider, messages, connection, imageTokens, gate }), regenerating: true };
  }

  /**
   * The assignment's policy refused the message (allowance used up, hint ceiling reached): it is
   * kept — the session created if new, with the applied policy in its snapshot, and the user turn
   * failed with the refusal's code, in one write — and the provider is never asked.
   */
  async #keepRefused(
    caller: Caller,
    req: ProxyMessage,
    plan: SessionPlan,
    retried: UserTurn | null,
    unplaced: UserTurn | null,
    parentId: string | null,
    files: MessageFile[],
    gate: Gate,
  ): Promise<ApiError> {
    const refusal = gate.refusal!;
    await this.#o.store.writes.run('record the refused message', (db) => {
      if (req.client_request_id && !unplaced) this.#ledger.checkInWrite(caller, req.client_request_id, retried);
      const session = plan.isNew ? { ...plan.session, meta: this.#gate.newSessionMeta(gate, plan.session.meta) } : plan.session;
      this.#policy.createUnchosenInWrite(db, { ...plan, session });
      if (plan.isNew) this.#o.sessions.updateSessionById(db, session.id, { policy_snapshot: { assignment_policy: gate.policy } });
      if (!plan.isNew) followNewTurn(db, this.#o.sessions, session.id);
      const extra = this.#gate.userTurnMeta(gate);
      const recorded = unplaced
        ? this.#place(db, unplaced.id, parentId, req.model ?? null, extra)
        : this.#ledger.record(db, caller, req, session, req.model ?? null, retried, parentId, extra);
      const turn = this.#attach(db, recorded, files, null, retried ?? unplaced);
      this.#o.turns.updateTurnById(db, turn.id, { meta: userTurnMeta(turn, { status: 'failed', error: { code: refusal.code, message: refusal.detail } }) });
    });
    return refusal;
  }

  /**
   * No model could be chosen because the provider could not be asked (its key is missing or
   * refused, the keychain is locked, it is offline): the message is still kept — a new session
   * with an empty snapshot (filled in by the first message that gets an answer) and the user turn
   * marked failed with that code — so a retry sends it once the provider answers. Refusals
   * (validation, not found, conflict) and a setup with no usable model write nothing, as before.
   */
  async #keepUnsent(
    caller: Caller,
    req: ProxyMessage,
    plan: SessionPlan,
    retried: UserTurn | null,
    unplaced: UserTurn | null,
    parentId: string | null,
    files: MessageFile[],
    error: unknown,
  ): Promise<unknown> {
    if (!(error instanceof ModelsUnreadable || (error instanceof ApiError && KEPT_WHEN_UNCHOSEN.has(error.code)))) return error;
    const userTurn = await this.#o.store.writes.run('record the message', (db) => {
      if (req.client_request_id && !unplaced) this.#ledger.checkInWrite(caller, req.client_request_id, retried);
      this.#policy.createUnchosenInWrite(db, plan);
      if (!plan.isNew) followNewTurn(db, this.#o.sessions, plan.session.id);
      const recorded = unplaced
        ? this.#place(db, unplaced.id, parentId, req.model ?? null, {})
        : this.#ledger.record(db, caller, req, plan.session, req.model ?? null, retried, parentId);
      return this.#attach(db, recorded, files, null, retried ?? unplaced);
    });
    return this.#recorder.markFailed(userTurn, error, []);
  }

  /**
   * A message's attachments: a new message's as it names them (each must be the caller's upload),
   * a retried one's as they were stored with it (the same files, the same text).
   */
  #files(caller: Caller, req: Pick<ProxyMessage, 'attachments'>, retried: UserTurn | null, within?: { sessionId: string; parentId: string | null }): MessageFile[] {
    const service = this.#o.attachments;
    if (retried) return retried.meta.attachments?.length && service ? service.ofTurn(retried.id) : [];
    if (!req.attachments?.length) return [];
    if (!service) throw new ApiError('validation_error', 'Invalid message: attachments: this server takes no attachments', [{ path: 'attachments', message: 'not taken here' }]);
    return service.forMessage(caller, req.attachments, within);
  }

  /** An earlier message's attachments, for the history (upstreamMessages); null without attachments. */
  get #filesOf(): ((turnId: string, withData: boolean) => MessageFile[]) | null {
    const service = this.#o.attachments;
    return service ? (turnId, withData) => service.ofTurn(turnId, withData) : null;
  }

  /**
   * Inside the message's write: a new message is linked to its attachments (with the text that
   * goes in their place); the turn's meta.attachments says what each was and how it was sent.
   */
  #attach(db: WritableDB, userTurn: UserTurn, files: readonly MessageFile[], composed: ComposedMessage | null, retried: UserTurn | null): UserTurn {
    if (files.length === 0) return userTurn;
    if (!retried)
      this.#o.attachments!.repo.link(
        db,
        userTurn.id,
        files.map((f) => ({ sha256: f.sha256, name: f.name, text: f.text })),
      );
    const meta: TurnAttachmentMeta[] =
      composed?.meta ?? files.map((f) => ({ sha256: f.sha256, kind: f.kind, mime: f.mime, name: f.name, bytes: f.bytes, width: f.width, height: f.height, pages: f.pages }));
    const updated = this.#o.turns.updateTurnById(db, userTurn.id, { meta: { ...userTurn.meta, attachments: meta } });
    return updated?.role === 'user' ? updated : userTurn;
  }
}

/**
 * What goes upstream for one message (send, retry and regenerate alike): the system prompt, its
 * branch's history and the message — with its attachments as the model takes them (images as
 * content parts for a model that reads them, else their text; a PDF's text within the token
 * budget: attachment-context.ts). Earlier messages of the branch carry their attachments the same
 * way (`filesOf`: a stored turn's files), within what the context window leaves, oldest dropped
 * first. `imageTokens`: the estimated tokens of every image sent, history included.
 */
function upstreamMessages(
  snapshot: PolicySnapshot,
  model: string,
  systemPrompt: string,
  history: Turn[],
  message: string,
  files: readonly MessageFile[],
  filesOf: ((turnId: string, withData: boolean) => MessageFile[]) | null,
): { messages: ReturnType<typeof buildMessages>['messages']; composed: ComposedMessage | null; imageTokens: number } {
  const contextWindow = traitsOf(model).contextWindow;
  const images = modelInfo(model).images;
  const zh = snapshot.system_prompt.language === 'zh-CN';
  const composed = files.length
    ? composeMessage(message, files, {
        images,
        zh,
        budgetTokens: Math.floor(contextWindow * 0.95) - snapshot.max_output_tokens - countTokens(systemPrompt) - countTokens(message) - 64,
      })
    : null;
  let imageTokens = composed?.imageTokens ?? 0;
  const built = buildMessages({
    systemPrompt,
    history,
    message: composed?.text ?? message,
    contextWindow,
    maxOutputTokens: snapshot.max_output_tokens,
    extraTokens: composed?.imageTokens ?? 0,
    ...(filesOf
      ? {
          withAttachments: (turn: UserTurn, budget: number) => {
            if (!turn.meta.attachments?.length) return null;
            const earlier = historyMessage(turn, filesOf(turn.id, images), { images, zh, budgetTokens: budget });
            imageTokens += earlier?.imageTokens ?? 0;
            return earlier;
          },
        }
      : {}),
  });
  return { messages: composed ? withImages(built.messages, composed.images) : built.messages, composed, imageTokens };
}

/** A message ready to go upstream (send, stream, regenerate): what the call and its recording need. */
function preparedCall(o: {
  session: Prepared['session'];
  snapshot: Prepared['snapshot'];
  userTurn: UserTurn;
  model: string;
  provider: { id: string; name: string; timeout_ms: number; max_request_ms?: number | undefined };
  messages: Prepared['messages'];
  connection: Awaited<ReturnType<ProviderRegistry['client']>>;
  imageTokens: number;
  gate: Gate | null;
}): Prepared {
  return {
    session: o.session,
    snapshot: o.snapshot,
    userTurn: o.userTurn,
    model: o.model,
    providerId: o.provider.id,
    messages: o.messages,
    client: o.connection.client,
    secrets: o.connection.secrets,
    providerName: o.provider.name,
    timeoutMs: o.provider.timeout_ms,
    maxRequestMs: o.provider.max_request_ms ?? DEFAULT_MAX_REQUEST_MS,
    imageTokens: o.imageTokens,
    ...(o.gate?.level != null ? { hintLevel: o.gate.level } : {}),
  };
}

/** Why a queued message was not sent: stopped while it waited for the earlier one. */
function stoppedWhileQueued(): ApiError {
  return new ApiError('aborted', 'The message was stopped while it waited for the answer before it; it is kept, not sent — retry to send it.');
}

/** `ready`, or a rejection as soon as `signal` is aborted (it may already be). */
function unlessStopped(ready: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return ready;
  if (signal.aborted) return Promise.reject(stoppedWhileQueued());
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(stoppedWhileQueued());
    signal.addEventListener('abort', onAbort, { once: true });
    void ready.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
