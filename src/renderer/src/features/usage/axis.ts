/**
 * The usage chart's day axis, kept apart from the chart (which needs a canvas) so it can be
 * tested alone. One slot per day; labels are thinned to every k-th day so they keep LABEL_SPACE
 * apart, counted back from the last day (today), which is therefore always labelled. Each label is
 * a different day, so no date is ever printed twice.
 */
import { formatTimestamp } from '../../lib/format.ts';

/** Room per x-axis label (CSS px). */
export const LABEL_SPACE = 64;

/** Which day indexes (0 = the first day) get a label, for a plot `plotWidth` CSS px wide. */
export function dayLabelIndexes(count: number, plotWidth: number): number[] {
  const fit = Math.max(1, Math.floor(plotWidth / LABEL_SPACE));
  const step = Math.max(1, Math.ceil(count / fit));
  const out: number[] = [];
  for (let i = count - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

/** A day's label on the axis: month and day in the student's language. */
export function dayLabel(dayMs: number, language: string): string {
  return formatTimestamp(dayMs, language, { month: 'numeric', day: 'numeric' });
}
