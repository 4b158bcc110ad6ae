import { useTranslation } from 'react-i18next';
import type { LearnerDay, Mode } from '../../../../shared/api/schemas.ts';
import { formatDayKey, formatNumber } from '../../lib/format.ts';

/**
 * Learner days as cards, the newest first: the date as the app writes dates (2026年11月29日), time
 * on task, messages sent, conversations by mode, per assignment its conversations and highest hint
 * level, topics. The student's Usage screen and the hub's teacher view (hub/HubLearnerDays.tsx)
 * both show them so. `titleOf`: an assignment's title (its id when unknown).
 */
export function LearnerDayList({ days, titleOf }: { days: readonly Pick<LearnerDay, 'day' | 'summary'>[]; titleOf: (assignmentId: string) => string | undefined }) {
  const { t, i18n } = useTranslation();
  const minutes = useStudyTime();
  return (
    <ul className="learner-list">
      {[...days].reverse().map(({ day, summary }) => (
        <li key={day} className="learner-day" data-day={day} data-testid="learner-day">
          <h3 className="learner-date" data-testid="learner-date">
            {formatDayKey(day, i18n.language)}
          </h3>
          <dl className="learner-facts">
            <dt>{t('learner.timeOnTask')}</dt>
            <dd data-testid="learner-time">{minutes(summary.time_on_task_ms)}</dd>
            <dt>{t('learner.messages')}</dt>
            <dd data-testid="learner-messages">{summary.messages}</dd>
            <dt>{t('learner.sessions')}</dt>
            <dd data-testid="learner-sessions">
              {summary.sessions}
              {Object.entries(summary.by_mode).length ? ' · ' : ''}
              {Object.entries(summary.by_mode)
                .map(([mode, n]) => `${t(`modes.${mode as Mode}.name`)} ${n}`)
                .join(' · ')}
            </dd>
            {summary.assignments.length ? (
              <>
                <dt>{t('learner.assignments')}</dt>
                <dd data-testid="learner-assignments">
                  {summary.assignments
                    .map((a) =>
                      t('learner.assignmentFacts', {
                        title: titleOf(a.assignment_id) ?? a.assignment_id,
                        sessions: t('learner.assignmentSessions', { count: a.sessions }),
                        level: t('learner.hintLevel', { n: a.max_hint_level }),
                      }),
                    )
                    .join(t('learner.assignmentSeparator'))}
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
  );
}

/**
 * A day's time on task in minutes, as the learner cards and the hand-in's days show it: some time
 * under a minute is "under a minute", not "0 minutes" (tryout 10: a day of eight quick messages).
 */
export function useStudyTime(): (ms: number) => string {
  const { t, i18n } = useTranslation();
  return (ms: number) => {
    // Under half a minute would round to 0: said as under a minute (30 s and more round to 1).
    if (ms > 0 && ms < 30_000) return t('learner.underAMinute');
    return t('learner.minutes', { n: formatNumber(Math.round(ms / 60_000), i18n.language) });
  };
}
