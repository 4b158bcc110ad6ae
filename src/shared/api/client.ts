/**
 * The typed client (seed: "前端 API 客户端"): one function per route, derived from the route
 * table, over either transport — IPC inside Electron (`window.studylog`) or HTTP with a bearer
 * token in a browser. It keeps the seed's names (`sendProxyMessage`, `getUserSessions`,
 * `getSessionTurns`) and types (`ProxyMessageRequest`, `ProxyMessageResponse`).
 *
 * Every call resolves with the route's output or rejects with a ClientError {code, detail}. Only
 * the plain manifest is loaded at run time (no zod): the server validates.
 */
import { createParser } from 'eventsource-parser';
import type { Envelope, StreamEvent } from './envelope.ts';
import {
  API_PREFIX,
  httpRequestOf,
  isCursorRoute,
  isStreamRoute,
  NEXT_CURSOR_HEADER,
  ROUTE_NAMES,
  STREAM_ID_HEADER,
  type CursorRouteName,
  type StreamRouteName,
  type UnaryRouteName,
} from './manifest.ts';
// Types only: the schemas stay on the server's side (and out of the renderer's bundle).
import type { CursorItem, RouteInput, RouteOutput } from './routes.ts';
import type { CursorPage, ProxyMessageRequest, ProxyMessageResponse } from './schemas.ts';
import { ERROR_STATUS, type ApiErrorBody, type ErrorCode, type FieldIssue } from '../errors.ts';

export type { ProxyMessageRequest, ProxyMessageResponse };

export class ClientError extends Error {
  readonly code: ErrorCode | 'network_error';
  readonly detail: string;
  readonly status: number;
  readonly issues: FieldIssue[] | undefined;

  constructor(status: number, body: ApiErrorBody | { code: 'network_error'; detail: string }) {
    super(body.detail);
    this.name = 'ClientError';
    this.status = status;
    this.code = body.code;
    this.detail = body.detail;
    this.issues = 'issues' in body ? body.issues : undefined;
  }
}

export interface StreamOptions {
  onEvent?: (event: StreamEvent) => void;
  signal?: AbortSignal;
}

/** What a transport must do: carry one call, or one stream, and hand back the envelope. */
export interface Transport {
  call(name: UnaryRouteName, input: unknown): Promise<Envelope>;
  stream(name: StreamRouteName, input: unknown, options: StreamOptions): Promise<Envelope<ProxyMessageResponse>>;
}

export type StudylogClient = { [N in UnaryRouteName]: (input?: RouteInput<N>) => Promise<RouteOutput<N>> } & {
  [N in StreamRouteName]: (input: RouteInput<N>, options?: StreamOptions) => Promise<ProxyMessageResponse>;
} & {
  /**
   * Cursor-paged routes with their next cursor: `client.getSessionTurns(input)` gives the page
   * alone (the seed's array), `client.page.getSessionTurns(input)` the page and `next_cursor`.
   */
  page: { [N in CursorRouteName]: (input?: RouteInput<N>) => Promise<CursorPage<CursorItem<N>>> };
};

/** Reads every page of a cursor route (e.g. a whole session's turns), one request per page. */
export async function readAllPages<T, I extends { cursor?: string | undefined }>(page: (input?: I) => Promise<CursorPage<T>>, input: NoInfer<I>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null | undefined = input.cursor;
  do {
    const next = await page({ ...input, ...(cursor ? { cursor } : {}) });
    all.push(...next.items);
    cursor = next.next_cursor;
  } while (cursor);
  return all;
}

function unwrap<T>(envelope: Envelope<T>): T {
  if (envelope.ok) return envelope.body;
  throw new ClientError(envelope.status, envelope.body);
}

export function createClient(transport: Transport): StudylogClient {
  const client: Record<string, unknown> = {};
  const page: Record<string, unknown> = {};
  for (const name of ROUTE_NAMES) {
    client[name] = isStreamRoute(name)
      ? async (input: unknown, options: StreamOptions = {}) => unwrap(await transport.stream(name as StreamRouteName, input, options))
      : async (input: unknown = {}) => unwrap(await transport.call(name as UnaryRouteName, input));
    if (isCursorRoute(name)) {
      page[name] = async (input: unknown = {}) => {
        const envelope = await transport.call(name, input);
        return { items: unwrap(envelope), next_cursor: (envelope.ok && envelope.next_cursor) || null };
      };
    }
  }
  client.page = page;
  return client as StudylogClient;
}

// ---------------------------------------------------------------------------------------------
// IPC: the preload's `window.studylog`, one function per route, each returning an envelope.

export type StudylogBridge = { [N in UnaryRouteName]: (input: unknown) => Promise<Envelope> } & {
  [N in StreamRouteName]: (requestId: string, input: unknown, onEvent: (event: StreamEvent) => void) => Promise<Envelope<ProxyMessageResponse>>;
} & {
  /** Stops a stream started with that request id; its partial answer is kept as 'aborted'. */
  cancelStream(requestId: string): Promise<void>;
};

