/**
 * Attachments, between the routes and the store: an upload is checked and cleaned (process.ts),
 * its text read (OCR or PDF text), and only then stored, whole, in one write; a message's
 * attachments are looked up for the proxy, which decides how each reaches the model
 * (llm/attachment-context.ts).
 */
import { ATTACHMENT_LIMITS, type Attachment, type AttachmentKind, type MessageAttachment } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Caller } from '../caller.ts';
import type { Store } from '../db/connection.ts';
import type { AttachmentsRepo, StoredAttachment } from '../db/attachments.repo.ts';
import { normalizeText } from './normalize.ts';
import type { Ocr } from './ocr.ts';
import { estimateImageTokens, processAttachment, thumbnailOf } from './process.ts';

/** An attachment of a message, ready to be sent: its description, the text for a text-only model, its bytes. */
export interface MessageFile {
  sha256: string;
  kind: AttachmentKind;
  mime: string;
  name: string;
  bytes: number;
  width: number | null;
  height: number | null;
  pages: number | null;
  /** What goes to a model that takes no images (and, for a PDF, to every model). */
  text: string;
  data: Buffer;
}

const describe = (a: StoredAttachment): Attachment => ({
  ...a,
  text_truncated: a.text.length >= ATTACHMENT_LIMITS.textChars,
  image_tokens: a.kind === 'image' && a.width && a.height ? estimateImageTokens(a.width, a.height) : null,
});

/** A file uploaded but never sent is deleted after this long (README "Attachments"). */
export const UNSENT_ATTACHMENT_TTL_MS = 24 * 60 * 60_000;
/** How often the serving process looks for them (and once at start). */
const CLEAN_UP_EVERY_MS = 6 * 60 * 60_000;

export class AttachmentService {
  readonly #store: Store;
  readonly #repo: AttachmentsRepo;
  readonly #ocr: Ocr;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: { store: Store; repo: AttachmentsRepo; ocr: Ocr }) {
    this.#store = options.store;
    this.#repo = options.repo;
    this.#ocr = options.ocr;
  }

  get repo(): AttachmentsRepo {
    return this.#repo;
  }

  /** Checks, cleans, reads and stores an upload; the same content uploaded again is stored once. */
  async upload(caller: Caller, input: { name: string; data: string }): Promise<Attachment> {
    const bytes = Buffer.from(input.data, 'base64');
    const processed = await processAttachment(bytes, input.name, this.#ocr);
    await this.#store.writes.run('store the attachment', (db) => this.#repo.store(db, caller.user_id, processed));
    // Stored before by anyone: its row (text, time) is the one kept.
    const stored = this.#repo.get(processed.sha256)!;
    return { ...describe(stored), text_truncated: processed.text_truncated };
  }

  /** One attachment the caller may see (theirs, or any for an admin), with an image's thumbnail on request. */
  async get(caller: Caller, sha256: string, thumbnail: boolean): Promise<Attachment & { thumbnail: string | null }> {
    const stored = this.#visible(caller, sha256);
    const data = thumbnail && stored.kind === 'image' ? this.#repo.data(sha256) : null;
    return { ...describe(stored), thumbnail: data ? await thumbnailOf(data) : null };
  }

  /**
   * A new message's attachments, in order: each must be one the caller uploaded (or sent: an edit
   * names the edited message's files again). One named without `text` goes with the text sent with
   * it before in the session (`within`: an edit keeps what the student confirmed, preferring the
   * edited message's versions), else with the text read from it.
   */
  forMessage(caller: Caller, list: readonly MessageAttachment[], within?: { sessionId: string; parentId: string | null }): MessageFile[] {
    return list.map((item) => {
      const stored = this.#visible(caller, item.sha256, `attachment '${item.name}' (${item.sha256.slice(0, 12)}…) — attach the file again`);
      const sent = item.text === undefined && within ? this.#repo.sentText(within.sessionId, item.sha256, within.parentId) : null;
      // The text the student confirmed is normalized as the text read from the file is.
      return this.#file(stored, item.name, item.text === undefined ? (sent ?? stored.text) : normalizeText(item.text));
    });
  }

  /**
   * The attachments a stored user turn was sent with (a retry sends them again, with the same text;
   * the history of a later message carries them too). `withData: false` leaves the bytes unread
   * (an empty buffer): a model that takes no images gets the text only.
   */
  ofTurn(turnId: string, withData = true): MessageFile[] {
    return this.#repo.linksOf(turnId).flatMap((link) => {
      const stored = this.#repo.get(link.sha256);
      return stored ? [this.#file(stored, link.name, link.text, withData)] : [];
    });
  }

  /** Deletes the files uploaded more than a day ago and never sent (a message's files stay as long as it does). */
  cleanUp(now = Date.now()): Promise<number> {
    return this.#store.writes.run('clean up unsent attachments', (db) => this.#repo.deleteUnsent(db, now - UNSENT_ATTACHMENT_TTL_MS));
  }

  /** The clean-up now (after start-up) and every few hours; the timer never keeps the process alive. */
  startCleanUp(everyMs = CLEAN_UP_EVERY_MS): void {
    if (this.#timer) return;
    const run = () => {
      if (this.#timer) void this.cleanUp().catch((error: unknown) => console.error('studylog: unsent attachments could not be cleaned up:', error));
    };
    setImmediate(run);
    this.#timer = setInterval(run, everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #file(stored: StoredAttachment, name: string, text: string, withData = true): MessageFile {
    const data = withData ? this.#repo.data(stored.sha256) : Buffer.alloc(0);
    if (!data) throw new ApiError('not_found', `The attachment '${name}' is no longer stored; attach the file again.`);
    return { sha256: stored.sha256, kind: stored.kind, mime: stored.mime, name, bytes: stored.bytes, width: stored.width, height: stored.height, pages: stored.pages, text, data };
  }

  #visible(caller: Caller, sha256: string, what = `attachment '${sha256}'`): StoredAttachment {
    const stored = this.#repo.get(sha256);
    // Another user's attachment is "not found" too: whether a file exists here stays unknown.
    if (!stored || (caller.role !== 'admin' && !this.#repo.visibleTo(sha256, caller.user_id))) throw new ApiError('not_found', `There is no ${what}.`);
    return stored;
  }
}
