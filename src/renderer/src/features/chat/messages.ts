/**
 * The chat's messages as the screen shows them, and how stored turns become them. Pure: no
 * state, no client.
 */
import type { AttachmentKind, Turn } from '../../../../shared/api/schemas.ts';
import { activePath, childrenOf, versionsOf } from '../../../../shared/turn-tree.ts';
import type { UiError } from '../../lib/errors.ts';

export interface ReplyUsage {
  tokens_in: number;
  tokens_out: number;
  cost: number;
  estimated: boolean;
  price_known: boolean;
}

/** A stored turn's place among its versions (‹ 2 / 3 ›): the versions' turn ids, oldest first. */
export interface Versions {
  index: number;
  ids: string[];
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
  /** Homework: sent with "more help" (the hint level rises by one). */
  hintRequest?: 'more';
  /** The answer it follows (a stored turn's parent_id); undefined for a message not stored yet. */
  parentId?: string | null;
  versions?: Versions | null;
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
  /** The provider that answered (turn meta.provider_id): says whether a model without a price is a free local one. */
  providerId?: string | null;
  usage: ReplyUsage | null;
  createdAt: number;
  /** Homework: the hint level this answer was given at, and whether the check pass flagged a final answer in it. */
  hintLevel?: number | undefined;
  flagged?: boolean;
  versions?: Versions | null;
}

export type ChatMessage = UserMessage | AssistantMessage;

/**
 * Stored turns as chat messages: the active branch (src/shared/turn-tree.ts) — the chosen version,
 * else the newest — each with its place among its versions. The turn's meta is typed by its role
 * (TurnSchema is a union).
 */
export function messagesFromTurns(turns: Turn[], chosenLeafId?: string | null): ChatMessage[] {
  const children = childrenOf(turns);
  const out: ChatMessage[] = [];
  for (const turn of activePath(turns, chosenLeafId)) {
    const v = versionsOf(turn, children);
    const versions = v.count > 1 ? { index: v.index, ids: v.siblings.map((t) => t.id) } : null;
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
        ...(meta.hint_request ? { hintRequest: meta.hint_request } : {}),
        parentId: turn.parent_id,
        versions,
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
        providerId: meta.provider_id ?? null,
        usage: { tokens_in: turn.tokens_in, tokens_out: turn.tokens_out, cost: turn.cost, estimated: usage.estimated === true, price_known: usage.price_known !== false },
        createdAt: turn.created_at,
        hintLevel: meta.hint_level,
        flagged: meta.flagged === 'final_answer_above_level',
        versions,
      });
    }
  }
  return out;
}

/**
 * The turn a message on screen follows: the stored parent, else the nearest stored turn above it
 * — its answer, or a message that got none (versions.ts in the proxy: a message sent after an
 * unanswered one follows it). null: a first message.
 */
export function parentOf(messages: readonly ChatMessage[], key: string): string | null {
  const at = messages.findIndex((m) => m.key === key);
  const message = messages[at];
  if (message?.kind === 'user' && message.parentId !== undefined) return message.parentId;
  for (let i = at - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.turnId) return m.turnId;
  }
  return null;
}

/**
 * Whether another message follows the message at `index` (its own answers aside). Retrying a
 * failed message that one follows would answer it off the thread: the answer, the newest turn,
 * would end the branch and hide what follows (src/shared/turn-tree.ts) — so it is not offered then.
 */
export function isFollowed(messages: readonly ChatMessage[], index: number): boolean {
  let next = index + 1;
  while (messages[next]?.kind === 'assistant') next++;
  return next < messages.length;
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
