import { Paperclip, RefreshCw, Send, Square } from 'lucide-react';
import { useEffect, useRef, useState, type ClipboardEvent, type DragEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '../../../../shared/api/schemas.ts';
import { AttachButton, AttachmentTray, sentAttachments, useAttachmentTray } from './Attachments.tsx';
import type { ReturnedMessage } from './chat-state.ts';
import { isTooLong, type Blocker } from './composer.ts';
import type { MessageAttachmentView } from './messages.ts';
import { MessageLength } from './MessageLength.tsx';

/**
 * Enter sends, Shift+Enter is a new line; an IME composition (Chinese input) never sends. Blocked
 * (the allowance used up, …) the text area stays writable and keeps what was typed; only sending waits.
 */
export function Composer(props: {
  blocker: Blocker | null;
  sending: boolean;
  /** The model this message goes to takes no images: an image is sent as its (editable) recognized text. */
  textOnly: boolean;
  onSend: (text: string, attachments: MessageAttachmentView[]) => boolean;
  onUpload: (name: string, data: string) => Promise<Attachment>;
  onStop: () => void;
  onNewChat: () => void;
  /** The allowance is used up: ask the server again (the teacher may have raised it). */
  onRecheck?: () => void;
  /** A sent message the server refused without storing it: put back here (then `onReturned`). */
  returned?: ReturnedMessage | null;
  onReturned?: () => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [dragging, setDragging] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const tray = useAttachmentTray(props.onUpload);
  const ready = sentAttachments(tray.items, props.textOnly);
  // A file still being read holds the message back: it would be sent without it.
  const uploading = tray.items.some((i) => i.status === 'uploading');
  // Over the server's limit the message would be refused whole: it waits, saying how much to cut.
  const tooLong = isTooLong(text);
  const canSend = props.blocker === null && !uploading && !tooLong && (text.trim().length > 0 || ready.length > 0);

  // A message the server refused without storing it comes back: its text before what was typed
  // since, its files back in the tray.
  const { returned, onReturned } = props;
  const restore = tray.restore;
  useEffect(() => {
    if (!returned) return;
    setText((typed) => (typed.trim() ? `${returned.text}\n\n${typed}` : returned.text));
    restore(returned.attachments);
    onReturned?.();
  }, [returned, onReturned, restore]);

  const send = () => {
    if (!canSend) return;
    if (props.onSend(text, ready)) {
      setText('');
      tray.clear();
      ref.current?.focus();
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...e.clipboardData.files];
    if (files.length === 0) return;
    e.preventDefault();
    tray.add(files);
  };
  const hasFiles = (e: DragEvent) => e.dataTransfer.types.includes('Files');
  const onDragOver = (e: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(e) || props.blocker === 'ended') return;
    e.preventDefault();
    setDragging(true);
  };
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    setDragging(false);
    if (!hasFiles(e) || props.blocker === 'ended') return;
    e.preventDefault();
    tray.add([...e.dataTransfer.files]);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  };

  const hint =
    props.blocker === 'needs_assignment'
      ? t('chat.needsAssignment')
      : props.blocker === 'ended'
        ? t('chat.endedHint')
        : props.blocker === 'allowance'
          ? t('chat.allowanceOutHint')
          : props.blocker === 'daily_allowance'
            ? t('chat.dailyAllowanceOutHint')
            : null;

  return (
    <div className={`composer${dragging ? ' composer-dragging' : ''}`} onDragOver={onDragOver} onDragLeave={() => setDragging(false)} onDrop={onDrop} data-testid="composer-area">
      {hint ? (
        <p className="composer-hint" id="composer-hint" data-testid="composer-hint" data-blocker={props.blocker ?? undefined} role="status">
          {hint}
          {props.blocker === 'ended' ? (
            <button type="button" className="btn btn-small btn-link" onClick={props.onNewChat}>
              {t('chat.newChat')}
            </button>
          ) : null}
          {(props.blocker === 'allowance' || props.blocker === 'daily_allowance') && props.onRecheck ? (
            <button type="button" className="btn btn-small btn-link" onClick={props.onRecheck} data-testid="allowance-recheck">
              <RefreshCw size={13} aria-hidden="true" />
              {t('chat.allowanceRecheck')}
            </button>
          ) : null}
        </p>
      ) : null}
      {/* A note, not an error: above the recognized text it is about, in the muted colour. */}
      {props.textOnly && ready.some((a) => a.kind === 'image') ? (
        <p className="muted composer-note" data-testid="ocr-hint">
          {t('attachments.textOnlyHint')}
        </p>
      ) : null}
      <AttachmentTray items={tray.items} textOnly={props.textOnly} onRemove={tray.remove} onText={tray.setText} />
      <MessageLength text={text} id="composer-length" />
      <div className="composer-row">
        <AttachButton
          tray={tray}
          className="btn composer-attach"
          disabled={props.blocker === 'ended'}
          label={t('attachments.attach')}
          title={t('attachments.attachTitle')}
          inputTestId="attach-input"
          testId="attach"
        >
          <Paperclip size={16} aria-hidden="true" />
        </AttachButton>
        <textarea
          ref={ref}
          className="composer-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          placeholder={t('chat.placeholder')}
          aria-label={t('chat.messageLabel')}
          aria-describedby={[hint ? 'composer-hint' : '', tooLong ? 'composer-length' : ''].filter(Boolean).join(' ') || undefined}
          rows={Math.min(8, Math.max(2, text.split('\n').length))}
          disabled={props.blocker === 'ended'}
          data-testid="composer"
        />
        {props.sending ? (
          <button type="button" className="btn btn-danger composer-button" onClick={props.onStop} data-testid="stop">
            <Square size={16} aria-hidden="true" />
            {t('chat.stop')}
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-primary composer-button"
            onClick={send}
            disabled={!canSend}
            title={props.blocker === 'allowance' ? t('chat.allowanceBlocked') : props.blocker === 'daily_allowance' ? t('chat.dailyAllowanceBlocked') : undefined}
            data-testid="send"
          >
            <Send size={16} aria-hidden="true" />
            {t('chat.send')}
          </button>
        )}
      </div>
      <p className="composer-keys muted">{t('chat.keys')}</p>
    </div>
  );
}
