/**
 * The IPC face: one ipcMain handler per route of the table, `studylog:<name>`, acting as the
 * desktop's owner (an admin). Each handler first checks that the call comes from the app's own
 * top-level page, then hands over to dispatch() — the same path the HTTP face takes — and returns
 * its envelope. Nothing is ever thrown into the renderer.
 *
 * Streams: `studylog:streamProxyMessage(requestId, input)` sends each event as
 * `studylog:stream-event(requestId, event)` and resolves with the final envelope;
 * `studylog:cancelStream(requestId)` stops it (the partial answer is kept as 'aborted').
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CANCEL_STREAM_CHANNEL, IPC_PREFIX, STREAM_EVENT_CHANNEL, STREAM_ROUTE_NAMES, UNARY_ROUTE_NAMES } from '../../shared/api/route-names.ts';
import type { Envelope } from '../../shared/api/envelope.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Core } from '../core/app.ts';
import type { Caller } from '../core/caller.ts';
import { dispatch, dispatchStream, finalOf, toEnvelopeError, type DispatchOptions } from '../core/api/dispatch.ts';

export interface IpcOptions {
  /** True for the app's own pages (app://studylog, or the dev server in development). */
  isAppUrl: (url: string) => boolean;
  dispatch?: DispatchOptions;
}

export interface IpcRegistration {
  /** Every channel registered (one per route, plus cancelStream). */
  channels: string[];
  /** Stops every stream in flight and waits (at most `timeoutMs`) until their partials are stored. */
  stopStreams(timeoutMs?: number): Promise<void>;
  /** Removes the handlers. */
  dispose(): void;
}

const errorEnvelope = (error: ApiError): Envelope<never> => ({ ok: false, status: error.status, body: error.toBody() });

const REQUEST_ID = /^[A-Za-z0-9_-]{1,100}$/;

export function registerIpc(core: Core, options: IpcOptions): IpcRegistration {
  const owner: Caller = { user_id: core.owner.id, role: 'admin', name: core.owner.name, local_owner: true };
  const channels: string[] = [];
  /** `${webContents id}:${request id}` → the stream's controller and its end. */
  const streams = new Map<string, { controller: AbortController; done: Promise<unknown> }>();
  const watched = new WeakSet<WebContents>();
  /** Non-streamed calls in progress (a message waiting for its answer), stopped on quit too. */
  const unary = new Set<{ controller: AbortController; done: Promise<unknown> }>();

  /** Only the app's own top-level page may call: not an iframe, not a page navigated elsewhere. */
  function fromApp(event: IpcMainInvokeEvent): boolean {
    try {
      const frame = event.senderFrame;
      return !!frame && !frame.isDestroyed() && frame.parent === null && options.isAppUrl(frame.url);
    } catch {
      return false;
    }
  }
  const forbidden = () => errorEnvelope(new ApiError('forbidden', 'This request did not come from the Studylog window.'));

  function handle(channel: string, handler: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    ipcMain.handle(channel, handler);
    channels.push(channel);
  }

  for (const name of UNARY_ROUTE_NAMES) {
    handle(IPC_PREFIX + name, async (event, input) => {
      if (!fromApp(event)) return forbidden();
      const controller = new AbortController();
      const done = dispatch(core, name, owner, input, { ...options.dispatch, signal: controller.signal }).catch((error: unknown) =>
        toEnvelopeError(error, name, options.dispatch ?? {}),
      );
      const call = { controller, done };
      unary.add(call);
      try {
        return await done;
      } finally {
        unary.delete(call);
      }
    });
  }

  /** A closed window stops its streams; their partial answers are kept as 'aborted'. */
  function watch(contents: WebContents): void {
    if (watched.has(contents)) return;
    watched.add(contents);
    contents.once('destroyed', () => {
      for (const [key, stream] of streams) if (key.startsWith(`${contents.id}:`)) stream.controller.abort(new Error('the window was closed'));
    });
  }

  for (const name of STREAM_ROUTE_NAMES) {
    handle(IPC_PREFIX + name, async (event, requestId, input) => {
      if (!fromApp(event)) return forbidden();
      if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) {
        return errorEnvelope(new ApiError('validation_error', 'Invalid request: the stream needs a request id (1-100 letters, digits, - or _).', [{ path: 'requestId', message: 'invalid' }]));
      }
      const contents = event.sender;
      const key = `${contents.id}:${requestId}`;
      if (streams.has(key)) return errorEnvelope(new ApiError('conflict', `A stream with the request id '${requestId}' is already running.`));
      const controller = new AbortController();
      const started = dispatchStream(core, name, owner, input, controller.signal, options.dispatch);
      if (!started.ok) return started.envelope;
      watch(contents);
      const done = finalOf(started.events, (streamEvent) => {
        try {
          if (contents.isDestroyed()) controller.abort(new Error('the window was closed'));
          else contents.send(STREAM_EVENT_CHANNEL, requestId, streamEvent);
        } catch {
          // The page is going away: stop the model; the partial answer is kept as 'aborted'.
          controller.abort(new Error('the window is gone'));
        }
      });
      streams.set(key, { controller, done });
      try {
        return await done;
      } catch (error) {
        return toEnvelopeError(error, name, options.dispatch ?? {});
      } finally {
        streams.delete(key);
      }
    });
  }

  handle(CANCEL_STREAM_CHANNEL, (event, requestId) => {
    if (!fromApp(event) || typeof requestId !== 'string') return undefined;
    streams.get(`${event.sender.id}:${requestId}`)?.controller.abort(new Error('stopped by the user'));
    return undefined;
  });

  return {
    channels,
    async stopStreams(timeoutMs = 5_000) {
      // Streams keep their partial answer as 'aborted'; a waiting message is marked failed.
      const pending = [...streams.values(), ...unary];
      for (const stream of pending) stream.controller.abort(new Error('Studylog is quitting'));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.allSettled(pending.map((s) => s.done)), timeout]);
      clearTimeout(timer);
    },
    dispose() {
      for (const channel of channels) ipcMain.removeHandler(channel);
    },
  };
}
