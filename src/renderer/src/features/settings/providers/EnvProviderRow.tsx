import { KeyRound } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { providerLabel, type ProviderStatus } from '../../setup/readiness.ts';
import { ErrorText } from '../../../ui/ErrorText.tsx';
import { ModelsStatus } from './ModelsStatus.tsx';

/** The provider from OPENAI_BASE_URL / OPENAI_API_KEY: shown as it is, changed only by the environment. */
export function EnvProviderRow({ info }: { info: ProviderStatus }) {
  const { t } = useTranslation();
  // The provider refused the key from the environment: said in red with the variable to fix (ModelsStatus leaves it to this).
  const refusal = info.error?.code === 'upstream_auth' ? info.error : null;
  return (
    <ul className="rows">
      <li className="row provider-row provider-env" data-provider-id={info.id} data-testid="env-provider">
        <div className="row-main">
          <div className="row-title-line">
            {/* The server names it in English ("Environment (host)"): named here in the UI's language. */}
            <strong title={info.id}>{providerLabel(info, t)}</strong>
            <span className="chip">{t('providers.env')}</span>
          </div>
          <div className="row-sub">
            <span className="mono">{info.base_url}</span>
            {refusal ? (
              <span className="key-status key-refused" data-testid="key-status" data-state="refused">
                <KeyRound size={12} aria-hidden="true" />
                {t('providers.keyRefusedStatus')}
              </span>
            ) : (
              <span className={`key-status key-${info.key_status}`} data-testid="key-status">
                <KeyRound size={12} aria-hidden="true" />
                {t(`providers.keyStatus.${info.key_status}`)}
              </span>
            )}
            <ModelsStatus info={info} />
          </div>
          <p className="muted small">{t('providers.envModels', { models: info.models.length ? info.models.join(', ') : t('providers.noModels') })}</p>
          <p className="muted small">{t('providers.envNote')}</p>
          {refusal ? <ErrorText error={refusal} headline={t('providers.keyRefused')} next={t('providers.keyRefusedNextEnv', { name: 'OPENAI_API_KEY' })} /> : null}
        </div>
      </li>
    </ul>
  );
}
