/**
 * One process at a time answers messages from a data directory (the desktop app or `studylog
 * serve`). A second one would run start-up recovery over the first one's answers in progress and
 * mark them interrupted, so it is refused. A lock left by a process that died is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/errors.ts';

export const LOCK_FILE_NAME = 'serving.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Another live process answers from this data directory (`conflict`): which one, so the command
 * can say it in the terminal's language (cli-text.ts describeFailure) — a student who runs
 * `npm start` in a second terminal reads that Studylog is already running, not a bare "conflict".
 */
export class ServingLockHeld extends ApiError {
  readonly pid: number;
  readonly dataDir: string;

  constructor(pid: number, dataDir: string) {
    super(
      'conflict',
      `Studylog is already running (process ${pid}) with the data in ${dataDir}. Open the address it printed in its terminal, or stop it first (Ctrl+C in its terminal) and start again. (The desktop app can turn on its own server in Settings.)`,
    );
    this.pid = pid;
    this.dataDir = dataDir;
  }
}

/** Takes the lock; returns its release. Throws ServingLockHeld (`conflict`) naming the process that holds it. */
export function acquireServingLock(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (readFileSync(file, { encoding: 'utf8', flag: 'r' }).trim() === String(process.pid)) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) throw new ServingLockHeld(holder, dataDir);
      rmSync(file, { force: true }); // left by a process that is gone
    }
  }
  throw new ApiError('conflict', `Could not take the lock ${file}; another Studylog may be starting right now.`);
}
