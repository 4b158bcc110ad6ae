/**
 * A hand-in's status, late, score and feedback, as the student and the teacher read it. Its own
 * small file: the chat page's assignment panel shows it, and must not load the hand-in screens
 * (nor the validator they use) with the first screen.
 */
import { useTranslation } from 'react-i18next';
import type { Submission } from '../../../../shared/api/handin.ts';
import { formatDateTime } from '../../lib/format.ts';
import '../../styles/handin.css';

export function HandinStatus({ submission: s }: { submission: Submission }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="handin-status" data-testid="handin-status" data-status={s.status}>
      <span className={`chip status-${s.status}`}>{t(`handin.status.${s.status}`)}</span>
      {s.submitted_at !== null ? <span className="muted small">{t('handin.submittedAt', { date: formatDateTime(s.submitted_at, i18n.language) })}</span> : null}
      {s.late ? <span className="chip chip-warning">{t('handin.late')}</span> : null}
      {s.status === 'returned' ? (
        <span className="handin-grade" data-testid="handin-grade">
          {t('handin.score', { score: s.score ?? '—' })}
          {s.feedback ? <span className="handin-feedback"> — {s.feedback}</span> : null}
        </span>
      ) : null}
    </div>
  );
}
