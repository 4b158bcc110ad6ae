// A private Secret Service for tests that run `studylog serve` against a real keychain: a session
// D-Bus daemon and gnome-keyring-daemon (unlocked) started here, with their own pids, so a test
// can take the keychain away mid-run (stop()) and see what Studylog does. Both are killed after
// the test. Needs the `dbus`, `gnome-keyring` and `libglib2.0-bin` packages (CI installs them;
// tests check with requirePackage).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCleanup, tempDir } from './temp.ts';

export interface SecretService {
  /** Environment for a process that should use this keychain (HOME, XDG_*, DBUS_SESSION_BUS_ADDRESS). */
  env: Record<string, string>;
  /** Reads an entry of service "studylog" through keytar in a child process (null: none). */
  read(account: string): Promise<string | null>;
  /** Writes an entry directly (e.g. a key stored by an older Studylog). */
  write(account: string, secret: string): Promise<void>;
  /** Stops the bus and the keyring: from now on every keychain call fails. */
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 20_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${out}`)));
  });
}

const KEYTAR_CHILD = fileURLToPath(new URL('./keytar-child.ts', import.meta.url));

export async function startSecretService(): Promise<SecretService> {
  const home = tempDir('studylog-keyring-');
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_DATA_HOME: home, XDG_RUNTIME_DIR: home, XDG_CONFIG_HOME: home };
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { env: base, stdio: ['ignore', 'pipe', 'ignore'] });
  const children: ChildProcess[] = [bus];
  const kill = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  onCleanup(kill);
  const address = (await waitForLine(bus, /^(unix:\S+)\n/m, 'dbus-daemon')).trim();
  const env = { ...base, DBUS_SESSION_BUS_ADDRESS: address };
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'pipe', 'ignore'] });
  children.push(keyring);
  keyring.stdin!.end('pw');
  // Ready once it owns the Secret Service's name on the bus (gdbus waits for it, no polling).
  // Not spawnSync: the password must still flow through the pipe while we wait.
  const waited = await new Promise<number | null>((resolve) =>
    spawn('gdbus', ['wait', '--session', '--timeout', '20', 'org.freedesktop.secrets'], { env, stdio: 'ignore' }).once('exit', resolve),
  );
  if (waited !== 0) throw new Error(`gnome-keyring-daemon did not start (gdbus wait exited ${waited}).`);
  const keytar = (op: string, account: string, secret = ''): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [KEYTAR_CHILD, op, account, secret], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`keytar ${op} failed: ${err}`))));
    });
  return {
    env,
    read: async (account) => JSON.parse(await keytar('get', account)) as string | null,
    write: async (account, secret) => void (await keytar('set', account, secret)),
    async stop() {
      const gone = children.filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((r) => c.once('exit', r)));
      kill();
      await Promise.all(gone);
    },
  };
}
