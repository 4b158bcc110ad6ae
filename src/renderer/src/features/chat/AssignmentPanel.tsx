/**
 * The assignment beside the chat (seed Sprint 1: "在对话页挂 AssignmentPanel 组件"): its text and due
 * date, its AI policy in plain words, the allowance left, and — in homework — the hint level with
 * "more help", plus "hand in". Everything comes from the server: the assignment (listAssignments),
 * the student's standing on it (getAssignmentStatus: the policy as applied, what is used and
 * left) and the session's level (getSession: meta.hint_level).
 */
import { BookOpen, HelpCircle, Send } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import type { Assignment, Mode, Session } from '../../../../shared/api/schemas.ts';
import { FIRST_HINT_LEVEL, hintStep } from '../../../../shared/hint-ladder.ts';
import { MODES } from '../../../../shared/api/vocabulary.ts';
import { useRouteQuery } from '../../data/queries.tsx';
import { formatCost, formatDateTime, formatNumber } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { HandinStatus } from '../handin/HandinStatus.tsx';
import { allowanceBlocker } from './composer.ts';
import { LazyMarkdown } from './MessageText.tsx';

export interface AssignmentPanelProps {
  assignment: Assignment | null;
  assignmentId: string;
  mode: Mode;
  session: Session | null;
  /** Something is being answered, or sending is blocked for another reason. */
  busy: boolean;
  onMoreHelp: () => void;
  /** "Hand in": ChatScreen opens the hand-in screen of the assignment. */
  onHandIn: (sessionId: string | null, assignmentId: string) => void;
}

function AllowanceBar({ left, total, label }: { left: number; total: number; label: string }) {
  const ratio = total > 0 ? Math.min(1, Math.max(0, left / total)) : 0;
  return (
    <div className="allowance">
      <span>{label}</span>
      <span className="allowance-bar" role="meter" aria-valuemin={0} aria-valuemax={total} aria-valuenow={left} aria-label={label}>
        <span className={ratio < 0.15 ? 'allowance-fill low' : 'allowance-fill'} style={{ width: `${Math.round(ratio * 100)}%` }} />
      </span>
    </div>
  );
}

