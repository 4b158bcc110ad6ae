import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Language } from '../../../shared/api/schemas.ts';
import type { Translation } from './en.ts';

/**
 * Each language's dictionary is its own chunk, loaded when it is first needed: a student starts with
 * the one they read (the other, ~20 KB gzipped, only if they switch). Both are checked to hold the
 * same keys by the type check (zh-CN.ts is a Translation).
 */
const DICTIONARIES: Readonly<Record<Language, () => Promise<Translation>>> = {
  en: () => import('./en.ts').then((m) => m.en),
  'zh-CN': () => import('./zh-CN.ts').then((m) => m.zhCN),
};

/** Starts i18next in `language`, its dictionary loaded first (main.tsx renders once this resolves). */
export async function initI18n(language: Language): Promise<typeof i18next> {
  const translation = await DICTIONARIES[language]();
  await i18next.use(initReactI18next).init({
    resources: { [language]: { translation } },
    lng: language,
    // No fallback: every key is in both dictionaries (the type check), and the other may not be loaded.
    fallbackLng: false,
    interpolation: { escapeValue: false }, // React escapes
    returnNull: false,
  });
  document.documentElement.lang = language;
  return i18next;
}

export async function setLanguage(language: Language): Promise<void> {
  if (!i18next.hasResourceBundle(language, 'translation')) i18next.addResourceBundle(language, 'translation', await DICTIONARIES[language]());
  await i18next.changeLanguage(language);
  document.documentElement.lang = language;
}

export function currentLanguage(): Language {
  return i18next.language === 'zh-CN' ? 'zh-CN' : 'en';
}
