/**
 * First contact: pick a provider preset → paste the key → "test and continue" (saves the
 * provider under a generated id, stores the key in the keychain, lists the models) → the model of
 * each mode, prefilled from the preset → done. Opened from the chat when no model can answer, and
 * from Settings → Model providers ("add provider").
 */
import { ArrowLeft, ExternalLink, Plug } from 'lucide-react';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { MODES } from '../../../../shared/api/vocabulary.ts';
import type { Mode, Provider, Settings } from '../../../../shared/api/schemas.ts';
import type { ProviderPreset } from '../../../../shared/presets.ts';
import { usePrefs } from '../../app/prefs.tsx';
import { useSaveSettings, useSettings } from '../../app/server-state.ts';
import { useApiCache } from '../../data/queries.tsx';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { Dialog } from '../../ui/Dialog.tsx';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { KeychainHint } from './KeychainHint.tsx';
import { newProviderId, offlineWords, PROVIDER_PRESETS, suggestedModels } from './readiness.ts';

type Step = 'pick' | 'connect' | 'models';

/** The provider fields a form knows, for localized validation messages. */
export function providerFieldLabels(t: (key: 'setup.baseUrl' | 'setup.apiKey' | 'providers.name') => string): Record<string, string> {
  return { base_url: t('setup.baseUrl'), api_key: t('setup.apiKey'), name: t('providers.name'), 'providers.0.base_url': t('setup.baseUrl') };
}

