/**
 * Settings → Class hub: join a class with the hub's address and the class code (what the class's
 * QR code holds; `studylog-class:…` pasted whole also works) and, for a student on the class's
 * roster, their number and own one-time join code (a student's QR code text fills both), then see the sync state in words —
 * the last success, what is waiting to be sent, the last error — with "Sync now" and "Leave".
 * With a join code the name is optional: the hub answers the roster's name, which is kept (the
 * typed one is needed only to join off the roster, with the class code alone). Joined, the name
 * shown is the one the teacher sees (renaming the account here does not change it on the hub).
 * The device token goes to the system keychain (like API keys); the serving process syncs in the
 * background (README "The class hub").
 */
import { useState, type FormEvent } from 'react';
import i18next from 'i18next';
import { useTranslation } from 'react-i18next';
import type { HubLinkStatus } from '../../../../shared/api/hub.ts';
import { JOIN_CODE_LOCKED_ISSUE, lockedWaitMinutes, parseClassQr } from '../../../../shared/hub-text.ts';
import { PERSON_NAME_MAX_CHARS } from '../../../../shared/person-name.ts';
import { useIdentity } from '../../app/identity.tsx';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { hasDefaultName } from '../../lib/display-names.ts';
import { errorHeadline, errorNext, sentenceGap, type UiError } from '../../lib/errors.ts';
import { formatDateTime } from '../../lib/format.ts';
import { ErrorDetails, ErrorText } from '../../ui/ErrorText.tsx';

export function HubSection() {
  const { t } = useTranslation();
  const link = useRouteQuery('getHubLink', {});
  return (
    <section className="card settings-section" id="set-hub" aria-labelledby="hub-link-title" data-testid="hub-link">
      <h2 id="hub-link-title" className="section-title">
        {t('settings.hub')}
      </h2>
      <p className="muted">{t('hubLink.help')}</p>
      <ErrorText error={link.error} />
      {link.data ? link.data.joined ? <Joined status={link.data} /> : <JoinForm /> : null}
    </section>
  );
}

function JoinForm() {
  const { t } = useTranslation();
  const join = useRouteMutation('joinHub');
  const [hubUrl, setHubUrl] = useState('');
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [studentNo, setStudentNo] = useState('');
  const [joinCode, setJoinCode] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await join.run({
      hub_url: hubUrl.trim(),
      code: code.trim(),
      ...(name.trim() ? { name: name.trim() } : {}),
      ...(studentNo.trim() ? { student_no: studentNo.trim() } : {}),
      ...(joinCode.trim() ? { join_code: joinCode.trim() } : {}),
    });
  };
  const withCode = joinCode.trim() !== '';
  // A student's own QR code text carries their number and join code: fill them in.
  const onCode = (value: string) => {
    setCode(value);
    const scanned = parseClassQr(value);
    if (scanned.student_no) setStudentNo(scanned.student_no);
    if (scanned.join_code) setJoinCode(scanned.join_code);
  };
  return (
    <form className="form" onSubmit={submit}>
      <label className="field">
        <span className="field-label">{t('hubLink.url')}</span>
        <input value={hubUrl} onChange={(e) => setHubUrl(e.target.value)} placeholder="http://hub.school.lan:5124" required inputMode="url" autoComplete="off" />
      </label>
      <label className="field">
        <span className="field-label">{t('hubLink.code')}</span>
        <input value={code} onChange={(e) => onCode(e.target.value)} required autoComplete="off" aria-describedby="hub-code-help" />
        <span id="hub-code-help" className="field-help muted">
          {t('hubLink.codeHelp')}
        </span>
      </label>
      <div className="form-row">
        <label className="field field-grow">
          <span className="field-label">{t('hubLink.name')}</span>
          {/* Needed only without a join code: a roster entry's name comes from the roster. */}
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            required={!withCode}
            maxLength={PERSON_NAME_MAX_CHARS}
            placeholder={withCode ? t('hubLink.nameFromRoster') : undefined}
            aria-describedby="hub-name-help"
          />
        </label>
        <label className="field">
          <span className="field-label">{t('hubLink.studentNo')}</span>
          <input value={studentNo} onChange={(e) => setStudentNo(e.target.value)} maxLength={64} placeholder={t('common.optional')} />
        </label>
        <label className="field">
          <span className="field-label">{t('hubLink.joinCode')}</span>
          <input
            value={joinCode}
            onChange={(e) => setJoinCode(e.target.value)}
            maxLength={32}
            placeholder={t('common.optional')}
            autoComplete="off"
            aria-describedby="hub-join-code-help"
          />
        </label>
      </div>
      <p id="hub-join-code-help" className="field-help muted">
        {t('hubLink.joinCodeHelp')}
      </p>
      <p id="hub-name-help" className="field-help muted">
        {t('hubLink.nameHelp')}
      </p>
      {/* A locked join code: how long to wait (the hub's structured field), in the student's language. */}
      <JoinError error={join.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary btn-small" disabled={join.busy || !hubUrl.trim() || !code.trim() || (!name.trim() && !withCode)}>
          {join.busy ? t('hubLink.joining') : t('hubLink.join')}
        </button>
      </div>
    </form>
  );
}

