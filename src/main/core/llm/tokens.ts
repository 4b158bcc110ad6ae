/**
 * Local token counts, used only when a provider reports no usage or a stream was cut. The
 * o200k_base encoding (GPT-4o and later) is a fair estimate for other models' tokenizers too;
 * such counts are always marked estimated.
 */
import { encode } from 'gpt-tokenizer';

/** Tokens a chat message costs beyond its text (role and separators), as OpenAI documents. */
const PER_MESSAGE_OVERHEAD = 4;
/** Tokens that prime the assistant's reply. */
const REPLY_PRIMING = 3;

/** Text such as "<|endoftext|>" in a student's message is counted as plain text, never refused. */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

export function countTokens(text: string): number {
  return text ? encode(text, PLAIN_TEXT).length : 0;
}

export function countPromptTokens(messages: readonly { content: string }[]): number {
  return messages.reduce((sum, m) => sum + PER_MESSAGE_OVERHEAD + countTokens(m.content), REPLY_PRIMING);
}