export function SetupDialog(props: { onClose: () => void; onDone: () => void; makeDefault: boolean }) {
  const { t } = useTranslation();
  const cache = useApiCache();
  const { settings } = useSettings();
  const saveSettings = useSaveSettings();
  const { language } = usePrefs();
  const [step, setStep] = useState<Step>('pick');
  const [preset, setPreset] = useState<ProviderPreset | null>(null);
  const [baseUrl, setBaseUrl] = useState('');
  const [key, setKey] = useState('');
  /** The provider saved by this dialog (a second "test" updates it rather than adding another). */
  const [saved, setSaved] = useState<Provider | null>(null);
  const [keyStored, setKeyStored] = useState(false);
  /** Whether the saved provider ever answered a test: one that did stays if the dialog is left. */
  const [connected, setConnected] = useState(false);
  /** The default provider before this dialog saved its own (restored if that one is discarded). */
  const [defaultBefore, setDefaultBefore] = useState<string | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [noKey, setNoKey] = useState(false);
  const [unreachable, setUnreachable] = useState(false);
  const [listed, setListed] = useState<string[]>([]);
  const [chosen, setChosen] = useState<Record<Mode, string>>({ chat: '', homework: '', deep_think: '' });
  const listId = useId();
  if (!settings) return null;
  // A server on this computer is started by the student; a cloud one is reached over the network.
  const offline = preset ? offlineWords(preset, baseUrl) : null;

  const pick = (p: ProviderPreset) => {
    setPreset(p);
    setBaseUrl(p.base_url);
    setKey('');
    setSaved(null);
    setKeyStored(false);
    setConnected(false);
    setError(null);
    setNoKey(false);
    setUnreachable(false);
    setStep('connect');
  };

  /**
   * Leaving the dialog (cancel, close, back to the presets) after "test and continue" saved a
   * provider that never connected: the dialog created it, so it removes it again rather than leave
   * a broken provider behind for every abandoned try. Its key goes with it (the server deletes the
   * key of a removed provider). Where no key was stored (the keychain may be unreachable, and the
   * server refuses to remove a keychain provider whose key it cannot delete), the provider first
   * stops taking its key from the keychain, then goes.
   */
  const discard = async (): Promise<boolean> => {
    if (!saved || connected) return true;
    setBusy(true);
    setError(null);
    try {
      let current = settings;
      if (!keyStored && saved.api_key_ref.source === 'keychain') {
        current = await saveSettings({ providers: current.providers.map((x) => (x.id === saved.id ? { ...x, api_key_ref: { source: 'none' as const } } : x)) }, { settle: false });
      }
      const providers = current.providers.filter((x) => x.id !== saved.id);
      const previous = defaultBefore !== undefined && defaultBefore !== null && providers.some((x) => x.id === defaultBefore) ? defaultBefore : (providers[0]?.id ?? null);
      await saveSettings({ providers, default_provider_id: current.default_provider_id === saved.id ? previous : current.default_provider_id });
      setSaved(null);
      setKeyStored(false);
      return true;
    } catch (err) {
      setError(toClientError(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const close = async () => {
    // Closing always closes: a provider that could not be discarded stays in Settings, where it
    // can be removed (never a dialog the student cannot leave).
    await discard();
    props.onClose();
  };

  const backToPresets = async () => {
    if (await discard()) setStep('pick');
  };

  const editableUrl = preset !== null && (preset.local || preset.kind === 'other');
  // "Other" servers may take no key; every cloud preset needs one.
  const keyRequired = preset !== null && preset.needs_key && preset.kind !== 'other';

  /** Saves the provider (generated id) and returns the settings as they now are. */
  const saveProvider = async (p: ProviderPreset, current: Settings): Promise<Provider> => {
    const taken = current.providers.map((x) => x.id).filter((id) => id !== saved?.id);
    const id = saved?.id ?? newProviderId(p, taken);
    const suffix = id === p.id ? '' : ` ${id.slice(p.id.length + 1)}`;
    const usesKey = p.needs_key && (p.kind !== 'other' || key.trim() !== '' || keyStored);
    const provider: Provider = {
      id,
      name: `${p.name[language]}${suffix}`,
      kind: p.kind,
      base_url: baseUrl.trim(),
      models: saved?.models ?? [],
      api_key_ref: usesKey ? { source: 'keychain' } : { source: 'none' },
      timeout_ms: saved?.timeout_ms ?? 60_000,
      max_retries: saved?.max_retries ?? 2,
    };
    const exists = current.providers.some((x) => x.id === id);
    const providers = exists ? current.providers.map((x) => (x.id === id ? provider : x)) : [...current.providers, provider];
    const defaultOk = current.default_provider_id !== null && providers.some((x) => x.id === current.default_provider_id);
    if (!saved) setDefaultBefore(current.default_provider_id);
    // The models are asked again in the background; `finish` waits for them.
    await saveSettings({ providers, default_provider_id: props.makeDefault || !defaultOk ? id : current.default_provider_id }, { settle: false });
    // Moving a provider to another address forgets its key (the server's rule): paste it again.
    if (saved && saved.base_url !== provider.base_url) setKeyStored(false);
    setSaved(provider);
    return provider;
  };

  const connect = async (e: FormEvent) => {
    e.preventDefault();
    if (!preset || busy) return;
    setBusy(true);
    setError(null);
    setNoKey(false);
    setUnreachable(false);
    try {
      const provider = await saveProvider(preset, settings);
      if (key.trim()) {
        try {
          await cache.write('setProviderKey', { id: provider.id, api_key: key.trim() }, { settle: false });
        } catch (err) {
          // The key stays in the field (keychain unavailable, or refused): nothing was stored.
          setError(toClientError(err));
          return;
        }
        setKey(''); // write-only: stored, so it leaves the page
        setKeyStored(true);
      }
      const result = await cache.write('testProvider', { id: provider.id }, { settle: false });
      if (result.ok) {
        setConnected(true);
        setListed(result.models);
        setChosen(suggestedModels(preset, result.models));
        setStep('models');
      } else if (result.error?.code === 'upstream_unreachable' || result.error?.code === 'upstream_timeout') {
        setUnreachable(true);
      } else if (result.error?.code === 'provider_not_configured') {
        setNoKey(true);
      } else {
        setError(result.error ?? { code: 'upstream_error', detail: '' });
      }
    } catch (err) {
      setError(toClientError(err));
    } finally {
      setBusy(false);
    }
  };

  const continueOffline = () => {
    if (!preset) return;
    setListed([]);
    setChosen(suggestedModels(preset, []));
    setStep('models');
  };

  const finish = async (e: FormEvent | null, keepModes = false) => {
    e?.preventDefault();
    if (!saved || busy) return;
    setBusy(true);
    setError(null);
    try {
      const typed = [...new Set(MODES.map((m) => chosen[m].trim()).filter(Boolean))];
      // Without a list from the provider (offline, a local server not started yet) the typed
      // names are the provider's models, so the chat can use them before the first connection.
      const provider: Provider = { ...saved, models: listed.length ? saved.models : typed, ...(chosen.chat.trim() ? { default_model: chosen.chat.trim() } : {}) };
      const policies = { ...settings.policies };
      if (!keepModes) {
        for (const mode of MODES) {
          const model = chosen[mode].trim();
          if (model) policies[mode] = { ...policies[mode], provider_id: provider.id, model };
        }
      }
      // Resolves once the models are asked again (the write makes them stale): the chat can answer then.
      await saveSettings({ providers: settings.providers.map((x) => (x.id === provider.id ? provider : x)), policies });
      props.onDone();
    } catch (err) {
      setError(toClientError(err));
      setBusy(false);
    }
  };

  const fields = providerFieldLabels(t);

  return (
    <Dialog title={t('setup.title')} onClose={() => void close()} wide>
      {step === 'pick' ? (
        <div className="setup-pick">
          <p className="muted">{t('setup.intro')}</p>
          <ul className="preset-grid" aria-label={t('setup.presets')}>
            {PROVIDER_PRESETS.map((p) => (
              <li key={p.id}>
                <button type="button" className="preset" onClick={() => pick(p)} data-preset={p.id}>
                  <span className="preset-name">{p.name[language]}</span>
                  <span className="preset-host muted small">{p.local ? t('setup.noKeyNeeded') : p.base_url ? new URL(p.base_url).host : t('providers.kinds.other')}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="dialog-footer">
            <button type="button" className="btn" onClick={() => void close()}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      ) : null}

      {step === 'connect' && preset ? (
        <form className="form" onSubmit={connect} data-testid="setup-connect">
          <h3 className="setup-step-title">{preset.name[language]}</h3>
          <label className="field">
            <span className="field-label">{t('setup.baseUrl')}</span>
            <input
              type="url"
              name="base_url"
              value={baseUrl}
              onChange={(e) => setBaseUrl(e.target.value)}
              readOnly={!editableUrl}
              required
              autoFocus={editableUrl}
              placeholder="https://…/v1"
              spellCheck={false}
            />
          </label>
          {preset.needs_key ? (
            <label className="field">
              <span className="field-label">
                {t('setup.apiKey')}
                {preset.key_page ? (
                  <>
                    {' · '}
                    <a href={preset.key_page} target="_blank" rel="noreferrer" data-testid="key-page">
                      {t('setup.getKey')}
                      <ExternalLink size={12} aria-hidden="true" />
                    </a>
                  </>
                ) : null}
              </span>
              <input
                type="password"
                name="api_key"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                autoFocus={!editableUrl}
                placeholder={keyStored ? t('providers.keyPlaceholderSet') : keyRequired ? t('setup.keyPlaceholder') : t('setup.keyOptionalPlaceholder')}
                data-testid="setup-key"
              />
              <span className="muted small">{t('setup.keyStays')}</span>
            </label>
          ) : (
            <p className="muted">{t('setup.noKeyNeeded')}</p>
          )}
          {noKey ? (
            <p className="notice notice-warning" role="alert" data-testid="setup-no-key">
              {t('setup.noKey')}
            </p>
          ) : null}
          {unreachable ? (
            <div className="notice notice-warning" role="alert" data-testid="setup-unreachable">
              <p>{t(`setup.${offline!.unreachable}`, { name: preset.name[language], url: baseUrl })}</p>
              <button type="button" className="btn btn-small" onClick={continueOffline} data-testid="setup-continue-offline">
                {t('setup.continueOffline')}
              </button>
            </div>
          ) : null}
          {/* The key field is right here: a refused key is corrected above, not in Settings. */}
          <ErrorText
            error={error}
            fields={fields}
            {...(error?.code === 'keychain_unavailable'
              ? { next: '' }
              : error?.code === 'upstream_auth' && preset.needs_key
                ? { next: t('setup.wrongKey') }
                : error?.code === 'upstream_not_found'
                  ? { next: t('setup.wrongAddress') }
                  : {})}
          >
            {error?.code === 'keychain_unavailable' && saved ? <KeychainHint providerId={saved.id} baseUrl={saved.base_url} /> : null}
          </ErrorText>
          <div className="dialog-footer">
            <button type="button" className="btn btn-ghost" onClick={() => void backToPresets()} disabled={busy}>
              <ArrowLeft size={14} aria-hidden="true" />
              {t('setup.back')}
            </button>
            <span className="spacer" />
            <button type="submit" className="btn btn-primary" disabled={busy || (keyRequired && !key.trim() && !keyStored)} data-testid="setup-test">
              {busy ? <Spinner /> : <Plug size={14} aria-hidden="true" />}
              {busy ? t('setup.testing') : t('setup.test')}
            </button>
          </div>
        </form>
      ) : null}

      {step === 'models' && preset && saved ? (
        <form className="form" onSubmit={(e) => void finish(e)} data-testid="setup-models">
          <h3 className="setup-step-title">{t('setup.models')}</h3>
          {listed.length ? (
            <p className="ok-text" role="status" data-testid="setup-connected">
              {t('setup.connected', { n: listed.length })}
            </p>
          ) : (
            <p className="muted" data-testid="setup-models-typed">
              {t(`setup.${offline!.modelsTyped}`)}
            </p>
          )}
          <p className="muted small">{t('setup.modelsHelp')}</p>
          <datalist id={listId}>
            {listed.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          {MODES.map((mode) => (
            <label key={mode} className="field">
              <span className="field-label">{t(`modes.${mode}.name`)}</span>
              <input
                name={`model-${mode}`}
                list={listId}
                value={chosen[mode]}
                onChange={(e) => setChosen((c) => ({ ...c, [mode]: e.target.value }))}
                placeholder={t('setup.modelPlaceholder')}
                required={mode === 'chat'}
                spellCheck={false}
                data-mode={mode}
              />
            </label>
          ))}
          <ErrorText error={error} fields={fields} />
          <div className="dialog-footer">
            <button type="button" className="btn btn-ghost" onClick={() => setStep('connect')}>
              <ArrowLeft size={14} aria-hidden="true" />
              {t('setup.back')}
            </button>
            <span className="spacer" />
            {!props.makeDefault ? (
              <button type="button" className="btn" onClick={() => void finish(null, true)} disabled={busy}>
                {t('setup.skipModes')}
              </button>
            ) : null}
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="setup-done">
              {t('setup.done')}
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}
