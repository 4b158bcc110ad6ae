/**
 * The learner summary on the Usage screen: the student's last seven days as the server worked them
 * out (GET /learner-summary; once a day by itself, now with "update"). Days are the serving
 * computer's calendar days — this computer's, in the desktop app.
 */
import { RefreshCw } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Mode } from '../../../../shared/api/schemas.ts';
import { useAssignments } from '../../app/server-state.ts';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { dateInputToMs, formatDate, localDayKey, nextLocalDay, startOfLocalDay } from '../../lib/format.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';

const DAYS = 7;

export function LearnerDays() {
  const { t, i18n } = useTranslation();
  const { assignments } = useAssignments();
  // The range as of when the screen opened.
  const [range] = useState(() => {
    const today = startOfLocalDay(Date.now());
    return { from: localDayKey(new Date(today).setDate(new Date(today).getDate() - (DAYS - 1))), to: localDayKey(nextLocalDay(today)) };
  });
  const days = useRouteQuery('getLearnerSummary', range);
  const run = useRouteMutation('runLearnerSummary');
  const minutes = (ms: number) => t('learner.minutes', { n: Math.round(ms / 60_000).toLocaleString(i18n.language) });
  // A day is its YYYY-MM-DD key; shown as the app shows every date (2026年11月29日 / Nov 29, 2026).
  const dayLabel = (day: string) => {
    const ms = dateInputToMs(day);
    return ms === undefined ? day : formatDate(ms, i18n.language);
  };

  return (
    <section className="card learner-days" aria-labelledby="learner-title" data-testid="learner-days">
      <div className="learner-head">
        <h2 id="learner-title" className="section-title">
          {t('learner.title')}
        </h2>
        <button type="button" className="btn btn-small" onClick={() => void run.run(range)} disabled={run.busy} data-testid="learner-update">
          <RefreshCw size={14} aria-hidden="true" /> {t('learner.update')}
        </button>
      </div>
      <p className="muted small">{t('learner.help')}</p>
      <ErrorText error={days.error ?? run.error} />
      {days.data && days.data.length === 0 ? <p className="muted">{t('learner.empty')}</p> : null}
      <ul className="learner-list">
        {[...(days.data ?? [])].reverse().map(({ day, summary }) => (
          <li key={day} className="learner-day" data-day={day} data-testid="learner-day">
            <h3 className="learner-date" data-testid="learner-date">
              {dayLabel(day)}
            </h3>
            <dl className="learner-facts">
              <dt>{t('learner.timeOnTask')}</dt>
              <dd data-testid="learner-time">{minutes(summary.time_on_task_ms)}</dd>
              <dt>{t('learner.messages')}</dt>
              <dd data-testid="learner-messages">{summary.messages}</dd>
              <dt>{t('learner.sessions')}</dt>
              <dd>
                {summary.sessions}
                {Object.entries(summary.by_mode).length ? ' · ' : ''}
                {Object.entries(summary.by_mode)
                  .map(([mode, n]) => `${t(`modes.${mode as Mode}.name`)} ${n}`)
                  .join(' · ')}
              </dd>
              {summary.assignments.length ? (
                <>
                  <dt>{t('learner.assignments')}</dt>
                  <dd>
                    {summary.assignments
                      .map((a) => `${assignments.find((x) => x.id === a.assignment_id)?.title ?? a.assignment_id} (${t('learner.hintLevel', { n: a.max_hint_level })})`)
                      .join('；')}
                  </dd>
                </>
              ) : null}
              {summary.topics.length ? (
                <>
                  <dt>{t('learner.topics')}</dt>
                  <dd className="learner-topics" data-testid="learner-topics">
                    {summary.topics.map((topic) => (
                      <span key={topic.term} className="chip">
                        {topic.term}
                      </span>
                    ))}
                  </dd>
                </>
              ) : null}
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}
