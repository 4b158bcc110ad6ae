import os from 'node:os';
import path from 'node:path';
import { DB_FILE_NAME } from './db/connection.ts';

export const APP_NAME = 'Studylog';

/**
 * The platform's per-user app-data folder for Studylog — the same folder Electron's
 * app.getPath('userData') gives the desktop app, so the desktop and `studylog serve` share data.
 */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), APP_NAME);
}

/** `--data-dir` wins, then STUDYLOG_DATA_DIR, then the platform default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(flag || env.STUDYLOG_DATA_DIR || defaultDataDir(process.platform, env));
}

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, DB_FILE_NAME);
}
