/**
 * Local token counts, used only when a provider reports no usage or a stream was cut. The
 * o200k_base encoding (GPT-4o and later) is a fair estimate for other models' tokenizers too;
 * such counts are always marked estimated.
 *
 * The encoder is gpt-tokenizer's, built from the rank file the package ships
 * (data/o200k_base.tiktoken: one base64 token and its rank a line, as OpenAI publishes it) on the
 * first count, not from its `gpt-tokenizer` / `encoding/o200k_base` modules: those hold the ranks
 * as a 2.4 MB JavaScript array literal, and V8 kept its source, its parse and its bytecode beside
 * the array — ~50 MB of the serving process's memory, for ~15 MB of ranks (bench/NOTES.md, issue
 * 15). The ranks built here are the module's, entry for entry (tests/unit/tokens.test.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GptEncoding } from 'gpt-tokenizer/GptEncoding';

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

/**
 * Words the encoder has merged, kept for the next count: gpt-tokenizer keeps 100,000 by default
 * (several MB of arrays once a week of mixed Chinese and English has gone through); a message's
 * words repeat within it and across its neighbours, which this many covers.
 */
const MERGE_CACHE_SIZE = 5_000;

// Not named `require`: the bundled main process (electron-vite) declares its own.
const load = createRequire(import.meta.url);
const utf8 = new TextDecoder();

/**
 * o200k_base's ranks as gpt-tokenizer's encoder takes them: index = rank, value = the token's text
 * where its bytes are UTF-8 that reads back to the same bytes, else the bytes (as the package's
 * own array has them: e.g. the tokens that start with a byte-order mark are bytes).
 */
export function o200kRanks(): (string | number[])[] {
  const file = readFileSync(load.resolve('gpt-tokenizer/data/o200k_base.tiktoken'));
  const ranks: (string | number[])[] = [];
  for (let start = 0; start < file.length;) {
    const space = file.indexOf(0x20, start);
    let end = file.indexOf(0x0a, space);
    if (end < 0) end = file.length;
    const bytes = Buffer.from(file.toString('latin1', start, space), 'base64');
    const text = utf8.decode(bytes);
    ranks[Number(file.toString('latin1', space + 1, end))] = Buffer.from(text).equals(bytes) ? text : [...bytes];
    start = end + 1;
  }
  return ranks;
}

let encoder: GptEncoding | undefined;
function encode(text: string): number[] {
  if (!encoder) {
    encoder = GptEncoding.getEncodingApi('o200k_base', o200kRanks);
    encoder.setMergeCacheSize(MERGE_CACHE_SIZE);
  }
  return encoder.encode(text, PLAIN_TEXT);
}

export function countTokens(text: string): number {
  if (!text) return 0;
  let count = 0;
  let from = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    const end = run.index + run[0].length;
    let cut = run.index + MAX_RUN_CHARS;
    // The text before the run, with the run's first piece (so a leading space joins it as usual).
    count += encode(text.slice(from, cut)).length;
    for (; cut + MAX_RUN_CHARS < end; cut += MAX_RUN_CHARS) count += encode(text.slice(cut, cut + MAX_RUN_CHARS)).length;
    from = cut;
  }
  return count + (from < text.length ? encode(text.slice(from)).length : 0);
}

/** Content parts count their text only: images are estimated apart (attachment-context.ts). */
type Content = string | readonly { type: string; text?: string }[];
const textOf = (content: Content) => (typeof content === 'string' ? content : content.map((part) => part.text ?? '').join('\n'));

export function countPromptTokens(messages: readonly { content: Content }[]): number {
  return messages.reduce((sum, m) => sum + PER_MESSAGE_OVERHEAD + countTokens(textOf(m.content)), REPLY_PRIMING);
}
