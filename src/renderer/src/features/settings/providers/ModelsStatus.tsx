import { useTranslation } from 'react-i18next';
import { errorHeadline } from '../../../lib/errors.ts';
import { isProviderOffline, type ProviderStatus } from '../../setup/readiness.ts';

/**
 * Failures the key status beside it already names ("No key", "Keychain not reachable", "Saved key
 * refused"): said once.
 */
const KEY_PROBLEMS = new Set(['provider_not_configured', 'keychain_unavailable', 'upstream_auth']);

/**
 * What the last model-list fetch said: "offline" only when it failed to connect (a provider never
 * fetched, or one waiting for its key, is not offline); another failure by its headline.
 */
export function ModelsStatus({ info }: { info: ProviderStatus | null }) {
  const { t } = useTranslation();
  if (!info) return null;
  if (isProviderOffline(info)) {
    return (
      <span className="muted" data-testid="models-status" data-state="offline">
        {info.error ? t('providers.offline') : t('providers.cachedModels')}
      </span>
    );
  }
  if (info.error && !KEY_PROBLEMS.has(info.error.code)) {
    return (
      <span className="muted" data-testid="models-status" data-state="error">
        {t('providers.modelsError', { reason: errorHeadline(info.error.code) })}
      </span>
    );
  }
  return null;
}
