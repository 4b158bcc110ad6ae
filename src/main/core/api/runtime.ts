/**
 * The transport runtime: what IPC (src/main/electron/ipc.ts) and HTTP (src/main/core/http/server.ts)
 * do alike, written once. Each face keeps only its wire — ipcMain and webContents, or Hono and
 * server-sent events — and hands every call here:
 *
 * - in-flight tracking: every call and stream until it ends;
 * - cancellation: a stream is named by the id its client chose (IPC's request id, HTTP's
 *   X-Stream-Id) within a scope (a window, a user), and stopping it stops the model — the stream
 *   still ends with `done` and the partial answer ('aborted'), on both faces alike;
 * - shutdown: refuse new work, let what is in flight finish for a grace period, then stop it and
 *   wait (bounded) until the partial answers are stored;
 * - error → envelope: dispatch's toEnvelopeError, and a stream's final envelope from its events.
 */
import type { Envelope, StreamEvent } from '../../../shared/api/envelope.ts';
import { STREAM_ID_PATTERN, type StreamRouteName, type UnaryRouteName } from '../../../shared/api/manifest.ts';
import type { ProxyMessageResponse } from '../../../shared/api/schemas.ts';
import { ApiError, ERROR_STATUS } from '../../../shared/errors.ts';
import type { Core } from '../app.ts';
import type { Caller } from '../caller.ts';
import { dispatch, dispatchStream, toEnvelopeError, type DispatchOptions, type StreamControl } from './dispatch.ts';

export type RuntimeOptions = Omit<DispatchOptions, 'signal' | 'streams'>;

interface Running {
  controller: AbortController;
  done: Promise<unknown>;
}

export interface ShutdownOptions {
  /** How long calls and streams in flight may take to finish on their own (default 0). */
  graceMs?: number;
  /** How long, once stopped, they may take to store their partial answers (default 5 s). */
  settleMs?: number;
}

/** The final envelope of a stream: its `done` response, or its `error` with the status that error has. */
export function finalEnvelope(event: StreamEvent | null): Envelope<ProxyMessageResponse> {
  if (event?.type === 'done') return { ok: true, status: 200, body: event.response };
  if (event?.type === 'error') return { ok: false, status: ERROR_STATUS[event.error.code] ?? 500, body: event.error };
  return { ok: false, status: 500, body: { code: 'internal_error', detail: 'The stream ended without an answer.' } };
}

const shuttingDown = (): Envelope<never> => errorEnvelope(new ApiError('db_unavailable', 'Studylog is shutting down.'));
const errorEnvelope = (error: ApiError): Envelope<never> => ({ ok: false, status: error.status, body: error.toBody() });

/** Resolves when every promise has settled, or after `ms`, whichever comes first. */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  await Promise.race([Promise.allSettled(promises), timeout]);
  clearTimeout(timer);
}

/** One stream in flight: read its first event (HTTP decides its status by it), then pump the rest. */
export class RunningStream {
  readonly #events: AsyncIterator<StreamEvent>;
  readonly #controller: AbortController;
  readonly #ended: () => void;
  readonly #onError: (error: unknown) => Envelope<never>;
  #first: IteratorResult<StreamEvent> | null = null;
  #pumped = false;

  constructor(events: AsyncIterable<StreamEvent>, controller: AbortController, ended: () => void, onError: (error: unknown) => Envelope<never>) {
    this.#events = events[Symbol.asyncIterator]();
    this.#controller = controller;
    this.#ended = ended;
    this.#onError = onError;
  }

  /** The first event (kept for pump), or null when there is none. */
  async peek(): Promise<StreamEvent | null> {
    this.#first ??= await this.#events.next();
    return this.#first.done ? null : this.#first.value;
  }

  /** Stops the model; the stream still ends with `done` (the partial answer, 'aborted'). */
  stop(reason: unknown = new Error('stopped')): void {
    this.#controller.abort(reason);
  }

  /**
   * Sends every event (a peeked one first) through `write` and resolves with the final envelope.
   * A write that throws means nobody is listening any more: the model is stopped, and the rest is
   * read unsent, so the proxy finishes its bookkeeping (a generator left suspended would leave the
   * message 'pending' until the next start). Never rejects.
   */
  async pump(write: (event: StreamEvent) => unknown): Promise<Envelope<ProxyMessageResponse>> {
    if (this.#pumped) throw new Error('a stream is pumped once');
    this.#pumped = true;
    let last: StreamEvent | null = null;
    let listening = true;
    try {
      let next = this.#first ?? (await this.#events.next());
      for (; !next.done; next = await this.#events.next()) {
        last = next.value;
        if (!listening) continue;
        try {
          await write(next.value);
        } catch {
          listening = false;
          this.stop(new Error('the reply could not be delivered'));
        }
      }
      return finalEnvelope(last);
    } catch (error) {
      // dispatchStream turns failures into an `error` event; this is only a last resort.
      return this.#onError(error);
    } finally {
      this.#ended();
    }
  }
}

export class TransportRuntime {
  readonly #core: Core;
  readonly #options: RuntimeOptions;
  readonly #inFlight = new Set<Running>();
  /** `${scope}\n${stream id}` → the stream. */
  readonly #streams = new Map<string, Running>();
  #closing = false;

