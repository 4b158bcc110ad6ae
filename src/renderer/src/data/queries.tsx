/**
 * React's side of the cache (cache.ts): the provider, and hooks that read a route or write one.
 * Errors come back as UiError, what every screen shows.
 */
import { keepPreviousData, QueryClientProvider, useInfiniteQuery, useMutation, useQuery, type InfiniteData } from '@tanstack/react-query';
import { createContext, useCallback, useContext, type ReactNode } from 'react';
import type { RouteInput, RouteOutput, UnaryRouteName } from '../../../shared/api/routes.ts';
import { toClientError, type UiError } from '../lib/errors.ts';
import { routeKey, staleTimeOf, type ApiCache } from './cache.ts';

const CacheContext = createContext<ApiCache | null>(null);

export function ApiCacheProvider({ cache, children }: { cache: ApiCache; children: ReactNode }) {
  return (
    <CacheContext.Provider value={cache}>
      <QueryClientProvider client={cache.queries}>{children}</QueryClientProvider>
    </CacheContext.Provider>
  );
}

export function useApiCache(): ApiCache {
  const cache = useContext(CacheContext);
  if (!cache) throw new Error('useApiCache outside ApiCacheProvider');
  return cache;
}

export interface RouteQuery<T> {
  /** The answer; while another input loads, the previous one when `keepPrevious` was asked for. */
  data: T | undefined;
  error: UiError | null;
  /** Nothing to show yet: the first answer is on its way. */
  loading: boolean;
  /** Asking the server right now (the first time, or again). */
  fetching: boolean;
  /** Asks the server again now (a "check again" button), resolving when it answered. */
  refetch: () => Promise<void>;
}

export interface QueryOptions {
  /** false: do not ask (yet); `data` stays undefined. */
  enabled?: boolean;
  /** Keep showing the previous input's answer while a new input loads (filters, search). */
  keepPrevious?: boolean;
}

/** One route's answer for one input, through the cache. */
export function useRouteQuery<N extends UnaryRouteName>(name: N, input?: RouteInput<N>, options: QueryOptions = {}): RouteQuery<RouteOutput<N>> {
  const cache = useApiCache();
  const query = useQuery({
    queryKey: routeKey(name, input),
    queryFn: () => cache.call(name)(input),
    staleTime: staleTimeOf(name),
    enabled: options.enabled ?? true,
    ...(options.keepPrevious ? { placeholderData: keepPreviousData } : {}),
  });
  const { refetch } = query;
  return {
    data: query.data,
    error: query.error ? toClientError(query.error) : null,
    loading: query.isLoading,
    fetching: query.isFetching,
    refetch: useCallback(async () => void (await refetch()), [refetch]),
  };
}

/** Routes answered a page at a time by `skip`/`limit` with a `total`. */
type SkipPaged = 'getUserSessions' | 'searchTurns';

export interface PagedQuery<T> {
  items: T[];
  total: number;
  error: UiError | null;
  /** A page (the first, or the next) is on its way. */
  loading: boolean;
  loadMore: () => void;
  /** A full-text filter's page said the search index could not catch up (`index_behind`): the newest may be missing. */
  indexBehind: boolean;
}

/** A skip-paged route as one growing list: the first page, then `loadMore`. A write refreshes every loaded page. */
export function usePagedQuery<N extends SkipPaged>(name: N, input: Omit<RouteInput<N>, 'skip' | 'limit'>, pageSize: number): PagedQuery<RouteOutput<N>['items'][number]> {
  const cache = useApiCache();
  type Page = RouteOutput<N>;
  const query = useInfiniteQuery<Page, Error, InfiniteData<Page, number>, readonly unknown[], number>({
    queryKey: routeKey(name, { ...input, limit: pageSize } as RouteInput<N>, 'pages'),
    queryFn: ({ pageParam }) => cache.call(name)({ ...input, skip: pageParam, limit: pageSize } as RouteInput<N>),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.items.length, 0);
      return loaded < last.total && last.items.length > 0 ? loaded : undefined;
    },
    staleTime: staleTimeOf(name),
    placeholderData: keepPreviousData,
  });
  const pages = query.data?.pages ?? [];
  return {
    items: pages.flatMap((p) => p.items as Page['items'][number][]),
    total: pages.at(-1)?.total ?? 0,
    error: query.error ? toClientError(query.error) : null,
    loading: query.isFetching,
    loadMore: () => void query.fetchNextPage(),
    indexBehind: pages.some((p) => p.index_behind === true),
  };
}

export interface RouteMutation<N extends UnaryRouteName> {
  /** The write, through the cache; resolves with the answer, or null after a failure (then in `error`). */
  run: (input: RouteInput<N>) => Promise<RouteOutput<N> | null>;
  busy: boolean;
  error: UiError | null;
  /** Forget the last failure. */
  clear: () => void;
}

/** One write route for a form or a button: busy while it runs, its failure kept for the UI. */
export function useRouteMutation<N extends UnaryRouteName>(name: N): RouteMutation<N> {
  const cache = useApiCache();
  const mutation = useMutation({ mutationFn: (input: RouteInput<N>) => cache.write(name, input) });
  const { mutateAsync, reset } = mutation;
  const run = useCallback(
    async (input: RouteInput<N>) => {
      try {
        return await mutateAsync(input);
      } catch {
        return null; // in `error`
      }
    },
    [mutateAsync],
  );
  return { run, busy: mutation.isPending, error: mutation.error ? toClientError(mutation.error) : null, clear: reset };
}
