/**
 * "The last n days" as every screen with a range picker means it (Usage's chart, the learner
 * summary, the hub's 学习小结): n calendar days in this computer's time zone, today included, from
 * the first day's local midnight up to (not including) tomorrow's — whatever a daylight-saving
 * change makes those days' lengths (23 or 25 hours).
 */
import { localDayKey, nextLocalDay, startOfLocalDay } from './format.ts';

/** [from, to) of the last `n` local days, today included, as epoch ms of local midnights. */
export function lastLocalDays(n: number, now: number = Date.now()): { from: number; to: number } {
  const first = new Date(startOfLocalDay(now));
  // By calendar day, not by 24 hours: a day of a daylight-saving change is not 24 hours long.
  first.setDate(first.getDate() - (n - 1));
  // Where a change skips midnight itself, today starts at 1:00 and setDate kept that hour: the
  // first day's own first instant instead.
  first.setHours(0, 0, 0, 0);
  return { from: first.getTime(), to: nextLocalDay(now) };
}

/** The same range as YYYY-MM-DD keys (the learner summary's routes): `to` is tomorrow, not included. */
export function lastLocalDayKeys(n: number, now: number = Date.now()): { from: string; to: string } {
  const { from, to } = lastLocalDays(n, now);
  return { from: localDayKey(from), to: localDayKey(to) };
}
