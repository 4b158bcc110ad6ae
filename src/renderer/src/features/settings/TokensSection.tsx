import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { PERSON_NAME_MAX_CHARS } from '../../../../shared/person-name.ts';
import { USER_ROLES } from '../../../../shared/api/vocabulary.ts';
import type { ApiTokenInfo, UserRole } from '../../../../shared/api/schemas.ts';
import { useApiCache, useRouteQuery } from '../../data/queries.tsx';
import { tokenDisplayName, userDisplayName } from '../../lib/display-names.ts';
import { toClientError, type UiError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { CopyButton } from '../../ui/CopyButton.tsx';
import { ConfirmDialog } from '../../ui/Dialog.tsx';
import { ErrorText } from '../../ui/ErrorText.tsx';

export function TokensSection() {
  const { t, i18n } = useTranslation();
  const cache = useApiCache();
  const tokens = useRouteQuery('listTokens', {});
  const [name, setName] = useState('');
  const [role, setRole] = useState<UserRole>('student');
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [revoking, setRevoking] = useState<ApiTokenInfo | null>(null);
  const [error, setError] = useState<UiError | null>(null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      const result = await cache.write('createToken', { name: name.trim(), role });
      setCreated({ token: result.token, name: result.info.name });
      setName('');
    } catch (err) {
      setError(toClientError(err));
    }
  };

  return (
    <section className="card settings-section" id="set-tokens" aria-labelledby="tokens-title">
      <h2 id="tokens-title" className="section-title">
        {t('settings.tokens')}
      </h2>
      <p className="muted">{t('tokens.help')}</p>
      <form className="form-row align-end" onSubmit={create}>
        <label className="field field-grow">
          <span className="field-label">{t('tokens.name')}</span>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={PERSON_NAME_MAX_CHARS} required placeholder={t('tokens.namePlaceholder')} />
        </label>
        <label className="field">
          <span className="field-label">{t('tokens.role')}</span>
          <select value={role} onChange={(e) => setRole(e.target.value as UserRole)}>
            {USER_ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`roles.${r}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn btn-primary" disabled={!name.trim()}>
          {t('tokens.create')}
        </button>
      </form>
      {created ? (
        <div className="notice notice-ok created-token" role="status">
          <p>
            <strong>{t('tokens.createdOnce', { name: created.name })}</strong>
          </p>
          <div className="token-line">
            <code className="mono token-value" data-testid="new-token">
              {created.token}
            </code>
            <CopyButton text={created.token} />
            <button type="button" className="btn btn-small btn-ghost" onClick={() => setCreated(null)}>
              {t('common.done')}
            </button>
          </div>
        </div>
      ) : null}
      <ErrorText error={error ?? tokens.error} />
      <div className="table-scroll">
        <table className="data-table">
          <thead>
            <tr>
              <th scope="col">{t('tokens.name')}</th>
              <th scope="col">{t('tokens.user')}</th>
              <th scope="col">{t('tokens.created')}</th>
              <th scope="col">{t('tokens.lastUsed')}</th>
              <th scope="col">{t('tokens.state')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data?.map((tok) => (
              <tr key={tok.id}>
                <th scope="row">{tokenDisplayName(tok.name, t)}</th>
                <td>
                  {userDisplayName({ name: tok.user_name, role: tok.role }, t)} ({t(`roles.${tok.role}`)})
                </td>
                <td>{formatDateTime(tok.created_at, i18n.language)}</td>
                <td>{tok.last_used_at ? formatDateTime(tok.last_used_at, i18n.language) : t('tokens.never')}</td>
                <td>{tok.revoked_at ? t('tokens.revokedAt', { date: formatDateTime(tok.revoked_at, i18n.language) }) : t('tokens.active')}</td>
                <td>
                  {!tok.revoked_at ? (
                    <button type="button" className="btn btn-small btn-danger-text" onClick={() => setRevoking(tok)}>
                      {t('tokens.revoke')}
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {revoking ? (
        <ConfirmDialog
          title={t('tokens.revokeTitle')}
          message={t('tokens.revokeBody', { name: tokenDisplayName(revoking.name, t) })}
          confirmLabel={t('tokens.revoke')}
          danger
          onCancel={() => setRevoking(null)}
          onConfirm={async () => {
            const id = revoking.id;
            setRevoking(null);
            try {
              await cache.write('revokeToken', { id });
            } catch (err) {
              setError(toClientError(err));
            }
          }}
        />
      ) : null}
    </section>
  );
}
