/**
 * Attachments in the chat (README "Attachments"): the composer's tray — files added by the 📎
 * button, by pasting or by dropping, each uploaded at once (the server checks it, strips an
 * image's metadata and reads its text), shown as a chip with a thumbnail, name, size and remove —
 * and the attachments a sent message shows. For a model that takes no images, an image's
 * recognized text is shown under its chip, editable: that text is what is sent in its place.
 */
import i18next from 'i18next';
import { FileText, X } from 'lucide-react';
import { useCallback, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '../../../../shared/api/schemas.ts';
import { ATTACHMENT_LIMITS } from '../../../../shared/api/vocabulary.ts';
import { useRouteQuery } from '../../data/queries.tsx';
import { errorHeadline, errorNext, toClientError, type UiError } from '../../lib/errors.ts';
import { Spinner } from '../../ui/Spinner.tsx';
import type { MessageAttachmentView } from './messages.ts';

/** One file in the composer's tray. */
export interface TrayItem {
  key: string;
  name: string;
  size: number;
  /** A data URL of the picture as the student chose it (images only), until the server's thumbnail is needed. */
  preview: string | null;
  status: 'uploading' | 'ready' | 'error';
  attachment: Attachment | null;
  error: UiError | null;
  /** The text sent in place of an image to a text-only model (the OCR text, as edited). */
  text: string;
  /** Back from a refused message that was sent without its text (as an image): the server's text goes unless edited. */
  textUnknown?: boolean;
}

const ACCEPT = 'image/png,image/jpeg,image/webp,application/pdf,.png,.jpg,.jpeg,.webp,.pdf';
const MB = 1024 * 1024;

export function formatSize(bytes: number, language: string): string {
  const value = bytes >= MB ? bytes / MB : bytes / 1024;
  return `${new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(value)} ${bytes >= MB ? 'MB' : 'KB'}`;
}

/** What the browser can tell before uploading: the same limits the server holds (it checks again, by the bytes). */
function precheck(file: File): UiError | null {
  const name = file.name.toLowerCase();
  const pdf = file.type === 'application/pdf' || name.endsWith('.pdf');
  const image = /^image\/(png|jpeg|webp)$/.test(file.type) || /\.(png|jpe?g|webp)$/.test(name);
  if (!pdf && !image) return { code: 'attachment_unsupported', detail: `${file.name}: ${file.type || 'unknown type'}` };
  const limit = pdf ? ATTACHMENT_LIMITS.pdfBytes : ATTACHMENT_LIMITS.imageBytes;
  if (file.size > limit) return { code: 'attachment_too_large', detail: `${file.name}: ${file.size} bytes` };
  return null;
}

function readAsDataUrl(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

let traySeq = 0;

/** The tray's state and what changes it; `upload` sends one file (base64) to the server. */
export function useAttachmentTray(upload: (name: string, data: string) => Promise<Attachment>) {
  const [items, setItems] = useState<TrayItem[]>([]);
  const patch = useCallback((key: string, change: Partial<TrayItem>) => setItems((list) => list.map((i) => (i.key === key ? { ...i, ...change } : i))), []);

  // The count when files are added (the state updater must stay free of side effects: no uploads in it).
  const count = useRef(0);
  count.current = items.length;

  const add = useCallback(
    (files: readonly File[]) => {
      const room = ATTACHMENT_LIMITS.perMessage - count.current;
      const added: TrayItem[] = files.map((file, index) => {
        const error: UiError | null =
          index >= room
            ? { code: 'validation_error', detail: 'too many attachments', localized: i18next.t('attachments.tooMany', { max: ATTACHMENT_LIMITS.perMessage }) }
            : precheck(file);
        return { key: `att-${traySeq++}`, name: file.name || 'file', size: file.size, preview: null, status: error ? 'error' : 'uploading', attachment: null, error, text: '' };
      });
      count.current += added.length;
      setItems((list) => [...list, ...added]);
      added.forEach((item, index) => {
        if (item.status !== 'uploading') return;
        const file = files[index]!;
        void (async () => {
          try {
            const url = await readAsDataUrl(file);
            if (file.type.startsWith('image/')) patch(item.key, { preview: url });
            const attachment = await upload(item.name, url.slice(url.indexOf(',') + 1));
            patch(item.key, { status: 'ready', attachment, text: attachment.text });
          } catch (e) {
            patch(item.key, { status: 'error', error: toClientError(e) });
          }
        })();
      });
    },
    [patch, upload],
  );

  const remove = useCallback((key: string) => setItems((list) => list.filter((i) => i.key !== key)), []);
  const setText = useCallback((key: string, text: string) => patch(key, { text, textUnknown: false }), [patch]);
  const clear = useCallback(() => setItems([]), []);
  /** Files of a message the server refused without storing it, back in the tray as they were sent (uploaded already). */
  const restore = useCallback((sent: readonly MessageAttachmentView[]) => {
    if (sent.length === 0) return;
    const back = sent.map((a): TrayItem => ({
      key: `att-${traySeq++}`,
      name: a.name,
      size: a.bytes,
      preview: null,
      status: 'ready',
      // What the tray and sentAttachments read of it; the rest is the server's, kept there.
      attachment: {
        sha256: a.sha256,
        kind: a.kind,
        mime: '',
        bytes: a.bytes,
        width: null,
        height: null,
        pages: a.pages,
        text: a.text ?? '',
        text_truncated: false,
        image_tokens: null,
        created_at: 0,
      },
      error: null,
      text: a.text ?? '',
      ...(a.text === undefined ? { textUnknown: true } : {}),
    }));
    setItems((list) => [...list, ...back]);
  }, []);
  return { items, add, remove, setText, clear, restore, accept: ACCEPT };
}

/**
 * The attach button: a hidden file input the button opens, its files going to the tray (the chat's
 * composer, a hand-in's answer).
 */
export function AttachButton(props: {
  tray: Pick<ReturnType<typeof useAttachmentTray>, 'add' | 'accept'>;
  className: string;
  disabled?: boolean;
  inputTestId: string;
  testId: string;
  label?: string;
  title?: string;
  children: ReactNode;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        accept={props.tray.accept}
        multiple
        hidden
        onChange={(e) => {
          props.tray.add([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
        data-testid={props.inputTestId}
      />
      <button
        type="button"
        className={props.className}
        onClick={() => input.current?.click()}
        disabled={props.disabled}
        aria-label={props.label}
        title={props.title}
        data-testid={props.testId}
      >
        {props.children}
      </button>
    </>
  );
}

/** What a message sends and shows for the tray's ready files (the text only where it goes as text). */
export function sentAttachments(items: readonly TrayItem[], textOnly: boolean): MessageAttachmentView[] {
  return items.flatMap((i) =>
    i.status === 'ready' && i.attachment
      ? [
          {
            sha256: i.attachment.sha256,
            kind: i.attachment.kind,
            name: i.name,
            bytes: i.attachment.bytes,
            pages: i.attachment.pages,
            sentAs: i.attachment.kind === 'image' && !textOnly ? ('image' as const) : ('text' as const),
            ...(i.attachment.kind === 'image' && textOnly && !i.textUnknown ? { text: i.text } : {}),
          },
        ]
      : [],
  );
}

/** The composer's chips. `textOnly`: the chosen model takes no images, so an image's text is shown to check and edit. */
export function AttachmentTray(props: { items: TrayItem[]; textOnly: boolean; onRemove: (key: string) => void; onText: (key: string, text: string) => void }) {
  const { t, i18n } = useTranslation();
  if (props.items.length === 0) return null;
  return (
    <ul className="attachment-tray" aria-label={t('attachments.tray')} data-testid="attachment-tray">
      {props.items.map((item) => (
        <li key={item.key} className={`attachment-chip${item.status === 'error' ? ' attachment-chip-error' : ''}`} data-testid="attachment-chip" data-status={item.status}>
          <div className="attachment-chip-row">
            {item.preview ? <img className="attachment-thumb" src={item.preview} alt="" /> : <FileText size={28} aria-hidden="true" className="attachment-icon" />}
            <span className="attachment-name" title={item.name}>
              {item.name}
            </span>
            <span className="muted attachment-size">
              {formatSize(item.size, i18n.language)}
              {item.attachment?.pages ? ` · ${t('attachments.pages', { count: item.attachment.pages })}` : ''}
            </span>
            {item.status === 'uploading' ? <Spinner label={t('attachments.reading')} /> : null}
            <button
              type="button"
              className="btn btn-small btn-icon"
              onClick={() => props.onRemove(item.key)}
              aria-label={t('attachments.remove', { name: item.name })}
              data-testid="attachment-remove"
            >
              <X size={14} aria-hidden="true" />
            </button>
          </div>
          {item.status === 'uploading' ? <p className="muted attachment-note">{t('attachments.reading')}</p> : null}
          {item.error ? (
            <p className="attachment-error" role="alert" data-testid="attachment-error" data-code={item.error.code}>
              <strong>{item.error.localized ?? errorHeadline(item.error.code)}</strong> {item.error.localized ? null : errorNext(item.error.code)}
            </p>
          ) : null}
          {item.status === 'ready' && item.attachment?.kind === 'image' && props.textOnly ? (
            <label className="attachment-ocr">
              <span className="field-label">{t('attachments.ocrLabel')}</span>
              <textarea
                value={item.text}
                onChange={(e) => props.onText(item.key, e.target.value)}
                rows={Math.min(6, Math.max(2, item.text.split('\n').length))}
                placeholder={t('attachments.ocrEmpty')}
                maxLength={ATTACHMENT_LIMITS.sentTextChars}
                data-testid="attachment-ocr"
              />
            </label>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Thumbnail({ sha256, name }: { sha256: string; name: string }) {
  const { data } = useRouteQuery('getAttachment', { sha256, thumbnail: '1' });
  return data?.thumbnail ? <img className="attachment-thumb" src={data.thumbnail} alt={name} /> : <span className="attachment-thumb attachment-thumb-empty" aria-hidden="true" />;
}

/** A sent message's attachments: an image's thumbnail, a PDF's name and pages. */
export function MessageAttachments({ items }: { items: MessageAttachmentView[] }) {
  const { t, i18n } = useTranslation();
  if (items.length === 0) return null;
  return (
    <ul className="message-attachments" aria-label={t('attachments.sent')} data-testid="message-attachments">
      {items.map((a) => (
        <li key={a.sha256} className="attachment-chip" data-kind={a.kind}>
          <div className="attachment-chip-row">
            {a.kind === 'image' ? <Thumbnail sha256={a.sha256} name={a.name} /> : <FileText size={28} aria-hidden="true" className="attachment-icon" />}
            <span className="attachment-name" title={a.name}>
              {a.name}
            </span>
            <span className="muted attachment-size">
              {formatSize(a.bytes, i18n.language)}
              {a.pages ? ` · ${t('attachments.pages', { count: a.pages })}` : ''}
              {a.sentAs === 'text' && a.kind === 'image' ? ` · ${t('attachments.sentAsText')}` : ''}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
