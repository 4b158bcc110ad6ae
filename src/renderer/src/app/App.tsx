import { BookOpen, ChartColumn, History, LogOut, MessageSquare, Settings as SettingsIcon } from 'lucide-react';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { User } from '../../../shared/api/schemas.ts';
import { SignIn } from '../features/auth/SignIn.tsx';
import { exchangeSigninCode } from '../features/auth/signin-link.ts';
import { ChatScreen } from '../features/chat/ChatScreen.tsx';
import { toClientError, type UiError } from '../lib/errors.ts';
import { hrefFor, useRoute, type Screen } from '../lib/route.ts';
import { ErrorBoundary } from '../ui/ErrorBoundary.tsx';
import { ErrorText } from '../ui/ErrorText.tsx';
import { Spinner } from '../ui/Spinner.tsx';
import { makeClient, storedToken, storeToken, transportKind } from './api.ts';
import { AppProvider, useApp } from './context.tsx';
import { ShortcutsHelp, useShortcuts } from './shortcuts.tsx';

// Only the chat is on the first screen; the rest load when first opened.
const HistoryScreen = lazy(() => import('../features/history/HistoryScreen.tsx'));
const AssignmentsScreen = lazy(() => import('../features/assignments/AssignmentsScreen.tsx'));
const UsageScreen = lazy(() => import('../features/usage/UsageScreen.tsx'));
const SettingsScreen = lazy(() => import('../features/settings/SettingsScreen.tsx'));

/** `signinCode`: the one-time code of the sign-in link this page was opened with (main.tsx took it out of the address bar). */
export function Root({ signinCode = null }: { signinCode?: string | null }) {
  const { t } = useTranslation();
  const kind = transportKind();
  const [token, setToken] = useState<string | null>(() => (kind === 'http' ? storedToken() : null));
  const [expired, setExpired] = useState(false);
  const [pendingCode, setPendingCode] = useState(kind === 'http' ? signinCode : null);
  const [linkError, setLinkError] = useState<UiError | null>(null);

  // A sign-in link: its code becomes the owner's token (replacing any stored one). A used or
  // expired link leaves a stored token as it was, else shows the sign-in form saying why.
  useEffect(() => {
    if (!pendingCode) return;
    let live = true;
    exchangeSigninCode(pendingCode).then(
      (value) => {
        if (!live) return;
        storeToken(value);
        setExpired(false);
        setToken(value);
        setPendingCode(null);
      },
      (e: unknown) => {
        if (!live) return;
        setLinkError(toClientError(e));
        setPendingCode(null);
      },
    );
    return () => {
      live = false;
    };
  }, [pendingCode]);
  const onUnauthorized = useCallback(() => {
    storeToken(null);
    setExpired(true);
    setToken(null);
  }, []);
  const signOut = useCallback(() => {
    storeToken(null);
    setExpired(false);
    setToken(null);
  }, []);

  if (pendingCode) {
    return (
      <div className="splash">
        <h1 className="brand">Studylog</h1>
        <Spinner label={t('auth.signingIn')} />
        <p className="muted" aria-hidden="true">
          {t('auth.signingIn')}
        </p>
      </div>
    );
  }
  if (kind === 'http' && !token) {
    return (
      <SignIn
        expired={expired}
        linkError={linkError}
        onSignedIn={(value) => {
          storeToken(value);
          setExpired(false);
          setLinkError(null);
          setToken(value);
        }}
      />
    );
  }
  return (
    <SignedIn
      key={token ?? 'ipc'}
      token={token}
      onUnauthorized={onUnauthorized}
      signOut={kind === 'http' ? signOut : null}
    />
  );
}

function SignedIn(props: { token: string | null; onUnauthorized: () => void; signOut: (() => void) | null }) {
  const { t } = useTranslation();
  const { token, onUnauthorized } = props;
  const client = useMemo(() => makeClient({ token: () => token, onUnauthorized }), [token, onUnauthorized]);
  const [me, setMe] = useState<User | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    client.getMe().then(
      (user) => live && setMe(user),
      (e: unknown) => live && setError(toClientError(e)),
    );
    return () => {
      live = false;
    };
  }, [client, attempt]);

  if (!me) {
    return (
      <div className="splash">
        <h1 className="brand">Studylog</h1>
        {error ? (
          <>
            <ErrorText error={error} />
            <button type="button" className="btn btn-primary" onClick={() => (setError(null), setAttempt((n) => n + 1))}>
              {t('common.retry')}
            </button>
          </>
        ) : (
          <Spinner />
        )}
      </div>
    );
  }
  return (
    <AppProvider client={client} transport={transportKind()} me={me} signOut={props.signOut}>
      <Shell />
    </AppProvider>
  );
}

const NAV: { screen: Screen; icon: typeof MessageSquare }[] = [
  { screen: 'chat', icon: MessageSquare },
  { screen: 'history', icon: History },
  { screen: 'assignments', icon: BookOpen },
  { screen: 'usage', icon: ChartColumn },
  { screen: 'settings', icon: SettingsIcon },
];

function Shell() {
  const { t } = useTranslation();
  const { me, signOut, chat } = useApp();
  const route = useRoute();
  const chatState = useSyncExternalStore(chat.subscribe, chat.getState);
  useShortcuts(chat, route.screen);

  useEffect(() => {
    document.title = `${t(`nav.${route.screen}`)} · Studylog`;
  }, [route.screen, t]);

  return (
    <div className="app">
      <button type="button" className="skip-link" onClick={() => document.getElementById('main')?.focus()}>
        {t('nav.skip')}
      </button>
      <nav className="sidebar" aria-label={t('nav.label')}>
        <div className="brand">Studylog</div>
        <ul className="nav-list">
          {NAV.map(({ screen, icon: Icon }) => (
            <li key={screen}>
              <a
                className="nav-link"
                href={screen === 'chat' ? hrefFor('chat', chatState.sessionId) : hrefFor(screen)}
                aria-current={route.screen === screen ? 'page' : undefined}
                data-screen={screen}
              >
                <Icon size={18} aria-hidden="true" />
                <span>{t(`nav.${screen}`)}</span>
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <div className="me" title={me.id}>
            <span className="me-name">{me.name}</span>
            <span className="me-role">{t(`roles.${me.role}`)}</span>
          </div>
          {signOut ? (
            <button type="button" className="btn btn-ghost btn-small" onClick={signOut}>
              <LogOut size={14} aria-hidden="true" />
              {t('auth.signOut')}
            </button>
          ) : null}
        </div>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {/* One boundary per screen (keyed, so opening another screen starts clean): a screen that
            throws shows its own error while the sidebar and the other screens keep working. */}
        <ErrorBoundary key={route.screen}>
          <Suspense
            fallback={
              <div className="screen-loading">
                <Spinner />
              </div>
            }
          >
            {route.screen === 'chat' ? <ChatScreen routeSessionId={route.id} /> : null}
            {route.screen === 'history' ? <HistoryScreen /> : null}
            {route.screen === 'assignments' ? <AssignmentsScreen /> : null}
            {route.screen === 'usage' ? <UsageScreen /> : null}
            {route.screen === 'settings' ? <SettingsScreen /> : null}
          </Suspense>
        </ErrorBoundary>
      </main>
      <ShortcutsHelp />
    </div>
  );
}
