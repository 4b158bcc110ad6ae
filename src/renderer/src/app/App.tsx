import { BookOpen, ChartColumn, History, LogOut, MessageSquare, Settings as SettingsIcon } from 'lucide-react';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { SignIn } from '../features/auth/SignIn.tsx';
import { exchangeSigninCode, onSigninLink } from '../features/auth/signin-link.ts';
import { ApiCache } from '../data/cache.ts';
import { ApiCacheProvider, useRouteQuery } from '../data/queries.tsx';
import { useChat } from '../features/chat/chat-context.tsx';
import { ChatScreen } from '../features/chat/ChatScreen.tsx';
import { ChatLayout } from '../features/chat/ConversationSidebar.tsx';
import { toClientError, type UiError } from '../lib/errors.ts';
import { hrefFor, useRoute, type Screen } from '../lib/route.ts';
import { ErrorBoundary } from '../ui/ErrorBoundary.tsx';
import { ErrorText } from '../ui/ErrorText.tsx';
import { Spinner } from '../ui/Spinner.tsx';
import { makeClient, storedToken, storeToken, transportKind } from './api.ts';
import { SignedInProviders } from './context.tsx';
import { useIdentity } from './identity.tsx';
import { userDisplayName, userRoleLabel } from '../lib/display-names.ts';
import { ShortcutsHelp, useShortcuts } from './shortcuts.tsx';

// Only the chat is on the first screen; the rest load when first opened.
const HistoryScreen = lazy(() => import('../features/history/HistoryScreen.tsx'));
const AssignmentsScreen = lazy(() => import('../features/assignments/AssignmentsScreen.tsx'));
const UsageScreen = lazy(() => import('../features/usage/UsageScreen.tsx'));
const SettingsScreen = lazy(() => import('../features/settings/SettingsScreen.tsx'));
const HandinScreen = lazy(() => import('../features/handin/screens.tsx').then((m) => ({ default: m.HandinScreen })));
const ReviewScreen = lazy(() => import('../features/handin/screens.tsx').then((m) => ({ default: m.ReviewScreen })));
const SubmissionScreen = lazy(() => import('../features/handin/screens.tsx').then((m) => ({ default: m.SubmissionScreen })));

/** `signinCode`: the one-time code of the sign-in link this page was opened with (main.tsx took it out of the address bar). */
export function Root({ signinCode = null }: { signinCode?: string | null }) {
  const { t } = useTranslation();
  const kind = transportKind();
  const [token, setToken] = useState<string | null>(() => (kind === 'http' ? storedToken() : null));
  const [expired, setExpired] = useState(false);
  const [pendingCode, setPendingCode] = useState(kind === 'http' ? signinCode : null);
  const [linkError, setLinkError] = useState<UiError | null>(null);

  // The printed link opened in this tab after it loaded (the sign-in page was already showing):
  // only the hash changed, so no load took the code — take it now and sign in the same way.
  useEffect(() => {
    if (kind !== 'http') return;
    return onSigninLink((code) => {
      setLinkError(null);
      setPendingCode(code);
    });
  }, [kind]);

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
    // The server ends a token a sign-in link minted (best effort: signing out never waits on it).
    const current = storedToken();
    if (current)
      void makeClient({ token: () => current, onUnauthorized: () => {} })
        .signOut({})
        .catch(() => {});
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
  return <SignedIn key={token ?? 'ipc'} token={token} onUnauthorized={onUnauthorized} signOut={kind === 'http' ? signOut : null} />;
}

function SignedIn(props: { token: string | null; onUnauthorized: () => void; signOut: (() => void) | null }) {
  const { token, onUnauthorized } = props;
  const client = useMemo(() => makeClient({ token: () => token, onUnauthorized }), [token, onUnauthorized]);
  // One cache per signed-in client: another sign-in (a new key above) starts empty.
  const cache = useMemo(() => new ApiCache(client), [client]);
  return (
    <ApiCacheProvider cache={cache}>
      <WhoAmI signOut={props.signOut} />
    </ApiCacheProvider>
  );
}

/** Who is signed in (GET /me), then the shell. */
function WhoAmI({ signOut }: { signOut: (() => void) | null }) {
  const { t } = useTranslation();
  const me = useRouteQuery('getMe', {});

  if (!me.data) {
    return (
      <div className="splash">
        <h1 className="brand">Studylog</h1>
        {me.error && !me.fetching ? (
          <>
            <ErrorText error={me.error} />
            <button type="button" className="btn btn-primary" onClick={() => void me.refetch()}>
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
    <SignedInProviders me={me.data} transport={transportKind()} signOut={signOut}>
      <Shell />
    </SignedInProviders>
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
  const { me, signOut } = useIdentity();
  const chat = useChat();
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
            <span className="me-name">{userDisplayName(me, t)}</span>
            {userRoleLabel(me, t) ? (
              <span className="me-role" data-role={me.role}>
                {userRoleLabel(me, t)}
              </span>
            ) : null}
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
            {route.screen === 'chat' ? (
              <ChatLayout>
                <ChatScreen routeSessionId={route.id} routeTurnId={route.turn} />
              </ChatLayout>
            ) : null}
            {route.screen === 'history' ? <HistoryScreen /> : null}
            {route.screen === 'assignments' ? <AssignmentsScreen /> : null}
            {route.screen === 'usage' ? <UsageScreen /> : null}
            {route.screen === 'settings' ? <SettingsScreen /> : null}
            {route.screen === 'handin' && route.id ? <HandinScreen key={route.id} assignmentId={route.id} /> : null}
            {route.screen === 'review' && route.id ? <ReviewScreen key={route.id} assignmentId={route.id} /> : null}
            {route.screen === 'submission' && route.id ? <SubmissionScreen key={route.id} id={route.id} /> : null}
          </Suspense>
        </ErrorBoundary>
      </main>
      <ShortcutsHelp />
    </div>
  );
}
