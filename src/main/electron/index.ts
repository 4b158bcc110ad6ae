/**
 * The desktop app's lifecycle, and nothing else: one instance → open the core (database,
 * migrations) → IPC → the embedded HTTP server if settings say so → the window → on quit, stop
 * streams, the server and the database in that order. Logic lives in the core and the modules
 * beside this one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { app, dialog, session, type BrowserWindow } from 'electron';
import { isApiError } from '../../shared/errors.ts';
import { createCore, type Core } from '../core/app.ts';
import { APP_NAME } from '../core/config.ts';
import { KeytarSecretStore } from '../core/secrets/keychain.ts';
import { EmbeddedServer } from './embedded-server.ts';
import { registerIpc, type IpcRegistration } from './ipc.ts';
import { APP_ENTRY_URL, createAppUrlMatcher } from './origin.ts';
import { dataDirArg, shellPaths } from './paths.ts';
import { handleAppProtocol, registerAppScheme } from './protocol.ts';
import { hardenSession, hardenWebContents } from './security.ts';
import { createMainWindow, focusWindow } from './window.ts';
import { WINDOW_STATE_FILE } from './window-state.ts';

// The data folder is Electron's userData (…/Studylog, shared with `studylog serve`) unless
// --data-dir or STUDYLOG_DATA_DIR moves it; Chromium's own profile lives there too. Set before
// the single-instance lock, which is per userData folder.
app.setName(APP_NAME);
const dataDirOverride = dataDirArg(process.argv) ?? process.env.STUDYLOG_DATA_DIR ?? null;
app.setPath('userData', dataDirOverride ? path.resolve(dataDirOverride) : path.join(app.getPath('appData'), APP_NAME));
app.enableSandbox();
registerAppScheme();

// The dev server's URL is trusted only in an unpackaged app: an environment variable must not be
// able to point an installed app at another page.
const devUrl = !app.isPackaged && process.env.ELECTRON_RENDERER_URL ? process.env.ELECTRON_RENDERER_URL : null;
const isAppUrl = createAppUrlMatcher(devUrl);

let core: Core | null = null;
let ipc: IpcRegistration | null = null;
let server: EmbeddedServer | null = null;
let unsubscribe: (() => void) | null = null;
let mainWindow: BrowserWindow | null = null;
let openWindow: (() => void) | null = null;
let shutdown: 'no' | 'running' | 'done' = 'no';

function fail(title: string, error: unknown): void {
  const detail = isApiError(error) ? error.detail : error instanceof Error ? error.message : String(error);
  console.error(`studylog: ${title}: ${detail}`);
  // One message and out: never a window that cannot work, never a restart loop.
  dialog.showErrorBox(title, detail);
  try {
    core?.close();
  } catch {
    // Exiting anyway; SQLite's journal keeps the file consistent.
  }
  app.exit(1);
}

async function onReady(): Promise<void> {
  const paths = shellPaths();
  const dataDir = app.getPath('userData');

  if (!devUrl && !existsSync(path.join(paths.rendererDir, 'index.html'))) {
    fail('Studylog is not built', `The app's pages are missing (${paths.rendererDir}). Build them with: npm run build`);
    return;
  }
  try {
    core = createCore({
      dataDir,
      secrets: new KeytarSecretStore(),
      recover: true,
      dailyJobs: true,
      hubSync: true,
      open: { migrationsFolder: paths.migrationsFolder },
      modelTitles: process.env.STUDYLOG_MODEL_TITLES !== 'off',
    });
  } catch (error) {
    fail('Studylog cannot open its database', error);
    return;
  }
  if (core.recovered.user_turns || core.recovered.assistant_turns) {
    console.error(`studylog: recovered ${core.recovered.assistant_turns} interrupted answer(s) and ${core.recovered.user_turns} unanswered message(s) from the last run.`);
  }

  hardenSession(session.defaultSession, { dev: devUrl !== null });
  handleAppProtocol(paths.rendererDir);
  ipc = registerIpc(core, { isAppUrl });

  const live = core;
  const embedded = new EmbeddedServer(live, { staticDir: paths.rendererDir });
  server = embedded;
  void embedded.apply(live.settings.get().server);
  unsubscribe = live.settings.subscribe((settings) => void embedded.apply(settings.server));

  openWindow = () => {
    const window = createMainWindow({
      preload: paths.preload,
      url: devUrl ?? APP_ENTRY_URL,
      isAppUrl,
      stateFile: path.join(dataDir, WINDOW_STATE_FILE),
      devTools: !app.isPackaged,
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
    });
    mainWindow = window;
  };
  openWindow();
}

async function stopEverything(): Promise<void> {
  unsubscribe?.();
  await ipc?.stopStreams();
  await server?.close();
  ipc?.dispose();
  core?.close();
  core = null;
}

if (!app.requestSingleInstanceLock()) {
  // Another Studylog runs on this data folder: it gets focused (below, in that process).
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) focusWindow(mainWindow);
  });
  // Any webContents that ever appears gets the same guards as the main window.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, isAppUrl));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!mainWindow && openWindow && core) openWindow();
  });
  app.on('will-quit', (event) => {
    if (shutdown === 'done') return;
    event.preventDefault();
    if (shutdown === 'running') return;
    shutdown = 'running';
    void stopEverything()
      .catch((error: unknown) => console.error('studylog: shutting down:', error))
      .finally(() => {
        shutdown = 'done';
        app.quit();
      });
  });
  app
    .whenReady()
    .then(onReady)
    .catch((error: unknown) => fail('Studylog could not start', error));
}
