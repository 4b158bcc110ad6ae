import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type OpenOptions, type Store } from '../../src/main/core/db/connection.ts';
import { writeHandle, type WritableDB } from '../../src/main/core/db/handles.ts';

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

/**
 * A write handle for the rows a test sets up or changes itself: each statement commits on its
 * own. The app's code gets its handle only from store.writes.run (the group commit) or
 * store.transaction.
 */
export function testWrites(store: Store): WritableDB {
  return writeHandle(store.sqlite);
}
