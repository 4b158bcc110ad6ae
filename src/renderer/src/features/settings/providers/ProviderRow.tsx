/** One provider in Settings: what it is, its key and models, the connection test, and its actions. */
import { KeyRound, Pencil, Plug, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RouteOutput } from '../../../../../shared/api/routes.ts';
import type { Provider } from '../../../../../shared/api/schemas.ts';
import { useApiCache } from '../../../data/queries.tsx';
import { toClientError, type UiError } from '../../../lib/errors.ts';
import { ErrorText } from '../../../ui/ErrorText.tsx';
import { Spinner } from '../../../ui/Spinner.tsx';
import { KeychainHint } from '../../setup/KeychainHint.tsx';
import type { ProviderStatus } from '../../setup/readiness.ts';
import { ModelsStatus } from './ModelsStatus.tsx';
import { ProviderKeyForm, useKeyForm, type KeyStatus } from './ProviderKeyForm.tsx';

export function ProviderRow(props: { provider: Provider; info: ProviderStatus | null; isDefault: boolean; onDefault: () => void; onEdit: () => void; onRemove: () => void }) {
  const { t } = useTranslation();
  const cache = useApiCache();
  const p = props.provider;
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<RouteOutput<'testProvider'> | null>(null);
  const [testError, setTestError] = useState<UiError | null>(null);
  const keyForm = useKeyForm(p, () => setTest(null));
  // null until the provider list has loaded: no status rather than a misleading one.
  const status: KeyStatus | null = props.info?.key_status ?? null;

  const runTest = async () => {
    setTesting(true);
    setTest(null);
    setTestError(null);
    try {
      // The models it found are asked for again in the background (the row's models status).
      setTest(await cache.write('testProvider', { id: p.id }, { settle: false }));
    } catch (e) {
      setTestError(toClientError(e));
    } finally {
      setTesting(false);
    }
  };

  // The connection test speaks about the connection: a missing key is "no key yet", not "no
  // provider set up".
  const testFailure = test && !test.ok ? (test.error ?? { code: 'upstream_error', detail: '' }) : null;
  const missingKey = testFailure?.code === 'provider_not_configured' && p.api_key_ref.source === 'keychain';
  // The provider refused the key it was sent (the connection test, else the last model-list fetch;
  // a test that passed since says otherwise): the row says so once, in red, with how to replace it
  // here — never "key set" in green beside it, nor "go to Settings → Model providers".
  const refusal = test ? (testFailure?.code === 'upstream_auth' ? testFailure : null) : props.info?.error?.code === 'upstream_auth' ? props.info.error : null;
  const refusedNext =
    p.api_key_ref.source === 'env'
      ? t('providers.keyRefusedNextEnv', { name: p.api_key_ref.var })
      : p.api_key_ref.source === 'keychain'
        ? t('providers.keyRefusedNext')
        : undefined;

  return (
    <li className="row provider-row" data-provider-id={p.id}>
      <div className="row-main">
        <div className="row-title-line">
          {/* Its display name only: the id (e.g. "other") is for scripts and the API, not the student. */}
          <strong title={p.id}>{p.name}</strong>
          <span className="chip">{t(`providers.kinds.${p.kind}`)}</span>
          {props.isDefault ? <span className="badge">{t('providers.default')}</span> : null}
        </div>
        <div className="row-sub">
          <span className="mono">{p.base_url}</span>
          {refusal ? (
            <span className="key-status key-refused" data-testid="key-status" data-state="refused">
              <KeyRound size={12} aria-hidden="true" />
              {t('providers.keyRefusedStatus')}
            </span>
          ) : status ? (
            <span className={`key-status key-${status}`} data-testid="key-status">
              <KeyRound size={12} aria-hidden="true" />
              {t(`providers.keyStatus.${status}`)}
            </span>
          ) : null}
          {p.api_key_ref.source === 'env' ? <span className="muted">{t('providers.fromEnv', { name: p.api_key_ref.var })}</span> : null}
          <ModelsStatus info={props.info} />
        </div>
        <ProviderKeyForm provider={p} status={status} form={keyForm} refused={refusal !== null} />
        {test?.ok ? (
          <p className="ok-text" role="status" data-testid="test-result">
            {t('providers.testOk', { n: test.models.length })}
          </p>
        ) : null}
        {missingKey ? (
          <p className="notice notice-warning" role="alert" data-testid="test-result" data-code="provider_not_configured">
            {t('providers.noKeyYet')}
          </p>
        ) : testFailure?.code === 'keychain_unavailable' && keyForm.error?.code === 'keychain_unavailable' ? null /* said once, above */ : refusal ? (
          <ErrorText error={refusal} headline={t('providers.keyRefused')} {...(refusedNext ? { next: refusedNext } : {})} />
        ) : (
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
