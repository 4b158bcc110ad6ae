import { AlertTriangle, Brain, ChevronLeft, ChevronRight, Pencil, RefreshCw, RotateCcw, WifiOff } from 'lucide-react';
import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isOffline } from '../../lib/errors.ts';
import { formatCost, formatNumber } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { errorHeadline } from '../../ui/ErrorText.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { MessageAttachments } from './Attachments.tsx';
import { CopyMenu } from './CopyMenu.tsx';
import { MessageText, PlainText } from './MessageText.tsx';
import type { AssistantMessage, ChatMessage, MessageAttachmentView, UserMessage, Versions } from './messages.ts';
import { inputCounted, replyCost } from './cost.ts';
import { isTooLong } from './composer.ts';
import { MessageLength } from './MessageLength.tsx';

/** What a message can do besides being read (versions): edit, regenerate, switch ‹ ›. */
export interface MessageActions {
  onRetry: (key: string) => void;
  onEdit: (key: string, text: string) => boolean;
  onRegenerate: (key: string, model: string | null) => void;
  onVersion: (turnId: string) => void;
  /** The models a regeneration may use (the mode's allowed ones). */
  models: readonly string[];
  /** Whether a reply came from a local server (its missing price then means free): cost.ts. */
  isLocal: (providerId: string | null | undefined, model: string | null) => boolean;
  /** Why nothing can be sent now (the assignment's allowance used up), or null: retry, edit and regenerate wait. */
  blocked: string | null;
}

/** ‹ 2 / 3 ›: this message's or answer's place among its versions, and a switch to its neighbours. */
function VersionSwitch({ versions, busy, onVersion }: { versions: Versions | null | undefined; busy: boolean; onVersion: (turnId: string) => void }) {
  const { t } = useTranslation();
  if (!versions) return null;
  const { index, ids } = versions;
  const label = t('chat.versionOf', { n: index + 1, count: ids.length });
  return (
    <span className="versions" data-testid="versions" role="group" aria-label={label} title={label}>
      <button
        type="button"
        className="btn btn-icon btn-small"
        onClick={() => onVersion(ids[index - 1]!)}
        disabled={busy || index === 0}
        aria-label={t('chat.previousVersion')}
        title={t('chat.previousVersion')}
        data-testid="version-prev"
      >
        <ChevronLeft size={14} aria-hidden="true" />
      </button>
      <span className="versions-count" data-testid="version-count">
        {index + 1} / {ids.length}
      </span>
      <button
        type="button"
        className="btn btn-icon btn-small"
        onClick={() => onVersion(ids[index + 1]!)}
        disabled={busy || index === ids.length - 1}
        aria-label={t('chat.nextVersion')}
        title={t('chat.nextVersion')}
        data-testid="version-next"
      >
        <ChevronRight size={14} aria-hidden="true" />
      </button>
    </span>
  );
}

/** Editing a sent message in place: sending makes a new version beside it, with the message's attachments (shown, not editable). */
function EditBox({ initial, attachments, onSend, onCancel }: { initial: string; attachments: MessageAttachmentView[]; onSend: (text: string) => boolean; onCancel: () => void }) {
  const { t } = useTranslation();
  const [text, setText] = useState(initial);
  return (
    <form
      className="message-edit"
      onSubmit={(e) => {
        e.preventDefault();
        if (onSend(text)) onCancel();
      }}
    >
      <textarea
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-label={t('chat.editLabel')}
        data-testid="edit-input"
        rows={Math.min(8, Math.max(2, text.split('\n').length))}
        autoFocus
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
        }}
      />
      <MessageLength text={text} />
      {attachments.length ? (
        <div className="message-edit-attachments" data-testid="edit-attachments">
          <p className="muted">{t('chat.editKeepsAttachments', { count: attachments.length })}</p>
          <MessageAttachments items={attachments} />
        </div>
      ) : null}
      <div className="message-edit-actions">
        <button type="button" className="btn btn-small" onClick={onCancel} data-testid="edit-cancel">
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn btn-small btn-primary" disabled={!text.trim() || text.trim() === initial.trim() || isTooLong(text)} data-testid="edit-send">
          {t('chat.editSend')}
        </button>
      </div>
    </form>
  );
}

