import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir } from '../../src/main/core/config.ts';

describe('data directory', () => {
  it('defaults to the platform’s per-user app-data folder for Studylog (Electron’s userData)', () => {
    expect(defaultDataDir('linux', {}, '/home/ming')).toBe('/home/ming/.config/Studylog');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/ming')).toBe('/xdg/Studylog');
    expect(defaultDataDir('darwin', {}, '/Users/ming')).toBe('/Users/ming/Library/Application Support/Studylog');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ming\\AppData\\Roaming' }, 'C:\\Users\\ming')).toBe(path.join('C:\\Users\\ming\\AppData\\Roaming', 'Studylog'));
  });
  it('prefers --data-dir, then STUDYLOG_DATA_DIR', () => {
    expect(resolveDataDir('/flag', { STUDYLOG_DATA_DIR: '/env' })).toBe('/flag');
    expect(resolveDataDir(undefined, { STUDYLOG_DATA_DIR: '/env' })).toBe('/env');
    expect(resolveDataDir(undefined, { XDG_CONFIG_HOME: '/xdg' })).toBe(process.platform === 'linux' ? '/xdg/Studylog' : resolveDataDir(undefined, {}));
  });
});
