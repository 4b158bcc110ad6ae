// "The last n days" (lib/days.ts), what Usage, the learner summary and the hub's 学习小结 ask for:
// calendar days in the computer's zone, today included, across daylight-saving changes (a 23- or
// 25-hour day, and a change that skips midnight itself). Each test names its zone (TZ, which
// Node reads again when it changes).
import { afterEach, describe, expect, test } from 'vitest';
import { lastLocalDayKeys, lastLocalDays } from '../../src/renderer/src/lib/days.ts';

const before = process.env.TZ;
afterEach(() => {
  if (before === undefined) delete process.env.TZ;
  else process.env.TZ = before;
});

const at = (iso: string) => Date.parse(iso);
const range = (n: number, now: string) => {
  const { from, to } = lastLocalDays(n, at(now));
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), keys: lastLocalDayKeys(n, at(now)) };
};

describe('lastLocalDays', () => {
  test('in Asia/Shanghai: seven days to tomorrow’s midnight, today included, at any hour of today', () => {
    process.env.TZ = 'Asia/Shanghai';
    const week = { from: '2026-11-22T16:00:00.000Z', to: '2026-11-29T16:00:00.000Z', keys: { from: '2026-11-23', to: '2026-11-30' } };
    expect(range(7, '2026-11-29T00:00:00+08:00')).toEqual(week);
    expect(range(7, '2026-11-29T23:59:59.999+08:00')).toEqual(week);
    expect(range(1, '2026-11-29T12:00:00+08:00').keys).toEqual({ from: '2026-11-29', to: '2026-11-30' });
    // Across a month's and a year's end.
    expect(range(31, '2027-01-02T09:00:00+08:00').keys).toEqual({ from: '2026-12-03', to: '2027-01-03' });
  });

  test('in America/New_York: across the spring change (a 23-hour day) and on the autumn one (25 hours), by calendar days', () => {
    process.env.TZ = 'America/New_York';
    // 8 March 2026, 2:00 → 3:00: the week before 10 March starts at EST midnight and ends at EDT midnight.
    expect(range(7, '2026-03-10T12:00:00-04:00')).toEqual({
      from: '2026-03-04T05:00:00.000Z',
      to: '2026-03-11T04:00:00.000Z',
      keys: { from: '2026-03-04', to: '2026-03-11' },
    });
    // On the change day itself, just before its midnight (23 hours long).
    expect(range(2, '2026-03-08T23:59:00-04:00')).toEqual({
      from: '2026-03-07T05:00:00.000Z',
      to: '2026-03-09T04:00:00.000Z',
      keys: { from: '2026-03-07', to: '2026-03-09' },
    });
    // 1 November 2026, 2:00 → 1:00: today is 25 hours long.
    const today = lastLocalDays(1, at('2026-11-01T23:30:00-05:00'));
    expect(today.to - today.from).toBe(25 * 3_600_000);
    expect(range(3, '2026-11-01T09:00:00-05:00')).toEqual({
      from: '2026-10-30T04:00:00.000Z',
      to: '2026-11-02T05:00:00.000Z',
      keys: { from: '2026-10-30', to: '2026-11-02' },
    });
  });

  test('in America/Santiago, where the spring change skips midnight: the range still starts at the first day’s midnight', () => {
    process.env.TZ = 'America/Santiago';
    // 6 September 2026 starts at 1:00 (midnight does not exist); six days back is an ordinary midnight.
    expect(range(6, '2026-09-06T12:00:00-03:00')).toEqual({
      from: '2026-09-01T04:00:00.000Z',
      to: '2026-09-07T03:00:00.000Z',
      keys: { from: '2026-09-01', to: '2026-09-07' },
    });
    // The change day as the first day: its first instant, 1:00.
    expect(range(2, '2026-09-07T10:00:00-03:00').from).toBe('2026-09-06T04:00:00.000Z');
  });
});
