/**
 * A keychain provider's key: write-only (typed, stored, never shown again), or removed. The row
 * reads the form's failure too, to name a locked keychain once rather than twice.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Provider } from '../../../../../shared/api/schemas.ts';
import { useApiCache } from '../../../data/queries.tsx';
import { toClientError, type UiError } from '../../../lib/errors.ts';
import { ErrorText } from '../../../ui/ErrorText.tsx';
import { KeychainHint } from '../../setup/KeychainHint.tsx';
import { providerFieldLabels } from '../../setup/SetupDialog.tsx';

export type KeyStatus = 'set' | 'missing' | 'not_needed' | 'unknown';

export interface KeyForm {
  key: string;
  setKey: (key: string) => void;
  busy: boolean;
  error: UiError | null;
  saved: boolean;
  save: (e: FormEvent) => Promise<void>;
  remove: () => Promise<void>;
}

/** The key form's state; `onSaved` runs once a key is stored (an older test result no longer holds). */
export function useKeyForm(provider: Provider, onSaved: () => void): KeyForm {
  const cache = useApiCache();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<UiError | null>(null);
  const [saved, setSaved] = useState(false);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      // The key status and models are asked again in the background (every provider: may take seconds).
      await cache.write('setProviderKey', { id: provider.id, api_key: key }, { settle: false });
      // Write-only: once stored, the key leaves the page. Not stored (no keychain here), it stays
      // in the field so the student need not find it again.
      setKey('');
      setSaved(true);
      onSaved();
    } catch (err) {
      setError(toClientError(err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setError(null);
    setSaved(false);
    try {
      await cache.write('deleteProviderKey', { id: provider.id }, { settle: false });
    } catch (err) {
      setError(toClientError(err));
    }
  };

  return { key, setKey, busy, error, saved, save, remove };
}

/** `refused`: the provider refused the stored key (the row says so): no "saved" beside it. */
export function ProviderKeyForm({ provider: p, status, form, refused = false }: { provider: Provider; status: KeyStatus | null; form: KeyForm; refused?: boolean }) {
  const { t } = useTranslation();
  return (
    <>
      {p.api_key_ref.source === 'keychain' ? (
        <form className="key-form" onSubmit={form.save}>
          <label className="field field-inline">
            <span className="field-label">{t('providers.apiKey')}</span>
            <input
              type="password"
              value={form.key}
              onChange={(e) => form.setKey(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              placeholder={refused ? t('providers.keyPlaceholderRefused') : status === 'set' ? t('providers.keyPlaceholderSet') : t('providers.keyPlaceholder')}
              data-testid="api-key-input"
            />
          </label>
          <button type="submit" className="btn btn-small" disabled={form.busy || !form.key.trim()} data-testid="save-key">
            {t('providers.saveKey')}
          </button>
          {status === 'set' ? (
            <button type="button" className="btn btn-small btn-ghost" onClick={() => void form.remove()}>
              {t('providers.removeKey')}
            </button>
          ) : null}
          {form.saved && !refused ? (
            <span className="ok-text" role="status">
              {t('providers.keySaved')}
            </span>
          ) : null}
        </form>
      ) : null}
      <ErrorText error={form.error} fields={providerFieldLabels(t)} {...(form.error?.code === 'keychain_unavailable' ? { next: '' } : {})}>
        {form.error?.code === 'keychain_unavailable' ? <KeychainHint providerId={p.id} baseUrl={p.base_url} /> : null}
      </ErrorText>
    </>
  );
}
