import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir, systemLanguage } from '../../src/main/core/config.ts';

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

describe('the terminal’s language (what `studylog serve` prints to people)', () => {
  it('follows LC_ALL, then LC_MESSAGES, then LANG; Chinese → zh-CN, anything else → en', () => {
    expect(systemLanguage({ LANG: 'zh_CN.UTF-8' }, 'en-US')).toBe('zh-CN');
    expect(systemLanguage({ LANG: 'zh_TW.UTF-8' }, 'en-US')).toBe('zh-CN');
    expect(systemLanguage({ LANG: 'en_US.UTF-8' }, 'zh-CN')).toBe('en');
    expect(systemLanguage({ LC_ALL: 'en_GB.UTF-8', LANG: 'zh_CN.UTF-8' }, 'zh-CN')).toBe('en');
    expect(systemLanguage({ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'C.UTF-8' }, 'en-US')).toBe('zh-CN');
    expect(systemLanguage({ LANG: 'C' }, 'zh-CN')).toBe('en');
    expect(systemLanguage({ LANG: 'zhx' }, 'en-US')).toBe('en');
  });
  it('without locale variables (Windows), uses the locale Node reports', () => {
    expect(systemLanguage({}, 'zh-CN')).toBe('zh-CN');
    expect(systemLanguage({ LANG: '' }, 'zh-Hans-CN')).toBe('zh-CN');
    expect(systemLanguage({}, 'de-DE')).toBe('en');
  });
});
