/**
 * The main window: isolated, sandboxed, no Node in the page; the preload's `window.studylog` is
 * its only way to the main process. Shown when its first paint is ready; its bounds are
 * remembered between runs.
 */
import { BrowserWindow, screen } from 'electron';
import { hardenWebContents } from './security.ts';
import { fitToDisplays, loadWindowState, MIN_HEIGHT, MIN_WIDTH, saveWindowState } from './window-state.ts';

export interface MainWindowOptions {
  /** The built preload script (out/preload/index.cjs). */
  preload: string;
  /** app://studylog/, or the dev server's URL under `electron-vite dev`. */
  url: string;
  isAppUrl: (url: string) => boolean;
  /** Where the window's bounds are remembered. */
  stateFile: string;
  /** DevTools only in an unpackaged app. */
  devTools: boolean;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const state = fitToDisplays(
    loadWindowState(options.stateFile),
    screen.getAllDisplays().map((d) => d.workArea),
    screen.getPrimaryDisplay().workArea,
  );
  const window = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    title: 'Studylog',
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: options.devTools,
    },
  });
  hardenWebContents(window.webContents, options.isAppUrl);

  window.once('ready-to-show', () => {
    if (state.maximized) window.maximize();
    window.show();
  });
  // The restored (not maximized) bounds, so un-maximizing next time gives the old size back.
  window.on('close', () => {
    try {
      saveWindowState(options.stateFile, { ...window.getNormalBounds(), maximized: window.isMaximized() });
    } catch (error) {
      console.error('studylog: could not save the window state:', error);
    }
  });

  void window.loadURL(options.url).catch((error: unknown) => console.error(`studylog: could not load ${options.url}:`, error));
  return window;
}

/** Brings the window to the front (a second launch of the app lands here). */
export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
