import { lazy, StrictMode, Suspense } from 'react';
import { createRoot } from 'react-dom/client';
import { Root } from './app/App.tsx';
import { takeSigninCode } from './features/auth/signin-link.ts';
import { initI18n } from './i18n/index.ts';
import { applyTheme, resolveLanguage, storedLanguagePref, storedTheme } from './lib/prefs.ts';
import './styles/app.css';
import './styles/setup.css';

// Language and theme from the last visit (or the OS) before the first paint; settings refine them.
// The language's dictionary is a chunk of its own (i18n/index.ts): rendered once it is loaded.
applyTheme(storedTheme());
await initI18n(resolveLanguage(storedLanguagePref()));

// A sign-in link's one-time code leaves the address bar before anything renders.
const signinCode = takeSigninCode();

// The class hub (`studylog hub`) serves this app for its teacher dashboard at #/hub; it has none of
// the student app's /api/v1/llm routes, so the dashboard renders on its own.
const onHub = /^#\/hub(\/|$|\?)/.test(window.location.hash);
// Its own chunk: a student's first screen does not load it.
const HubDashboard = lazy(() => import('./features/hub/HubDashboard.tsx').then((m) => ({ default: m.HubDashboard })));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {onHub ? (
      <Suspense fallback={null}>
        <HubDashboard />
      </Suspense>
    ) : (
      <Root signinCode={signinCode} />
    )}
  </StrictMode>,
);
