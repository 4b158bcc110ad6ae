// The API key lives in the OS keychain: keytar against a real Secret Service (gnome-keyring on a
// private D-Bus session, as TOOLCHAIN.md measured), and a clear error where there is none.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requirePackage } from '../support/requirements.ts';
import { tempDir } from '../support/temp.ts';

const PROBE = fileURLToPath(new URL('../support/keychain-probe.ts', import.meta.url));
// @github/keytar's Linux binary links libsecret; the round trip also needs a Secret Service on a
// private D-Bus session. CI installs all three (.ci/run).
const secretService = requirePackage(['libsecret-1-0', 'dbus', 'gnome-keyring']);
const libsecret = requirePackage('libsecret-1-0');

function probe(withBus: boolean) {
  const home = tempDir('studylog-keyring-');
  const env = { PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: home, XDG_RUNTIME_DIR: home };
  const node = JSON.stringify(process.execPath);
  const run = withBus
    ? spawnSync(
        'dbus-run-session',
        ['--', 'sh', '-c', `echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec ${node} ${JSON.stringify(PROBE)} openai`],
        { env, encoding: 'utf8', timeout: 30_000 },
      )
    : spawnSync(process.execPath, [PROBE, 'openai'], { env, encoding: 'utf8', timeout: 30_000 });
  expect(run.stderr).not.toMatch(/Segmentation|Abort|core dumped/);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('keychain (keytar)', () => {
  it.skipIf(secretService.skip)(`stores, reads and deletes a key in a real Secret Service${secretService.note}`, () => {
    expect(probe(true)).toEqual({ before: null, afterSet: 'fake-key-keychain-roundtrip-secret-42', deleted: true, afterDelete: null });
  });

  // Without libsecret the library does not even load: a different message (the keychain module's).
  it.skipIf(libsecret.skip)(`without a D-Bus session: a clear keychain_unavailable error, not a crash${libsecret.note}`, () => {
    const result = probe(false);
    expect(result.error).toMatchObject({ code: 'keychain_unavailable' });
    const detail = String((result.error as { detail: string }).detail);
    // What is missing, and both ways out: a keyring (with the packages), or the provider's variables.
    expect(detail).toMatch(/system keychain is not reachable: there is no D-Bus session/);
    expect(detail).toContain('sudo apt install gnome-keyring libsecret-1-0');
    expect(detail).toContain('sudo dnf install gnome-keyring libsecret');
    expect(detail).toContain('STUDYLOG_API_KEY_OPENAI=<key> with STUDYLOG_BASE_URL_OPENAI=');
  });
});
