/**
 * The request ledger: a message is written once. A request may carry `client_request_id`;
 * sending it again never writes a second user turn — a failed message is asked again (its
 * `retries` counted), an answered one replays the stored answer, one still in flight is a
 * conflict. Ids are scoped per user (meta.client_request_key, unique), so another user's use of
 * the same id is invisible.
 */
import type { AssistantTurn, ProxyMessage, Session, UserTurn, UserTurnMeta } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Caller } from '../caller.ts';
import type { WritableDB } from '../db/handles.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import { clientRequestKey, type TurnsRepo } from '../db/turns.repo.ts';
import { userTurnMeta } from './answer-recorder.ts';
import { countTokens } from './tokens.ts';

const REQUEST_ID_IN_USE = 'This client_request_id is already in use; send a new one for a new message.';
const STILL_BEING_ANSWERED = 'This message is still being answered.';

/** What a request is, by its client_request_id. */
export type Ledgered =
  | { kind: 'new' }
  /** Answered before: the stored answer is the reply. */
  | { kind: 'replay'; session: Session; answer: AssistantTurn }
  /** Sent before and not answered (failed, or its answer was cut): asked again. */
  | { kind: 'retry'; turn: UserTurn };

export class RequestLedger {
  readonly #turns: TurnsRepo;
  readonly #sessions: SessionsRepo;

  constructor(options: { turns: TurnsRepo; sessions: SessionsRepo }) {
    this.#turns = options.turns;
    this.#sessions = options.sessions;
  }

  lookup(caller: Caller, clientRequestId: string | undefined): Ledgered {
    const previous = this.#previous(caller, clientRequestId);
    if (!previous) return { kind: 'new' };
    const status = previous.meta.status;
    if (status === 'answered') {
      const answer = previous.meta.assistant_turn_id ? this.#turns.getTurnById(previous.meta.assistant_turn_id) : null;
      const session = this.#sessions.getSessionById(previous.session_id);
      if (answer?.role === 'assistant' && session) return { kind: 'replay', session, answer };
    }
    if (status === 'pending') throw new ApiError('conflict', STILL_BEING_ANSWERED);
    return { kind: 'retry', turn: previous };
  }

  /** Inside the message's write: the id checked again (another request with it may have been written since `lookup`). */
  checkInWrite(caller: Caller, clientRequestId: string | undefined, retried: UserTurn | null): void {
    const previous = this.#previous(caller, clientRequestId);
    if (previous?.meta.status === 'pending') throw new ApiError('conflict', STILL_BEING_ANSWERED);
    if (previous && previous.id !== retried?.id) throw new ApiError('conflict', REQUEST_ID_IN_USE);
  }

  /**
   * Inside the message's write, the user turn: a new one (status 'pending', following `parentId` —
   * versions.ts), or the retried one set 'pending' again (where it was). `extra` adds to a new
   * turn's meta (the hint level, assignment-policy.ts).
   */
  record(
    db: WritableDB,
    caller: Caller,
    req: ProxyMessage,
    session: Session,
    model: string | null,
    retried: UserTurn | null,
    parentId: string | null,
    extra: UserTurnMeta = {},
  ): UserTurn {
    if (retried) {
      const pending = this.#turns.updateTurnById(db, retried.id, { meta: userTurnMeta(retried, { status: 'pending', retries: (retried.meta.retries ?? 0) + 1 }) });
      if (pending?.role !== 'user') throw new ApiError('not_found', `There is no message '${retried.id}' to retry.`);
      return pending;
    }
    return this.#turns.insertNewTurn(db, {
      session_id: session.id,
      role: 'user',
      content: req.message,
      parent_id: parentId,
      model,
      tokens_in: countTokens(req.message),
      meta: {
        status: 'pending',
        mode: session.mode,
        ...(req.client_request_id ? { client_request_id: req.client_request_id, client_request_key: clientRequestKey(caller.user_id, req.client_request_id) } : {}),
        ...(req.chat_id ? { chat_id: req.chat_id } : {}),
        ...extra,
      },
    });
  }

  #previous(caller: Caller, clientRequestId: string | undefined): UserTurn | null {
    if (!clientRequestId) return null;
    const turn = this.#turns.findByClientRequestId(caller.user_id, clientRequestId);
    // Only user turns carry a client_request_key.
    return turn?.role === 'user' ? turn : null;
  }
}
