import { KeyRound } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { createClient, httpTransport } from '../../../../shared/api/client.ts';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { exchangeSigninCode, signinCodeIn } from './signin-link.ts';

/**
 * The browser's way in: the API token from `studylog serve` (or one an admin created), or the
 * sign-in link it printed pasted here (the link, or its code alone: exchanged like an opened
 * link). Shown after a sign-in link that did not work (`linkError`), saying why.
 */
export function SignIn({ expired, linkError = null, onSignedIn }: { expired: boolean; linkError?: UiError | null; onSignedIn: (token: string) => void }) {
  const { t } = useTranslation();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  /** A pasted sign-in link that did not work (shown like an opened one: `linkError`). */
  const [pastedLinkError, setPastedLinkError] = useState<UiError | null>(null);
  const shownLinkError = pastedLinkError ?? linkError;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const value = token.trim();
    if (!value) return;
    setBusy(true);
    setError(null);
    setPastedLinkError(null);
    const code = signinCodeIn(value);
    try {
      if (code) {
        onSignedIn(await exchangeSigninCode(code));
        return;
      }
      await createClient(httpTransport({ baseUrl: '', token: value })).getMe();
      onSignedIn(value);
    } catch (err) {
      if (code) {
        // Used up or mistyped, it cannot work again: the field empties for a token or a new link.
        setPastedLinkError(toClientError(err));
        setToken('');
      } else setError(toClientError(err));
      setBusy(false);
    }
  }

  return (
    <div className="signin">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 className="brand">Studylog</h1>
        <h2 id="signin-title">{t('auth.title')}</h2>
        <p className="muted">{t('auth.explain')}</p>
        {expired ? (
          <p className="notice notice-warning" role="alert">
            {t('auth.expired')}
          </p>
        ) : null}
        {shownLinkError ? (
          shownLinkError.code === 'unauthorized' ? (
            <p className="notice notice-warning" role="alert" data-testid="signin-link-error">
              {t('auth.linkInvalid')}
            </p>
          ) : (
            <ErrorText error={shownLinkError} />
          )
        ) : null}
        <label className="field">
          <span className="field-label">{t('auth.token')}</span>
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder={t('auth.tokenPlaceholder')}
            required
            autoFocus
          />
        </label>
        <ErrorText error={error} />
        <button type="submit" className="btn btn-primary" disabled={busy || !token.trim()}>
          <KeyRound size={16} aria-hidden="true" />
          {t('auth.signIn')}
        </button>
      </form>
    </div>
  );
}
