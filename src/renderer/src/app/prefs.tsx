/**
 * The UI's language and theme: this device's choice (localStorage), and for the admin the
 * settings' too — loading or saving settings applies theirs.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
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
  const [localLanguagePref, setLocalLanguagePref] = useState<LanguagePref>(storedLanguagePref);
  const [localTheme, setLocalTheme] = useState<Theme>(storedTheme);
  const [language, setLanguageState] = useState<Language>(currentLanguage);

  // The admin's choice is the settings' once they are loaded (saving them changes it); until then,
  // and for students, this device's.
  const fromSettings = isAdmin && settings !== null;
  const languagePref = fromSettings ? settings.language : localLanguagePref;
  const theme = fromSettings ? settings.theme : localTheme;

  useEffect(() => {
    storeLanguagePref(languagePref);
    const lang = resolveLanguage(languagePref);
    let live = true;
    void setLanguage(lang).then(() => live && setLanguageState(lang));
    return () => {
      live = false;
    };
  }, [languagePref]);
  useEffect(() => applyTheme(theme), [theme]);

  const setLanguagePref = async (pref: LanguagePref) => {
    if (fromSettings) await saveSettings({ language: pref });
    else setLocalLanguagePref(pref);
  };

  const setTheme = async (next: Theme) => {
    if (fromSettings) await saveSettings({ theme: next });
    else setLocalTheme(next);
  };

  return <PrefsContext.Provider value={{ language, languagePref, setLanguagePref, theme, setTheme }}>{children}</PrefsContext.Provider>;
}
