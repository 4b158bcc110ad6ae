/**
 * The chat's messages as the screen shows them, and how stored turns become them. Pure: no
 * state, no client.
 */
import type { AttachmentKind, Turn } from '../../../../shared/api/schemas.ts';
import type { UiError } from '../../lib/errors.ts';

export interface ReplyUsage {
  tokens_in: number;
  tokens_out: number;
  cost: number;
  estimated: boolean;
  price_known: boolean;
}

export type UserStatus = 'sending' | 'sent' | 'failed';

/** An attachment shown with a message (its bytes stay on the server; an image's thumbnail is asked for). */
export interface MessageAttachmentView {
  sha256: string;
  kind: AttachmentKind;
  name: string;
  bytes: number;
  pages: number | null;
  /** Sent as a content part (a vision model) or as its text. */
  sentAs: 'image' | 'text' | null;
  /** The text sent in its place (an image's OCR as confirmed): what a retry sends too. */
  text?: string;
}
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
  /** Photos and PDFs sent with it. */
  attachments: MessageAttachmentView[];
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

/** Stored turns as chat messages: the turn's meta is typed by its role (TurnSchema is a union). */
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
        attachments: (meta.attachments ?? []).map((a) => ({ sha256: a.sha256, kind: a.kind, name: a.name, bytes: a.bytes, pages: a.pages ?? null, sentAs: a.sent_as ?? null })),
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

let keySeq = 0;
/** A key for a message not stored yet (its turn id comes with the answer). */
export const localKey = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(keySeq++).toString(36)}`;
