/**
 * The renderer's one way to server state: a TanStack Query cache keyed by route name and input
 * (`[name, input]`), over the typed client. Reads go through it (`read`, `readAll`, the hooks in
 * queries.ts); writes go through `write`/`stream`, which apply the write's row of the table
 * (table.ts) once it has answered: its answer cached, the reads it changes made stale. Stale
 * reads a screen is showing are asked again at once, and `write` resolves after they answered,
 * so what follows a save sees the saved state.
 *
 * One cache per signed-in client: signing in as someone else starts empty.
 */
import { QueryClient, type QueryKey } from '@tanstack/react-query';
import { readAllPages, type StreamOptions, type StudylogClient } from '../../../shared/api/client.ts';
import type { CursorItem, CursorRouteName, RouteInput, RouteName, RouteOutput, StreamRouteName, UnaryRouteName } from '../../../shared/api/routes.ts';
import type { ProxyMessageResponse } from '../../../shared/api/schemas.ts';
import { READS, WRITES, type WriteEffect } from './table.ts';

/**
 * The cache key of a route's read: its name first, so a write can make every input of a route
 * stale at once; `view` tells apart two ways of reading the same input (all pages, page by page).
 */
export function routeKey<N extends RouteName>(name: N, input?: RouteInput<N>, view?: 'all' | 'pages'): QueryKey {
  const key: unknown[] = [name, input ?? {}];
  if (view) key.push(view);
  return key;
}

/** How long a route's answer stays fresh (table.ts): kept until a write, or asked again on each mount. */
export function staleTimeOf(name: RouteName): number {
  return READS[name] === 'kept' ? Infinity : 0;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // As before the cache: an error is shown at once (the UI offers its own retry), and data
      // is asked for when a screen opens or a write changed it, not when the window regains focus.
      queries: { retry: false, refetchOnWindowFocus: false, refetchOnReconnect: false },
      mutations: { retry: false },
    },
  });
}

export interface WriteOptions {
  /** false: resolve with the answer at once, while the reads it made stale are asked again. */
  settle?: boolean;
}

type Call<N extends UnaryRouteName> = (input?: RouteInput<N>) => Promise<RouteOutput<N>>;

export class ApiCache {
  readonly client: StudylogClient;
  readonly queries: QueryClient;

  constructor(client: StudylogClient, queries: QueryClient = createQueryClient()) {
    this.client = client;
    this.queries = queries;
  }

  /** The route's function on the client (one cast here instead of one per call site). */
  call<N extends UnaryRouteName>(name: N): Call<N> {
    return this.client[name] as unknown as Call<N>;
  }

  /** A read through the cache: the cached answer while fresh, else the server's (shared by concurrent callers). */
  read<N extends UnaryRouteName>(name: N, input?: RouteInput<N>): Promise<RouteOutput<N>> {
    return this.queries.fetchQuery({ queryKey: routeKey(name, input), queryFn: () => this.call(name)(input), staleTime: staleTimeOf(name) });
  }

  /** Every page of a cursor route (a whole session's turns), cached as one value. */
  readAll<N extends CursorRouteName>(name: N, input: RouteInput<N>): Promise<CursorItem<N>[]> {
    const page = this.client.page[name] as unknown as (input?: RouteInput<N>) => Promise<{ items: CursorItem<N>[]; next_cursor: string | null }>;
    return this.queries.fetchQuery({ queryKey: routeKey(name, input, 'all'), queryFn: () => readAllPages(page, input), staleTime: staleTimeOf(name) });
  }

  /** What the cache holds for a read right now, without asking. */
  cached<N extends UnaryRouteName>(name: N, input?: RouteInput<N>): RouteOutput<N> | undefined {
    return this.queries.getQueryData<RouteOutput<N>>(routeKey(name, input));
  }

  /**
   * A write: the server's answer, after the table's row for it has been applied — and, unless
   * `{ settle: false }`, after the stale reads on screen have been asked again.
   */
  async write<N extends UnaryRouteName>(name: N, input: RouteInput<N>, options: WriteOptions = {}): Promise<RouteOutput<N>> {
    let output: RouteOutput<N>;
    try {
      output = await this.call(name)(input);
    } catch (error) {
      if (WRITES[name]?.evenOnFailure) await this.#stale(name, input);
      throw error;
    }
    const applied = this.#applied(name, input, output);
    if (options.settle !== false) await applied;
    return output;
  }

  /** A streamed write (a message): like `write`, events as they arrive. */
  async stream<N extends StreamRouteName>(name: N, input: RouteInput<N>, options: StreamOptions): Promise<ProxyMessageResponse> {
    let output: ProxyMessageResponse;
    try {
      output = await (this.client[name] as (input: RouteInput<N>, options: StreamOptions) => Promise<ProxyMessageResponse>)(input, options);
    } catch (error) {
      if (WRITES[name]?.evenOnFailure) await this.#stale(name, input);
      throw error;
    }
    await this.#applied(name, input, output as RouteOutput<N>);
    return output;
  }

  /** Reads that changed on the server before a write answered (a session a stream just created): asked again where shown. */
  async refresh(reads: readonly RouteName[]): Promise<void> {
    await Promise.all(reads.map((read) => this.queries.invalidateQueries({ queryKey: [read] })));
  }

  async #applied<N extends RouteName>(name: N, input: RouteInput<N>, output: RouteOutput<N>): Promise<void> {
    const effect = WRITES[name] as WriteEffect<N> | undefined;
    const answer = effect?.answers?.(output, input);
    if (answer) this.queries.setQueryData(routeKey(answer.route, answer.input), answer.value);
    await this.#stale(name, input);
  }

  async #stale<N extends RouteName>(name: N, input: RouteInput<N>): Promise<void> {
    const effect = WRITES[name] as WriteEffect<N> | undefined;
    const stale = typeof effect?.stale === 'function' ? effect.stale(input) : (effect?.stale ?? []);
    await Promise.all(stale.map((read) => this.queries.invalidateQueries({ queryKey: [read] })));
  }
}
