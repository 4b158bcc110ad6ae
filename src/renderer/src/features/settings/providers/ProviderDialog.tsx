import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { PROVIDER_KINDS } from '../../../../../shared/api/vocabulary.ts';
import type { Provider } from '../../../../../shared/api/schemas.ts';
import { presetOf } from '../../../../../shared/presets.ts';
import { useModels } from '../../../app/server-state.ts';
import { useApiCache } from '../../../data/queries.tsx';
import { toClientError, type UiError } from '../../../lib/errors.ts';
import { Dialog, FormFooter } from '../../../ui/Dialog.tsx';
import { ErrorText } from '../../../ui/ErrorText.tsx';
import { KeychainHint } from '../../setup/KeychainHint.tsx';
import { providerFieldLabels } from '../../setup/SetupDialog.tsx';

/** The scheme, host and port a key is bound to (null while the typed address is not a URL). */
function originOf(url: string): string | null {
  try {
    return new URL(url.trim()).origin;
  } catch {
    return null;
  }
}

/** Edit a provider: its name, kind, address, models, where its key comes from, and the key itself. */
export function ProviderDialog({ provider, onClose, onSave, onDone }: { provider: Provider; onClose: () => void; onSave: (p: Provider) => Promise<void>; onDone: () => void }) {
  const { t } = useTranslation();
  const cache = useApiCache();
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
  const { models: modelsInfo } = useModels();
  // A stored key only ever goes to the address it was entered for: moving the provider to another
  // one makes the server drop it. Said before saving, unless a new key is typed here already.
  const keySet = modelsInfo?.providers.find((x) => x.id === provider.id)?.key_status === 'set';
  const newUrl = originOf(baseUrl);
  const keyWillBeDropped =
    keySet && provider.api_key_ref.source === 'keychain' && keySource === 'keychain' && newUrl !== null && newUrl !== originOf(provider.base_url) && !key.trim();

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
        await cache.write('setProviderKey', { id: next.id, api_key: key.trim() });
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
              <input
                type="password"
                value={key}
                onChange={(e) => setKey(e.target.value)}
                autoComplete="off"
                spellCheck={false}
                placeholder={t('providers.keyPlaceholder')}
                name="api_key"
              />
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
        {keyWillBeDropped ? (
          <p className="notice notice-warning" role="alert" data-testid="key-dropped-warning">
            {t('providers.urlDropsKey')}
          </p>
        ) : null}
        <ErrorText error={error} fields={labels}>
          {error?.code === 'keychain_unavailable' ? <KeychainHint providerId={provider.id} baseUrl={baseUrl} /> : null}
        </ErrorText>
        <FormFooter onCancel={onClose} saveDisabled={busy} />
      </form>
    </Dialog>
  );
}
