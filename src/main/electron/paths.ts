/**
 * Where the shell finds its files. Nothing here is relative to a source file: the main process
 * runs as one bundle (out/main/index.js), so paths hang off the app's root (the folder holding
 * package.json, or the asar archive) or, for data the packager copies beside it, resourcesPath.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { app } from 'electron';

export interface ShellPaths {
  /** out/preload/index.cjs: sandboxed preloads must be one CommonJS file. */
  preload: string;
  /** out/renderer: the built web app, served at app://studylog/. */
  rendererDir: string;
  /** The drizzle migrations the database is brought up to date with. */
  migrationsFolder: string;
}

export function shellPaths(): ShellPaths {
  const root = app.getAppPath();
  const packagedMigrations = path.join(process.resourcesPath ?? '', 'migrations');
  return {
    preload: path.join(root, 'out', 'preload', 'index.cjs'),
    rendererDir: path.join(root, 'out', 'renderer'),
    migrationsFolder: app.isPackaged && existsSync(packagedMigrations) ? packagedMigrations : path.join(root, 'migrations'),
  };
}

/** `--data-dir DIR` or `--data-dir=DIR` among the command-line arguments, if given. */
export function dataDirArg(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--data-dir=')) return arg.slice('--data-dir='.length) || null;
    if (arg === '--data-dir') return argv[i + 1] ?? null;
  }
  return null;
}
