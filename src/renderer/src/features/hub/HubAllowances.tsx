/**
 * 每日 AI 额度 on the class overview: each student's daily token allowance for the class (what the
 * teacher sets with POST /allowances, read with GET /classes/:id/allowances) and what the hub has of
 * their use today, in a column of the overview's table — the table where a teacher already reads
 * each student's tokens — with an inline edit per row: a whole number of tokens, or cleared (no
 * daily allowance). The student's laptop applies it at its next sync (sync/allowances.ts).
 */
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AllowanceRow, HubAllowance } from '../../../../shared/api/hub.ts';
import { DAILY_TOKENS_MAX, parseDailyTokens } from '../../../../shared/hub-text.ts';
import { errorHeadline, sentences } from '../../lib/errors.ts';
import { formatNumber } from '../../lib/format.ts';
import { asCallError, type HubCallError, hubPost } from './hub-api.ts';
import { useHubQuery, useHubRefresh } from './hub-hooks.tsx';

export const allowancesRoute = (classId: string) => `/classes/${encodeURIComponent(classId)}/allowances`;
const triageRoute = (classId: string) => `/classes/${encodeURIComponent(classId)}/triage`;

/** The class's allowances, one read for the whole table (null while it loads or when it failed). */
export function useClassAllowances(token: string, classId: string) {
  return useHubQuery<AllowanceRow[]>(token, allowancesRoute(classId));
}

/** One student's cell: the allowance and today's use, and 修改 to set or clear it in place. */
export function DailyAllowanceCell({ token, classId, row }: { token: string; classId: string; row: AllowanceRow | undefined }) {
  const { t, i18n } = useTranslation();
  const n = (value: number) => formatNumber(value, i18n.language);
  const refresh = useHubRefresh();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<HubCallError | null>(null);
  const [saved, setSaved] = useState<'set' | 'cleared' | null>(null);
  if (!row) return <span className="muted">—</span>;
  const save = async (daily_tokens: number | null) => {
    setBusy(true);
    setFailed(null);
    try {
      await hubPost<HubAllowance>(token, '/allowances', { class_id: classId, user_id: row.user_id, daily_tokens });
      setEditing(false);
      setSaved(daily_tokens === null ? 'cleared' : 'set');
      await refresh(allowancesRoute(classId), triageRoute(classId));
    } catch (error) {
      setFailed(asCallError(error));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = parseDailyTokens(text);
    setInvalid(value === null);
    if (value !== null) void save(value);
  };
  const current =
    row.daily_tokens === null ? <span className="muted">{t('hub.dailyAllowance.none')}</span> : <span>{t('hub.dailyAllowance.value', { tokens: n(row.daily_tokens) })}</span>;
  return (
    <div className="hub-allowance-cell" data-testid="hub-daily-allowance" data-user={row.user_id}>
      {editing ? (
        <form className="form-row align-end" onSubmit={submit} noValidate>
          <label className="field">
            <span className="visually-hidden">{t('hub.dailyAllowance.inputLabel', { name: row.name })}</span>
            <input
              inputMode="numeric"
              value={text}
              onChange={(e) => setText(e.target.value)}
              size={10}
              aria-invalid={invalid}
              placeholder={t('hub.dailyAllowance.placeholder')}
              autoFocus
              data-testid="hub-daily-allowance-input"
            />
          </label>
          <button type="submit" className="btn btn-small" disabled={busy || text.trim() === ''} data-testid="hub-daily-allowance-save">
            {t('hub.dailyAllowance.save')}
          </button>
          {row.daily_tokens !== null ? (
            <button type="button" className="btn btn-ghost btn-small" disabled={busy} onClick={() => void save(null)} data-testid="hub-daily-allowance-clear">
              {t('hub.dailyAllowance.clear')}
            </button>
          ) : null}
          <button type="button" className="btn btn-ghost btn-small" disabled={busy} onClick={() => (setEditing(false), setInvalid(false), setFailed(null))}>
            {t('common.cancel')}
          </button>
        </form>
      ) : (
        <>
          {current}{' '}
          <button
            type="button"
            className="btn btn-ghost btn-small"
            aria-label={t('hub.dailyAllowance.editFor', { name: row.name })}
            onClick={() => (setEditing(true), setSaved(null), setText(row.daily_tokens === null ? '' : String(row.daily_tokens)))}
            data-testid="hub-daily-allowance-edit"
          >
            {t('hub.dailyAllowance.edit')}
          </button>
        </>
      )}
      {row.daily_tokens !== null || row.used_today > 0 ? <div className="muted small">{t('hub.dailyAllowance.usedToday', { used: n(row.used_today) })}</div> : null}
      {invalid ? (
        <p role="alert" className="error-text small" data-testid="hub-daily-allowance-invalid">
          {t('hub.dailyAllowance.invalid', { max: n(DAILY_TOKENS_MAX) })}
        </p>
      ) : null}
      {failed ? (
        <p role="alert" className="error-text small">
          {failed.code === 'validation_error' ? t('hub.dailyAllowance.invalid', { max: n(DAILY_TOKENS_MAX) }) : sentences(errorHeadline(failed.code), failed.message)}
        </p>
      ) : null}
      {saved ? (
        <p className="muted small" role="status" data-testid="hub-daily-allowance-saved">
          {t(saved === 'set' ? 'hub.dailyAllowance.saved' : 'hub.dailyAllowance.cleared')}
        </p>
      ) : null}
    </div>
  );
}
