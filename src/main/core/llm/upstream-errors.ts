/**
 * Every way a provider call can fail, turned into an ApiError with a stable code. Messages are
 * ours (plus the provider's own words, trimmed) and never contain the API key.
 */
import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from 'openai';
import { ApiError } from '../../../shared/errors.ts';
import { UpstreamConnectionLostError } from './upstream-fetch.ts';

export const REDACTED = '[redacted]';
/** A run of this many characters of a key (after folding, see below) is removed. */
const MIN_RUN = 8;

/**
 * Characters a hostile echo may put between a key's characters, ignored when matching: white
 * space, common punctuation, zero-width and bidi controls, the soft hyphen.
 */
const SEPARATOR = /[\s\-._,:;|/\\*+'"`~=\u00ad\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/;

/** Every UTF-16 code unit folded for matching: -1 for a separator, ASCII letters lowercased, full-width ASCII made ASCII. */
const FOLD = (() => {
  const table = new Int32Array(0x10000);
  for (let code = 0; code < 0x10000; code++) {
    let c = code >= 0xff01 && code <= 0xff5e ? code - 0xfee0 : code;
    if (c >= 65 && c <= 90) c += 32;
    table[code] = SEPARATOR.test(String.fromCharCode(c)) ? -1 : c;
  }
  return table;
})();
const fold = (code: number) => FOLD[code]!;

function folded(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = fold(text.charCodeAt(i));
    if (c >= 0) out += String.fromCharCode(c);
  }
  return out;
}

/**
 * The forms of a key a provider might echo: the key and the key reversed; its base64 at each of
 * the three byte alignments (standard and URL-safe fold to the same string, + / - _ being
 * separators), without the characters the neighbouring bytes change; its hex.
 */
function keyForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = [secret, [...secret].reverse().join(''), bytes.toString('hex')];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    forms.push(b64.slice(shift ? 4 : 0, -4));
  }
  return forms.map(folded);
}

