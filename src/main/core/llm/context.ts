/**
 * The messages sent upstream: the system prompt, then as much of the session's history as fits
 * the model's context, newest kept, oldest dropped first, then the new message. The system prompt
 * and the new message always go. An earlier message with attachments carries them
 * (`withAttachments`: attachment-context.ts historyMessage), within what is left when it is
 * reached — so newer messages and their files come first, and the oldest files are dropped first.
 */
import type OpenAI from 'openai';
import type { Turn, UserTurn } from '../../../shared/api/schemas.ts';
import { countTokens } from './tokens.ts';

/** Text; the student's message becomes content parts when it carries images (attachment-context.ts). */
export type ChatMessage = { role: 'system' | 'assistant'; content: string } | { role: 'user'; content: string | OpenAI.Chat.Completions.ChatCompletionContentPart[] };

/** Head-room for per-message overhead and tokenizer differences between models. */
const SAFETY_MARGIN = 0.05;

/**
 * A turn's size in tokens without re-tokenizing history: a user turn's tokens_in is the local
 * count of its own text, an assistant turn's tokens_out its completion (an over-estimate for
 * reasoning models, which is the safe side).
 */
function tokensOf(turn: Turn): number {
  return turn.role === 'assistant' ? turn.tokens_out || countTokens(turn.content) : turn.tokens_in || countTokens(turn.content);
}

/**
 * Earlier turns worth replaying: answered messages and the answers the student saw (complete or
 * stopped). A failed message never reached the model, and a cut answer is not one. Turns with no
 * status (imported history) are replayed as they are.
 */
function replayable(history: readonly Turn[]): Turn[] {
  return history.filter((t) => {
    const status = t.meta.status;
    if (t.role === 'user') return status === undefined || status === 'answered';
    return t.role === 'assistant' && t.content.length > 0 && (status === undefined || status === 'complete' || status === 'aborted');
  });
}

export function buildMessages(options: {
  systemPrompt: string;
  history: readonly Turn[];
  message: string;
  contextWindow: number;
  maxOutputTokens: number;
  /** Tokens the message takes beyond its text (its images). */
  extraTokens?: number;
  /**
   * An earlier message with its attachments, within `budget` tokens: its content and what it
   * costs in all (at most `budget`); null when it has none.
   */
  withAttachments?: (turn: UserTurn, budget: number) => { content: string | OpenAI.Chat.Completions.ChatCompletionContentPart[]; tokens: number } | null;
}): {
  messages: ChatMessage[];
  droppedTurns: number;
} {
  const { systemPrompt, message, contextWindow, maxOutputTokens } = options;
  const history = replayable(options.history);
  const room = Math.floor(contextWindow * (1 - SAFETY_MARGIN)) - maxOutputTokens - (options.extraTokens ?? 0);
  const withFiles = new Map<Turn, ChatMessage>();
  let keepFrom = history.length;
  // A text never has more o200k tokens than UTF-8 bytes (each token stands for at least one
  // byte): when the history's text fits beside the system prompt and the message counted in bytes,
  // those two need not be tokenized. This is almost every message (the system prompt used to be
  // tokenized for each one). The walk below still runs: earlier attachments cost more than text.
  const historyTokens = history.reduce((sum, t) => sum + tokensOf(t), 0);
  let budget = room - Buffer.byteLength(systemPrompt, 'utf8') - Buffer.byteLength(message, 'utf8');
  if (historyTokens > budget) budget = room - countTokens(systemPrompt) - countTokens(message);
  while (keepFrom > 0) {
    const turn = history[keepFrom - 1]!;
    let cost = tokensOf(turn);
    if (cost > budget) break;
    const expanded = turn.role === 'user' && options.withAttachments ? options.withAttachments(turn, budget) : null;
    if (expanded) {
      withFiles.set(turn, { role: 'user', content: expanded.content });
      cost = expanded.tokens;
    }
    budget -= cost;
    keepFrom--;
  }
  // Start the replay on a user turn: some providers refuse a conversation that opens with the assistant.
  while (keepFrom < history.length && history[keepFrom]!.role !== 'user') keepFrom++;
  const kept = history.slice(keepFrom);
  return {
    messages: [
      { role: 'system', content: systemPrompt },
      ...kept.map((t) => withFiles.get(t) ?? ({ role: t.role, content: t.content } as ChatMessage)),
      { role: 'user', content: message },
    ],
    droppedTurns: history.length - kept.length,
  };
}
