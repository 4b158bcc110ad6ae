// What a test needs from the machine beyond `npm ci`, named by the Debian package that provides
// it. Where one is missing the test is skipped, saying which package in its name (and the run's
// last lines list them: summary-reporter.ts); under CI=true a missing package fails the run
// instead, since .ci/run installs them all. Every test that needs a package goes through here:
//
//   const chromium = requirePackage('chromium');
//   describe.skipIf(chromium.skip)(`chat${chromium.note}`, () => { … });
//
// Each check looks for what the test really uses (a file, a command, a library), not at dpkg, so
// it also holds where the thing came from elsewhere (STUDYLOG_CHROMIUM).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

export const CHROMIUM = process.env.STUDYLOG_CHROMIUM ?? '/usr/lib/chromium/chromium';

function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** libsecret-1.so.0, the library @github/keytar's prebuilt binary links on Linux. */
function hasLibsecret(): boolean {
  const cache = spawnSync(existsSync('/sbin/ldconfig') ? '/sbin/ldconfig' : 'ldconfig', ['-p'], { encoding: 'utf8' });
  if (cache.status === 0) return /\blibsecret-1\.so\.0\b/.test(cache.stdout);
  const dirs = [
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    `/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
  ];
  return dirs.some((d) => existsSync(path.join(d, 'libsecret-1.so.0')));
}

/** Where Debian's postgresql puts initdb and pg_ctl (/usr/lib/postgresql/<major>/bin), newest first. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) if (existsSync(path.join(root, major, 'bin', 'initdb'))) return path.join(root, major, 'bin');
  return null;
}

/** Each package, and how to tell it is installed. */
const CHECKS = {
  chromium: () => existsSync(CHROMIUM),
  dbus: () => onPath('dbus-run-session'),
  'gnome-keyring': () => onPath('gnome-keyring-daemon'),
  'libsecret-1-0': hasLibsecret,
  // gdbus: how tests/support/secret-service.ts waits for its private keyring to answer.
  'libglib2.0-bin': () => onPath('gdbus'),
  // The hub's tests start a throwaway cluster (tests/support/postgres.ts), or use HUB_TEST_DATABASE_URL.
  postgresql: () => !!process.env.HUB_TEST_DATABASE_URL || postgresBinDir() !== null,
} satisfies Record<string, () => boolean>;

export type DebianPackage = keyof typeof CHECKS;

const known = new Map<DebianPackage, boolean>();
const isInstalled = (p: DebianPackage): boolean => {
  if (!known.has(p)) known.set(p, CHECKS[p]());
  return known.get(p)!;
};

export interface Requirement {
  /** The packages that are not there (empty: run the test). */
  missing: DebianPackage[];
  skip: boolean;
  /** For the test's name: '' when nothing is missing, else ` [skipped: needs Debian package chromium]`. */
  note: string;
}

export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  return !!env.CI && env.CI !== 'false' && env.CI !== '0';
}

/**
 * Whether the packages a test needs are installed. Missing ones make it skip with their names,
 * or, under CI=true, throw (the test file then fails, naming them).
 */
export function requirePackage(packages: DebianPackage | DebianPackage[], options: { env?: NodeJS.ProcessEnv; installed?: (p: DebianPackage) => boolean } = {}): Requirement {
  const wanted = Array.isArray(packages) ? packages : [packages];
  const missing = wanted.filter((p) => !(options.installed ?? isInstalled)(p));
  if (missing.length === 0) return { missing, skip: false, note: '' };
  const reason = `needs Debian package${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`;
  const plural = missing.length > 1;
  if (isCI(options.env))
    throw new Error(
      `This test ${reason}, which ${plural ? 'are' : 'is'} not installed; CI must install ${plural ? 'them' : 'it'} (.ci/run: apt-get install ${missing.join(' ')}).`,
    );
  return { missing, skip: true, note: ` [skipped: ${reason}]` };
}
