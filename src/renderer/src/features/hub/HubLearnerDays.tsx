/**
 * A student's 学习小结 on the hub, for a teacher of their class (opened from the class overview's
 * row): per day, as the student's own Usage screen shows it (LearnerDayList, the same labels) —
 * computed on the hub from only what the student shared with this class and handed in to its
 * assignments (GET /classes/:id/students/:user_id/learner-days, hub/learner-days.ts). The last
 * 7, 14 or 31 days (the hub's limit), today included; assignments named by their titles.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HubAssignment } from '../../../../shared/api/hub.ts';
import type { LearnerDay } from '../../../../shared/api/schemas.ts';
import { errorHeadline, sentences } from '../../lib/errors.ts';
import { localDayKey, nextLocalDay, startOfLocalDay } from '../../lib/format.ts';
import { LearnerDayList } from '../usage/LearnerDayList.tsx';
import { MAX_RANGE_DAYS } from '../../../../shared/api/vocabulary.ts';
import { hubGet, HubCallError } from './hub-api.ts';

// The longest: the hub's limit (the route refuses more).
const RANGES = [7, 14, MAX_RANGE_DAYS] as const;

/** [from, to) of the last `n` days, today included, as YYYY-MM-DD. */
function lastDays(n: number, now = Date.now()): { from: string; to: string } {
  const today = startOfLocalDay(now);
  const first = new Date(today);
  first.setDate(first.getDate() - (n - 1));
  return { from: localDayKey(first.getTime()), to: localDayKey(nextLocalDay(today)) };
}

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
  const [state, setState] = useState<{ key: string; days: LearnerDay[] | null; error: HubCallError | null }>({ key: '', days: null, error: null });
  const [titles, setTitles] = useState<Record<string, string>>({});
  const { from, to } = lastDays(span);
  const route = `/classes/${encodeURIComponent(classId)}/students/${encodeURIComponent(student.user_id)}/learner-days?from=${from}&to=${to}`;

  useEffect(() => {
    let live = true;
    hubGet<LearnerDay[]>(token, route).then(
      (days) => live && setState({ key: route, days, error: null }),
      (error: unknown) => live && setState({ key: route, days: null, error: error instanceof HubCallError ? error : new HubCallError('internal_error', String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [token, route]);
  // The assignments' titles (a day names the assignments worked on by id); without them, the ids.
  useEffect(() => {
    let live = true;
    hubGet<HubAssignment[]>(token, `/classes/${encodeURIComponent(classId)}/assignments`).then(
      (list) => live && setTitles(Object.fromEntries(list.map((a) => [a.id, a.title]))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [token, classId]);

  const current = state.key === route ? state : { days: null, error: null };
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
      {current.days && current.days.length === 0 ? (
        <p className="muted" data-testid="hub-learner-empty">
          {student.joined === false ? t('learner.hubView.notJoined', { name: student.name }) : t('learner.empty')}
        </p>
      ) : null}
      <LearnerDayList days={current.days ?? []} titleOf={(id) => titles[id]} />
    </section>
  );
}
