/**
 * What the proxy has decided about a message before the model is called (proxy.service.ts):
 * handed from the session policy and the request ledger to the OpenAI adapter and the answer
 * recorder.
 */
import type OpenAI from 'openai';
import type { PolicySnapshot, Session, UserTurn } from '../../../shared/api/schemas.ts';
import type { ChatMessage } from './context.ts';

export interface Prepared {
  session: Session;
  snapshot: PolicySnapshot;
  /** The message, committed (status 'pending') before the model is called. */
  userTurn: UserTurn;
  model: string;
  /** The provider this message goes to (a session may switch models, and so providers). */
  providerId: string;
  messages: ChatMessage[];
  client: OpenAI;
  /** The key in every form it could be echoed in: never stored, never returned. */
  secrets: string[];
  providerName: string;
  timeoutMs: number;
  /** The longest the whole answer may take. */
  maxRequestMs: number;
  /** Homework: the hint level this message is answered at (recorded on the answer, checked by the check pass). */
  hintLevel?: number;
  /** Another answer to a message already answered (versions): a failure leaves the message as it was. */
  regenerating?: boolean;
  /** Estimated tokens of the images sent with the message (attachment-context.ts); 0 or absent: none. */
  imageTokens?: number;
}

export function errorContext(p: Prepared): { provider: string; model: string; secrets: readonly string[] } {
  return { provider: p.providerName, model: p.model, secrets: p.secrets };
}