/**
 * What to do about a failed sync round, where the error table's sentence fits a sync (an
 * unreachable hub, a revoked device); a missing device token means joining again, not signing in.
 */
function syncNext(code: string): string | undefined {
  if (code === 'hub_unreachable' || code === 'device_revoked') return errorNext(code);
  if (code === 'unauthorized') return i18next.t('hubLink.tokenMissing');
  return undefined;
}

function Joined({ status }: { status: HubLinkStatus }) {
  const { t, i18n } = useTranslation();
  const { me } = useIdentity();
  const sync = useRouteMutation('syncHub');
  const leave = useRouteMutation('leaveHub');
  const when = (ms: number | null) => (ms === null ? t('hubLink.never') : formatDateTime(ms, i18n.language));
  return (
    <div className="hub-link-state">
      <p data-testid="hub-link-class">{t('hubLink.joinedClass', { klass: status.class_name ?? '', url: status.hub_url ?? '' })}</p>
      <dl className="facts">
        {/* The name the teacher sees: the roster's, or the one typed to join off the roster. */}
        <dt>{status.name_from_roster ? t('hubLink.rosterName') : t('hubLink.joinName')}</dt>
        <dd data-testid="hub-link-name">
          {status.student_name ?? ''}
          {status.student_name && me.name !== status.student_name && !hasDefaultName(me) ? (
            <span className="muted" data-testid="hub-link-name-differs">
              {sentenceGap(status.student_name, t('hubLink.nameDiffers', { name: me.name }))}
              {t('hubLink.nameDiffers', { name: me.name })}
            </span>
          ) : null}
        </dd>
        <dt>{t('hubLink.lastSuccess')}</dt>
        <dd data-testid="hub-link-last-success">{when(status.last_success_at)}</dd>
        <dt>{t('hubLink.pending')}</dt>
        <dd data-testid="hub-link-pending">{status.pending === 0 ? t('hubLink.nothingPending') : t('hubLink.pendingItems', { count: status.pending })}</dd>
        <dt>{t('hubLink.lastError')}</dt>
        <dd data-testid="hub-link-error">
          {status.last_error?.code === 'keychain_unavailable' ? (
            <>
              <span className="error-text">{t('hubLink.keychainRead')}</span>
              {sentenceGap(t('hubLink.keychainRead'), t('hubLink.keychainNext'))}
              <span>{t('hubLink.keychainNext')}</span>
              {/* The sync's own (English) words: folded under 技术详情（英文）, as every error shows them. */}
              <ErrorDetails detail={status.last_error.detail} />
            </>
          ) : status.last_error ? (
            <>
              <span className="error-text">{errorHeadline(status.last_error.code)}</span>
              {syncNext(status.last_error.code) ? (
                <>
                  {sentenceGap(errorHeadline(status.last_error.code), syncNext(status.last_error.code))}
                  <span>{syncNext(status.last_error.code)}</span>
                </>
              ) : null}
              {/* The sync's own (English) words: folded under 技术详情（英文）, as every error shows them. */}
              <ErrorDetails detail={status.last_error.detail} />
            </>
          ) : (
            t('hubLink.noError')
          )}
        </dd>
      </dl>
      {status.revoked ? <p className="notice notice-warning">{t('hubLink.revoked')}</p> : null}
      {status.refused > 0 ? <p className="notice notice-warning">{t('hubLink.refused', { count: status.refused })}</p> : null}
      {status.not_applied.length > 0 ? (
        <div className="notice notice-warning" data-testid="hub-not-applied">
          {t('hubLink.notApplied', { count: status.not_applied.length })}
          <ErrorDetails detail={status.not_applied.join('; ')} />
        </div>
      ) : null}
      {status.next_attempt_at !== null ? <p className="muted">{t('hubLink.nextAttempt', { at: when(status.next_attempt_at) })}</p> : null}
      <p className="muted">{status.background ? t('hubLink.background') : t('hubLink.noBackground')}</p>
      <ErrorText error={sync.error ?? leave.error} />
      <div className="form-actions">
        <button type="button" className="btn btn-primary btn-small" disabled={sync.busy || status.syncing} onClick={() => void sync.run({})}>
          {sync.busy || status.syncing ? t('hubLink.syncing') : t('hubLink.syncNow')}
        </button>
        <button type="button" className="btn btn-ghost btn-small" disabled={leave.busy} onClick={() => void leave.run({})}>
          {t('hubLink.leave')}
        </button>
      </div>
    </div>
  );
}

/**
 * A refused join; for a locked join code, how long it waits (the hub's structured field: not a field
 * issue to list). Without a keychain the hub's token cannot be kept: said as such, not as the
 * error table's API-key sentence.
 */
function JoinError({ error }: { error: UiError | null }) {
  if (error?.code === 'keychain_unavailable') return <ErrorText error={error} headline={i18next.t('hubLink.keychainJoin')} next={i18next.t('hubLink.keychainNext')} />;
  const minutes = lockedWaitMinutes(error);
  if (minutes === null || !error) return <ErrorText error={error} />;
  return <ErrorText error={{ ...error, issues: error.issues?.filter((i) => i.path !== JOIN_CODE_LOCKED_ISSUE) }} next={i18next.t('hubLink.lockedWait', { minutes })} />;
}
