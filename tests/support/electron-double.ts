/**
 * A test double for the `electron` module: Electron's binary cannot run here, so the shell's
 * tests replace the module with this (vi.mock('electron', () => double.module)). It records what
 * the shell asks for (window options, handlers, listeners) and lets a test play Electron's part:
 * fire events, invoke IPC handlers with a chosen sender frame, call the protocol handler.
 *
 * One double per test file, reset between tests with `double.reset()`.
 */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  isDestroyed(): boolean;
}

export function fakeFrame(url: string, parent: FakeFrame | null = null): FakeFrame {
  return { url, parent, isDestroyed: () => false };
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly send = vi.fn();
  windowOpenHandler: ((details: { url: string }) => { action: 'allow' | 'deny' }) | null = null;
  destroyed = false;
  mainFrame: FakeFrame = fakeFrame('app://studylog/');

  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'allow' | 'deny' }): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
  /** Fires a cancelable event as Electron does; true when a listener prevented it. */
  fireCancelable(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

export function createElectronDouble() {
  const state = {
    windows: [] as FakeBrowserWindow[],
    ipcHandlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    paths: new Map<string, string>(),
    displays: [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }] as { id: number; workArea: Rect }[],
    singleInstanceLock: true,
    isPackaged: false,
    protocolHandlers: new Map<string, (request: Request) => Promise<Response> | Response>(),
    privilegedSchemes: [] as unknown[],
    headersReceived: null as
      null | ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (response: { responseHeaders?: Record<string, string[]> }) => void) => void),
    permissionRequest: null as null | ((contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void),
    permissionCheck: null as null | ((contents: unknown, permission: string, origin: string, details: unknown) => boolean),
    rendererListeners: new Map<string, Set<(...args: unknown[]) => void>>(),
  };

  class FakeBrowserWindow extends EventEmitter {
    readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> };
    readonly webContents = new FakeWebContents();
    bounds: Rect;
    maximized = false;
    minimized = false;
    visible = false;
    destroyed = false;
    loadedUrl: string | null = null;
    readonly focus = vi.fn();

    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      this.bounds = { x: Number(options.x ?? 0), y: Number(options.y ?? 0), width: Number(options.width ?? 800), height: Number(options.height ?? 600) };
      state.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    show(): void {
      this.visible = true;
    }
    maximize(): void {
      this.maximized = true;
    }
    isMaximized(): boolean {
      return this.maximized;
    }
    isMinimized(): boolean {
      return this.minimized;
    }
    restore(): void {
      this.minimized = false;
    }
    getNormalBounds(): Rect {
      return { ...this.bounds };
    }
    setBounds(bounds: Rect): void {
      this.bounds = { ...bounds };
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    /** What the user closing the window does: 'close', then 'closed', then the contents go. */
    close(): void {
      this.emit('close', { preventDefault: () => undefined });
      this.destroyed = true;
      this.emit('closed');
      this.webContents.destroy();
      if (state.windows.every((w) => w.destroyed)) app.emit('window-all-closed');
    }
  }

  const appEmitter = new EventEmitter();
  const app = Object.assign(appEmitter, {
    whenReady: vi.fn(() => Promise.resolve()),
    requestSingleInstanceLock: vi.fn(() => state.singleInstanceLock),
    quit: vi.fn(() => {
      // Like Electron: will-quit may be prevented; the shell calls quit() again when done.
      let prevented = false;
      appEmitter.emit('will-quit', { preventDefault: () => (prevented = true) });
      if (!prevented) appEmitter.emit('quit');
    }),
    exit: vi.fn(),
    setName: vi.fn(),
    enableSandbox: vi.fn(),
    getAppPath: vi.fn(() => REPO_ROOT),
    getPath: vi.fn((name: string) => state.paths.get(name) ?? path.join(os.tmpdir(), 'studylog-electron-double', name)),
    setPath: vi.fn((name: string, value: string) => void state.paths.set(name, value)),
    get isPackaged() {
      return state.isPackaged;
    },
  });

  const ipcMain = {
    handle: vi.fn((channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
      // Electron refuses a second handler for a channel.
      if (state.ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      state.ipcHandlers.set(channel, handler);
    }),
    removeHandler: vi.fn((channel: string) => void state.ipcHandlers.delete(channel)),
  };

  const ipcRenderer = {
    invoke: vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => undefined),
    on: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      const set = state.rendererListeners.get(channel) ?? new Set();
      set.add(listener);
      state.rendererListeners.set(channel, set);
      return ipcRenderer;
    }),
    removeListener: vi.fn((channel: string, listener: (...args: unknown[]) => void) => {
      state.rendererListeners.get(channel)?.delete(listener);
      return ipcRenderer;
    }),
  };

  const defaultSession = {
    setPermissionRequestHandler: vi.fn((handler: typeof state.permissionRequest) => void (state.permissionRequest = handler)),
    setPermissionCheckHandler: vi.fn((handler: typeof state.permissionCheck) => void (state.permissionCheck = handler)),
    webRequest: {
      onHeadersReceived: vi.fn((listener: typeof state.headersReceived) => void (state.headersReceived = listener)),
    },
  };

  const module = {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    ipcRenderer,
    contextBridge: { exposeInMainWorld: vi.fn() },
    protocol: {
      registerSchemesAsPrivileged: vi.fn((schemes: unknown[]) => void state.privilegedSchemes.push(...schemes)),
      handle: vi.fn((scheme: string, handler: (request: Request) => Promise<Response> | Response) => void state.protocolHandlers.set(scheme, handler)),
    },
    session: { defaultSession },
    screen: {
      getAllDisplays: vi.fn(() => state.displays),
      getPrimaryDisplay: vi.fn(() => state.displays[0]!),
    },
    shell: { openExternal: vi.fn(async () => undefined) },
    dialog: { showErrorBox: vi.fn() },
  };

  return {
    module: { ...module, default: module },
    ...module,
    state,
    FakeBrowserWindow,
    /** Calls an ipcMain handler as a page in `frame` would. */
    invoke(channel: string, frame: FakeFrame | null, sender: FakeWebContents, ...args: unknown[]): Promise<unknown> {
      const handler = state.ipcHandlers.get(channel);
      if (!handler) throw new Error(`no ipcMain handler for ${channel}`);
      return Promise.resolve(handler({ senderFrame: frame, sender }, ...args));
    },
    /** Delivers a main → renderer message to the preload's listeners. */
    emitToRenderer(channel: string, ...args: unknown[]): void {
      for (const listener of state.rendererListeners.get(channel) ?? []) listener({}, ...args);
    },
    reset(): void {
      state.windows.length = 0;
      state.ipcHandlers.clear();
      state.paths.clear();
      state.displays = [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
      state.singleInstanceLock = true;
      state.isPackaged = false;
      state.protocolHandlers.clear();
      state.privilegedSchemes.length = 0;
      state.headersReceived = null;
      state.permissionRequest = null;
      state.permissionCheck = null;
      state.rendererListeners.clear();
      appEmitter.removeAllListeners();
      vi.clearAllMocks();
      app.getAppPath.mockImplementation(() => REPO_ROOT);
    },
  };
}

export type ElectronDouble = ReturnType<typeof createElectronDouble>;
