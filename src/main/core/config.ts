import os from 'node:os';
import path from 'node:path';
import { DB_FILE_NAME } from './db/connection.ts';

export const APP_NAME = 'Studylog';

/** Path rules of a platform (Windows' on Windows, POSIX's elsewhere), whatever runs this. */
function pathsOf(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * The platform's per-user app-data folder for Studylog — the same folder Electron's
 * app.getPath('userData') gives the desktop app, so the desktop and `studylog serve` share data.
 * Built with the platform's own path rules, so each platform's answer can be checked on any.
 */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  const p = pathsOf(platform);
  if (platform === 'win32') return p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', APP_NAME);
  return p.join(env.XDG_CONFIG_HOME || p.join(home, '.config'), APP_NAME);
}

/** `--data-dir` wins, then STUDYLOG_DATA_DIR, then the platform default. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  return pathsOf(platform).resolve(flag || env.STUDYLOG_DATA_DIR || defaultDataDir(platform, env, home));
}

export function databaseFile(dataDir: string): string {
  return path.join(dataDir, DB_FILE_NAME);
}

/**
 * The language of the terminal's user, for what the command line prints to people (not to
 * scripts): the POSIX locale variables in their order of precedence (LC_ALL, LC_MESSAGES, LANG),
 * else the locale Node's Intl reports (Windows sets no LANG). Chinese → zh-CN, anything else → en.
 */
export function systemLanguage(env: NodeJS.ProcessEnv = process.env, intlLocale: string = Intl.DateTimeFormat().resolvedOptions().locale): 'zh-CN' | 'en' {
  const posix = env.LC_ALL || env.LC_MESSAGES || env.LANG || undefined;
  // "C" / "POSIX" name no language: the terminal asked for plain English.
  const locale = posix ?? intlLocale;
  return /^zh([-_.@]|$)/i.test(locale) ? 'zh-CN' : 'en';
}
