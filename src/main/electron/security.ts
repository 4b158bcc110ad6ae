/**
 * Electron's security checklist, applied in one place: no navigation away from the app, no new
 * windows, no <webview>, no permissions, a strict CSP on every response. Links to the web open in
 * the system browser (http and https only).
 */
import { shell, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY, DEV_CONTENT_SECURITY_POLICY, isExternalWebUrl } from './origin.ts';

function openExternally(url: string): void {
  if (isExternalWebUrl(url)) void shell.openExternal(url).catch(() => undefined);
}

const hardened = new WeakSet<WebContents>();

/** Guards one webContents. Idempotent: the window and the app-wide hook may both call it. */
export function hardenWebContents(contents: WebContents, isAppUrl: (url: string) => boolean): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    openExternally(url);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
}

/** Denies every permission and puts the CSP on every response the session receives. */
export function hardenSession(session: Session, options: { dev: boolean }): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  const policy = options.dev ? DEV_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY;
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [policy];
    callback({ responseHeaders: headers });
  });
}
