/**
 * Where the app's own pages come from, and what they may load. Production pages are served from
 * the custom scheme app://studylog (never http: no port another program could squat, no network
 * origin); `electron-vite dev` serves them from its dev server, allowed only in an unpackaged app.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'studylog';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/`;

const STRICT_CSP = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  // KaTeX and React set inline styles.
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'none'"],
};

function render(policy: Record<string, string[]>): string {
  return Object.entries(policy)
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join('; ');
}

/** The production policy: nothing but the app's own files. */
export const CONTENT_SECURITY_POLICY = render(STRICT_CSP);

/**
 * The dev server's policy: Vite's React refresh injects an inline module script and talks to the
 * dev server over a WebSocket. Only ever used with `electron-vite dev` in an unpackaged app.
 */
export const DEV_CONTENT_SECURITY_POLICY = render({
  ...STRICT_CSP,
  'script-src': ["'self'", "'unsafe-inline'"],
  'connect-src': ["'self'", 'ws://localhost:*', 'ws://127.0.0.1:*'],
});

/** The origin (`scheme://host[:port]`) of a URL, also for custom schemes (URL.origin says 'null'). */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (!parsed.host) return null;
    return `${parsed.protocol}//${parsed.host}`.toLowerCase();
  } catch {
    return null;
  }
}

/** True for the app's own pages: app://studylog/…, or the dev server's origin when one is set. */
export function createAppUrlMatcher(devUrl: string | null): (url: string) => boolean {
  const allowed = new Set([APP_ORIGIN, ...(devUrl ? [originOf(devUrl)] : [])].filter((o): o is string => !!o));
  return (url) => {
    const origin = originOf(url);
    return origin !== null && allowed.has(origin);
  };
}

/** Links the app may hand to the system browser: http(s) only (never file:, javascript:, custom schemes). */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
