/**
 * (route, caller, raw input) → access check → validation → handler → envelope. Both transports
 * (IPC and HTTP) reach it only through the transport runtime (runtime.ts), so they cannot drift
 * apart. A request that fails validation never reaches a handler, and nothing thrown escapes:
 * every failure becomes {detail, code}.
 */
import { isCursorRoute, routes, type RouteName, type StreamRouteName, type UnaryRouteName } from '../../../shared/api/routes.ts';
import type { Envelope, StreamEvent } from '../../../shared/api/envelope.ts';
import type { CursorPage } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Core } from '../app.ts';
import type { Caller } from '../caller.ts';
import { streamHandlers, unaryHandlers, type CallContext } from './handlers.ts';

/** Stops a stream of the caller's (by the id its client gave it); false when there is none. */
export interface StreamControl {
  stop(streamId: string): boolean;
}

export interface DispatchOptions {
  /** Stops a model call in progress (the HTTP server's graceful shutdown). */
  signal?: AbortSignal;
  /** Check every reply against the route's output schema (tests turn this on). */
  validateOutput?: boolean;
  /** Where unexpected errors are reported; their details never reach the caller. */
  onUnexpectedError?: (error: unknown, route: RouteName) => void;
  /** The streams this call may stop (stopProxyStream): the caller's, on the same face. */
  streams?: StreamControl;
}

export function toEnvelopeError(error: unknown, route: RouteName, options: DispatchOptions): Envelope<never> {
  if (error instanceof ApiError) return { ok: false, status: error.status, body: error.toBody() };
  (options.onUnexpectedError ?? ((e) => console.error(`studylog: ${route} failed unexpectedly:`, e)))(error, route);
  const internal = new ApiError('internal_error', 'Something went wrong inside Studylog. Your data is safe; try again.');
  return { ok: false, status: internal.status, body: internal.toBody() };
}

/**
 * Validates a request. A schema that throws instead of reporting (JSON.stringify in a size check
 * overflows the stack on a value nested thousands deep) was still refusing the input: a
 * validation_error, not an internal error.
 */
export function validate(name: RouteName, rawInput: unknown): unknown {
  try {
    return parseInput(routes[name].input, rawInput ?? {}, 'request');
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('validation_error', 'Invalid request: the input could not be checked (is it nested too deeply?).', [{ path: '(root)', message: 'could not be checked' }]);
  }
}

/** Who may call: 401 without a caller, 403 for a non-admin on an admin route (a student on a teacher route). */
export function authorize(name: RouteName, caller: Caller | null): asserts caller is Caller {
  const access = routes[name].access;
  if (access === 'public') return;
  if (!caller) throw new ApiError('unauthorized', 'Sign in with an API token (Authorization: Bearer …).');
  if (access === 'admin' && caller.role !== 'admin') throw new ApiError('forbidden', 'Only an admin may do this.');
  if (access === 'teacher' && caller.role !== 'teacher' && caller.role !== 'admin') throw new ApiError('forbidden', 'Only a teacher (or an admin) may do this.');
}

export async function dispatch(core: Core, name: UnaryRouteName, caller: Caller | null, rawInput: unknown, options: DispatchOptions = {}): Promise<Envelope> {
  try {
    const route = routes[name];
    authorize(name, caller);
    const input = validate(name, rawInput);
    const handler = unaryHandlers[name] as (core: Core, caller: Caller, input: unknown, signal: AbortSignal | undefined, context: CallContext) => unknown;
    // Public routes get an anonymous caller; their handlers never look at it.
    const result = await handler(core, caller ?? { user_id: '', role: 'student' }, input, options.signal, { streams: options.streams ?? null });
    if (isCursorRoute(name)) {
      // The page is the body (the seed's shape: a bare array); its next cursor rides beside it.
      const page = result as CursorPage<unknown>;
      if (options.validateOutput) route.output.parse(page.items);
      return { ok: true, status: 200, body: page.items, next_cursor: page.next_cursor };
    }
    if (options.validateOutput) route.output.parse(result);
    return { ok: true, status: 200, body: result };
  } catch (error) {
    return toEnvelopeError(error, name, options);
  }
}

/**
 * A streaming route: either an error envelope before anything started (auth, validation), or the
 * events. The events end with `done` or with one `error` event; they never throw.
 */
export function dispatchStream(
  core: Core,
  name: StreamRouteName,
  caller: Caller | null,
  rawInput: unknown,
  signal: AbortSignal,
  options: DispatchOptions = {},
): { ok: false; envelope: Envelope<never> } | { ok: true; events: AsyncIterable<StreamEvent> } {
  let input: unknown;
  try {
    authorize(name, caller);
    input = validate(name, rawInput);
  } catch (error) {
    return { ok: false, envelope: toEnvelopeError(error, name, options) };
  }
  const source = streamHandlers[name](core, caller as Caller, input as never, signal);
  async function* events(): AsyncGenerator<StreamEvent> {
    try {
      for await (const event of source) {
        if (options.validateOutput && event.type === 'done') routes[name].output.parse(event.response);
        yield event;
      }
    } catch (error) {
      const envelope = toEnvelopeError(error, name, options);
      if (!envelope.ok) yield { type: 'error', error: envelope.body };
    }
  }
  return { ok: true, events: events() };
}
