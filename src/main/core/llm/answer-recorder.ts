/**
 * The answer recorder: everything the proxy writes after the message itself. The assistant turn
 * (flushed about once a second while it streams, then settled), the statuses of both turns, the
 * accounting, truncation to what a turn holds and the redaction of the key from stored text.
 * Every write goes through the group commit (store.writes).
 *
 * Accounting: the assistant turn carries the whole call — tokens_in = prompt tokens (system +
 * history + message), tokens_out = completion tokens, cost = the call's cost. The user turn's
 * tokens_in is the local token count of the student's own text, its tokens_out and cost are 0,
 * so summing any set of turns never counts a call twice.
 */
import {
  MAX_CONTENT_CHARS,
  type AssistantStatus,
  type AssistantTurn,
  type AssistantTurnMeta,
  type ProxyMessageResponse,
  type Session,
  type Usage,
  type UserTurn,
  type UserTurnMeta,
} from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Store } from '../db/connection.ts';
import type { WritableDB } from '../db/handles.ts';
import type { TurnsRepo } from '../db/turns.repo.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { finalAnswerFlag } from './assignment-policy.ts';
import type { Completion, ReportedUsage } from './openai-adapter.ts';
import { errorContext, type Prepared } from './prepared.ts';
import { costOf } from './pricing.ts';
import { countPromptTokens, countTokens } from './tokens.ts';
import { redact, upstreamError } from './upstream-errors.ts';
import { MAX_REASONING_CHARS } from './upstream-limits.ts';

const DEFAULT_FLUSH_INTERVAL_MS = 1_000;

/**
 * What the store can hold of an answer: a reply longer than a turn may be, or reasoning longer
 * than its meta may hold, is cut and the turn says so (meta.truncated) rather than being lost.
 */
function storable(content: string, secrets: readonly string[]): string {
  // Redacted first: a provider echoing the key (in any form) must not get it stored or returned.
  const safe = redact(content, secrets);
  return safe.length > MAX_CONTENT_CHARS ? safe.slice(0, MAX_CONTENT_CHARS) : safe;
}

/** A user turn's meta with `patch` applied; an error stays only while the message is failed. */
export function userTurnMeta(turn: UserTurn, patch: UserTurnMeta): UserTurnMeta {
  const meta: UserTurnMeta = { ...turn.meta, ...patch };
  if (patch.status !== 'failed') delete meta.error;
  return meta;
}

/** An answer as settled: what arrived, how it ended and what the provider reported it cost. */
interface Settled {
  content: string;
  reasoning: string;
  status: AssistantStatus;
  finishReason: string | null;
  reported: ReportedUsage;
  model: string;
  error?: ApiError;
  truncated?: boolean;
}

/** The usage a response reports: whole, or (a turn repaired after a crash) completed from the turn's columns. */
function usageOf(turn: AssistantTurn): Usage {
  const u = turn.meta.usage ?? {};
  return {
    tokens_in: u.tokens_in ?? turn.tokens_in,
    tokens_out: u.tokens_out ?? turn.tokens_out,
    cached_tokens: u.cached_tokens ?? 0,
    cost: u.cost ?? turn.cost,
    estimated: u.estimated ?? true,
    price_known: u.price_known ?? false,
    price_table_version: u.price_table_version ?? '',
  };
}

export interface AnswerRecorderOptions {
  store: Store;
  turns: TurnsRepo;
  settings: SettingsStore;
  /** How often streamed text is written to the database (not per token). */
  flushIntervalMs?: number;
}

export class AnswerRecorder {
  readonly #o: AnswerRecorderOptions;

  constructor(options: AnswerRecorderOptions) {
    this.#o = options;
  }

