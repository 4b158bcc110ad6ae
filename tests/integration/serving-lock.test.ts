// One process answers messages from a data directory; a second serving process is refused, and a
// lock left by a dead process is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core/app.ts';
import { LOCK_FILE_NAME } from '../../src/main/core/serving-lock.ts';
import { rowCount, tempDir } from '../support/temp.ts';

describe('serving lock', () => {
  it('refuses a second serving core on the same data dir, allows one-shot ones, and is released on close', () => {
    const dataDir = tempDir();
    const first = createCore({ dataDir, secrets: null, recover: true });
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(true);
    expect(() => createCore({ dataDir, secrets: null, recover: true })).toThrow(new RegExp(`process ${process.pid}|already answering`));
    const oneShot = createCore({ dataDir, secrets: null });
    expect(rowCount(oneShot.store, 'user')).toBe(1);
    oneShot.close();
    first.close();
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(false);
    createCore({ dataDir, secrets: null, recover: true }).close();
  });

  it('takes over a lock whose process is gone', () => {
    const dataDir = tempDir();
    createCore({ dataDir, secrets: null }).close();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(path.join(dataDir, LOCK_FILE_NAME), dead.stdout);
    const core = createCore({ dataDir, secrets: null, recover: true });
    core.close();
  });

  it('refuses a live other process holding it, naming it', () => {
    const dataDir = tempDir();
    createCore({ dataDir, secrets: null }).close();
    writeFileSync(path.join(dataDir, LOCK_FILE_NAME), '1'); // pid 1 is always alive
    expect(() => createCore({ dataDir, secrets: null, recover: true })).toThrow(/process 1\)/);
  });
});
