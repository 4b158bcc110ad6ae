/** Cost (bars, left axis) and tokens (line, right axis) per local day, drawn by uPlot on a canvas. */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatCost, MICRO_CENTS_PER_USD } from '../../lib/format.ts';

export interface DayPoint {
  /** Local midnight, epoch ms. */
  day: number;
  cost: number;
  tokens: number;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export default function UsageChart(props: { points: DayPoint[]; language: string; theme: string; dayLabel: string; costLabel: string; tokensLabel: string; ariaLabel: string }) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const accent = cssVar('--accent', '#2563eb');
    const second = cssVar('--chart-line', '#d97706');
    const text = cssVar('--text-muted', '#666');
    const grid = cssVar('--border', '#ddd');
    const dayFormat = new Intl.DateTimeFormat(props.language, { month: 'short', day: 'numeric' });
    const numberFormat = new Intl.NumberFormat(props.language, { notation: 'compact' });
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const data: uPlot.AlignedData = [
      props.points.map((p) => p.day / 1000),
      props.points.map((p) => p.cost / MICRO_CENTS_PER_USD),
      props.points.map((p) => p.tokens),
    ];
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 220,
      legend: { show: true },
      cursor: { points: { show: false } },
      scales: { x: { time: true }, usd: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 0.01] }, tok: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 10] } },
      series: [
        { label: props.dayLabel, value: (_u, v) => (v == null ? '' : dayFormat.format(v * 1000)) },
        {
          label: props.costLabel,
          scale: 'usd',
          stroke: accent,
          fill: `${accent}99`,
          width: 1,
          paths: uPlot.paths.bars!({ size: [0.6, 48] }),
          points: { show: false },
          value: (_u, v) => (v == null ? '' : formatCost(Math.round(v * MICRO_CENTS_PER_USD))),
        },
        { label: props.tokensLabel, scale: 'tok', stroke: second, width: 2, points: { show: true, size: 5, fill: second }, value: (_u, v) => (v == null ? '' : numberFormat.format(v)) },
      ],
      axes: [
        { ...axis, values: (_u, splits) => splits.map((s) => dayFormat.format(s * 1000)) },
        { ...axis, scale: 'usd', size: 84, values: (_u, splits) => splits.map((s) => formatCost(Math.round(s * MICRO_CENTS_PER_USD))) },
        { ...axis, scale: 'tok', side: 1, grid: { show: false }, values: (_u, splits) => splits.map((s) => numberFormat.format(s)) },
      ],
    };
    const plot = new uPlot(opts, data, el);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: 220 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [props.points, props.language, props.theme, props.dayLabel, props.costLabel, props.tokensLabel]);

  return <div ref={ref} className="usage-chart" role="img" aria-label={props.ariaLabel} data-testid="usage-chart" />;
}
