import { Send, Square } from 'lucide-react';
import { useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';

type Blocker = 'busy' | 'needs_assignment' | 'ended' | 'loading' | null;

/** Enter sends, Shift+Enter is a new line; an IME composition (Chinese input) never sends. */
export function Composer(props: { blocker: Blocker; sending: boolean; onSend: (text: string) => boolean; onStop: () => void; onNewChat: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
  const canSend = props.blocker === null && text.trim().length > 0;

  const send = () => {
    if (!canSend) return;
    if (props.onSend(text)) {
      setText('');
      ref.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing || e.keyCode === 229) return;
    e.preventDefault();
    send();
  };

  const hint = props.blocker === 'needs_assignment' ? t('chat.needsAssignment') : props.blocker === 'ended' ? t('chat.endedHint') : null;

  return (
    <div className="composer">
      {hint ? (
        <p className="composer-hint" id="composer-hint" data-testid="composer-hint" role="status">
          {hint}
          {props.blocker === 'ended' ? (
            <button type="button" className="btn btn-small btn-link" onClick={props.onNewChat}>
              {t('chat.newChat')}
            </button>
          ) : null}
        </p>
      ) : null}
      <div className="composer-row">
        <textarea
          ref={ref}
          className="composer-input"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={t('chat.placeholder')}
          aria-label={t('chat.messageLabel')}
          aria-describedby={hint ? 'composer-hint' : undefined}
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
          <button type="button" className="btn btn-primary composer-button" onClick={send} disabled={!canSend} data-testid="send">
            <Send size={16} aria-hidden="true" />
            {t('chat.send')}
          </button>
        )}
      </div>
      <p className="composer-keys muted">{t('chat.keys')}</p>
    </div>
  );
}
