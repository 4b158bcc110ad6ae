/**
 * Settings → Account: who is signed in, their name and (in a browser) signing out. The name is
 * what hand-ins carry (the student's name in a `.studylog` file, its file name): the owner starts
 * as "owner" (shown as "This computer's owner") until they give theirs, here or when they first
 * hand in (handin/screens.tsx). Joined to a class hub, the roster name they joined with is filled
 * in. A student's name is the one their token was made with: shown, not changed here (PATCH /me
 * is for teachers and admins).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useIdentity } from '../../app/identity.tsx';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { hasDefaultName, userDisplayName } from '../../lib/display-names.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';

/** The name this laptop joined its class hub with (the roster's), or null: not joined, or not the owner. */
export function useRosterName(): string | null {
  const { me } = useIdentity();
  const link = useRouteQuery('getHubLink', {}, { enabled: me.role === 'admin' });
  return link.data?.joined ? (link.data.student_name?.trim() ?? null) || null : null;
}

export function AccountSection() {
  const { t } = useTranslation();
  const { me, transport, signOut } = useIdentity();
  return (
    <section className="card settings-section" id="set-account" aria-labelledby="account-title" data-testid="account">
      <h2 id="account-title" className="section-title">
        {t('settings.account')}
      </h2>
      {me.role !== 'student' ? <NameForm /> : null}
      {transport === 'http' ? <p>{t('settings.signedInAs', { name: userDisplayName(me, t), role: t(`roles.${me.role}`) })}</p> : null}
      {signOut ? (
        <button type="button" className="btn" onClick={signOut}>
          {t('auth.signOut')}
        </button>
      ) : null}
    </section>
  );
}

function NameForm() {
  const { t } = useTranslation();
  const { me } = useIdentity();
  const roster = useRosterName();
  const rename = useRouteMutation('updateMe');
  // null: as saved (the owner's default shows empty, or the roster's name once it is known).
  const [typed, setTyped] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const fromRoster = typed === null && hasDefaultName(me) && roster !== null;
  const value = typed ?? (hasDefaultName(me) ? (roster ?? '') : me.name);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    // null: refused (said by `rename.error`); the name typed stays.
    if ((await rename.run({ name: value.trim() })) === null) return;
    setTyped(null);
    setSaved(true);
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)}>
      <div className="form-row">
        <label className="field field-grow">
          <span className="field-label">{t('settings.yourName')}</span>
          <input
            value={value}
            onChange={(e) => (setTyped(e.target.value), setSaved(false))}
            maxLength={100}
            placeholder={t('settings.yourNamePlaceholder')}
            aria-describedby="your-name-help"
            data-testid="your-name"
          />
        </label>
      </div>
      <p id="your-name-help" className="field-help muted">
        {fromRoster ? `${t('settings.yourNameFromHub', { name: roster })} ` : null}
        {t('settings.yourNameHelp')}
      </p>
      <ErrorText error={rename.error} />
      <div className="form-actions">
        <button
          type="submit"
          className="btn btn-primary btn-small"
          disabled={rename.busy || !value.trim() || (!fromRoster && value.trim() === me.name)}
          data-testid="your-name-save"
        >
          {t('common.save')}
        </button>
        {saved ? (
          <span className="ok-text" role="status" data-testid="your-name-saved">
            {t('settings.yourNameSaved')}
          </span>
        ) : null}
      </div>
    </form>
  );
}
