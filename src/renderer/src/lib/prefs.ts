/**
 * Language and theme. The source of truth is settings (admins, the desktop owner); a copy in
 * localStorage paints the first screen in the right language and colours before settings load,
 * and is all a student's browser has (students may not read settings).
 */
import { LANGUAGES, THEMES, type Language } from '../../../shared/api/schemas.ts';

export type Theme = (typeof THEMES)[number];
/** null: follow the operating system / browser. */
export type LanguagePref = Language | null;

const LANGUAGE_KEY = 'studylog.language';
const THEME_KEY = 'studylog.theme';

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    // Storage may be disabled; the preference then lasts for this page only.
  }
}

export function systemLanguage(): Language {
  const candidates = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const tag of candidates) {
    const lower = (tag ?? '').toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

export function storedLanguagePref(): LanguagePref {
  const value = read(LANGUAGE_KEY);
  return (LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : null;
}

export function storeLanguagePref(pref: LanguagePref): void {
  write(LANGUAGE_KEY, pref);
}

export function resolveLanguage(pref: LanguagePref): Language {
  return pref ?? systemLanguage();
}

export function storedTheme(): Theme {
  const value = read(THEME_KEY);
  return (THEMES as readonly string[]).includes(value ?? '') ? (value as Theme) : 'system';
}

/** `system` leaves the colours to prefers-color-scheme (see styles). */
export function applyTheme(theme: Theme): void {
  write(THEME_KEY, theme);
  document.documentElement.dataset.theme = theme;
}
