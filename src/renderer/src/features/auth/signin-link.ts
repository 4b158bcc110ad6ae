/**
 * The one-click sign-in: `studylog serve` prints a link `http://…/#/signin?code=…` whose one-time
 * code (in the fragment, so never sent to the server or kept in its logs) the web app trades for
 * an API token of the owner, kept like a typed-in token. The code leaves the address bar before
 * the first render, so it stays in neither the history nor a screenshot.
 */
import { createClient, httpTransport } from '../../../../shared/api/client.ts';

/** Takes the code out of a sign-in link in the address bar (null when there is none). Call once. */
export function takeSigninCode(): string | null {
  const match = /^#\/signin\?(.*)$/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
  return new URLSearchParams(match[1]).get('code') || null;
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
