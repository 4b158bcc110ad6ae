/**
 * The learner summary on the Usage screen: the student's last seven days as the server worked them
 * out (GET /learner-summary; once a day by itself, now with "update"). Days are the serving
 * computer's calendar days — this computer's, in the desktop app.
 */
import { RefreshCw } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAssignments } from '../../app/server-state.ts';
import { useRouteMutation, useRouteQuery } from '../../data/queries.tsx';
import { lastLocalDayKeys } from '../../lib/days.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { LearnerDayList } from './LearnerDayList.tsx';

const DAYS = 7;

export function LearnerDays() {
  const { t } = useTranslation();
  const { assignments } = useAssignments();
  // The range as of when the screen opened.
  const [range] = useState(() => lastLocalDayKeys(DAYS));
  const days = useRouteQuery('getLearnerSummary', range);
  const run = useRouteMutation('runLearnerSummary');

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
      <LearnerDayList days={days.data ?? []} titleOf={(id) => assignments.find((x) => x.id === id)?.title} />
    </section>
  );
}