  /** A whole (non-streamed) answer: the assistant turn and the message marked answered, in one write. */
  recordCompletion(p: Prepared, answer: Completion): Promise<AssistantTurn> {
    const usage = this.#usage(p, answer.reported, answer.content, answer.reasoning);
    return this.#o.store.writes.run('record the answer', (db) => {
      const assistant = this.#o.turns.insertNewTurn(db, {
        session_id: p.session.id,
        role: 'assistant',
        parent_id: p.userTurn.id,
        content: storable(answer.content, p.secrets),
        model: answer.model,
        tokens_in: usage.tokens_in,
        tokens_out: usage.tokens_out,
        cost: usage.cost,
        meta: this.#assistantMeta(p, { status: 'complete', usage, content: answer.content, reasoning: answer.reasoning, finish_reason: answer.finishReason }),
      });
      this.#markAnswered(db, p.userTurn, assistant.id);
      return assistant;
    });
  }

  /**
   * A streamed answer's turn while it arrives: `flush` writes it on the first text and then
   * about once a second ('streaming'), so a crash keeps most of it.
   */
  partial(p: Prepared, turnId: string): { readonly stored: boolean; flush(content: string, reasoning: string, model: string): Promise<void> } {
    const interval = this.#o.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    let stored = false;
    let flushedAt = 0;
    const { store, turns } = this.#o;
    return {
      get stored() {
        return stored;
      },
      flush: async (content, reasoning, model) => {
        if (!stored) {
          const meta = this.#assistantMeta(p, { status: 'streaming', content, reasoning });
          await store.writes.run('record the answer so far', (db) =>
            turns.insertNewTurn(db, { id: turnId, session_id: p.session.id, role: 'assistant', parent_id: p.userTurn.id, content: storable(content, p.secrets), model, meta }),
          );
          stored = true;
          flushedAt = Date.now();
        } else if (Date.now() - flushedAt >= interval) {
          const meta = this.#assistantMeta(p, { status: 'streaming', content, reasoning });
          await store.writes.run('record the answer so far', (db) => turns.updateTurnById(db, turnId, { content: storable(content, p.secrets), meta }));
          flushedAt = Date.now();
        }
      },
    };
  }

  /**
   * Settles a streamed answer: complete, aborted (the caller stopped; the message counts as
   * answered) or interrupted (cut; the message stays unanswered, so a retry offers itself).
   */
  finish(p: Prepared, turnId: string, stored: boolean, r: Settled): Promise<AssistantTurn> {
    const usage = this.#usage(p, r.reported, r.content, r.reasoning);
    const fields = {
      content: storable(r.content, p.secrets),
      model: r.model,
      tokens_in: usage.tokens_in,
      tokens_out: usage.tokens_out,
      cost: usage.cost,
      meta: this.#assistantMeta(p, {
        status: r.status,
        usage,
        content: r.content,
        reasoning: r.reasoning,
        finish_reason: r.finishReason,
        truncated: r.truncated === true,
        ...(r.error ? { error: r.error } : {}),
      }),
    };
    return this.#o.store.writes.run('record the answer', (db) => {
      const turn = stored
        ? this.#o.turns.updateTurnById(db, turnId, fields)
        : this.#o.turns.insertNewTurn(db, { id: turnId, session_id: p.session.id, role: 'assistant', parent_id: p.userTurn.id, ...fields });
      // Deleted mid-stream (with its session): nothing left to finish.
      if (turn?.role !== 'assistant') throw new ApiError('not_found', `Session '${p.session.id}' was deleted while it was being answered.`);
      if (r.status !== 'interrupted') this.#markAnswered(db, p.userTurn, turnId);
      return turn;
    });
  }

  /**
   * Records the failure on the user turn (which stays) and returns the error to throw. A failed
   * regeneration leaves the message as it was: it has its earlier answer.
   */
  fail(p: Prepared, error: unknown): Promise<ApiError> {
    const failure = upstreamError(error, errorContext(p));
    if (p.regenerating) return Promise.resolve(failure);
    return this.markFailed(p.userTurn, failure, p.secrets);
  }

  async markFailed(userTurn: UserTurn, failure: ApiError, secrets: readonly string[]): Promise<ApiError> {
    const meta = userTurnMeta(userTurn, { status: 'failed', error: { code: failure.code, message: redact(failure.detail, secrets) } });
    await this.#o.store.writes.run('record the failure', (db) => this.#o.turns.updateTurnById(db, userTurn.id, { meta }));
    return failure;
  }

  /** The contract's response for a settled answer (also a replay's). */
  response(session: Session, turn: AssistantTurn): ProxyMessageResponse {
    const meta = turn.meta;
    return {
      turn_id: turn.id,
      session_id: session.id,
      content: turn.content,
      model: turn.model ?? '',
      meta: {
        session_id: session.id,
        mode: session.mode,
        user_turn_id: meta.user_turn_id ?? '',
        assignment_id: session.assignment_id,
        status: meta.status ?? 'complete',
        usage: usageOf(turn),
        ...(meta.reasoning ? { reasoning: meta.reasoning } : {}),
        ...(meta.truncated ? { truncated: true } : {}),
        finish_reason: meta.finish_reason ?? null,
        ...(meta.hint_level !== undefined ? { hint_level: meta.hint_level } : {}),
        ...(meta.flagged ? { flagged: meta.flagged } : {}),
      },
    };
  }

  /**
   * Start-up repair after a crash or kill: streams that were in flight keep their flushed text and
   * become 'interrupted'; messages that never got an answer become 'failed' (retry offers itself).
   */
  recoverInterrupted(): { assistant_turns: number; user_turns: number } {
    let assistantTurns = 0;
    let userTurns = 0;
    this.#o.store.transaction('repair the answers the last run left open', (db) => {
      for (const turn of this.#o.turns.getOpenTurns()) {
        if (turn.role === 'assistant') {
          const tokensOut = countTokens(turn.content) + countTokens(turn.meta.reasoning ?? '');
          this.#o.turns.updateTurnById(db, turn.id, {
            tokens_out: tokensOut,
            meta: { ...turn.meta, status: 'interrupted', usage: { ...turn.meta.usage, tokens_out: tokensOut, estimated: true } },
          });
          assistantTurns++;
        } else if (turn.role === 'user') {
          this.#o.turns.updateTurnById(db, turn.id, {
            meta: userTurnMeta(turn, { status: 'failed', error: { code: 'interrupted', message: 'Studylog stopped before the answer was complete.' } }),
          });
          userTurns++;
        }
      }
    });
    return { assistant_turns: assistantTurns, user_turns: userTurns };
  }

  #markAnswered(db: WritableDB, userTurn: UserTurn, assistantTurnId: string): void {
    this.#o.turns.updateTurnById(db, userTurn.id, { meta: userTurnMeta(userTurn, { status: 'answered', assistant_turn_id: assistantTurnId }) });
  }

  #usage(p: Prepared, reported: ReportedUsage, content: string, reasoning: string): Usage {
    const estimated = !reported || typeof reported.prompt_tokens !== 'number' || typeof reported.completion_tokens !== 'number';
    const tokensIn = estimated ? countPromptTokens(p.messages) + (p.imageTokens ?? 0) : reported.prompt_tokens;
    const tokensOut = estimated ? countTokens(content) + countTokens(reasoning) : reported.completion_tokens;
    // OpenAI and Qwen report prompt_tokens_details.cached_tokens; DeepSeek prompt_cache_hit_tokens.
    const details = reported as (NonNullable<ReportedUsage> & { prompt_cache_hit_tokens?: number }) | null | undefined;
    const cached = estimated ? 0 : (details?.prompt_tokens_details?.cached_tokens ?? details?.prompt_cache_hit_tokens ?? 0);
    const costing = costOf(p.model, { tokensIn, cachedTokens: cached, tokensOut }, this.#o.settings.get().prices);
    return {
      tokens_in: tokensIn,
      tokens_out: tokensOut,
      cached_tokens: cached,
      cost: costing.cost,
      estimated,
      price_known: costing.price_known,
      price_table_version: costing.price_table_version,
    };
  }

  #assistantMeta(
    p: Prepared,
    fields: { status: AssistantStatus; usage?: Usage; content: string; reasoning: string; finish_reason?: string | null; error?: ApiError; truncated?: boolean },
  ): AssistantTurnMeta {
    const truncated = fields.truncated === true || fields.content.length > MAX_CONTENT_CHARS || fields.reasoning.length > MAX_REASONING_CHARS;
    // Homework: the level the answer was given at, and the check pass once it is settled (assignment-policy.ts), on what is stored of it.
    const flagged = p.hintLevel !== undefined && fields.status !== 'streaming' ? finalAnswerFlag(fields.content.slice(0, MAX_CONTENT_CHARS), p.hintLevel) : undefined;
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
      ...(p.hintLevel !== undefined ? { hint_level: p.hintLevel } : {}),
      ...(flagged ? { flagged } : {}),
    };
  }
}
