import { KeyRound } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { providerLabel, type ProviderStatus } from '../../setup/readiness.ts';
import { ModelsStatus } from './ModelsStatus.tsx';

/** The provider from OPENAI_BASE_URL / OPENAI_API_KEY: shown as it is, changed only by the environment. */
export function EnvProviderRow({ info }: { info: ProviderStatus }) {
  const { t } = useTranslation();
  return (
    <ul className="rows">
      <li className="row provider-row provider-env" data-provider-id={info.id} data-testid="env-provider">
        <div className="row-main">
          <div className="row-title-line">
            {/* The server names it in English ("Environment (host)"): named here in the UI's language. */}
            <strong>{providerLabel(info, t)}</strong>
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
