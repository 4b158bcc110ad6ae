import './zod-jitless.ts';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Root } from './app/App.tsx';
import { initI18n } from './i18n/index.ts';
import { applyTheme, resolveLanguage, storedLanguagePref, storedTheme } from './lib/prefs.ts';
import './styles/app.css';
import './styles/setup.css';

// Language and theme from the last visit (or the OS) before the first paint; settings refine them.
applyTheme(storedTheme());
initI18n(resolveLanguage(storedLanguagePref()));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
