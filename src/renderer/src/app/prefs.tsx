/**
 * The UI's language and theme: this device's choice (localStorage), and for the admin the
 * settings' too — loading or saving settings applies theirs.
 */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Language } from '../../../shared/api/schemas.ts';
import { currentLanguage, setLanguage } from '../i18n/index.ts';
import { applyTheme, resolveLanguage, storedLanguagePref, storedTheme, storeLanguagePref, type LanguagePref, type Theme } from '../lib/prefs.ts';
import { useIdentity } from './identity.tsx';
import { useSaveSettings, useSettings } from './server-state.ts';

export interface Prefs {
  language: Language;
  languagePref: LanguagePref;
  setLanguagePref: (pref: LanguagePref) => Promise<void>;
  theme: Theme;
  setTheme: (theme: Theme) => Promise<void>;
}

const PrefsContext = createContext<Prefs | null>(null);

export function usePrefs(): Prefs {
  const value = useContext(PrefsContext);
  if (!value) throw new Error('usePrefs outside PrefsProvider');
  return value;
}

export function PrefsProvider({ children }: { children: ReactNode }) {
  const { isAdmin } = useIdentity();
  const { settings } = useSettings();
  const saveSettings = useSaveSettings();
  const [languagePref, setLanguagePrefState] = useState<LanguagePref>(storedLanguagePref);
  const [language, setLanguageState] = useState<Language>(currentLanguage);
  const [theme, setThemeState] = useState<Theme>(storedTheme);

  const applyLanguagePref = useCallback(async (pref: LanguagePref) => {
    storeLanguagePref(pref);
    setLanguagePrefState(pref);
    const lang = resolveLanguage(pref);
    await setLanguage(lang);
    setLanguageState(lang);
  }, []);

  // The settings as loaded or saved carry the admin's language and theme.
  const settingsLanguage = settings?.language;
  const settingsTheme = settings?.theme;
  useEffect(() => {
    if (settingsLanguage !== undefined) void applyLanguagePref(settingsLanguage);
  }, [settingsLanguage, applyLanguagePref]);
  useEffect(() => {
    if (settingsTheme === undefined) return;
    applyTheme(settingsTheme);
    setThemeState(settingsTheme);
  }, [settingsTheme]);

  const setLanguagePref = async (pref: LanguagePref) => {
    await applyLanguagePref(pref);
    if (isAdmin) await saveSettings({ language: pref });
  };

  const setTheme = async (next: Theme) => {
    applyTheme(next);
    setThemeState(next);
    if (isAdmin) await saveSettings({ theme: next });
  };

  return <PrefsContext.Provider value={{ language, languagePref, setLanguagePref, theme, setTheme }}>{children}</PrefsContext.Provider>;
}
