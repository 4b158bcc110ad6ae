import { useTranslation } from 'react-i18next';
import { envNames } from './readiness.ts';

/**
 * Where no keychain is reachable (a headless Linux box without a Secret Service): what is missing
 * and the two ways out, with this provider's own variable names. Never a plaintext key on disk.
 */
export function KeychainHint({ providerId, baseUrl }: { providerId: string; baseUrl: string }) {
  const { t } = useTranslation();
  const names = envNames(providerId);
  return (
    <div className="keychain-hint" data-testid="keychain-hint">
      <p>{t('setup.keychain.lead')}</p>
      <ol>
        <li>
          {t('setup.keychain.install')}
          <dl className="command-list">
            <dt>{t('setup.keychain.debian')}</dt>
            <dd>
              <code>sudo apt install gnome-keyring libsecret-1-0</code>
            </dd>
            <dt>{t('setup.keychain.fedora')}</dt>
            <dd>
              <code>sudo dnf install gnome-keyring libsecret</code>
            </dd>
          </dl>
        </li>
        <li>
          {t('setup.keychain.env')}
          <pre className="env-vars" data-testid="keychain-env">
            {`${names.key}=${t('setup.keychain.keyValue')}\n${names.baseUrl}=${baseUrl}`}
          </pre>
        </li>
      </ol>
    </div>
  );
}
