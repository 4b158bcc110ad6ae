/**
 * How much a provider may send and for how long, so that no provider — broken, hostile, or one
 * that streams without end — can exhaust the process. The proxy enforces the per-turn caps on the
 * text itself (MAX_CONTENT_CHARS, MAX_REASONING_CHARS) and the time limits; the SDK's transport
 * (upstream-fetch.ts) caps every upstream response's bytes below the SDK, which also bounds what
 * the SDK buffers (a non-streamed body, or a stream line that never ends).
 */

/** Reasoning kept in an assistant turn's meta (a JSON column of at most MAX_JSON_CHARS). */
export const MAX_REASONING_CHARS = 48_000;

/** A whole answer, streamed or not, may take this long by default (a provider may set max_request_ms). */
export const DEFAULT_MAX_REQUEST_MS = 10 * 60_000;

/** The largest non-streamed reply body: a full turn and its reasoning, JSON-escaped, fit many times over. */
export const MAX_UPSTREAM_BODY_BYTES = 8 * 1024 * 1024;
/** The largest stream: far above a full turn's worth of events (each a few hundred bytes). */
export const MAX_UPSTREAM_STREAM_BYTES = 64 * 1024 * 1024;

export class UpstreamTooLargeError extends Error {
  readonly limitBytes: number;
  constructor(limitBytes: number) {
    super(`the provider sent more than ${limitBytes} bytes`);
    this.name = 'UpstreamTooLargeError';
    this.limitBytes = limitBytes;
  }
}

/** The UpstreamTooLargeError somewhere in an error's cause chain (the SDK may wrap it). */
export function tooLargeIn(error: unknown): UpstreamTooLargeError | null {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof UpstreamTooLargeError) return e;
  }
  return null;
}