/** Polynomial hash of 8 folded code units, rolled one unit at a time (32-bit arithmetic). */
const BASE = 0x01000193;
const BASE_POW = (() => {
  let p = 1;
  for (let i = 0; i < MIN_RUN - 1; i++) p = Math.imul(p, BASE);
  return p;
})();
function hashOf(text: string, from: number): number {
  let h = 0;
  for (let i = from; i < from + MIN_RUN; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

/** Folded 8-character windows of every form of the secrets, by hash; built once per set of secrets. */
const gramCache = new Map<string, Map<number, string[]>>();
function gramsOf(secrets: readonly string[]): Map<number, string[]> {
  const cacheKey = JSON.stringify(secrets);
  let grams = gramCache.get(cacheKey);
  if (grams) return grams;
  grams = new Map<number, string[]>();
  for (const secret of secrets) {
    for (const form of keyForms(secret)) {
      for (let i = 0; i + MIN_RUN <= form.length; i++) {
        const h = hashOf(form, i);
        const gram = form.slice(i, i + MIN_RUN);
        const same = grams.get(h);
        if (!same) grams.set(h, [gram]);
        else if (!same.includes(gram)) same.push(gram);
      }
    }
  }
  if (gramCache.size > 50) gramCache.clear();
  gramCache.set(cacheKey, grams);
  return grams;
}

/**
 * Where `text` holds a run of at least 8 characters of a secret — in any letter case, reversed,
 * with separators (spaces, dashes, dots, zero-width characters …) between its characters, or in
 * base64 or hex: half-open [start, end) ranges of `text`, in order, not overlapping. Linear in the
 * text: one pass folds it and rolls a hash over every 8 folded characters (the cheap check); only
 * a hash that is a key's is compared as text.
 */
export function secretRanges(text: string, secrets: readonly string[]): Array<[number, number]> {
  const keys = secrets.filter((s) => s && s.length >= 4);
  if (keys.length === 0 || !text) return [];
  const ranges: Array<[number, number]> = [];
  // Keys too short to have 8-character runs: only their exact occurrences.
  for (const key of keys) {
    if (folded(key).length >= MIN_RUN) continue;
    for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + key.length)) ranges.push([at, at + key.length]);
  }
  const grams = gramsOf(keys.filter((k) => folded(k).length >= MIN_RUN));
  if (grams.size > 0 && text.length >= MIN_RUN) {
    // The folded text (as code units), and where each of its characters sits in the original.
    const norm = new Uint16Array(text.length);
    const positions = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = fold(text.charCodeAt(i));
      if (c < 0) continue;
      norm[n] = c;
      positions[n++] = i;
    }
    // Mark every folded character covered by a window that is part of a key's form.
    let marks: Uint8Array | null = null;
    let h = 0;
    for (let i = 0; i < n; i++) {
      h = i < MIN_RUN ? (Math.imul(h, BASE) + norm[i]!) | 0 : (Math.imul((h - Math.imul(norm[i - MIN_RUN]!, BASE_POW)) | 0, BASE) + norm[i]!) | 0;
      if (i < MIN_RUN - 1) continue;
      const candidates = grams.get(h);
      if (!candidates) continue;
      const start = i - MIN_RUN + 1;
      const window = String.fromCharCode(...norm.subarray(start, i + 1));
      if (!candidates.includes(window)) continue;
      marks ??= new Uint8Array(n);
      marks.fill(1, start, i + 1);
    }
    // Each marked run (with the separators inside it) is one range.
    for (let i = 0; marks && i < n; i++) {
      if (!marks[i]) continue;
      let j = i;
      while (j + 1 < n && marks[j + 1]) j++;
      ranges.push([positions[i]!, positions[j]! + 1]);
      i = j;
    }
  }
  if (ranges.length < 2) return ranges;
  // Exact short-key hits and runs may overlap: sort and merge.
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [ranges[0]!];
  for (const [s, e] of ranges.slice(1)) {
    const last = merged.at(-1)!;
    if (s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * `text` with every range secretRanges finds replaced by "[redacted]". Applied to everything
 * stored, logged or returned that a provider's words could reach: error details, the content and
 * reasoning of answers, and (through StreamRedactor) the text streamed as it arrives.
 */
export function redact(text: string, secrets: readonly string[]): string {
  return replaceRanges(text, secretRanges(text, secrets), 0, text.length);
}

/** text[from, to) with the ranges (clipped to it) replaced by "[redacted]". */
function replaceRanges(text: string, ranges: ReadonlyArray<readonly [number, number]>, from: number, to: number): string {
  let out = '';
  let copied = from;
  for (const [s, e] of ranges) {
    if (e <= from || s >= to) continue;
    out += text.slice(copied, Math.max(s, from)) + REDACTED;
    copied = Math.min(e, to);
  }
  return out + text.slice(copied, to);
}

/**
 * Redaction for text streamed piece by piece: a key may arrive split over several pieces, so the
 * tail that could still be the start of a key — its last 7 characters that are not separators,
 * with every separator after the first of them — is held back until more text or the end shows
 * what it is, and a run found across the release point is held whole while it may still grow.
 * Each release is checked together with the 7 characters (separators aside) released before it,
 * so a run that began in released text is still found. Counting in characters that are not
 * separators is what makes a key spaced out with any number of separators as safe as a plain one.
 */
export class StreamRedactor {
  readonly #secrets: readonly string[];
  #raw = '';
  #released = 0;
  /** Where in #raw each character that is not a separator sits, in order. */
  #kept: number[] = [];

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets.filter((s) => s && s.length >= 4);
  }

  /** Adds a piece; returns the text that may be sent now (possibly empty). */
  push(piece: string): string {
    const at = this.#raw.length;
    this.#raw += piece;
    if (this.#secrets.length === 0) return this.#release(this.#raw.length);
    for (let i = 0; i < piece.length; i++) if (fold(piece.charCodeAt(i)) >= 0) this.#kept.push(at + i);
    // A run of a key is found once it has MIN_RUN such characters; a shorter one can only be
    // among the last MIN_RUN - 1 of them (and what follows them): hold those back.
    const held = this.#kept.length >= MIN_RUN - 1 ? this.#kept[this.#kept.length - (MIN_RUN - 1)]! : 0;
    return this.#release(held);
  }

  /** The stream ended: everything not yet sent. */
  end(): string {
    return this.#release(this.#raw.length);
  }

  #release(upTo: number): string {
    if (upTo <= this.#released) return '';
    if (this.#secrets.length === 0) {
      const out = this.#raw.slice(this.#released, upTo);
      this.#released = upTo;
      return out;
    }
    const from = this.#contextStart();
    const ranges = secretRanges(this.#raw.slice(from), this.#secrets).map(([s, e]): [number, number] => [s + from, e + from]);
    const open = this.#raw.length;
    for (const [s, e] of ranges) {
      if (s >= upTo || e <= upTo) continue;
      // A run across the release point: hold it whole while it may still grow, else release it whole.
      upTo = e >= open && upTo < open ? Math.max(this.#released, s) : e;
    }
    if (upTo <= this.#released) return '';
    const out = replaceRanges(this.#raw, ranges, this.#released, upTo);
    this.#released = upTo;
    this.#forgetReleased();
    return out;
  }

  /** The start of the context: the 7th character (separators aside) before the release point. */
  #contextStart(): number {
    // From the end: only the held tail (a few entries) lies past the release point.
    let firstUnreleased = this.#kept.length;
    while (firstUnreleased > 0 && this.#kept[firstUnreleased - 1]! >= this.#released) firstUnreleased--;
    const k = firstUnreleased - (MIN_RUN - 1);
    return k <= 0 ? 0 : this.#kept[k]!;
  }

  /** Released text is only context from now on: keep just enough of it (memory stays bounded). */
  #forgetReleased(): void {
    const keepFrom = this.#contextStart();
    if (keepFrom < 4096) return;
    this.#raw = this.#raw.slice(keepFrom);
    this.#released -= keepFrom;
    this.#kept = this.#kept.filter((i) => i >= keepFrom).map((i) => i - keepFrom);
  }
}

function providerSaid(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  const said = typeof body?.message === 'string' ? body.message : '';
  return said ? ` The provider said: ${said.slice(0, 300)}` : '';
}

export function upstreamError(error: unknown, context: { provider: string; model: string; secrets: readonly string[] }): ApiError {
  if (error instanceof ApiError) return error;
  const { provider, model } = context;
  const make = (code: ConstructorParameters<typeof ApiError>[0], detail: string) => new ApiError(code, redact(detail, context.secrets));
  if (error instanceof APIUserAbortError) return make('aborted', 'The request was stopped before the model finished.');
  if (error instanceof APIConnectionTimeoutError) return make('upstream_timeout', `${provider} did not answer in time.`);
  if (error instanceof APIConnectionError) {
    return make('upstream_unreachable', `${provider} could not be reached (offline, or the base URL is wrong). Your message is saved; retry when you are back online.`);
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return make('upstream_auth', `${provider} refused the API key (HTTP ${error.status}). Check the key in Settings.${providerSaid(error)}`);
  }
  // No model in the request (the model list, GET /models): a 404 there is the address, not a model.
  if (error instanceof NotFoundError && !model)
    return make('upstream_not_found', `${provider} has no OpenAI-compatible API at its base URL (GET /models answered 404); it usually ends in /v1.${providerSaid(error)}`);
  if (error instanceof NotFoundError) return make('model_not_found', `${provider} has no model '${model}' (or its base URL is wrong).${providerSaid(error)}`);
  if (error instanceof RateLimitError)
    return make('upstream_rate_limited', `${provider} is rate-limiting requests; it still refused after retrying. Try again in a minute.${providerSaid(error)}`);
  if (error instanceof InternalServerError) return make('upstream_error', `${provider} had an internal error (HTTP ${error.status}).${providerSaid(error)}`);
  if (error instanceof BadRequestError || error instanceof UnprocessableEntityError) {
    return make('upstream_bad_request', `${provider} rejected the request (HTTP ${error.status}).${providerSaid(error)}`);
  }
  if (error instanceof APIError && error.status !== undefined && error.status >= 300 && error.status < 400) {
    // upstream-fetch.ts follows no redirect: the key stays with the address it was entered for.
    const location = error.headers?.get('location');
    return make(
      'upstream_error',
      `${provider} sent the request on to another address (HTTP ${error.status}${location ? `, to ${location.slice(0, 200)}` : ''}). Studylog does not follow redirects, so your key never goes where you did not enter it; if you trust that address, make it the provider's base URL.`,
    );
  }
  if (error instanceof APIError) return make('upstream_error', `${provider} answered with HTTP ${error.status ?? 'error'}.${providerSaid(error)}`);
  // A connection dropped mid-body (upstream-fetch.ts), or reset by the provider.
  if (error instanceof UpstreamConnectionLostError || (error instanceof Error && ((error as { code?: unknown }).code === 'ECONNRESET' || /socket hang up/i.test(error.message)))) {
    return make('upstream_unreachable', `The connection to ${provider} was lost before the answer was complete. Your message is saved; retry it.`);
  }
  if (error instanceof SyntaxError) return make('upstream_bad_response', `${provider} sent a reply that is not valid JSON.`);
  return make('upstream_bad_response', `${provider} sent a reply Studylog could not read (${error instanceof Error ? error.message.slice(0, 200) : String(error)}).`);
}
