/**
 * Hash routing: `#/chat`, `#/chat/<session id>`, `#/history`, `#/assignments`, `#/usage`,
 * `#/settings`, and the hand-in pages: `#/handin/<assignment id>` (a student's hand-in),
 * `#/review/<assignment id>` (a teacher's inbox), `#/submission/<id>` (one hand-in). A hash keeps the same URLs working from file://-like Electron origins and from
 * `studylog serve`, with no server-side routes.
 */
import { useSyncExternalStore } from 'react';

export const SCREENS = ['chat', 'history', 'assignments', 'usage', 'settings', 'handin', 'review', 'submission'] as const;
export type Screen = (typeof SCREENS)[number];

export interface Route {
  screen: Screen;
  id: string | null;
}

export function parseHash(hash: string): Route {
  const [screen, id] = hash.replace(/^#\/?/, '').split('?')[0]!.split('/');
  const known = (SCREENS as readonly string[]).includes(screen ?? '') ? (screen as Screen) : 'chat';
  return { screen: known, id: id ? decodeURIComponent(id) : null };
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

const getHash = () => window.location.hash;

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, getHash);
  return parseHash(hash);
}

export function hrefFor(screen: Screen, id?: string | null): string {
  return `#/${screen}${id ? `/${encodeURIComponent(id)}` : ''}`;
}

export function navigate(screen: Screen, id?: string | null, options: { replace?: boolean } = {}): void {
  const href = hrefFor(screen, id);
  if (window.location.hash === href) return;
  if (options.replace) window.location.replace(href);
  else window.location.hash = href;
}
