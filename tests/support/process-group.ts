/**
 * A command run in a process group of its own (as `npm start` runs its server), its output
 * collected as it comes: the group is taken down if the test ends with it running.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { onCleanup } from './temp.ts';

export interface GroupRun {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** What it printed so far. */
  out: string;
  err: string;
  /** Its exit code (null: ended by a signal). */
  exited: Promise<number | null>;
}

export function spawnGroup(command: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv }): GroupRun {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
  });
  const run: GroupRun = { child, out: '', err: '', exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
  child.stdout.setEncoding('utf8').on('data', (d: string) => (run.out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (run.err += d));
  return run;
}
