import type { ApiErrorBody } from '../errors.ts';
import type { ProxyMessageResponse, ProxyStreamEvent } from './schemas.ts';

/**
 * Every reply crosses a boundary as one envelope. Over HTTP the status is the response status and
 * the body the JSON body; over IPC the envelope itself is the reply — IPC never throws into the
 * renderer (Electron would pass only an error's message). A cursor-paged route's envelope also says
 * where its next page starts (`next_cursor`, null on the last page; over HTTP, a header).
 */
export type Envelope<T = unknown> = { ok: true; status: number; body: T; next_cursor?: string | null } | { ok: false; status: number; body: ApiErrorBody };

/** What a stream delivers: the proxy's events, or one `error` event that ends it. */
export type StreamEvent = ProxyStreamEvent | { type: 'error'; error: ApiErrorBody };

export type StreamResult = Envelope<ProxyMessageResponse>;
