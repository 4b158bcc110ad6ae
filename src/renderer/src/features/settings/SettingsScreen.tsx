import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, THEMES } from '../../../../shared/api/vocabulary.ts';
import type { Language } from '../../../../shared/api/schemas.ts';
import { useIdentity } from '../../app/identity.tsx';
import { usePrefs } from '../../app/prefs.tsx';
import { useSettings } from '../../app/server-state.ts';
import { useRouteQuery } from '../../data/queries.tsx';
import { CURRENCIES, parseRate, type Currency } from '../../lib/format.ts';
import { storeMoney, useMoney } from '../../lib/prefs.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { AccountSection } from './AccountSection.tsx';
import { HubSection } from './HubSection.tsx';
import { PoliciesSection } from './PoliciesSection.tsx';
import { ProvidersSection } from './providers/ProvidersSection.tsx';
import { ServerSection } from './ServerSection.tsx';
import { TemplatesSection } from './TemplatesSection.tsx';
import { TokensSection } from './TokensSection.tsx';
import { navigate, useRoute } from '../../lib/route.ts';

const LANGUAGE_NAMES: Record<Language, string> = { 'zh-CN': '中文（简体）', en: 'English' };
/** The sections in page order; each is the card with id `set-<name>`, titled `settings.<name>`. */
const STUDENT_SECTIONS = ['appearance', 'account'] as const;
const ALL_SECTIONS = ['appearance', 'providers', 'policies', 'hub', 'server', 'tokens', 'account'] as const;

/**
 * Brings a section to the top of the settings panel. `scrollIntoView` would also scroll the page
 * itself (every scrollable ancestor), sliding the app's navigation off the top.
 */
function scrollToSection(id: string): void {
  const section = document.getElementById(id);
  let panel = section?.parentElement ?? null;
  while (panel && !/(auto|scroll)/.test(getComputedStyle(panel).overflowY)) panel = panel.parentElement;
  if (!section || !panel) return;
  panel.scrollTo({ top: panel.scrollTop + section.getBoundingClientRect().top - panel.getBoundingClientRect().top });
}

/**
 * `#/settings/<section>` (the chat banner's "Go to settings": `providers`): once that section is on
 * the page, it is scrolled to the top and focused (read out, and Tab goes on inside it); the
 * address goes back to `#/settings`, so the same link works again.
 */
function useSectionFromRoute(ready: boolean): void {
  const route = useRoute();
  const wanted = route.screen === 'settings' ? route.id : null;
  useEffect(() => {
    if (!wanted || !ready) return;
    const section = document.getElementById(`set-${wanted}`);
    if (!section) return;
    scrollToSection(section.id);
    section.tabIndex = -1;
    section.focus({ preventScroll: true });
    navigate('settings', null, { replace: true });
  }, [wanted, ready]);
}

export default function SettingsScreen() {
  const { t } = useTranslation();
  const { isAdmin } = useIdentity();
  const { settings, error: settingsError } = useSettings();
  const { languagePref, setLanguagePref, theme, setTheme } = usePrefs();
  // The admin's sections appear once the settings have loaded, below the templates (which would
  // push a section scrolled to before they arrive out of sight).
  const templates = useRouteQuery('listTemplates', {});
  useSectionFromRoute((!isAdmin || settings !== null) && (templates.data !== undefined || templates.error !== null));

  return (
    <section className="screen settings" aria-labelledby="settings-title">
      <header className="screen-header">
        <h1 id="settings-title">{t('settings.title')}</h1>
      </header>
      <nav className="settings-toc" aria-label={t('settings.sections')}>
        {(isAdmin ? ALL_SECTIONS : STUDENT_SECTIONS).map((section) => (
          <a key={section} href="#/settings" onClick={(e) => (e.preventDefault(), scrollToSection(`set-${section}`))}>
            {t(`settings.${section}`)}
          </a>
        ))}
      </nav>

      <section className="card settings-section" id="set-appearance" aria-labelledby="appearance-title">
        <h2 id="appearance-title" className="section-title">
          {t('settings.appearance')}
        </h2>
        <div className="form-row">
          <label className="field">
            <span className="field-label">{t('settings.language')}</span>
            <select value={languagePref ?? ''} onChange={(e) => void setLanguagePref((e.target.value || null) as Language | null)} data-testid="language-select">
              <option value="">{t('settings.languageSystem')}</option>
              {LANGUAGES.map((l) => (
                <option key={l} value={l}>
                  {LANGUAGE_NAMES[l]}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="field">
            <legend className="field-label">{t('settings.theme')}</legend>
            <div className="segmented">
              {THEMES.map((th) => (
                <label key={th} className={`seg-option${theme === th ? ' active' : ''}`}>
                  <input type="radio" name="theme" value={th} checked={theme === th} onChange={() => void setTheme(th)} />
                  {t(`settings.themes.${th}`)}
                </label>
              ))}
            </div>
          </fieldset>
        </div>
        <CurrencyFields />
        {!isAdmin ? <p className="muted">{t('settings.localOnly')}</p> : null}
      </section>

      <TemplatesSection />

      {isAdmin ? (
        <>
          <ErrorText error={settingsError} />
          {settings ? (
            <>
              <ProvidersSection />
              <PoliciesSection />
              <HubSection />
              <ServerSection />
              <TokensSection />
            </>
          ) : null}
        </>
      ) : (
        <p className="notice">{t('settings.adminOnly')}</p>
      )}

      <AccountSection />
    </section>
  );
}

/** The currency costs are shown in, and the CNY rate: this device's preference (see lib/prefs.ts). */
function CurrencyFields() {
  const { t } = useTranslation();
  const money = useMoney();
  const [rate, setRate] = useState(String(money.rate));
  const rateValid = parseRate(rate) !== null;
  return (
    <div className="form-row">
      <label className="field">
        <span className="field-label">{t('settings.currency')}</span>
        <select value={money.currency} onChange={(e) => storeMoney({ currency: e.target.value as Currency })} data-testid="currency-select">
          {CURRENCIES.map((c) => (
            <option key={c} value={c}>
              {t(`settings.currencies.${c}`)}
            </option>
          ))}
        </select>
      </label>
      {money.currency === 'CNY' ? (
        <label className="field">
          <span className="field-label">{t('settings.rate')}</span>
          <input
            type="number"
            inputMode="decimal"
            min="0"
            step="0.01"
            value={rate}
            onChange={(e) => {
              setRate(e.target.value);
              const valid = parseRate(e.target.value);
              if (valid !== null) storeMoney({ rate: valid });
            }}
            aria-invalid={!rateValid}
            aria-describedby="rate-help"
            data-testid="cny-rate"
          />
          <span id="rate-help" className={rateValid ? 'field-help muted' : 'field-help error-text'}>
            {rateValid ? t('settings.rateHelp') : t('settings.rateInvalid')}
          </span>
        </label>
      ) : null}
    </div>
  );
}
