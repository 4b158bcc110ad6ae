/**
 * How a message's attachments reach the model (README "Attachments"). Kept apart from the rest of
 * the context (context.ts), which stays plain text:
 *
 * - to a model that takes images (`images` in the model table, src/shared/presets.ts), an image
 *   goes as an OpenAI content part, `image_url` with a data URL (the stored image, already at most
 *   2048 px on its longest side);
 * - to any other model, an image goes as its OCR text — the text the student checked, and perhaps
 *   corrected, before sending — labelled with the file's name;
 * - a PDF goes as its text to every model, labelled, cut to what the token budget leaves.
 */
import type OpenAI from 'openai';
import type { TurnAttachmentMeta } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { estimateImageTokens } from '../attachments/process.ts';
import type { MessageFile } from '../attachments/service.ts';
import type { ChatMessage } from './context.ts';
import type { Prepared } from './prepared.ts';
import { countTokens } from './tokens.ts';

export type ContentPart = OpenAI.Chat.Completions.ChatCompletionContentPart;

export interface ComposedMessage {
  /** The student's text with the attachments' text after it. */
  text: string;
  /** Images to send as content parts (vision models); empty otherwise. */
  images: ContentPart[];
  /** Estimated tokens of the images. */
  imageTokens: number;
  /** What the user turn records about each attachment (meta.attachments). */
  meta: TurnAttachmentMeta[];
}

function label(file: MessageFile, zh: boolean, cut: boolean): string {
  const what =
    file.kind === 'pdf'
      ? zh
        ? `附件 PDF「${file.name}」（${file.pages ?? '?'} 页）的文字`
        : `Text of the attached PDF "${file.name}" (${file.pages ?? '?'} pages)`
      : zh
        ? `附件图片「${file.name}」中识别出的文字（OCR）`
        : `Text recognized (OCR) in the attached image "${file.name}"`;
  return `${what}${cut ? (zh ? '（过长，已截断）' : ' (too long: cut)') : ''}:`;
}

/** Cuts text to about `tokens` tokens (by characters, then checked), never mid-surrogate. */
function cutToTokens(text: string, tokens: number): string {
  if (tokens <= 0) return '';
  let end = Math.min(text.length, tokens * 4);
  while (end > 0 && countTokens(text.slice(0, end)) > tokens) end = Math.floor(end * 0.8);
  if (end > 0 && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

/**
 * The user message with its attachments, for `model`. `budgetTokens`: how many tokens the
 * attachments' text may take at most (what the context window leaves after the system prompt,
 * the student's text and the answer); history is dropped before it (context.ts).
 */
export function composeMessage(
  message: string,
  files: readonly MessageFile[],
  options: {
    images: boolean;
    zh: boolean;
    budgetTokens: number;
    /** An image that does not fit the budget goes as its text instead (history: historyMessage). */
    imagesWithinBudget?: boolean;
  },
): ComposedMessage {
  const images: ContentPart[] = [];
  const blocks: string[] = [];
  const meta: TurnAttachmentMeta[] = [];
  const asTextInstead = new Set<string>();
  let imageTokens = 0;
  let budget = options.budgetTokens;
  // Images first: they are small, and a PDF's text is what gets cut.
  for (const file of files) {
    if (file.kind !== 'image') continue;
    const base = { sha256: file.sha256, kind: file.kind, mime: file.mime, name: file.name, bytes: file.bytes, width: file.width, height: file.height, pages: null };
    if (options.images) {
      const tokens = file.width && file.height ? estimateImageTokens(file.width, file.height) : 85;
      if (options.imagesWithinBudget && tokens > budget) {
        asTextInstead.add(file.sha256);
        continue;
      }
      images.push({ type: 'image_url', image_url: { url: `data:${file.mime};base64,${file.data.toString('base64')}`, detail: 'high' } });
      imageTokens += tokens;
      budget -= tokens;
      meta.push({ ...base, sent_as: 'image', tokens, tokens_estimated: true });
    }
  }
  for (const file of files) {
    const asText = file.kind === 'pdf' || !options.images || asTextInstead.has(file.sha256);
    if (!asText) continue;
    const body = file.text.trim() || (options.zh ? '（没有识别出文字）' : '(no text found)');
    const whole = countTokens(body);
    const kept = whole <= budget ? body : cutToTokens(body, Math.max(0, budget));
    const cut = kept.length < body.length;
    budget -= countTokens(kept);
    blocks.push(`${label(file, options.zh, cut)}\n${kept}`);
    meta.push({
      sha256: file.sha256,
      kind: file.kind,
      mime: file.mime,
      name: file.name,
      bytes: file.bytes,
      width: file.width,
      height: file.height,
      pages: file.pages,
      sent_as: 'text',
      tokens: countTokens(kept),
      tokens_estimated: true,
    });
  }
  // The turn's record keeps the order the student attached them in.
  const order = new Map(files.map((f, i) => [f.sha256, i]));
  meta.sort((a, b) => order.get(a.sha256)! - order.get(b.sha256)!);
  return { text: blocks.length ? `${message}\n\n${blocks.join('\n\n')}` : message, images, imageTokens, meta };
}

/**
 * An earlier message of the branch as it goes in the history of a later one (context.ts): with its
 * attachments as the model now chosen takes them, labelled as in the first send — to a model that
 * takes images, its images as content parts; to any other, their text as sent then (the OCR text
 * the student confirmed: turn_attachment.text); a PDF's text to every model. All of it within
 * `budgetTokens` (what the context window still has room for, newer messages counted first): an
 * image that does not fit goes as its text, text is cut to fit. Null: no attachments.
 */
export function historyMessage(
  turn: { content: string },
  files: readonly MessageFile[],
  options: { images: boolean; zh: boolean; budgetTokens: number },
): { content: string | ContentPart[]; tokens: number; imageTokens: number } | null {
  if (files.length === 0) return null;
  const ownTokens = countTokens(turn.content);
  const composed = composeMessage(turn.content, files, { ...options, budgetTokens: options.budgetTokens - ownTokens, imagesWithinBudget: true });
  return {
    content: composed.images.length ? [{ type: 'text', text: composed.text }, ...composed.images] : composed.text,
    tokens: countTokens(composed.text) + composed.imageTokens,
    imageTokens: composed.imageTokens,
  };
}

/** The last message (the student's) as content parts: its text, then its images. */
export function withImages(messages: ChatMessage[], images: readonly ContentPart[]): ChatMessage[] {
  const last = messages[messages.length - 1];
  if (images.length === 0 || last?.role !== 'user') return messages;
  const text = typeof last.content === 'string' ? last.content : '';
  return [...messages.slice(0, -1), { role: 'user', content: [{ type: 'text', text }, ...images] }];
}

/**
 * A provider's refusal of a message with images (a model that takes text only answers 400/422,
 * e.g. "image_url is only supported by certain models") becomes model_refuses_images, which says
 * what to do; anything else passes through. The message stays stored, failed, for a retry.
 */
export function imagesRefused(p: Prepared, error: unknown): unknown {
  if (!p.imageTokens || !(error instanceof ApiError) || error.code !== 'upstream_bad_request') return error;
  return new ApiError(
    'model_refuses_images',
    `${p.providerName} did not take the images for ${p.model}: choose a model that reads images, or send the message again with a text model (the images then go as their OCR text). The provider said: ${error.detail}`,
  );
}
