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

/**
 * Runs without whitespace longer than this are counted in pieces of this size. The tokenizer's cost
 * grows with the square of a run's length: 100,000 characters of one CJK run took 40 s of CPU (the
 * event loop stalled), which any student or provider could send. In pieces it takes milliseconds
 * and the count moves by at most a token per piece (about 1% of such text).
 */
const MAX_RUN_CHARS = 500;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN_CHARS + 1},}`, 'gu');

export function countTokens(text: string): number {
  if (!text) return 0;
  let count = 0;
  let from = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    const end = run.index + run[0].length;
    let cut = run.index + MAX_RUN_CHARS;
    // The text before the run, with the run's first piece (so a leading space joins it as usual).
    count += encode(text.slice(from, cut), PLAIN_TEXT).length;
    for (; cut + MAX_RUN_CHARS < end; cut += MAX_RUN_CHARS) count += encode(text.slice(cut, cut + MAX_RUN_CHARS), PLAIN_TEXT).length;
    from = cut;
  }
  return count + (from < text.length ? encode(text.slice(from), PLAIN_TEXT).length : 0);
}

/** Content parts count their text only: images are estimated apart (attachment-context.ts). */
type Content = string | readonly { type: string; text?: string }[];
const textOf = (content: Content) => (typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('\n'));

export function countPromptTokens(messages: readonly { content: Content }[]): number {
  return messages.reduce((sum, m) => sum + PER_MESSAGE_OVERHEAD + countTokens(textOf(m.content)), REPLY_PRIMING);
}
