import { KeyRound, Pencil, Plug, Plus, Trash2 } from 'lucide-react';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { RouteOutput } from '../../../../shared/api/routes.ts';
import { MODES, PROVIDER_KINDS } from '../../../../shared/api/vocabulary.ts';
import type { Provider } from '../../../../shared/api/schemas.ts';
import { presetOf } from '../../../../shared/presets.ts';
import { useApp } from '../../app/context.tsx';
import { errorHeadline, toClientError, type UiError } from '../../lib/errors.ts';
import { ConfirmDialog, Dialog, FormFooter } from '../../ui/Dialog.tsx';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { KeychainHint } from '../setup/KeychainHint.tsx';
import { envProvider, isProviderOffline, type ProviderStatus } from '../setup/readiness.ts';
import { providerFieldLabels, SetupDialog } from '../setup/SetupDialog.tsx';

type KeyStatus = 'set' | 'missing' | 'not_needed' | 'unknown';

export function ProvidersSection() {
  const { t } = useTranslation();
  const { settings, saveSettings, models, reloadModels } = useApp();
  const [editing, setEditing] = useState<Provider | 'new' | null>(null);
  const [removing, setRemoving] = useState<Provider | null>(null);
  const [error, setError] = useState<UiError | null>(null);
  if (!settings) return null;
  const providers = settings.providers;
  const fromEnv = envProvider(models);

  const save = async (next: Provider[], defaultId = settings.default_provider_id) => {
    setError(null);
    const stillThere = next.some((p) => p.id === defaultId);
    // A mode whose model came from a removed provider goes back to the default model.
    const policies = { ...settings.policies };
    for (const mode of MODES) {
      const policy = policies[mode];
      if (!policy?.provider_id || next.some((p) => p.id === policy.provider_id)) continue;
      const { provider_id: _p, model: _m, ...rest } = policy;
      if (Object.keys(rest).length) policies[mode] = rest;
      else delete policies[mode];
    }
    await saveSettings({ providers: next, default_provider_id: stillThere ? defaultId : (next[0]?.id ?? null), policies });
    await reloadModels();
  };

  return (
    <section className="card settings-section" id="set-providers" aria-labelledby="providers-title">
      <div className="section-head">
        <h2 id="providers-title" className="section-title">
          {t('settings.providers')}
        </h2>
        <span className="spacer" />
        <button type="button" className="btn btn-small" onClick={() => setEditing('new')}>
          <Plus size={14} aria-hidden="true" />
          {t('providers.add')}
        </button>
      </div>
      <p className="muted">{t('providers.help')}</p>
      <ErrorText error={error} />
      {providers.length === 0 && !fromEnv ? <p className="muted">{t('providers.none')}</p> : null}
      <ul className="rows">
        {providers.map((p) => (
          <ProviderRow
            key={p.id}
            provider={p}
            info={models?.providers.find((m) => m.id === p.id) ?? null}
            isDefault={settings.default_provider_id === p.id}
            onDefault={() => save(providers, p.id).catch((e: unknown) => setError(toClientError(e)))}
            onEdit={() => setEditing(p)}
            onRemove={() => setRemoving(p)}
          />
        ))}
      </ul>
      {fromEnv ? <EnvProviderRow info={fromEnv} /> : null}
      {editing === 'new' ? <SetupDialog makeDefault={providers.length === 0} onClose={() => setEditing(null)} onDone={() => setEditing(null)} /> : null}
      {editing && editing !== 'new' ? (
        <ProviderDialog
          provider={editing}
          onClose={() => setEditing(null)}
          onSave={async (p) => {
            await save(
              providers.map((x) => (x.id === p.id ? p : x)),
              settings.default_provider_id ?? p.id,
            );
          }}
          onDone={() => setEditing(null)}
        />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title={t('providers.removeTitle')}
          message={t('providers.removeBody', { name: removing.name })}
          confirmLabel={t('providers.remove')}
          danger
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            const id = removing.id;
            setRemoving(null);
            save(providers.filter((p) => p.id !== id)).catch((e: unknown) => setError(toClientError(e)));
          }}
        />
      ) : null}
    </section>
  );
}