/** `followed`: another message came after this one (failed): no retry here (messages.ts isFollowed), editing sends it again as a version. */
function UserItem({
  message,
  sending,
  busy,
  cut,
  followed,
  actions,
}: {
  message: UserMessage;
  sending: boolean;
  busy: boolean;
  cut: boolean;
  followed: boolean;
  actions: MessageActions;
}) {
  const { t } = useTranslation();
  const [editing, setEditing] = useState(false);
  const { onRetry } = actions;
  const failed = message.status === 'failed';
  // Part of an answer arrived before the connection dropped: it was sent, the answer was cut.
  const offline = failed && !cut && isOffline(message.error?.code);
  return (
    <article className={`message message-user${failed ? ' message-failed' : ''}`} data-role="user" data-status={message.status} aria-label={t('chat.you')}>
      {editing ? (
        <EditBox initial={message.content} attachments={message.attachments} onSend={(text) => actions.onEdit(message.key, text)} onCancel={() => setEditing(false)} />
      ) : (
        <>
          <PlainText text={message.content} />
          <MessageAttachments items={message.attachments} />
        </>
      )}
      <footer className="message-meta">
        <VersionSwitch versions={message.versions} busy={busy} onVersion={actions.onVersion} />
        {sending ? <Spinner label={t('chat.sending')} /> : null}
        {failed ? (
          <span className="message-status status-failed" data-testid="unsent">
            {offline ? <WifiOff size={13} aria-hidden="true" /> : null}
            {cut ? t('chat.cut') : offline ? t('chat.unsent') : t('chat.failed', { reason: errorHeadline(message.error?.code ?? 'internal_error') })}
          </span>
        ) : null}
        {failed && message.clientRequestId && !followed ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => onRetry(message.key)}
            disabled={busy || actions.blocked !== null}
            title={actions.blocked ?? undefined}
            data-testid="retry"
          >
            <RotateCcw size={13} aria-hidden="true" />
            {t('chat.retry')}
          </button>
        ) : null}
        {!editing && message.turnId && message.status !== 'sending' ? (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => setEditing(true)}
            disabled={busy || actions.blocked !== null}
            data-testid="edit"
            title={actions.blocked ?? t('chat.editLabel')}
          >
            <Pencil size={13} aria-hidden="true" />
            {t('chat.edit')}
          </button>
        ) : null}
        <CopyButton text={message.content} />
      </footer>
    </article>
  );
}

/** Another answer, from the same model or another the mode allows. */
function Regenerate({ message, busy, actions }: { message: AssistantMessage; busy: boolean; actions: MessageActions }) {
  const { t } = useTranslation();
  const [model, setModel] = useState('');
  return (
    <span className="regenerate">
      <select value={model} onChange={(e) => setModel(e.target.value)} aria-label={t('chat.regenerateModel')} title={t('chat.regenerateModel')} data-testid="regenerate-model">
        <option value="">{t('chat.sameModel')}</option>
        {actions.models.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => actions.onRegenerate(message.key, model || null)}
        disabled={busy || actions.blocked !== null}
        title={actions.blocked ?? undefined}
        data-testid="regenerate"
      >
        <RefreshCw size={13} aria-hidden="true" />
        {t('chat.regenerate')}
      </button>
    </span>
  );
}

function AssistantItem({ message, busy, actions }: { message: AssistantMessage; busy: boolean; actions: MessageActions }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const live = message.status === 'waiting' || message.status === 'streaming';
  const u = message.usage;
  const cost = u ? replyCost(u, actions.isLocal(message.providerId, message.model)) : null;
  return (
    <article className="message message-assistant" data-role="assistant" data-status={message.status} aria-label={t('chat.assistant')} aria-busy={live}>
      {message.reasoning ? (
        <details className="reasoning" data-testid="reasoning">
          <summary>
            <Brain size={14} aria-hidden="true" />
            {live && !message.content ? t('chat.thinking') : t('chat.reasoning')}
          </summary>
          <div className="reasoning-body">
            <PlainText text={message.reasoning} />
          </div>
        </details>
      ) : null}
      {message.content ? (
        <MessageText text={message.content} role="assistant" />
      ) : live ? (
        <p className="typing muted">
          <Spinner label={t('chat.thinking')} /> {t('chat.thinking')}
        </p>
      ) : null}
      <footer className="message-meta">
        <VersionSwitch versions={message.versions} busy={busy} onVersion={actions.onVersion} />
        {message.status === 'aborted' ? <span className="message-status status-aborted">{t('chat.stopped')}</span> : null}
        {message.status === 'interrupted' ? <span className="message-status status-failed">{t('chat.interrupted')}</span> : null}
        {message.model ? <span className="muted">{message.model}</span> : null}
        {message.hintLevel !== undefined ? (
          <span className="muted" data-testid="reply-hint-level">
            {t('homework.levelShort', { level: message.hintLevel })}
          </span>
        ) : null}
        {message.flagged && !live ? (
          <span className="message-status status-flagged" data-testid="flagged" title={t('homework.flaggedTitle')}>
            <AlertTriangle size={13} aria-hidden="true" />
            {t('homework.flagged')}
          </span>
        ) : null}
        {u && !live ? (
          <span className="reply-usage muted" data-testid="reply-usage" title={inputCounted(u) ? t('chat.usageTitle') : t('chat.usageOutTitle')}>
            {inputCounted(u)
              ? t('chat.replyUsage', { tokensIn: formatNumber(u.tokens_in, i18n.language), tokensOut: formatNumber(u.tokens_out, i18n.language) })
              : t('chat.replyUsageOut', { tokensOut: formatNumber(u.tokens_out, i18n.language) })}{' '}
            ·{' '}
            <span data-testid="reply-cost" data-cost={cost?.kind}>
              {cost?.kind === 'priced' ? formatCost(cost.cost, money) : cost?.kind === 'free' ? t('chat.free') : t('chat.priceUnknown')}
            </span>
            {u.estimated ? ` · ${t('chat.estimated')}` : ''}
          </span>
        ) : null}
        {message.content && !live ? <CopyMenu text={message.content} /> : null}
        {message.turnId && !live ? <Regenerate message={message} busy={busy} actions={actions} /> : null}
      </footer>
    </article>
  );
}

export const MessageItem = memo(function MessageItem(props: { message: ChatMessage; sending: boolean; busy: boolean; cut: boolean; followed: boolean; actions: MessageActions }) {
  return props.message.kind === 'user' ? <UserItem {...props} message={props.message} /> : <AssistantItem message={props.message} busy={props.busy} actions={props.actions} />;
});
