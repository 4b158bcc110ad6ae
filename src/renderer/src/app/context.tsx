import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { StudylogClient } from '../../../shared/api/client.ts';
import type { RouteOutput } from '../../../shared/api/routes.ts';
import type { Assignment, Language, Settings, User } from '../../../shared/api/schemas.ts';
import { ChatStore } from '../features/chat/chat-store.ts';
import { currentLanguage, setLanguage } from '../i18n/index.ts';
import { toClientError, type UiError } from '../lib/errors.ts';
import { applyTheme, resolveLanguage, storedLanguagePref, storedTheme, storeLanguagePref, type LanguagePref, type Theme } from '../lib/prefs.ts';
import type { TransportKind } from './api.ts';

export type ModelsInfo = RouteOutput<'listModels'>;

export interface AppContextValue {
  client: StudylogClient;
  transport: TransportKind;
  me: User;
  isAdmin: boolean;
  /** null until loaded, and for students (settings are the admin's). */
  settings: Settings | null;
  settingsError: UiError | null;
  saveSettings: (patch: Partial<Settings>) => Promise<Settings>;
  reloadSettings: () => Promise<void>;
  assignments: Assignment[];
  assignmentsError: UiError | null;
  reloadAssignments: () => Promise<void>;
  models: ModelsInfo | null;
  modelsError: UiError | null;
  reloadModels: () => Promise<void>;
  chat: ChatStore;
  language: Language;
  languagePref: LanguagePref;
  setLanguagePref: (pref: LanguagePref) => Promise<void>;
  theme: Theme;
  setTheme: (theme: Theme) => Promise<void>;
  signOut: (() => void) | null;
}

const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside AppProvider');
  return value;
}

export function AppProvider(props: { client: StudylogClient; transport: TransportKind; me: User; signOut: (() => void) | null; children: ReactNode }) {
  const { client, me } = props;
  const isAdmin = me.role === 'admin';
  const chat = useMemo(() => new ChatStore(client), [client]);

  const [settings, setSettings] = useState<Settings | null>(null);
  const [settingsError, setSettingsError] = useState<UiError | null>(null);
  const [assignments, setAssignments] = useState<Assignment[]>([]);
  const [assignmentsError, setAssignmentsError] = useState<UiError | null>(null);
  const [models, setModels] = useState<ModelsInfo | null>(null);
  const [modelsError, setModelsError] = useState<UiError | null>(null);
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

  const applySettings = useCallback(
    (next: Settings) => {
      setSettings(next);
      void applyLanguagePref(next.language);
      applyTheme(next.theme);
      setThemeState(next.theme);
    },
    [applyLanguagePref],
  );

  const reloadSettings = useCallback(async () => {
    if (!isAdmin) return;
    try {
      applySettings(await client.getSettings());
      setSettingsError(null);
    } catch (error) {
      setSettingsError(toClientError(error));
    }
  }, [client, isAdmin, applySettings]);

  const saveSettings = useCallback(
    async (patch: Partial<Settings>) => {
      const next = await client.updateSettings(patch);
      applySettings(next);
      return next;
    },
    [client, applySettings],
  );

  const reloadAssignments = useCallback(async () => {
    try {
      setAssignments(await client.listAssignments());
      setAssignmentsError(null);
    } catch (error) {
      setAssignmentsError(toClientError(error));
    }
  }, [client]);

  const reloadModels = useCallback(async () => {
    try {
      setModels(await client.listModels());
      setModelsError(null);
    } catch (error) {
      setModelsError(toClientError(error));
    }
  }, [client]);

  useEffect(() => {
    void reloadSettings();
    void reloadAssignments();
    void reloadModels();
  }, [reloadSettings, reloadAssignments, reloadModels]);

  const setLanguagePref = useCallback(
    async (pref: LanguagePref) => {
      await applyLanguagePref(pref);
      if (isAdmin) await saveSettings({ language: pref });
    },
    [applyLanguagePref, isAdmin, saveSettings],
  );

  const setTheme = useCallback(
    async (next: Theme) => {
      applyTheme(next);
      setThemeState(next);
      if (isAdmin) await saveSettings({ theme: next });
    },
    [isAdmin, saveSettings],
  );

  const value: AppContextValue = {
    client,
    transport: props.transport,
    me,
    isAdmin,
    settings,
    settingsError,
    saveSettings,
    reloadSettings,
    assignments,
    assignmentsError,
    reloadAssignments,
    models,
    modelsError,
    reloadModels,
    chat,
    language,
    languagePref,
    setLanguagePref,
    theme,
    setTheme,
    signOut: props.signOut,
  };
  return <AppContext.Provider value={value}>{props.children}</AppContext.Provider>;
}
