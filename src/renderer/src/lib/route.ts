/**
 * Hash routing: `#/chat`, `#/chat/<session id>` (`?turn=<turn id>`: scrolled to that message,
 * highlighted — where a search hit leads), `#/history`, `#/assignments`, `#/usage`, `#/settings`,
 * and the hand-in pages: `#/handin/<assignment id>` (a student's hand-in), `#/review/<assignment
 * id>` (a teacher's inbox), `#/submission/<id>` (one hand-in). A hash keeps the same URLs working from file://-like Electron origins and from
 * `studylog serve`, with no server-side routes.
 */
import { useSyncExternalStore } from 'react';

export const SCREENS = ['chat', 'history', 'assignments', 'usage', 'settings', 'handin', 'review', 'submission'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  screen: Screen;
  id: string | null;
  /** A message to show: `?turn=<id>`. */
  turn: string | null;
}

export function parseHash(hash: string): Route {
  const [path, search] = hash.replace(/^#\/?/, '').split('?');
  const [screen, id] = path!.split('/');
  const known = (SCREENS as readonly string[]).includes(screen ?? '') ? (screen as Screen) : 'chat';
  return { screen: known, id: id ? decodeURIComponent(id) : null, turn: new URLSearchParams(search ?? '').get('turn') };
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = () => window.location.hash;

/** The address's hash as it changes (the hub dashboard reads its own `#/hub/…` from it). */
export function useHash(): string {
  return useSyncExternalStore(subscribe, getHash);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash);
  return parseHash(hash);
}

export function hrefFor(screen: Screen, id?: string | null, options: { turn?: string } = {}): string {
  return `#/${screen}${id ? `/${encodeURIComponent(id)}` : ''}${options.turn ? `?turn=${encodeURIComponent(options.turn)}` : ''}`;
}

export function navigate(screen: Screen, id?: string | null, options: { replace?: boolean } = {}): void {
  const href = hrefFor(screen, id);
  if (window.location.hash === href) return;
  if (options.replace) window.location.replace(href);
  else window.location.hash = href;
}
