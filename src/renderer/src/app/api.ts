/**
 * Which transport this renderer uses: inside Electron the preload exposes `window.studylog`
 * (IPC, the desktop owner, no sign-in); in a browser served by `studylog serve` it talks HTTP to
 * its own origin with the API token the student typed in, kept in localStorage.
 */
import { createClient, httpTransport, ipcTransport, type StudylogClient, type Transport } from '../../../shared/api/client.ts';

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
 * A link around a transport (electron-trpc's idea): every reply that says `unauthorized` is
 * reported before the client rejects as usual — one place, whatever the route.
 */
function reportingUnauthorized(transport: Transport, onUnauthorized: () => void): Transport {
  const check = <E extends { ok: boolean; body: unknown }>(envelope: E): E => {
    if (!envelope.ok && (envelope.body as { code?: unknown }).code === 'unauthorized') onUnauthorized();
    return envelope;
  };
  return {
    call: async (name, input) => check(await transport.call(name, input)),
    stream: async (name, input, options) => check(await transport.stream(name, input, options)),
  };
}

/**
 * A client whose every call reports a 401 to `onUnauthorized` (a revoked or expired token sends
 * the student back to sign-in) before rejecting as usual.
 */
export function makeClient(options: { token?: () => string | null; onUnauthorized: () => void }): StudylogClient {
  const transport = window.studylog ? ipcTransport(window.studylog) : httpTransport({ baseUrl: '', token: options.token ?? storedToken });
  return createClient(reportingUnauthorized(transport, options.onUnauthorized));
}
