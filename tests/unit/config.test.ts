import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir, resolveDataDir, systemLanguage } from '../../src/main/core/config.ts';

describe('data directory', () => {
  // Every platform's answer is asserted on every platform (the paths follow the platform asked
  // about, not the one running the test).
  it('defaults to the platform’s per-user app-data folder for Studylog (Electron’s userData)', () => {
    expect(defaultDataDir('linux', {}, '/home/ming')).toBe('/home/ming/.config/Studylog');
    expect(defaultDataDir('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/ming')).toBe('/xdg/Studylog');
    expect(defaultDataDir('darwin', {}, '/Users/ming')).toBe('/Users/ming/Library/Application Support/Studylog');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\ming\\AppData\\Roaming' }, 'C:\\Users\\ming')).toBe('C:\\Users\\ming\\AppData\\Roaming\\Studylog');
    expect(defaultDataDir('win32', {}, 'C:\\Users\\ming')).toBe('C:\\Users\\ming\\AppData\\Roaming\\Studylog');
  });
  it('prefers --data-dir, then STUDYLOG_DATA_DIR, then the platform default', () => {
    const posix = { linux: '/home/ming', darwin: '/Users/ming' } as const;
    for (const [platform, home] of Object.entries(posix) as [NodeJS.Platform, string][]) {
      expect(resolveDataDir('/flag', { STUDYLOG_DATA_DIR: '/env' }, platform, home)).toBe('/flag');
      expect(resolveDataDir(undefined, { STUDYLOG_DATA_DIR: '/env' }, platform, home)).toBe('/env');
    }
    expect(resolveDataDir(undefined, { XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/ming')).toBe('/xdg/Studylog');
    expect(resolveDataDir(undefined, {}, 'linux', '/home/ming')).toBe('/home/ming/.config/Studylog');
    // XDG_CONFIG_HOME is a Linux convention: macOS and Windows keep their own folders.
    expect(resolveDataDir(undefined, { XDG_CONFIG_HOME: '/xdg' }, 'darwin', '/Users/ming')).toBe('/Users/ming/Library/Application Support/Studylog');
    const win = { APPDATA: 'C:\\Users\\ming\\AppData\\Roaming', XDG_CONFIG_HOME: '/xdg' };
    expect(resolveDataDir(undefined, win, 'win32', 'C:\\Users\\ming')).toBe('C:\\Users\\ming\\AppData\\Roaming\\Studylog');
    expect(resolveDataDir(undefined, { ...win, STUDYLOG_DATA_DIR: 'E:\\studylog' }, 'win32', 'C:\\Users\\ming')).toBe('E:\\studylog');
    expect(resolveDataDir('D:\\data\\', { ...win, STUDYLOG_DATA_DIR: 'E:\\studylog' }, 'win32', 'C:\\Users\\ming')).toBe('D:\\data');
  });
  it('resolves a relative --data-dir against the working directory', () => {
    expect(resolveDataDir('data', {})).toBe(path.resolve('data'));
    expect(resolveDataDir(undefined, { STUDYLOG_DATA_DIR: 'data' })).toBe(path.resolve('data'));
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
