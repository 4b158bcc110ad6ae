/**
 * Language, theme and the currency costs are shown in. Language and theme: The source of truth is settings (admins, the desktop owner); a copy in
 * localStorage paints the first screen in the right language and colours before settings load,
 * and is all a student's browser has (students may not read settings). The currency is this
 * device's display preference only (localStorage): costs stay stored in USD micro-cents.
 */
import { useSyncExternalStore } from 'react';
import { LANGUAGES, THEMES } from '../../../shared/api/vocabulary.ts';
import type { Language } from '../../../shared/api/schemas.ts';
import { CURRENCIES, DEFAULT_CNY_RATE, parseRate, type Currency, type Money } from './format.ts';

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

// ---------------------------------------------------------------- currency

const CURRENCY_KEY = 'studylog.currency';
const RATE_KEY = 'studylog.cnyRate';

function readMoney(): Money {
  const currency = read(CURRENCY_KEY);
  return {
    currency: (CURRENCIES as readonly string[]).includes(currency ?? '') ? (currency as Currency) : 'USD',
    rate: parseRate(read(RATE_KEY)) ?? DEFAULT_CNY_RATE,
  };
}

let money: Money | null = null;
const moneyListeners = new Set<() => void>();

function currentMoney(): Money {
  money ??= readMoney();
  return money;
}

/** Stores the currency (and the CNY rate, if given and valid); every useMoney() re-renders. */
export function storeMoney(next: { currency?: Currency; rate?: number }): void {
  const cur = currentMoney();
  const rate = next.rate !== undefined ? (parseRate(next.rate) ?? cur.rate) : cur.rate;
  money = { currency: next.currency ?? cur.currency, rate };
  write(CURRENCY_KEY, money.currency);
  write(RATE_KEY, String(money.rate));
  for (const listener of moneyListeners) listener();
}

function subscribeMoney(listener: () => void): () => void {
  moneyListeners.add(listener);
  return () => moneyListeners.delete(listener);
}

/** The currency costs are shown in; pass it to formatCost. */
export function useMoney(): Money {
  return useSyncExternalStore(subscribeMoney, currentMoney);
}
