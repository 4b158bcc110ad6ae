import { useTranslation } from 'react-i18next';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { envNames } from './readiness.ts';

/**
 * Where no keychain is reachable (a headless Linux box without a Secret Service): what is missing
 * and the two ways out, with this provider's own variable names. Never a plaintext key on disk.
 * The packages are often installed already: on a server, WSL or over SSH there is no desktop
 * session (D-Bus) for the keyring to run in, so the hint says so and points to the second way —
 * the exact command that starts Studylog with this provider's variables, ready to copy.
 */
export function KeychainHint({ providerId, baseUrl }: { providerId: string; baseUrl: string }) {
  const { t } = useTranslation();
  const names = envNames(providerId);
  const command = `${names.key}=${t('setup.keychain.keyValue')} ${names.baseUrl}=${baseUrl} npm start`;
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
          <p className="muted" data-testid="keychain-no-session">
            {t('setup.keychain.noSession')}
          </p>
        </li>
        <li>
          {t('setup.keychain.env')}
          <div className="env-command">
            <pre className="env-vars" data-testid="keychain-env">
              {command}
            </pre>
            <CopyButton text={command} />
          </div>
          <p className="muted small">{t('setup.keychain.envReplace')}</p>
        </li>
      </ol>
    </div>
  );
}
