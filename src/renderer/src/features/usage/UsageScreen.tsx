import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Mode, UsageReport, UsageRow } from '../../../../shared/api/schemas.ts';
import { usePrefs } from '../../app/prefs.tsx';
import { useAssignments } from '../../app/server-state.ts';
import { useRouteQuery } from '../../data/queries.tsx';
import { lastLocalDays } from '../../lib/days.ts';
import { formatCost, formatNumber, localDayKey, nextLocalDay } from '../../lib/format.ts';
import { useMoney } from '../../lib/prefs.ts';
import { ErrorText } from '../../ui/ErrorText.tsx';
import { Spinner } from '../../ui/Spinner.tsx';
import { LearnerDays } from './LearnerDays.tsx';
import type { DayPoint } from './UsageChart.tsx';

const UsageChart = lazy(() => import('./UsageChart.tsx'));
const RANGES = [7, 30, 90] as const;

export default function UsageScreen() {
  const { t, i18n } = useTranslation();
  const { assignments } = useAssignments();
  const { theme } = usePrefs();
  const money = useMoney();
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const { from, to } = lastLocalDays(days);
  // Minutes east of UTC, so the server cuts days at the student's midnight.
  const tz = -new Date().getTimezoneOffset();

  const report = useUsageReport(from, to, tz);

  const points = useMemo<DayPoint[]>(() => {
    const byKey = new Map((report.data?.day.rows ?? []).map((r) => [r.key, r]));
    const out: DayPoint[] = [];
    for (let day = from; day < to; day = nextLocalDay(day)) {
      const row = byKey.get(localDayKey(day));
      out.push({ day, cost: row?.cost ?? 0, tokens: row ? row.tokens_in + row.tokens_out : 0 });
    }
    return out;
  }, [report.data, from, to]);

  const today = report.data?.day.rows.find((r) => r.key === localDayKey(Date.now()));
  const total = report.data?.day.total;

  return (
    <section className="screen" aria-labelledby="usage-title">
      <header className="screen-header">
        <h1 id="usage-title">{t('usage.title')}</h1>
        <span className="spacer" />
        <div className="segmented" role="group" aria-label={t('usage.range')}>
          {RANGES.map((n) => (
            <button key={n} type="button" className={`btn btn-small${n === days ? ' active' : ''}`} aria-pressed={n === days} onClick={() => setDays(n)}>
              {t('usage.lastDays', { n })}
            </button>
          ))}
        </div>
      </header>
      <ErrorText error={report.error} />
      {report.loading && !report.data ? <Spinner /> : null}
      {report.data && total ? (
        <>
          <div className="stats">
            <div className="stat" data-testid="usage-today">
              <span className="stat-label">{t('usage.today')}</span>
              <span className="stat-value" data-testid="usage-today-cost">
                {formatCost(today?.cost ?? 0, money)}
              </span>
              <span className="muted">{t('usage.tokensN', { n: formatNumber(today ? today.tokens_in + today.tokens_out : 0, i18n.language) })}</span>
            </div>
            <div className="stat">
              <span className="stat-label">{t('usage.rangeTotal', { n: days })}</span>
              <span className="stat-value" data-testid="usage-total-cost">
                {formatCost(total.cost, money)}
              </span>
              <span className="muted">{t('usage.tokensN', { n: formatNumber(total.tokens_in + total.tokens_out, i18n.language) })}</span>
            </div>
            {/* Model calls (answers and automatic titles), not the student's messages: those are in the learner summary below. */}
            <div className="stat" data-testid="usage-calls">
              <span className="stat-label">{t('usage.turns')}</span>
              <span className="stat-value">{formatNumber(total.turns, i18n.language)}</span>
              <span className="muted">{t('usage.callsNote')}</span>
              {total.estimated_turns ? <span className="muted">{t('usage.estimatedN', { n: total.estimated_turns })}</span> : null}
            </div>
          </div>
          <div className="card chart-card">
            <h2 className="section-title">{t('usage.perDay')}</h2>
            <Suspense fallback={<Spinner />}>
              <UsageChart
                points={points}
                language={i18n.language}
                theme={theme}
                money={money}
                dayLabel={t('usage.day')}
                costLabel={t('usage.cost')}
                tokensLabel={t('usage.tokens')}
                ariaLabel={t('usage.chartLabel', { n: days, cost: formatCost(total.cost, money) })}
              />
            </Suspense>
          </div>
          <div className="tables">
            <UsageTable
              title={t('usage.byMode')}
              column={t('chat.mode')}
              report={report.data.mode}
              label={(k) => (k ? t(`modes.${k as Mode}.name`) : t('usage.none'))}
              testId="usage-by-mode"
            />
            <UsageTable
              title={t('usage.byAssignment')}
              column={t('chat.assignment')}
              report={report.data.assignment}
              label={(k) => (k ? (assignments.find((a) => a.id === k)?.title ?? k) : t('usage.noAssignment'))}
              testId="usage-by-assignment"
            />
            <UsageTable title={t('usage.byModel')} column={t('chat.model')} report={report.data.model} label={(k) => k ?? t('usage.none')} testId="usage-by-model" />
          </div>
        </>
      ) : null}
      <LearnerDays />
    </section>
  );
}

type Group = 'day' | 'mode' | 'assignment' | 'model';

/** The four views of [from, to) the screen shows, each a cached read; the last range stays while another loads. */
function useUsageReport(from: number, to: number, tz: number) {
  const ask = (group: Group) => ({ from, to, group, tz_offset_minutes: tz });
  const day = useRouteQuery('getUsage', ask('day'), { keepPrevious: true });
  const mode = useRouteQuery('getUsage', ask('mode'), { keepPrevious: true });
  const assignment = useRouteQuery('getUsage', ask('assignment'), { keepPrevious: true });
  const model = useRouteQuery('getUsage', ask('model'), { keepPrevious: true });
  const all = [day, mode, assignment, model];
  const data = day.data && mode.data && assignment.data && model.data ? { day: day.data, mode: mode.data, assignment: assignment.data, model: model.data } : undefined;
  return { data, error: all.find((q) => q.error)?.error ?? null, loading: all.some((q) => q.loading) };
}

function UsageTable({ title, column, report, label, testId }: { title: string; column: string; report: UsageReport; label: (key: string | null) => string; testId: string }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const n = (v: number) => formatNumber(v, i18n.language);
  const rows: UsageRow[] = [...report.rows].sort((a, b) => b.cost - a.cost || b.tokens_in + b.tokens_out - (a.tokens_in + a.tokens_out));
  return (
    <div className="card table-card">
      <h2 className="section-title">{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('usage.noData')}</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid={testId}>
            <thead>
              <tr>
                <th scope="col">{column}</th>
                <th scope="col" className="num">
                  {t('usage.calls')}
                </th>
                <th scope="col" className="num">
                  {t('usage.tokensIn')}
                </th>
                <th scope="col" className="num">
                  {t('usage.tokensOut')}
                </th>
                <th scope="col" className="num">
                  {t('usage.cost')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.key ?? '∅'}>
                  <th scope="row">{label(r.key)}</th>
                  <td className="num">{n(r.turns)}</td>
                  <td className="num">{n(r.tokens_in)}</td>
                  <td className="num">{n(r.tokens_out)}</td>
                  <td className="num">{formatCost(r.cost, money)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
