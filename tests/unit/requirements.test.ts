// The skip helper every test that needs a Debian package uses (tests/support/requirements.ts):
// skipped with the package's name on a developer's machine, a failure under CI=true.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isCI, requirePackage } from '../support/requirements.ts';

const HELPER = fileURLToPath(new URL('../support/requirements.ts', import.meta.url));
const none = () => false;
const all = () => true;

describe('requirePackage', () => {
  it('skips, naming the missing package, when it is not installed', () => {
    expect(requirePackage('chromium', { env: {}, installed: none })).toEqual({ missing: ['chromium'], skip: true, note: ' [skipped: needs Debian package chromium]' });
    const two = requirePackage(['dbus', 'gnome-keyring', 'libsecret-1-0'], { env: {}, installed: (p) => p === 'dbus' });
    expect(two).toEqual({ missing: ['gnome-keyring', 'libsecret-1-0'], skip: true, note: ' [skipped: needs Debian packages gnome-keyring, libsecret-1-0]' });
  });

  it('throws under CI=true instead, naming the package and how CI installs it', () => {
    expect(() => requirePackage('chromium', { env: { CI: 'true' }, installed: none })).toThrow(
      /needs Debian package chromium, which is not installed; CI must install it \(.ci\/run: apt-get install chromium\)/,
    );
    expect(() => requirePackage(['dbus', 'gnome-keyring'], { env: { CI: '1' }, installed: none })).toThrow(/apt-get install dbus gnome-keyring/);
    // CI=false (or 0) is not CI.
    expect(requirePackage('chromium', { env: { CI: 'false' }, installed: none }).skip).toBe(true);
    expect(isCI({ CI: '0' })).toBe(false);
  });

  it('runs the test when everything is there, CI or not', () => {
    expect(requirePackage(['chromium', 'dbus'], { env: { CI: 'true' }, installed: all })).toEqual({ missing: [], skip: false, note: '' });
  });

  it('looks at this machine by default: what is not there is missing, what dpkg has installed is found', () => {
    // A child with an empty PATH and no Chromium where it looks: the real checks find nothing.
    const script = `const { requirePackage } = await import(${JSON.stringify(HELPER)});
      console.log(JSON.stringify(requirePackage(['chromium', 'dbus', 'gnome-keyring'])));`;
    const env = { STUDYLOG_CHROMIUM: '/nonexistent/chromium', PATH: '' };
    const bare = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    expect(bare.stderr).toBe('');
    expect(JSON.parse(bare.stdout)).toMatchObject({ missing: ['chromium', 'dbus', 'gnome-keyring'], skip: true });
    const ci = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...env, CI: 'true' }, encoding: 'utf8' });
    expect(ci.status).not.toBe(0);
    expect(ci.stderr).toContain('needs Debian packages chromium, dbus, gnome-keyring, which are not installed; CI must install them');

    // Where dpkg knows a package is installed, the check agrees (CI installs all of them).
    for (const p of ['chromium', 'dbus', 'gnome-keyring', 'libsecret-1-0'] as const) {
      const dpkg = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
      if (dpkg.stdout === 'install ok installed') expect(requirePackage(p, { env: {} }).missing, p).toEqual([]);
    }
  });
});
