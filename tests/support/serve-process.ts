// `studylog serve` as a real child process, for tests that kill it (-9), restart it on the same
// data dir, or run it under a file-size limit or another user. Spawns the pinned Node running the
// tests on bin/studylog.mjs (directly, or through a `prefix` command that ends in `exec`, so the
// pid is always the server's own), waits for the block it prints once it is up (serve-output.ts)
// and captures the sign-in link and the admin token printed on a fresh data dir. Every process
// started here is SIGKILLed after the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli.ts';
import { parseServeBlock, SERVE_LOCALE_ENV, type ServeBlock } from './serve-output.ts';
import { onCleanup } from './temp.ts';

export interface ServeOptions {
  dataDir: string;
  /** Added to the child's environment (over a copy of this process's, minus Studylog/OpenAI variables). */
  env?: Record<string, string>;
  /** Default 0: the OS picks a free port; the URL line shows the real one. */
  port?: number;
  /**
   * A command to run `node bin/studylog.mjs serve …` through; it gets those as its trailing
   * arguments and must exec them, e.g. ['sh', '-c', 'ulimit -f 64; exec "$@"', 'sh'].
   */
  prefix?: string[];
  /** How long to wait for the URL line (default 20 s: a loaded machine is slow to load TS). */
  startTimeoutMs?: number;
  /** More `serve` flags, e.g. ['--rate-limit', 'off']. */
  args?: string[];
}

export interface ServeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeProcess {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** The admin token printed on the first start of a data dir; null on later starts. */
  readonly adminToken: string | null;
  /** The one-time sign-in link this start printed. */
  readonly signinUrl: string;
  readonly pid: number;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<ServeExit>;
  /** Waits (bounded) until the child has written a match on stderr; the matched text, or null. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string | null>;
  /** kill -9: no shutdown code runs. Resolves once the process is gone. */
  kill(): Promise<ServeExit>;
  /** SIGTERM (graceful: in-flight answers finish), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ServeExit>;
}

/** The child must not pick up the developer's own provider or data dir. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(STUDYLOG_|OPENAI_)/.test(k)) continue;
    env[k] = v;
  }
  // Model-made titles add a call after each first answer: off unless a test turns them on (tests/integration/versions.test.ts covers them).
  return { ...env, ...SERVE_LOCALE_ENV, STUDYLOG_MODEL_TITLES: 'off', ...extra };
}

export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const serveArgs = [CLI, 'serve', '--data-dir', options.dataDir, '--port', String(options.port ?? 0), ...(options.args ?? [])];
  const [command, ...args] = options.prefix?.length ? [...options.prefix, process.execPath, ...serveArgs] : [process.execPath, ...serveArgs];
  const child = spawn(command!, args, { env: childEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<ServeExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      err += `spawn failed: ${error.message}\n`;
      resolve({ code: null, signal: null });
    });
  });
  let gone = false;
  void exited.then(() => (gone = true));
  onCleanup(() => {
    if (!gone) child.kill('SIGKILL');
  });

  // The first start of a data dir prints the admin token in the block; a later start says how
  // to make one instead.
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const block = await new Promise<ServeBlock>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`studylog serve did not start within ${timeoutMs} ms.\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    const onData = () => {
      const parsed = parseServeBlock(out);
      if (!parsed) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve(parsed);
    };
    child.stdout!.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`studylog serve exited (${exit.code ?? exit.signal}) before serving.\nstdout: ${out}\nstderr: ${err}`));
    });
  });

  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<ServeExit> => {
    // No pause before a SIGTERM: the CLI listens for it before it prints the block (src/main/cli.ts).
    if (!gone) child.kill(sig);
    const timer = sig === 'SIGKILL' ? undefined : setTimeout(() => !gone && child.kill('SIGKILL'), graceMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  };
  return {
    url: block.url,
    adminToken: block.adminToken,
    signinUrl: block.signinUrl,
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForStderr(pattern, timeoutMs = 5_000) {
      // Checked on each chunk of stderr and when the process exits; null after timeoutMs (a ceiling).
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          child.stderr!.off('data', check);
          resolve();
        };
        const check = () => {
          if (pattern.test(err) || gone) done();
        };
        const timer = setTimeout(done, timeoutMs);
        child.stderr!.on('data', check);
        void exited.then(done);
        check();
      });
      return pattern.exec(err)?.[0] ?? null;
    },
    kill: () => signal('SIGKILL', 0),
    stop: (graceMs = 10_000) => signal('SIGTERM', graceMs),
  };
}