function ProviderRow(props: {
  provider: Provider;
  info: ProviderStatus | null;
  isDefault: boolean;
  onDefault: () => void;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const { t } = useTranslation();
  const { client, reloadModels } = useApp();
  const p = props.provider;
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<RouteOutput<'testProvider'> | null>(null);
  const [testError, setTestError] = useState<UiError | null>(null);
  const [key, setKey] = useState('');
  const [keyBusy, setKeyBusy] = useState(false);
  const [keyError, setKeyError] = useState<UiError | null>(null);
  const [keySaved, setKeySaved] = useState(false);
  // null until the provider list has loaded: no status rather than a misleading one.
  const status: KeyStatus | null = props.info?.key_status ?? null;

  const runTest = async () => {
    setTesting(true);
    setTest(null);
    setTestError(null);
    try {
      setTest(await client.testProvider({ id: p.id }));
      void reloadModels();
    } catch (e) {
      setTestError(toClientError(e));
    } finally {
      setTesting(false);
    }
  };

  const saveKey = async (e: FormEvent) => {
    e.preventDefault();
    setKeyBusy(true);
    setKeyError(null);
    setKeySaved(false);
    let saved = false;
    try {
      await client.setProviderKey({ id: p.id, api_key: key });
      saved = true;
      // Write-only: once stored, the key leaves the page. Not stored (no keychain here), it stays
      // in the field so the student need not find it again.
      setKey('');
    } catch (err) {
      setKeyError(toClientError(err));
    } finally {
      setKeyBusy(false);
    }
    if (saved) {
      setKeySaved(true);
      setTest(null);
      await reloadModels(); // asks every provider for its models: may take seconds
    }
  };

  const removeKey = async () => {
    setKeyError(null);
    setKeySaved(false);
    try {
      await client.deleteProviderKey({ id: p.id });
      await reloadModels();
    } catch (err) {
      setKeyError(toClientError(err));
    }
  };

  // The connection test speaks about the connection: a missing key is "no key yet", not "no
  // provider set up".
  const testFailure = test && !test.ok ? (test.error ?? { code: 'upstream_error', detail: '' }) : null;
  const missingKey = testFailure?.code === 'provider_not_configured' && p.api_key_ref.source === 'keychain';

  return (
    <li className="row provider-row" data-provider-id={p.id}>
      <div className="row-main">
        <div className="row-title-line">
          <strong>{p.name}</strong>
          <span className="muted mono">{p.id}</span>
          <span className="chip">{t(`providers.kinds.${p.kind}`)}</span>
          {props.isDefault ? <span className="badge">{t('providers.default')}</span> : null}
        </div>
        <div className="row-sub">
          <span className="mono">{p.base_url}</span>
          {status ? (
            <span className={`key-status key-${status}`} data-testid="key-status">
              <KeyRound size={12} aria-hidden="true" />
              {t(`providers.keyStatus.${status}`)}
            </span>
          ) : null}
          {p.api_key_ref.source === 'env' ? <span className="muted">{t('providers.fromEnv', { name: p.api_key_ref.var })}</span> : null}
          <ModelsStatus info={props.info} />
        </div>
        {p.api_key_ref.source === 'keychain' ? (
          <form className="key-form" onSubmit={saveKey}>
            <label className="field field-inline">
              <span className="field-label">{t('providers.apiKey')}</span>
              <input
                type="password"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                placeholder={status === 'set' ? t('providers.keyPlaceholderSet') : t('providers.keyPlaceholder')}
                data-testid="api-key-input"
              />
            </label>
            <button type="submit" className="btn btn-small" disabled={keyBusy || !key.trim()} data-testid="save-key">
              {t('providers.saveKey')}
            </button>
            {status === 'set' ? (
              <button type="button" className="btn btn-small btn-ghost" onClick={() => void removeKey()}>
                {t('providers.removeKey')}
              </button>
            ) : null}
            {keySaved ? (
              <span className="ok-text" role="status">
                {t('providers.keySaved')}
              </span>
            ) : null}
          </form>
        ) : null}
        <ErrorText error={keyError} fields={providerFieldLabels(t)} {...(keyError?.code === 'keychain_unavailable' ? { next: '' } : {})}>
          {keyError?.code === 'keychain_unavailable' ? <KeychainHint providerId={p.id} baseUrl={p.base_url} /> : null}
        </ErrorText>
        {test?.ok ? (
          <p className="ok-text" role="status" data-testid="test-result">
            {t('providers.testOk', { n: test.models.length })}
          </p>
        ) : null}
        {missingKey ? (
          <p className="notice notice-warning" role="alert" data-testid="test-result" data-code="provider_not_configured">
            {t('providers.noKeyYet')}
          </p>
        ) : testFailure?.code === 'keychain_unavailable' && keyError?.code === 'keychain_unavailable' ? null /* said once, above */ : (
          <ErrorText error={testFailure} {...(testFailure?.code === 'keychain_unavailable' ? { next: '' } : {})}>
            {testFailure?.code === 'keychain_unavailable' ? <KeychainHint providerId={p.id} baseUrl={p.base_url} /> : null}
          </ErrorText>
        )}
        <ErrorText error={testError} />
      </div>
      <div className="row-actions">
        <button type="button" className="btn btn-small" onClick={() => void runTest()} disabled={testing} data-testid="test-connection">
          {testing ? <Spinner /> : <Plug size={14} aria-hidden="true" />}
          {t('providers.test')}
        </button>
        {!props.isDefault ? (
          <button type="button" className="btn btn-small btn-ghost" onClick={props.onDefault}>
            {t('providers.makeDefault')}
          </button>
        ) : null}
        <button type="button" className="btn btn-ghost btn-small" onClick={props.onEdit} title={t('common.edit')}>
          <Pencil size={14} aria-hidden="true" />
          <span className="visually-hidden">{t('common.edit')}</span>
        </button>
        <button type="button" className="btn btn-ghost btn-small btn-danger-text" onClick={props.onRemove} title={t('providers.remove')}>
          <Trash2 size={14} aria-hidden="true" />
          <span className="visually-hidden">{t('providers.remove')}</span>
        </button>
      </div>
    </li>
  );
}

/**
 * What the last model-list fetch said: "offline" only when it failed to connect (a provider never
 * fetched, or one waiting for its key, is not offline); another failure by its headline.
 */
function ModelsStatus({ info }: { info: ProviderStatus | null }) {
  const { t } = useTranslation();
  if (!info) return null;
  if (isProviderOffline(info)) {
    return (
      <span className="muted" data-testid="models-status" data-state="offline">
        {info.error ? t('providers.offline') : t('providers.cachedModels')}
      </span>
    );
  }
  if (info.error && info.error.code !== 'provider_not_configured') {
    return (
      <span className="muted" data-testid="models-status" data-state="error">
        {t('providers.modelsError', { reason: errorHeadline(info.error.code) })}
      </span>
    );
  }
  return null;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The provider from OPENAI_BASE_URL / OPENAI_API_KEY: shown as it is, changed only by the environment. */
function EnvProviderRow({ info }: { info: ProviderStatus }) {
  const { t } = useTranslation();
  return (
    <ul className="rows">
      <li className="row provider-row provider-env" data-provider-id={info.id} data-testid="env-provider">
        <div className="row-main">
          <div className="row-title-line">
            {/* The server names it in English ("Environment (host)"): named here in the UI's language. */}
            <strong>{t('providers.envName', { host: hostOf(info.base_url) })}</strong>
            <span className="muted mono">{info.id}</span>
            <span className="chip">{t('providers.env')}</span>
          </div>
          <div className="row-sub">
            <span className="mono">{info.base_url}</span>
            <span className={`key-status key-${info.key_status}`} data-testid="key-status">
              <KeyRound size={12} aria-hidden="true" />
              {t(`providers.keyStatus.${info.key_status}`)}
            </span>
            <ModelsStatus info={info} />
          </div>
          <p className="muted small">{t('providers.envModels', { models: info.models.length ? info.models.join(', ') : t('providers.noModels') })}</p>
          <p className="muted small">{t('providers.envNote')}</p>
        </div>
      </li>
    </ul>
  );
}

/** Edit a provider: its name, kind, address, models, where its key comes from, and the key itself. */
function ProviderDialog({ provider, onClose, onSave, onDone }: { provider: Provider; onClose: () => void; onSave: (p: Provider) => Promise<void>; onDone: () => void }) {
  const { t } = useTranslation();
  const { client } = useApp();
  const [name, setName] = useState(provider.name);
  const [kind, setKind] = useState<Provider['kind']>(provider.kind);
  const [baseUrl, setBaseUrl] = useState(provider.base_url);
  const [modelList, setModelList] = useState(provider.models.join('\n'));
  const [defaultModel, setDefaultModel] = useState(provider.default_model ?? '');
  const [keySource, setKeySource] = useState<Provider['api_key_ref']['source']>(provider.api_key_ref.source);
  const [envVar, setEnvVar] = useState(provider.api_key_ref.source === 'env' ? provider.api_key_ref.var : '');
  const [key, setKey] = useState('');
  const [timeout, setTimeoutSeconds] = useState(String(provider.timeout_ms / 1000));
  const [retries, setRetries] = useState(String(provider.max_retries));
  const [error, setError] = useState<UiError | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const models = modelList
      .split(/[\n,]/)
      .map((m) => m.trim())
      .filter(Boolean);
    const next: Provider = {
      id: provider.id,
      name: name.trim(),
      kind,
      base_url: baseUrl.trim(),
      models,
      ...(defaultModel.trim() ? { default_model: defaultModel.trim() } : {}),
      api_key_ref: keySource === 'env' ? { source: 'env', var: envVar.trim() } : keySource === 'none' ? { source: 'none' } : { source: 'keychain' },
      timeout_ms: Math.round(Number(timeout) * 1000),
      max_retries: Number(retries),
    };
    setBusy(true);
    setError(null);
    try {
      await onSave(next);
      if (keySource === 'keychain' && key.trim()) {
        await client.setProviderKey({ id: next.id, api_key: key.trim() });
        setKey('');
      }
      onDone();
    } catch (err) {
      // Settings saved or not, a key that was not stored stays in its field.
      setError(toClientError(err));
      setBusy(false);
    }
  };

  const labels = {
    ...providerFieldLabels(t),
    'api_key_ref.var': t('providers.envVar'),
    timeout_ms: t('providers.timeout'),
    max_retries: t('providers.retries'),
    default_model: t('providers.defaultModel'),
  };

  return (
    <Dialog title={t('providers.edit', { name: provider.name })} onClose={onClose} wide>
      <form className="form" onSubmit={submit}>
        <div className="form-row">
          <label className="field">
            <span className="field-label">{t('providers.kind')}</span>
            <select
              value={kind}
              onChange={(e) => {
                const k = e.target.value as Provider['kind'];
                setKind(k);
                // A preset's address follows the kind, unless the student typed their own.
                const from = presetOf(kind)?.base_url;
                const to = presetOf(k)?.base_url;
                if (to && (!baseUrl || baseUrl === from)) setBaseUrl(to);
                if (presetOf(k)?.local) setKeySource('none');
              }}
              name="kind"
            >
              {PROVIDER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`providers.kinds.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field field-grow">
            <span className="field-label">{t('providers.name')}</span>
            <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} name="name" />
          </label>
        </div>
        <label className="field">
          <span className="field-label">{t('providers.baseUrl')}</span>
          <input type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} required name="base_url" />
        </label>
        <div className="form-row">
          <label className="field field-grow">
            <span className="field-label">{t('providers.models')}</span>
            <textarea value={modelList} onChange={(e) => setModelList(e.target.value)} rows={3} placeholder={t('providers.modelsPlaceholder')} name="models" />
          </label>
          <label className="field">
            <span className="field-label">{t('providers.defaultModel')}</span>
            <input value={defaultModel} onChange={(e) => setDefaultModel(e.target.value)} name="default_model" />
          </label>
        </div>
        <div className="form-row">
          <label className="field">
            <span className="field-label">{t('providers.keySource')}</span>
            <select value={keySource} onChange={(e) => setKeySource(e.target.value as Provider['api_key_ref']['source'])} name="key_source">
              <option value="keychain">{t('providers.sources.keychain')}</option>
              <option value="env">{t('providers.sources.env')}</option>
              <option value="none">{t('providers.sources.none')}</option>
            </select>
          </label>
          {keySource === 'env' ? (
            <label className="field">
              <span className="field-label">{t('providers.envVar')}</span>
              <input value={envVar} onChange={(e) => setEnvVar(e.target.value.toUpperCase())} pattern="[A-Z_][A-Z0-9_]*" required name="env_var" />
            </label>
          ) : null}
          {keySource === 'keychain' ? (
            <label className="field field-grow">
              <span className="field-label">{t('providers.apiKey')}</span>
              <input type="password" value={key} onChange={(e) => setKey(e.target.value)} autoComplete="off" spellCheck={false} placeholder={t('providers.keyPlaceholder')} name="api_key" />
            </label>
          ) : null}
          <label className="field">
            <span className="field-label">{t('providers.timeout')}</span>
            <input type="number" min={1} max={600} value={timeout} onChange={(e) => setTimeoutSeconds(e.target.value)} required name="timeout" />
          </label>
          <label className="field">
            <span className="field-label">{t('providers.retries')}</span>
            <input type="number" min={0} max={5} value={retries} onChange={(e) => setRetries(e.target.value)} required name="retries" />
          </label>
        </div>
        <ErrorText error={error} fields={labels}>
          {error?.code === 'keychain_unavailable' ? <KeychainHint providerId={provider.id} baseUrl={baseUrl} /> : null}
        </ErrorText>
        <FormFooter onCancel={onClose} saveDisabled={busy} />
      </form>
    </Dialog>
  );
}
