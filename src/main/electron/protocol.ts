/**
 * app://studylog/… serves the built renderer (out/renderer) and nothing else: a request whose path
 * leaves that folder (`..`, encoded or not, a backslash, a NUL, a symlink pointing out) is refused.
 * `/` is index.html; there is no fallback page, so the app routes inside the page (not by path).
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './origin.ts';

/** Must run before the app is ready: a standard, secure scheme gets an origin, storage and fetch. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export type Resolved = { kind: 'file'; file: string } | { kind: 'forbidden' };

function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Maps a request URL to a file below `root`, refusing anything that could leave it. */
export function resolveAppPath(root: string, requestUrl: string): Resolved {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'forbidden' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { kind: 'forbidden' };
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'forbidden' };
  }
  // Checked after decoding: %2e%2e, %2f and %5c must not sneak a parent segment past the URL parser.
  if (pathname.includes('\0') || pathname.includes('\\')) return { kind: 'forbidden' };
  if (pathname.split('/').some((segment) => segment === '..')) return { kind: 'forbidden' };
  const relative = pathname.replace(/^\/+/, '');
  const file = path.resolve(root, relative === '' ? 'index.html' : relative);
  if (!isInside(path.resolve(root), file)) return { kind: 'forbidden' };
  return { kind: 'file', file };
}

const securityHeaders = { 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Opener-Policy': 'same-origin', 'Referrer-Policy': 'no-referrer' };

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...securityHeaders } });
}

async function isServableFile(root: string, file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    // A symlink inside the folder must not lead out of it.
    return isInside(await realpath(root), await realpath(file));
  } catch {
    return false;
  }
}

/** The protocol.handle() handler for app://studylog, serving files from `rootDir`. */
export function createAppProtocolHandler(rootDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rootDir);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Method not allowed');
    const resolved = resolveAppPath(root, request.url);
    if (resolved.kind === 'forbidden') return plain(403, 'Forbidden');
    // Only files that exist: no fallback page, so a path that is not a file is simply not found.
    const file = resolved.file;
    if (!(await isServableFile(root, file))) return plain(404, 'Not found');
    const body = await readFile(file);
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: {
        'Content-Type': MIME_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'Cache-Control': 'no-cache',
        ...securityHeaders,
      },
    });
  };
}

/** Serves the renderer at app://studylog/ (after the app is ready). */
export function handleAppProtocol(rootDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rootDir));
}
