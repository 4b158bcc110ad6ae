import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type OpenOptions, type Store } from '../../src/main/core/db/connection.ts';

const cleanups: (() => void)[] = [];

afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A fresh temp directory, removed after the test. */
export function tempDir(prefix = 'studylog-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real database file in a temp dir, migrated, closed after the test. */
export function openTempStore(options: OpenOptions = {}): Store {
  const store = openDatabase(path.join(tempDir(), 'studylog.db'), options);
  cleanups.push(() => {
    if (store.sqlite.open) store.close();
  });
  return store;
}

export function onCleanup(fn: () => void): void {
  cleanups.push(fn);
}

export function rowCount(store: Store, table: string): number {
  return (store.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}