  constructor(core: Core, options: RuntimeOptions = {}) {
    this.#core = core;
    this.#options = options;
  }

  /** True once shutdown has begun: new calls are refused ('Studylog is shutting down.'). */
  get closing(): boolean {
    return this.#closing;
  }

  /** Calls and streams in flight. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** What a route handler may stop: the streams of this scope (stopProxyStream). */
  control(scope: string): StreamControl {
    return { stop: (id) => this.stop(scope, id) };
  }

  /** Error → envelope, as every reply of this runtime maps it. */
  errorEnvelope(error: unknown, route: UnaryRouteName | StreamRouteName): Envelope<never> {
    return toEnvelopeError(error, route, this.#options);
  }

  #track(controller: AbortController, done: Promise<unknown>): Running {
    const running = { controller, done };
    this.#inFlight.add(running);
    void done.finally(() => this.#inFlight.delete(running));
    return running;
  }

  /**
   * Work a transport runs itself (HTTP streaming an export), tracked as a call is: shutdown waits
   * for it, then aborts its signal. Null once shutdown has begun.
   */
  begin(): { signal: AbortSignal; end: () => void } | null {
    if (this.#closing) return null;
    const controller = new AbortController();
    let end!: () => void;
    const done = new Promise<void>((resolve) => (end = resolve));
    this.#track(controller, done);
    return { signal: controller.signal, end };
  }

  /** One call, tracked until answered (shutdown stops it: a waiting message is then marked failed). Never rejects. */
  async call(name: UnaryRouteName, caller: Caller | null, rawInput: unknown, scope: string): Promise<Envelope> {
    if (this.#closing) return shuttingDown();
    const controller = new AbortController();
    const done = dispatch(this.#core, name, caller, rawInput, { ...this.#options, signal: controller.signal, streams: this.control(scope) }).catch((error: unknown) =>
      toEnvelopeError(error, name, this.#options),
    );
    this.#track(controller, done);
    return done;
  }

  /**
   * Opens a stream: refused as an envelope before anything starts (shutting down, a bad or taken
   * stream id, access, validation), else running and tracked until its pump ends. `streamId` names
   * it within `scope` for stop(); without one (undefined) it can only be stopped by its face or by
   * shutdown.
   */
  openStream(
    name: StreamRouteName,
    caller: Caller | null,
    rawInput: unknown,
    where: { scope: string; streamId?: unknown },
  ): { ok: false; envelope: Envelope<never> } | { ok: true; stream: RunningStream } {
    if (this.#closing) return { ok: false, envelope: shuttingDown() };
    const { scope, streamId } = where;
    let key: string | null = null;
    if (streamId !== undefined) {
      if (typeof streamId !== 'string' || !STREAM_ID_PATTERN.test(streamId)) {
        return {
          ok: false,
          envelope: errorEnvelope(
            new ApiError('validation_error', 'Invalid request: the stream needs a request id (1-100 letters, digits, - or _).', [{ path: 'requestId', message: 'invalid' }]),
          ),
        };
      }
      key = `${scope}\n${streamId}`;
      if (this.#streams.has(key)) return { ok: false, envelope: errorEnvelope(new ApiError('conflict', `A stream with the request id '${streamId}' is already running.`)) };
    }
    const controller = new AbortController();
    const started = dispatchStream(this.#core, name, caller, rawInput, controller.signal, this.#options);
    if (!started.ok) return started;
    let ended!: () => void;
    const done = new Promise<void>((resolve) => (ended = resolve));
    const running = this.#track(controller, done);
    if (key) {
      const registered = key;
      this.#streams.set(registered, running);
      void done.finally(() => this.#streams.delete(registered));
    }
    return { ok: true, stream: new RunningStream(started.events, controller, ended, (error) => toEnvelopeError(error, name, this.#options)) };
  }

  /** Stops the stream of that id in that scope; false when there is none (it ended, or never was). */
  stop(scope: string, streamId: string, reason: unknown = new Error('stopped by the user')): boolean {
    const running = this.#streams.get(`${scope}\n${streamId}`);
    if (!running || running.controller.signal.aborted) return false;
    running.controller.abort(reason);
    return true;
  }

  /** Stops every stream of a scope (a window closed). */
  stopScope(scope: string, reason: unknown): void {
    for (const [key, running] of this.#streams) if (key.startsWith(`${scope}\n`)) running.controller.abort(reason);
  }

  /**
   * Refuses new work, lets what is in flight finish for `graceMs`, then stops the rest (streams
   * keep their partial answer as 'aborted'; a waiting message is marked failed) and waits at most
   * `settleMs` for that to be stored.
   */
  async shutdown({ graceMs = 0, settleMs = 5_000 }: ShutdownOptions = {}): Promise<void> {
    this.#closing = true;
    const pending = () => [...this.#inFlight].map((r) => r.done);
    if (graceMs > 0) await settledWithin(pending(), graceMs);
    for (const running of this.#inFlight) running.controller.abort(new Error('Studylog is shutting down'));
    await settledWithin(pending(), settleMs);
  }
}