export function ipcTransport(bridge: StudylogBridge): Transport {
  return {
    call: (name, input) => bridge[name](input),
    stream: async (name, input, { onEvent, signal }) => {
      const requestId = crypto.randomUUID();
      const cancel = () => void bridge.cancelStream(requestId);
      if (signal?.aborted) cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      try {
        return await bridge[name](requestId, input, (event) => onEvent?.(event));
      } finally {
        signal?.removeEventListener('abort', cancel);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP: /api/v1/llm/* with a bearer token; streams as server-sent events.

export interface HttpTransportOptions {
  /** Origin of the Studylog server, e.g. http://127.0.0.1:5123 ('' for the page's own origin). */
  baseUrl: string;
  token: string | (() => string | null);
  fetch?: typeof fetch;
}

function buildRequest(
  options: HttpTransportOptions,
  name: UnaryRouteName | StreamRouteName,
  input: unknown,
  headers: Record<string, string> = {},
): { url: string; init: RequestInit } {
  const request = httpRequestOf(name, { ...(input as Record<string, unknown>) });
  let url = `${options.baseUrl}${API_PREFIX}${request.path}`;
  const token = typeof options.token === 'function' ? options.token() : options.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  const init: RequestInit = { method: request.method, headers };
  if (request.query) {
    const qs = new URLSearchParams(request.query).toString();
    if (qs) url += `?${qs}`;
  } else {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(request.body);
  }
  return { url, init };
}

const networkError = (error: unknown): Envelope<never> => ({
  ok: false,
  status: 0,
  body: { code: 'network_error' as ErrorCode, detail: `Studylog could not be reached (${error instanceof Error ? error.message : String(error)}).` },
});

async function envelopeOf(response: Response): Promise<Envelope> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { code: 'internal_error', detail: `Unexpected reply (HTTP ${response.status}).` };
  }
  if (response.ok) {
    const next = response.headers.get(NEXT_CURSOR_HEADER);
    return { ok: true, status: response.status, body, ...(next !== null ? { next_cursor: next || null } : {}) };
  }
  // Not every failure is ours: a proxy's HTML page, or an empty 400 from the HTTP layer itself.
  const error = body as Partial<ApiErrorBody> | null;
  const known = !!error && typeof error === 'object' && typeof error.code === 'string' && typeof error.detail === 'string';
  return { ok: false, status: response.status, body: known ? (error as ApiErrorBody) : { code: 'internal_error', detail: `Unexpected reply (HTTP ${response.status}).` } };
}

/**
 * A random id for a stream. Not crypto.randomUUID: a page served over plain http to another
 * machine on the LAN is not a secure context, and there only getRandomValues exists.
 */
function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function httpTransport(options: HttpTransportOptions): Transport {
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));
  async function call(name: UnaryRouteName, input: unknown): Promise<Envelope> {
    const { url, init } = buildRequest(options, name, input);
    try {
      return await envelopeOf(await doFetch(url, init));
    } catch (error) {
      return networkError(error);
    }
  }
  return {
    call,
    async stream(name, input, { onEvent, signal }) {
      // The stream's id is ours, as over IPC: stopping it asks the server (stopProxyStream), which
      // stops the model and still ends the stream with `done` and the partial answer ('aborted').
      const streamId = randomId();
      const { url, init } = buildRequest(options, name, input, { [STREAM_ID_HEADER]: streamId });
      // Cuts the connection: only when the server could not be asked to stop (it then still keeps
      // the partial answer as 'aborted', but this call cannot hear it).
      const connection = new AbortController();
      let responded = false;
      const stop = () => {
        void call('stopProxyStream', { id: streamId }).then((reply) => {
          if (!reply.ok) connection.abort(signal?.reason);
        });
      };
      // The server knows the stream's id once it has answered; a stop before that waits for it.
      const onAbort = () => {
        if (responded) stop();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        let response: Response;
        try {
          response = await doFetch(url, { ...init, signal: connection.signal });
        } catch (error) {
          return networkError(error);
        }
        if (!response.ok || !response.body) return (await envelopeOf(response)) as Envelope<ProxyMessageResponse>;
        responded = true;
        if (signal?.aborted) stop();
        let result: Envelope<ProxyMessageResponse> | null = null;
        const parser = createParser({
          onEvent: (message) => {
            const event = JSON.parse(message.data) as StreamEvent;
            onEvent?.(event);
            if (event.type === 'done') result = { ok: true, status: 200, body: event.response };
            // The status IPC would give for the same error (a stream has already answered 200).
            if (event.type === 'error') result = { ok: false, status: ERROR_STATUS[event.error.code] ?? 502, body: event.error };
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            parser.feed(value);
          }
        } catch (error) {
          // The connection was cut (by the network, or above): the server keeps the partial answer.
          if (!result) return networkError(error) as Envelope<ProxyMessageResponse>;
        }
        return result ?? (networkError(new Error('the stream ended early')) as Envelope<ProxyMessageResponse>);
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
