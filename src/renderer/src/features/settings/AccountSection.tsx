/**
 * Settings → Account: who is signed in, their name and (in a browser) signing out. The name is
 * what hand-ins carry (the student's name in a `.studylog` file, its file name): the owner starts
 * as "owner" (shown as "This computer's owner") until they give theirs, here or when they first
 * hand in (handin/screens.tsx). Joined to a class hub, the roster name they joined with is filled
 * in. A student's name is the one their token was made with: shown, not changed here (PATCH /me
 * is for teachers and admins).
 */
import { useTranslation } from 'react-i18next';
import { useIdentity } from '../../app/identity.tsx';
import { userDisplayName } from '../../lib/display-names.ts';
import { NameForm } from './NameForm.tsx';

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
