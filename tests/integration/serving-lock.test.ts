// One process answers messages from a data directory; a second serving process is refused, and a
// lock left by a dead process is taken over.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../src/main/core/app.ts';
import { LOCK_FILE_NAME } from '../../src/main/core/serving-lock.ts';
import { runCli } from '../support/cli.ts';
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

  it('a second `studylog serve` (npm start) says Studylog is already running, in Chinese in a Chinese terminal and in English otherwise', () => {
    // Tryout 10 #8: it printed "studylog：与当前状态冲突。" and then only English.
    const dataDir = tempDir();
    createCore({ dataDir, secrets: null }).close();
    writeFileSync(path.join(dataDir, LOCK_FILE_NAME), '1'); // pid 1 is always alive: "the other Studylog"
    const serve = ['serve', '--data-dir', dataDir, '--port', '0'];
    const zh = runCli(serve, { LANG: 'zh_CN.UTF-8', LC_ALL: 'zh_CN.UTF-8' });
    expect(zh.code).toBe(1);
    expect(zh.stderr).toBe(
      `studylog：Studylog 已经在运行（进程 1），正在使用数据目录 ${dataDir}。\n请打开它在终端里打印的链接继续使用；或者先停止它（在它的终端里按 Ctrl+C），再重新运行。\n`,
    );
    expect(zh.stderr).not.toContain('冲突');
    const en = runCli(serve, { LANG: 'en_US.UTF-8', LC_ALL: 'en_US.UTF-8' });
    expect(en.code).toBe(1);
    expect(en.stderr).toMatch(
      /^studylog: Studylog is already running \(process 1\) with the data in .+\. Open the address it printed in its terminal, or stop it first \(Ctrl\+C in its terminal\)/,
    );
    // Nothing was started, and the other one's lock is untouched.
    expect(zh.stdout + en.stdout).toBe('');
    expect(existsSync(path.join(dataDir, LOCK_FILE_NAME))).toBe(true);
  });
});
