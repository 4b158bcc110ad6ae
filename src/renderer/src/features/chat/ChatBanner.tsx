import { AlertTriangle, RefreshCw, ServerOff, Settings as SettingsIcon, Sparkles, WifiOff, X } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Mode } from '../../../../shared/api/schemas.ts';
import { useIdentity } from '../../app/identity.tsx';
import { useModels, useSettings } from '../../app/server-state.ts';
import { errorAction, errorHeadline, errorNext, isOffline, type UiError } from '../../lib/errors.ts';
import { navigate } from '../../lib/route.ts';
import { ErrorDetails, IssueList } from '../../ui/ErrorText.tsx';
import { activeProvider, isProviderOffline } from '../setup/readiness.ts';
import { SetupDialog } from '../setup/SetupDialog.tsx';
import { useChat } from './chat-context.tsx';

/**
 * The chat's banner: the last send's failure (localized headline, what to do, a button that goes
 * there, the server's detail folded away), or — with nothing sent yet — "offline" when the
 * provider that answers this mode could not be reached when its models were asked for.
 */
export function ChatBanner({ notice, mode, onDismiss }: { notice: UiError | null; mode: Mode; onDismiss: () => void }) {
  const { t } = useTranslation();
  const { isAdmin, signOut } = useIdentity();
  const { models, refetch: checkModels } = useModels();
  const { settings } = useSettings();
  const chat = useChat();
  const [setupOpen, setSetupOpen] = useState(false);
  const [checking, setChecking] = useState(false);
  const provider = activeProvider(models, settings, mode);
  const providerOffline = provider !== null && isProviderOffline(provider);

  const setup = setupOpen ? (
    <SetupDialog
      makeDefault={false}
      onClose={() => setSetupOpen(false)}
      onDone={() => {
        setSetupOpen(false);
        onDismiss();
      }}
    />
  ) : null;

  if (!notice && !providerOffline) return setup;

  // The answer was cut part-way (the connection dropped, the provider failed mid-stream): the
  // message was sent and the part that arrived is on screen — not "unsent", whatever the cause.
  if (notice?.cut) {
    return (
      <div className="banner banner-offline" role="alert" data-testid="chat-banner" data-code={notice.code} data-cut="true">
        <AlertTriangle size={18} aria-hidden="true" />
        <div className="banner-text">
          <strong>{t('chat.cutTitle')}</strong>
          <span>{t('chat.cutBody')}</span>
          <span className="muted">{t('chat.cutReason', { reason: errorHeadline(notice.code) })}</span>
          <ErrorDetails detail={notice.detail} />
        </div>
        <button type="button" className="btn btn-ghost btn-small" onClick={onDismiss} aria-label={t('common.dismiss')}>
          <X size={14} aria-hidden="true" />
        </button>
      </div>
    );
  }

  if (!notice || isOffline(notice.code)) {
    const check = async () => {
      setChecking(true);
      await checkModels();
      setChecking(false);
    };
    return (
      <div className="banner banner-offline" role="alert" data-testid="chat-banner" data-code={notice?.code ?? 'upstream_unreachable'}>
        <WifiOff size={18} aria-hidden="true" />
        <div className="banner-text">
          <strong>{t('chat.offlineTitle')}</strong>
          <span>{notice ? t('chat.offlineBody') : t('chat.offlineIdleBody')}</span>
        </div>
        {!notice ? (
          <button type="button" className="btn btn-small" onClick={() => void check()} disabled={checking} data-testid="banner-action">
            <RefreshCw size={14} aria-hidden="true" />
            {t('errorUi.actions.check')}
          </button>
        ) : (
          <button type="button" className="btn btn-ghost btn-small" onClick={onDismiss} aria-label={t('common.dismiss')}>
            <X size={14} aria-hidden="true" />
          </button>
        )}
      </div>
    );
  }

  const action = errorAction(notice.code);
  let button: { label: string; icon: typeof Sparkles; run: () => void } | null = null;
  if (action === 'setup' && isAdmin) button = { label: t('errorUi.actions.setup'), icon: Sparkles, run: () => setSetupOpen(true) };
  // Every 'settings' code is about a provider (its key, model or keychain): Settings opens at Model providers.
  else if ((action === 'settings' || action === 'setup') && isAdmin)
    button = { label: t('errorUi.actions.settings'), icon: SettingsIcon, run: () => navigate('settings', 'providers') };
  else if (action === 'sign_in' && signOut) button = { label: t('errorUi.actions.sign_in'), icon: RefreshCw, run: signOut };
  else if (action === 'new_chat') {
    // The same work in a new session (this one cannot go on): its mode and assignment, on purpose.
    const { mode: sameMode, assignmentId } = chat.getState();
    button = { label: t('errorUi.actions.new_chat'), icon: RefreshCw, run: () => (chat.newChat({ mode: sameMode, assignmentId }), navigate('chat')) };
  }

  // network_error: Studylog itself did not answer (its server stopped, or the way to it broke) —
  // not the model, and nothing here can say whether the message was saved. The shared headline
  // ("无法连接到 Studylog。"), with the chat's own next step: restart it, then reopen this chat.
  const serverLost = notice.code === 'network_error';
  return (
    <div className="banner banner-error" role="alert" data-testid="chat-banner" data-code={notice.code}>
      {serverLost ? <ServerOff size={18} aria-hidden="true" /> : null}
      <div className="banner-text">
        <strong>{errorHeadline(notice.code)}</strong>
        <span>{serverLost ? t('chat.serverLostBody') : (notice.localized ?? errorNext(notice.code, notice.detail))}</span>
        {/* What was wrong with the request, field by field (validation_error: "消息：太长了（最多 100,000）"). */}
        {notice.issues?.length ? <IssueList issues={notice.issues} /> : null}
        <ErrorDetails detail={notice.detail} />
      </div>
      {button ? (
        <button type="button" className="btn btn-primary btn-small" onClick={button.run} data-testid="banner-action" data-action={action}>
          <button.icon size={14} aria-hidden="true" />
          {button.label}
        </button>
      ) : null}
      <button type="button" className="btn btn-ghost btn-small" onClick={onDismiss} aria-label={t('common.dismiss')}>
        <X size={14} aria-hidden="true" />
      </button>
      {setup}
    </div>
  );
}
