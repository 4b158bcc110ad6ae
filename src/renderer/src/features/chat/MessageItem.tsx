import { Brain, RotateCcw, WifiOff } from 'lucide-react';
import { lazy, memo, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { isOffline } from '../../lib/errors.ts';
import { formatCost, formatNumber } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { errorHeadline } from '../../ui/ErrorText.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { MessageAttachments } from './Attachments.tsx';
import type { AssistantMessage, ChatMessage, UserMessage } from './messages.ts';

// Markdown, KaTeX and the highlighter load after the first screen is up.
const Markdown = lazy(() => import('./Markdown.tsx'));

function Plain({ text }: { text: string }) {
  return <div className="plain-text">{text}</div>;
}

function UserItem({ message, sending, busy, cut, onRetry }: { message: UserMessage; sending: boolean; busy: boolean; cut: boolean; onRetry: (key: string) => void }) {
  const { t } = useTranslation();
  const failed = message.status === 'failed';
  // Part of an answer arrived before the connection dropped: it was sent, the answer was cut.
  const offline = failed && !cut && isOffline(message.error?.code);
  return (
    <article className={`message message-user${failed ? ' message-failed' : ''}`} data-role="user" data-status={message.status} aria-label={t('chat.you')}>
      <Plain text={message.content} />
      <MessageAttachments items={message.attachments} />
      <footer className="message-meta">
        {sending ? <Spinner label={t('chat.sending')} /> : null}
        {failed ? (
          <span className="message-status status-failed" data-testid="unsent">
            {offline ? <WifiOff size={13} aria-hidden="true" /> : null}
            {cut ? t('chat.cut') : offline ? t('chat.unsent') : t('chat.failed', { reason: errorHeadline(message.error?.code ?? 'internal_error') })}
          </span>
        ) : null}
        {failed && message.clientRequestId ? (
          <button type="button" className="btn btn-small" onClick={() => onRetry(message.key)} disabled={busy} data-testid="retry">
            <RotateCcw size={13} aria-hidden="true" />
            {t('chat.retry')}
          </button>
        ) : null}
        <CopyButton text={message.content} />
      </footer>
    </article>
  );
}

function AssistantItem({ message }: { message: AssistantMessage }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const live = message.status === 'waiting' || message.status === 'streaming';
  const u = message.usage;
  return (
    <article className="message message-assistant" data-role="assistant" data-status={message.status} aria-label={t('chat.assistant')} aria-busy={live}>
      {message.reasoning ? (
        <details className="reasoning" data-testid="reasoning">
          <summary>
            <Brain size={14} aria-hidden="true" />
            {live && !message.content ? t('chat.thinking') : t('chat.reasoning')}
          </summary>
          <div className="reasoning-body">
            <Plain text={message.reasoning} />
          </div>
        </details>
      ) : null}
      {message.content ? (
        <Suspense fallback={<Plain text={message.content} />}>
          <Markdown text={message.content} />
        </Suspense>
      ) : live ? (
        <p className="typing muted">
          <Spinner label={t('chat.thinking')} /> {t('chat.thinking')}
        </p>
      ) : null}
      <footer className="message-meta">
        {message.status === 'aborted' ? <span className="message-status status-aborted">{t('chat.stopped')}</span> : null}
        {message.status === 'interrupted' ? <span className="message-status status-failed">{t('chat.interrupted')}</span> : null}
        {message.model ? <span className="muted">{message.model}</span> : null}
        {u && !live ? (
          <span className="reply-usage muted" data-testid="reply-usage" title={t('chat.usageTitle')}>
            {t('chat.replyUsage', { tokensIn: formatNumber(u.tokens_in, i18n.language), tokensOut: formatNumber(u.tokens_out, i18n.language) })} ·{' '}
            {u.price_known ? formatCost(u.cost, money) : t('chat.priceUnknown')}
            {u.estimated ? ` · ${t('chat.estimated')}` : ''}
          </span>
        ) : null}
        {message.content && !live ? <CopyButton text={message.content} /> : null}
      </footer>
    </article>
  );
}

export const MessageItem = memo(function MessageItem(props: { message: ChatMessage; sending: boolean; busy: boolean; cut: boolean; onRetry: (key: string) => void }) {
  return props.message.kind === 'user' ? <UserItem {...props} message={props.message} /> : <AssistantItem message={props.message} />;
});
