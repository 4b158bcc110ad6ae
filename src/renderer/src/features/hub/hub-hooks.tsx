/**
 * The dashboard's reads from the hub, through one TanStack Query cache, as the student app reads its
 * server (data/cache.ts, data/queries.tsx): one request per route however many parts show it (the
 * assignments' titles name rows in the inbox, triage and every student's 学习小结), kept until the
 * dashboard asks again — a tab opened, the window back in focus (useHubRefreshOnReturn), a write that changed
 * it. While a read is asked again the rows shown stay (no flicker).
 *
 * What never changes under its address is kept apart and never asked again: a class's QR code, and
 * an answer file (addressed by its sha256).
 *
 * One cache per token (HubQueries): signing in as another teacher starts empty.
 */
import { QueryClientProvider, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { createQueryClient } from '../../data/cache.ts';
import { asCallError, hubGet, hubGetDataUrl, hubGetText, type HubCallError } from './hub-api.ts';

/** Reads that change on the hub (students push, teachers grade): asked again on a refresh. */
const READ = 'hub';
/** What one address always answers the same: never refreshed. */
const KEPT = 'hub-kept';
/** How long an answer file no part shows stays in memory. */
const FILE_KEPT_MS = 30_000;

export function HubQueries({ children }: { children: ReactNode }) {
  const [client] = useState(createQueryClient);
  return <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}

export interface HubRead<T> {
  /** The answer: the latest one while it is asked again; null before the first (or after a failure). */
  data: T | null;
  error: HubCallError | null;
}

/** A hub route's JSON answer (null: do not ask); one request for every part that shows it. */
export function useHubQuery<T>(token: string, route: string | null): HubRead<T> {
  const query = useQuery({
    queryKey: [READ, route],
    queryFn: () => hubGet<T>(token, route!),
    enabled: route !== null,
    // Kept until the dashboard asks again (useHubRefresh), not on each mount: a student's 学习小结
    // opened after another reuses the assignments' titles.
    staleTime: Infinity,
  });
  return { data: query.data ?? null, error: query.error ? asCallError(query.error) : null };
}

/** A route that answers with text and never changes (a class's QR code). */
export function useHubText(token: string, route: string): HubRead<string> {
  const query = useQuery({ queryKey: [KEPT, 'text', route], queryFn: () => hubGetText(token, route), staleTime: Infinity });
  return { data: query.data ?? null, error: query.error ? asCallError(query.error) : null };
}

/**
 * A file the hub keeps under its hash (an answer file), as a data: URL: asked for only while
 * `enabled`, once while it is shown, and kept FILE_KEPT_MS after — closing and opening the hand-in
 * again soon does not read it again, and a teacher paging through photo hand-ins does not hold
 * every photo (up to 4 MB each) for the cache's usual five minutes.
 */
export function useHubFile(token: string, route: string, enabled: boolean): HubRead<string> & { loading: boolean } {
  const query = useQuery({ queryKey: [KEPT, 'file', route], queryFn: () => hubGetDataUrl(token, route), staleTime: Infinity, gcTime: FILE_KEPT_MS, enabled });
  return { data: query.data ?? null, error: query.error ? asCallError(query.error) : null, loading: query.isFetching };
}

/** Reads `route`'s file through the same cache as useHubFile (the image shown is not read again to save it). */
export function useHubFileFetch(token: string): (route: string) => Promise<string> {
  const client = useQueryClient();
  return useCallback(
    (route: string) => client.fetchQuery({ queryKey: [KEPT, 'file', route], queryFn: () => hubGetDataUrl(token, route), staleTime: Infinity, gcTime: FILE_KEPT_MS }),
    [client, token],
  );
}

/**
 * Asks the hub again for the reads of `routes` (none: every read), now for those shown and on
 * their next showing for the others; resolves once the shown ones answered.
 */
export function useHubRefresh(): (...routes: string[]) => Promise<void> {
  const client = useQueryClient();
  return useCallback(
    async (...routes: string[]) => {
      if (routes.length === 0) await client.invalidateQueries({ queryKey: [READ] });
      else await Promise.all(routes.map((route) => client.invalidateQueries({ queryKey: [READ, route] })));
    },
    [client],
  );
}

/**
 * Back from another window (the teacher's mail, a student's laptop) or tab: every read shown asked
 * again. Switching tabs fires both `focus` and `visibilitychange`: the second joins the read the
 * first started (cancelRefetch: false) instead of cancelling it and asking again.
 */
export function useHubRefreshOnReturn(): void {
  const client = useQueryClient();
  useEffect(() => {
    const onReturn = () => void client.invalidateQueries({ queryKey: [READ] }, { cancelRefetch: false });
    const onVisible = () => document.visibilityState === 'visible' && onReturn();
    window.addEventListener('focus', onReturn);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      window.removeEventListener('focus', onReturn);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [client]);
}

/** The class's assignments as set (titles, description, policy): one read shared by the inbox, triage and 学习小结. */
export const assignmentsRoute = (classId: string) => `/classes/${encodeURIComponent(classId)}/assignments`;
