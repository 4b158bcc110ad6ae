/**
 * The one-click sign-in: `studylog serve` prints a link `http://…/#/signin?code=…` whose one-time
 * code (in the fragment, so never sent to the server or kept in its logs) the web app trades for
 * an API token of the owner, kept like a typed-in token. The code leaves the address bar before
 * the first render, so it stays in neither the history nor a screenshot.
 */
import { createClient, httpTransport } from '../../../../shared/api/client.ts';

/**
 * Takes the code out of a sign-in link in the address bar (null when there is none): at load
 * (main.tsx) and whenever the hash changes to one (onSigninLink).
 */
export function takeSigninCode(): string | null {
  const code = linkCode(window.location.hash);
  if (code === null) return null;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  return code || null;
}

/** The code of a sign-in link's fragment (`#/signin?code=…`) ending `text`: '' for such a link without one, null for no link. */
function linkCode(text: string): string | null {
  const match = /#\/signin\?(.*)$/.exec(text);
  return match ? (new URLSearchParams(match[1]).get('code')?.trim() ?? '') : null;
}

/**
 * The printed link opened in a tab that already shows the app (the sign-in page, say): only the
 * hash changes, so the page does not load again — the code is taken out of the address bar here
 * and handed to `onCode`. Returns the unsubscribe.
 */
export function onSigninLink(onCode: (code: string) => void): () => void {
  const listener = () => {
    const code = takeSigninCode();
    if (code) onCode(code);
  };
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

/** What a code looks like (signin-codes.ts: 24 random bytes, base64url): 32 characters. */
const CODE = /^[A-Za-z0-9_-]{32}$/;

/**
 * The code in what a student pasted into the sign-in form: the whole printed link
 * (`http://…/#/signin?code=…`), or the code alone. A link copied incompletely still counts as a
 * link (its exchange fails, and the form says the link did not work, not that a token is wrong).
 * Null for anything else — an API token (`slk_…`) included, which the form signs in with as before.
 */
export function signinCodeIn(pasted: string): string | null {
  const text = pasted.trim();
  const inLink = linkCode(text);
  if (inLink !== null) return (inLink || '-').slice(0, 128);
  return CODE.test(text) && !text.startsWith('slk_') ? text : null;
}

// React's StrictMode runs effects twice: one request per code, whoever asks.
const exchanges = new Map<string, Promise<string>>();

/** The owner's API token for a sign-in code (rejects with ClientError; `unauthorized`: used, expired or wrong). */
export function exchangeSigninCode(code: string): Promise<string> {
  let pending = exchanges.get(code);
  if (!pending) {
    pending = createClient(httpTransport({ baseUrl: '', token: () => null }))
      .exchangeSigninCode({ code })
      .then((r) => r.token);
    exchanges.set(code, pending);
  }
  return pending;
}
