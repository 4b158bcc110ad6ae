/**
 * The preload: `window.studylog`, one function per route of the manifest (plain data, so neither
 * zod nor the schemas end up in this script), each returning the envelope its ipcMain handler
 * returns. The page never sees ipcRenderer itself.
 *
 * Runs sandboxed: bundled into one CommonJS file (out/preload/index.cjs) that requires only
 * `electron`.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { StudylogBridge } from '../shared/api/client.ts';
import type { StreamEvent } from '../shared/api/envelope.ts';
import { CANCEL_STREAM_CHANNEL, IPC_PREFIX, STREAM_EVENT_CHANNEL, STREAM_ROUTE_NAMES, UNARY_ROUTE_NAMES } from '../shared/api/manifest.ts';

function buildBridge(): StudylogBridge {
  const api: Record<string, unknown> = {};
  for (const name of UNARY_ROUTE_NAMES) {
    api[name] = (input: unknown) => ipcRenderer.invoke(IPC_PREFIX + name, input);
  }
  for (const name of STREAM_ROUTE_NAMES) {
    api[name] = async (requestId: string, input: unknown, onEvent: (event: StreamEvent) => void) => {
      // Subscribed before the call, so no event can arrive unheard; only this stream's events.
      const listener = (_event: IpcRendererEvent, id: unknown, streamEvent: StreamEvent) => {
        if (id === requestId) onEvent(streamEvent);
      };
      ipcRenderer.on(STREAM_EVENT_CHANNEL, listener);
      try {
        return await ipcRenderer.invoke(IPC_PREFIX + name, requestId, input);
      } finally {
        ipcRenderer.removeListener(STREAM_EVENT_CHANNEL, listener);
      }
    };
  }
  api.cancelStream = async (requestId: string) => {
    await ipcRenderer.invoke(CANCEL_STREAM_CHANNEL, requestId);
  };
  return api as StudylogBridge;
}

contextBridge.exposeInMainWorld('studylog', buildBridge());
