/**
 * Settings → Model providers: the list (ProviderRow, each with its key form and connection test),
 * the provider from the environment (EnvProviderRow), adding one (the setup dialog), editing one
 * (ProviderDialog) and removing one.
 */
import { Plus } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { MODES } from '../../../../../shared/api/vocabulary.ts';
import type { Provider } from '../../../../../shared/api/schemas.ts';
import { useModels, useSaveSettings, useSettings } from '../../../app/server-state.ts';
import { toClientError, type UiError } from '../../../lib/errors.ts';
import { ConfirmDialog } from '../../../ui/Dialog.tsx';
import { ErrorText } from '../../../ui/ErrorText.tsx';
import { envProvider } from '../../setup/readiness.ts';
import { SetupDialog } from '../../setup/SetupDialog.tsx';
import { EnvProviderRow } from './EnvProviderRow.tsx';
import { ProviderDialog } from './ProviderDialog.tsx';
import { ProviderRow } from './ProviderRow.tsx';

export function ProvidersSection() {
  const { t } = useTranslation();
  const { settings } = useSettings();
  const saveSettings = useSaveSettings();
  const { models } = useModels();
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
    // Through the cache: the models each mode may use are asked again before this resolves.
    await saveSettings({ providers: next, default_provider_id: stillThere ? defaultId : (next[0]?.id ?? null), policies });
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
