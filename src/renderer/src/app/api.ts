/**
 * Which transport this renderer uses: inside Electron the preload exposes `window.studylog`
 * (IPC, the desktop owner, no sign-in); in a browser served by `studylog serve` it talks HTTP to
 * its own origin with the API token the student typed in, kept in localStorage.
 */
import { ClientError, createClient, httpTransport, ipcTransport, type StudylogClient } from '../../../shared/api/client.ts';

export type TransportKind = 'ipc' | 'http';

const TOKEN_KEY = 'studylog.token';

export function transportKind(): TransportKind {
  return window.studylog ? 'ipc' : 'http';
}

export function storedToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token === null) window.localStorage.removeItem(TOKEN_KEY);
    else window.localStorage.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the token lasts for this page only (kept by the caller).
  }
}

/**
 * A client whose every call reports a 401 to `onUnauthorized` (a revoked or expired token sends
 * the student back to sign-in) before rejecting as usual.
 */
export function makeClient(options: { token?: () => string | null; onUnauthorized: () => void }): StudylogClient {
  const base = window.studylog
    ? createClient(ipcTransport(window.studylog))
    : createClient(httpTransport({ baseUrl: '', token: options.token ?? storedToken }));
  const wrap = (functions: Record<string, (...args: unknown[]) => Promise<unknown>>) => {
    const wrapped: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(functions)) {
      wrapped[name] = async (...args: unknown[]) => {
        try {
          return await fn(...args);
        } catch (error) {
          if (error instanceof ClientError && error.code === 'unauthorized') options.onUnauthorized();
          throw error;
        }
      };
    }
    return wrapped;
  };
  // `page` holds the cursor routes' page functions (see createClient): wrapped one level down.
  const { page, ...calls } = base as unknown as Record<string, (...args: unknown[]) => Promise<unknown>> & { page: Record<string, (...args: unknown[]) => Promise<unknown>> };
  return { ...wrap(calls), page: wrap(page) } as unknown as StudylogClient;
}
