/**
 * A student's 学习小结 on the hub, for a teacher of their class (opened from the class overview's
 * row): per day, as the student's own Usage screen shows it (LearnerDayList, the same labels) —
 * computed on the hub from only what the student shared with this class and handed in to its
 * assignments (GET /classes/:id/students/:user_id/learner-days, hub/learner-days.ts). The last
 * 7, 14 or 31 days (the hub's limit), today included; assignments named by their titles.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HubAssignment } from '../../../../shared/api/hub.ts';
import type { LearnerDay } from '../../../../shared/api/schemas.ts';
import { errorHeadline, sentences } from '../../lib/errors.ts';
import { lastLocalDayKeys } from '../../lib/days.ts';
import { LearnerDayList } from '../usage/LearnerDayList.tsx';
import { MAX_RANGE_DAYS } from '../../../../shared/api/vocabulary.ts';
import { assignmentsRoute, useHubQuery } from './hub-hooks.tsx';

// The longest: the hub's limit (the route refuses more).
const RANGES = [7, 14, MAX_RANGE_DAYS] as const;

export function HubLearnerDays({
  token,
  classId,
  student,
  onClose,
}: {
  token: string;
  classId: string;
  student: { user_id: string; name: string; joined?: boolean | undefined };
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [span, setSpan] = useState<(typeof RANGES)[number]>(7);
  const { from, to } = lastLocalDayKeys(span);
  const current = useHubQuery<LearnerDay[]>(token, `/classes/${encodeURIComponent(classId)}/students/${encodeURIComponent(student.user_id)}/learner-days?from=${from}&to=${to}`);
  // The assignments' titles (a day names the assignments worked on by id), read once for the
  // dashboard (the inbox and triage show them too); without them, the ids.
  const assignments = useHubQuery<HubAssignment[]>(token, assignmentsRoute(classId));
  const titleOf = (id: string) => assignments.data?.find((a) => a.id === id)?.title;
  return (
    <section className="learner-days hub-learner-days" aria-labelledby="hub-learner-title" data-testid="hub-learner-days" data-user={student.user_id}>
      <div className="learner-head">
        <h2 id="hub-learner-title" className="section-title">
          {t('learner.hubView.title', { name: student.name })}
        </h2>
        <div className="form-actions">
          <label>
            <span className="visually-hidden">{t('learner.hubView.range')}</span>
            <select value={span} onChange={(e) => setSpan(Number(e.target.value) as (typeof RANGES)[number])} data-testid="hub-learner-range">
              {RANGES.map((n) => (
                <option key={n} value={n}>
                  {t('learner.hubView.lastDays', { n })}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="btn btn-ghost btn-small" onClick={onClose} data-testid="hub-learner-close">
            {t('learner.hubView.close')}
          </button>
        </div>
      </div>
      <p className="muted small">{t('learner.hubView.help')}</p>
      {current.error ? (
        <p role="alert" className="error-text">
          {sentences(errorHeadline(current.error.code), current.error.message)}
        </p>
      ) : null}
      {/* Nothing to summarize: a roster entry not joined yet has shared nothing at all — said as such, not as a quiet week. */}
      {current.data && current.data.length === 0 ? (
        <p className="muted" data-testid="hub-learner-empty">
          {student.joined === false ? t('learner.hubView.notJoined', { name: student.name }) : t('learner.empty')}
        </p>
      ) : null}
      <LearnerDayList days={current.data ?? []} titleOf={titleOf} />
    </section>
  );
}