export function AssignmentPanel({ assignment, assignmentId, mode, session, busy, onMoreHelp, onHandIn }: AssignmentPanelProps) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const language = i18n.language === 'zh-CN' ? 'zh-CN' : 'en';
  const status = useRouteQuery('getAssignmentStatus', { id: assignmentId }, { enabled: assignment !== null }).data ?? null;
  const policy = status?.policy ?? null;
  const homework = mode === 'homework';
  const level = Math.min(session?.meta.hint_level ?? FIRST_HINT_LEVEL, policy?.hint_ceiling ?? 5);
  const atCeiling = policy !== null && level >= policy.hint_ceiling;
  const exhausted = status ? allowanceBlocker(status) : null;
  const notOpen = status?.not_open === true;
  const moreHelpBlocked = atCeiling
    ? t('homework.atCeiling')
    : exhausted === 'daily_allowance'
      ? t('chat.dailyAllowanceBlocked')
      : exhausted
        ? t('errors.allowance_exhausted')
        : notOpen
          ? t('errors.assignment_not_open')
          : null;
  const title = assignment?.title ?? assignmentId;
  // The student's hand-in of it, once handed in: its status, and the score and feedback once returned.
  const handin = useRouteQuery('listMySubmissions', {}).data?.find((s) => s.assignment_id === assignmentId && s.status !== 'draft') ?? null;

  return (
    <aside className="assignment-panel" aria-label={t('homework.panel')} data-testid="assignment-panel">
      <div className="assignment-panel-head">
        <BookOpen size={15} aria-hidden="true" />
        <strong className="assignment-panel-title">{title}</strong>
        {assignment?.due_at != null ? (
          <span className={status?.late ? 'due overdue' : 'due'} data-testid="panel-due">
            {t('assignments.due', { date: formatDateTime(assignment.due_at, i18n.language) })}
            {status?.late ? ` · ${t('homework.late')}` : ''}
          </span>
        ) : null}
        {notOpen && policy?.opens_at != null ? (
          <span className="due overdue" data-testid="panel-opens">
            {t('homework.opensAt', { date: formatDateTime(policy.opens_at, i18n.language) })}
          </span>
        ) : null}
      </div>
      {assignment?.description ? (
        <details className="assignment-panel-text">
          <summary>{t('homework.text')}</summary>
          <LazyMarkdown text={assignment.description} />
        </details>
      ) : null}

      {policy ? (
        <ul className="assignment-policy" data-testid="panel-policy">
          <li data-testid="panel-ceiling">{t('homework.ceiling', { level: policy.hint_ceiling, name: hintStep(policy.hint_ceiling).name[language] })}</li>
          {policy.allowed_modes.length < MODES.length ? (
            <li>{t('homework.modes', { modes: policy.allowed_modes.map((m) => t(`modes.${m}.name`)).join(t('homework.listSeparator')) })}</li>
          ) : null}
          <li data-testid="panel-models">
            {policy.allowed_models.length ? t('homework.models', { models: policy.allowed_models.join(t('homework.listSeparator')) }) : t('homework.anyModel')}
          </li>
          {status && status.left.tokens !== null && policy.allowance.tokens !== undefined ? (
            <li data-testid="panel-allowance-tokens">
              <AllowanceBar
                left={status.left.tokens}
                total={policy.allowance.tokens}
                label={t('homework.tokensLeft', { left: formatNumber(status.left.tokens, i18n.language), total: formatNumber(policy.allowance.tokens, i18n.language) })}
              />
            </li>
          ) : null}
          {status && status.left.cost !== null && policy.allowance.cost !== undefined ? (
            <li data-testid="panel-allowance-cost">
              <AllowanceBar
                left={status.left.cost}
                total={policy.allowance.cost}
                label={t('homework.costLeft', { left: formatCost(status.left.cost, money), total: formatCost(policy.allowance.cost, money) })}
              />
            </li>
          ) : null}
          {status?.daily?.tokens === 0 ? (
            <li data-testid="panel-allowance-daily">{t('homework.dailyOff')}</li>
          ) : status?.daily ? (
            <li data-testid="panel-allowance-daily">
              <AllowanceBar
                left={status.daily.left}
                total={status.daily.tokens}
                label={t('homework.dailyTokensLeft', { left: formatNumber(status.daily.left, i18n.language), total: formatNumber(status.daily.tokens, i18n.language) })}
              />
            </li>
          ) : null}
          {policy.allowance.tokens === undefined && policy.allowance.cost === undefined && !status?.daily ? <li>{t('homework.noAllowance')}</li> : null}
        </ul>
      ) : null}

      {handin ? <HandinStatus submission={handin} /> : null}

      <div className="assignment-panel-actions">
        {homework ? (
          <>
            <span className="hint-level" data-testid="hint-level" data-level={level}>
              {t('homework.currentLevel', { level, name: hintStep(level).name[language] })}
            </span>
            <button
              type="button"
              className="btn btn-small"
              onClick={onMoreHelp}
              disabled={busy || moreHelpBlocked !== null}
              title={moreHelpBlocked ?? t('homework.moreHelpTitle', { name: hintStep(Math.min(level + 1, 5)).name[language] })}
              data-testid="more-help"
            >
              <HelpCircle size={14} aria-hidden="true" />
              {t('homework.moreHelp')}
            </button>
            {moreHelpBlocked ? (
              <span className="muted small" data-testid="more-help-reason">
                {moreHelpBlocked}
              </span>
            ) : null}
          </>
        ) : null}
        <span className="spacer" />
        <button type="button" className="btn btn-small btn-primary" onClick={() => onHandIn(session?.id ?? null, assignmentId)} data-testid="hand-in">
          <Send size={14} aria-hidden="true" />
          {t('homework.handIn')}
        </button>
      </div>
    </aside>
  );
}
