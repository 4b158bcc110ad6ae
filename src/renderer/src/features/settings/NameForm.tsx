/**
 * The owner's name form (PATCH /me), written once for its two places: Settings → Account and the
 * hand-in's "your name, before you hand in" dialog (handin/screens.tsx). The owner starts as
 * "owner" (shown as "This computer's owner"); joined to a class hub, the name the class knows them
 * by is filled in until they type — said to be the roster's only when the hub said it was (a join
 * code's entry), else the name typed when joining. The name is checked as the server checks it
 * (shared/person-name.ts: the same limit as the hub's roster), with the same messages in both places.
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Send } from 'lucide-react';
import { PERSON_NAME_MAX_CHARS, personNameProblem } from '../../../../shared/person-name.ts';
import { useIdentity } from '../../app/identity.tsx';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { hasDefaultName } from '../../lib/display-names.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';

/**
 * The name the class hub knows this laptop's student by, and whether it is the roster's (else the
 * name typed when joining off the roster), or null: not joined, or not the owner.
 */
export function useHubName(): { name: string; fromRoster: boolean } | null {
  const { me } = useIdentity();
  const link = useRouteQuery('getHubLink', {}, { enabled: me.role === 'admin' });
  const name = link.data?.joined ? link.data.student_name?.trim() : undefined;
  return name ? { name, fromRoster: link.data?.name_from_roster === true } : null;
}

/**
 * Without `handIn`: Settings' form (Save, then "Name saved."). With it: the hand-in dialog's
 * (Cancel, or "Save name and hand in", which saves and then calls `onNamed`).
 */
export function NameForm({ handIn }: { handIn?: { onCancel: () => void; onNamed: () => void } }) {
  const { t } = useTranslation();
  const { me } = useIdentity();
  const hubName = useHubName();
  const rename = useRouteMutation('updateMe');
  // null: as saved (the owner's default shows empty, or the roster's name once it is known).
  const [typed, setTyped] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const fromHub = typed === null && hasDefaultName(me) && hubName !== null;
  const value = typed ?? (hasDefaultName(me) ? (hubName?.name ?? '') : me.name);
  const problem = personNameProblem(value);
  // An empty field is said once the student has emptied it; a name too long at once (it cannot be saved).
  const shownProblem = problem === 'too_long' || (problem === 'empty' && typed !== null) ? problem : null;
  const unchanged = !handIn && !fromHub && value.trim() === me.name;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return;
    setSaved(false);
    // null: refused (said by `rename.error`); the name typed stays.
    if ((await rename.run({ name: value.trim() })) === null) return;
    if (handIn) return handIn.onNamed();
    setTyped(null);
    setSaved(true);
  };
  return (
    <form className="form" onSubmit={(e) => void submit(e)} data-testid="name-form">
      {handIn ? <p>{t('handin.nameBody')}</p> : null}
      <div className="form-row">
        <label className="field field-grow">
          <span className="field-label">{t('settings.yourName')}</span>
          <input
            value={value}
            onChange={(e) => (setTyped(e.target.value), setSaved(false))}
            maxLength={PERSON_NAME_MAX_CHARS}
            placeholder={t('settings.yourNamePlaceholder')}
            aria-describedby={fromHub || !handIn ? 'your-name-help' : undefined}
            aria-invalid={shownProblem ? true : undefined}
            autoFocus={handIn ? true : undefined}
            data-testid="your-name"
          />
        </label>
      </div>
      {/* The dialog says what the name is for above it (handin.nameBody). */}
      {fromHub || !handIn ? (
        <p id="your-name-help" className="field-help muted" data-testid="your-name-help">
          {fromHub ? `${t(hubName?.fromRoster ? 'settings.yourNameFromHub' : 'settings.yourNameFromJoin')} ` : null}
          {handIn ? null : t('settings.yourNameHelp')}
        </p>
      ) : null}
      {shownProblem ? (
        <p className="error-text" role="alert" data-testid="your-name-problem">
          {shownProblem === 'empty' ? t('settings.yourNameEmpty') : t('settings.yourNameTooLong', { max: PERSON_NAME_MAX_CHARS, length: value.trim().length })}
        </p>
      ) : null}
      <ErrorText error={rename.error} />
      <div className={handIn ? 'dialog-footer' : 'form-actions'}>
        {handIn ? (
          <button type="button" className="btn" onClick={handIn.onCancel}>
            {t('common.cancel')}
          </button>
        ) : null}
        <button
          type="submit"
          className={handIn ? 'btn btn-primary' : 'btn btn-primary btn-small'}
          disabled={rename.busy || problem !== null || unchanged}
          data-testid="your-name-save"
        >
          {handIn ? <Send size={14} aria-hidden="true" /> : null}
          {handIn ? t('handin.nameAndSubmit') : t('common.save')}
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
