/**
 * The IPC face: one ipcMain handler per route of the table, `studylog:<name>`, acting as the
 * desktop's owner (an admin). Each handler first checks that the call comes from the app's own
 * top-level page, then hands over to the transport runtime (core/api/runtime.ts: dispatch, in-flight
 * tracking, cancellation, shutdown) — the same path the HTTP face takes — and returns its envelope.
 * Nothing is ever thrown into the renderer.
 *
 * Streams: `studylog:streamProxyMessage(requestId, input)` sends each event as
 * `studylog:stream-event(requestId, event)` and resolves with the final envelope;
 * `studylog:cancelStream(requestId)` (or the route stopProxyStream, `{id: requestId}`) stops it: the
 * stream still ends with `done` and the partial answer, kept as 'aborted'.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CANCEL_STREAM_CHANNEL, IPC_PREFIX, STREAM_EVENT_CHANNEL, STREAM_ROUTE_NAMES, UNARY_ROUTE_NAMES } from '../../shared/api/manifest.ts';
import type { Envelope } from '../../shared/api/envelope.ts';
import { ApiError } from '../../shared/errors.ts';
import type { Core } from '../core/app.ts';
import type { Caller } from '../core/caller.ts';
import type { DispatchOptions } from '../core/api/dispatch.ts';
import { TransportRuntime } from '../core/api/runtime.ts';

export interface IpcOptions {
  /** True for the app's own pages (app://studylog, or the dev server in development). */
  isAppUrl: (url: string) => boolean;
  dispatch?: DispatchOptions;
}

export interface IpcRegistration {
  /** Every channel registered (one per route, plus cancelStream). */
  channels: string[];
  /** Stops every call and stream in flight and waits (at most `timeoutMs`) until their partials are stored. */
  stopStreams(timeoutMs?: number): Promise<void>;
  /** Removes the handlers. */
  dispose(): void;
}

const errorEnvelope = (error: ApiError): Envelope<never> => ({ ok: false, status: error.status, body: error.toBody() });

export function registerIpc(core: Core, options: IpcOptions): IpcRegistration {
  const owner: Caller = { user_id: core.owner.id, role: 'admin', name: core.owner.name, local_owner: true };
  const channels: string[] = [];
  // In-flight calls and streams, cancellation and shutdown: the same runtime as the HTTP face.
  const runtime = new TransportRuntime(core, options.dispatch ?? {});
  const watched = new WeakSet<WebContents>();
  /** A window's streams: one window cannot stop another's. */
  const scopeOf = (contents: WebContents) => `window:${contents.id}`;

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
    handle(IPC_PREFIX + name, (event, input) => (fromApp(event) ? runtime.call(name, owner, input, scopeOf(event.sender)) : forbidden()));
  }

  /** A closed window stops its streams; their partial answers are kept as 'aborted'. */
  function watch(contents: WebContents): void {
    if (watched.has(contents)) return;
    watched.add(contents);
    contents.once('destroyed', () => runtime.stopScope(scopeOf(contents), new Error('the window was closed')));
  }

  for (const name of STREAM_ROUTE_NAMES) {
    handle(IPC_PREFIX + name, async (event, requestId, input) => {
      if (!fromApp(event)) return forbidden();
      const contents = event.sender;
      const opened = runtime.openStream(name, owner, input, { scope: scopeOf(contents), streamId: requestId ?? null });
      if (!opened.ok) return opened.envelope;
      watch(contents);
      // A window gone mid-stream makes the send throw: the runtime then stops the model.
      return opened.stream.pump((streamEvent) => {
        if (contents.isDestroyed()) throw new Error('the window was closed');
        contents.send(STREAM_EVENT_CHANNEL, requestId, streamEvent);
      });
    });
  }

  handle(CANCEL_STREAM_CHANNEL, (event, requestId) => {
    if (fromApp(event) && typeof requestId === 'string') runtime.stop(scopeOf(event.sender), requestId);
    return undefined;
  });

  return {
    channels,
    // Streams keep their partial answer as 'aborted'; a waiting message is marked failed.
    stopStreams: (timeoutMs = 5_000) => runtime.shutdown({ graceMs: 0, settleMs: timeoutMs }),
    dispose() {
      for (const channel of channels) ipcMain.removeHandler(channel);
    },
  };
}
