/**
 * Cost (bars, left axis) and tokens (line, right axis) per local day, drawn by uPlot on a canvas.
 *
 * The x axis is the day's index, not its time: one slot per day, so a label is always one day
 * (never the same date twice, whatever the range) and the scale reaches half a day past the first
 * and last days, so their bars (today's included) are drawn whole. The legend is ours: it shows
 * the hovered day's date, cost and tokens, and the last day's while nothing is hovered.
 */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import { convertCost, formatAmount, formatCost, formatTimestamp, type Money } from '../../lib/format.ts';
import { dayLabel, dayLabelIndexes } from './axis.ts';

export interface DayPoint {
  /** Local midnight, epoch ms. */
  day: number;
  cost: number;
  tokens: number;
}

const HEIGHT = 220;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export default function UsageChart(props: {
  points: DayPoint[];
  language: string;
  theme: string;
  money: Money;
  dayLabel: string;
  costLabel: string;
  tokensLabel: string;
  ariaLabel: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const { points, language, money } = props;
  /** The hovered day's index; null: nothing hovered (the legend then shows the last day). */
  const [hovered, setHovered] = useState<number | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const accent = cssVar('--accent', '#2563eb');
    const second = cssVar('--chart-line', '#d97706');
    const text = cssVar('--text-muted', '#666');
    const grid = cssVar('--border', '#ddd');
    const numberFormat = new Intl.NumberFormat(language, { notation: 'compact' });
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const data: uPlot.AlignedData = [points.map((_p, i) => i), points.map((p) => convertCost(p.cost, money)), points.map((p) => p.tokens)];
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: () => [-0.5, points.length - 0.5] },
        cost: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 0.01] },
        tok: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 10] },
      },
      series: [
        {},
        { scale: 'cost', stroke: accent, fill: `${accent}99`, width: 1, paths: uPlot.paths.bars!({ size: [0.6, 48] }), points: { show: false } },
        { scale: 'tok', stroke: second, width: 2, points: { show: true, size: 5, fill: second } },
      ],
      axes: [
        {
          ...axis,
          grid: { show: false },
          splits: (u) => dayLabelIndexes(points.length, u.bbox.width / devicePixelRatio),
          values: (_u, splits) => splits.map((i) => (points[i] ? dayLabel(points[i].day, language) : '')),
        },
        { ...axis, scale: 'cost', size: 84, values: (_u, splits) => splits.map((s) => formatAmount(s, money.currency)) },
        { ...axis, scale: 'tok', side: 1, grid: { show: false }, values: (_u, splits) => splits.map((s) => numberFormat.format(s)) },
      ],
      hooks: {
        setCursor: [(u) => setHovered(u.cursor.idx ?? null)],
      },
    };
    const plot = new uPlot(opts, data, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [points, language, money, props.theme]);

  const shown = hovered !== null && points[hovered] ? points[hovered] : points[points.length - 1];
  const tokens = useMemo(() => new Intl.NumberFormat(language), [language]);

  return (
    <div className="usage-chart-wrap">
      <dl className="usage-legend" data-testid="usage-legend" aria-live="polite">
        <div>
          <dt>{props.dayLabel}</dt>
          <dd data-testid="usage-legend-day">{shown ? formatTimestamp(shown.day, language, { dateStyle: 'medium' }) : '—'}</dd>
        </div>
        <div>
          <dt>
            <span className="legend-swatch legend-cost" aria-hidden="true" />
            {props.costLabel}
          </dt>
          <dd data-testid="usage-legend-cost">{shown ? formatCost(shown.cost, money) : '—'}</dd>
        </div>
        <div>
          <dt>
            <span className="legend-swatch legend-tokens" aria-hidden="true" />
            {props.tokensLabel}
          </dt>
          <dd data-testid="usage-legend-tokens">{shown ? tokens.format(shown.tokens) : '—'}</dd>
        </div>
      </dl>
      <div ref={ref} className="usage-chart" role="img" aria-label={props.ariaLabel} data-testid="usage-chart" />
    </div>
  );
}
