/**
 * Attachments in the database (schema.ts: attachment, attachment_owner, turn_attachment): stored by
 * the SHA-256 of their bytes, so the same photo attached twice is stored once; owned by whoever
 * uploaded them; linked to the user turns that sent them, in order, with the text that was sent.
 */
import type { Attachment, AttachmentKind } from '../../../shared/api/schemas.ts';
import type { Store } from './connection.ts';
import { withDbErrors } from './db-errors.ts';
import type { WritableDB } from './handles.ts';

/** An attachment as stored (attachments/process.ts makes one from an upload). */
export interface NewAttachment {
  sha256: string;
  kind: AttachmentKind;
  mime: string;
  /** The stored bytes: the re-encoded image, or the PDF as uploaded. */
  data: Buffer;
  width: number | null;
  height: number | null;
  pages: number | null;
  /** OCR of an image, the text of a PDF; at most ATTACHMENT_LIMITS.textChars characters. */
  text: string;
}

/** What the store knows of one attachment, without its bytes. */
export type StoredAttachment = Omit<Attachment, 'text_truncated' | 'image_tokens'>;

/** One attachment of a user turn, with the text that went in its place to a text-only model. */
export interface TurnAttachmentLink {
  position: number;
  sha256: string;
  name: string;
  text: string;
}

/** A file as an export lists it (its bytes read when its turn comes). */
export interface ExportedFile {
  sha256: string;
  name: string;
  kind: AttachmentKind;
  mime: string;
  bytes: number;
}

const COLUMNS = 'a.sha256, a.kind, a.mime, a.bytes, a.width, a.height, a.pages, a.text, a.created_at';

/** A hand-in (draft or handed in) whose answer names the file `sha` (submission.meta.answer_files). */
export const ANSWER_FILE_USES = (sha: string) => `SELECT 1 FROM submission s, json_each(s.meta, '$.answer_files') f WHERE json_extract(f.value, '$.sha256') = ${sha}`;

export class AttachmentsRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Stores the bytes (once per content) and who uploaded them; idempotent. */
  store(db: WritableDB, userId: string, a: NewAttachment, now = Date.now()): void {
    withDbErrors('store the attachment', () => {
      db.prepare(
        `INSERT INTO attachment (sha256, kind, mime, bytes, width, height, pages, text, data, created_at)
         VALUES (@sha256, @kind, @mime, @bytes, @width, @height, @pages, @text, @data, @now) ON CONFLICT (sha256) DO NOTHING`,
      ).run({ ...a, bytes: a.data.length, now });
      // Uploaded again: the time is the latest upload's (the clean-up spares a file uploaded lately).
      db.prepare('INSERT INTO attachment_owner (user_id, sha256, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, sha256) DO UPDATE SET created_at = excluded.created_at').run(
        userId,
        a.sha256,
        now,
      );
    });
  }

  /** The attachment's description (not its bytes). Who may see it: `visibleTo`. */
  get(sha256: string): StoredAttachment | null {
    return (this.#store.sqlite.prepare(`SELECT ${COLUMNS} FROM attachment a WHERE a.sha256 = ?`).get(sha256) as StoredAttachment | undefined) ?? null;
  }

  /** The stored bytes. */
  data(sha256: string): Buffer | null {
    const row = this.#store.sqlite.prepare('SELECT data FROM attachment WHERE sha256 = ?').get(sha256) as { data: Buffer } | undefined;
    return row?.data ?? null;
  }

  /** Links a user turn to its attachments (inside the message's write). */
  link(db: WritableDB, turnId: string, links: readonly Omit<TurnAttachmentLink, 'position'>[]): void {
    withDbErrors('record the attachments', () => {
      const insert = db.prepare('INSERT INTO turn_attachment (turn_id, position, sha256, name, text) VALUES (?, ?, ?, ?, ?)');
      links.forEach((l, position) => insert.run(turnId, position, l.sha256, l.name, l.text));
    });
  }

  /** A turn's attachments, in order. */
  linksOf(turnId: string): TurnAttachmentLink[] {
    return this.#store.sqlite.prepare('SELECT position, sha256, name, text FROM turn_attachment WHERE turn_id = ? ORDER BY position').all(turnId) as TurnAttachmentLink[];
  }

  /**
   * The text last sent with an attachment in a session — the OCR text as the student confirmed it
   * (the composer shows it only for a text model) — preferring a message with parent `parentId`
   * (an edit names the edited message's parent, so its versions come first). Null: never sent there.
   */
  sentText(sessionId: string, sha256: string, parentId: string | null): string | null {
    const row = this.#store.sqlite
      .prepare(
        `SELECT ta.text FROM turn_attachment ta JOIN turn t ON t.id = ta.turn_id
         WHERE t.session_id = @sessionId AND ta.sha256 = @sha256
         ORDER BY (t.parent_id IS @parentId) DESC, t.created_at DESC, t.id DESC LIMIT 1`,
      )
      .get({ sessionId, sha256, parentId }) as { text: string } | undefined;
    return row?.text ?? null;
  }

  /**
   * The files the messages of some sessions carry, each once (by hash), with the name it was first
   * sent under, oldest message first (exports).
   */
  ofSessions(sessionIds: readonly string[]): ExportedFile[] {
    if (sessionIds.length === 0) return [];
    const rows = this.#store.sqlite
      .prepare(
        `SELECT ta.sha256, ta.name, a.kind, a.mime, a.bytes FROM turn_attachment ta
         JOIN turn t ON t.id = ta.turn_id JOIN attachment a ON a.sha256 = ta.sha256
         WHERE t.session_id IN (SELECT value FROM json_each(?)) ORDER BY t.created_at, t.id, ta.position`,
      )
      .all(JSON.stringify(sessionIds)) as ExportedFile[];
    const seen = new Set<string>();
    return rows.filter((r) => !seen.has(r.sha256) && seen.add(r.sha256));
  }

  /**
   * The clean-up: files no message carries, no hand-in's answer names and nobody uploaded since
   * `before` (uploaded and never sent, or their message deleted before the trigger existed) are
   * deleted, owners with them. Returns how many.
   */
  deleteUnsent(db: WritableDB, before: number): number {
    return withDbErrors(
      'clean up unsent attachments',
      () =>
        db
          .prepare(
            `DELETE FROM attachment WHERE created_at < @before
             AND NOT EXISTS (SELECT 1 FROM turn_attachment ta WHERE ta.sha256 = attachment.sha256)
             AND NOT EXISTS (${ANSWER_FILE_USES('attachment.sha256')})
             AND NOT EXISTS (SELECT 1 FROM attachment_owner o WHERE o.sha256 = attachment.sha256 AND o.created_at >= @before)`,
          )
          .run({ before }).changes,
    );
  }

  /** Whether `userId` may read an attachment: they uploaded it, or one of their turns sent it. */
  visibleTo(sha256: string, userId: string): boolean {
    return (
      this.#store.sqlite
        .prepare(
          `SELECT 1 FROM attachment_owner WHERE sha256 = @sha256 AND user_id = @userId
           UNION ALL SELECT 1 FROM turn_attachment ta JOIN turn t ON t.id = ta.turn_id JOIN session s ON s.id = t.session_id WHERE ta.sha256 = @sha256 AND s.user_id = @userId LIMIT 1`,
        )
        .get({ sha256, userId }) !== undefined
    );
  }
}
