// The chat sidebar's groups (pure): pinned first whatever their day, then today / yesterday /
// earlier by the local calendar day a session started, the server's order kept inside each group.
import { describe, expect, test } from 'vitest';
import type { Session } from '../../src/shared/api/schemas.ts';
import { groupSessions } from '../../src/renderer/src/features/chat/sidebar-groups.ts';

const session = (id: string, started_at: number, meta: Session['meta'] = {}): Session => ({
  id,
  user_id: 'u1',
  assignment_id: null,
  mode: 'chat',
  started_at,
  ended_at: null,
  policy_snapshot: {},
  meta,
});

describe('groupSessions', () => {
  // Local times, so the test holds in any time zone.
  const now = new Date(2026, 2, 15, 9, 30).getTime();
  const todayMidnight = new Date(2026, 2, 15, 0, 0).getTime();
  const yesterdayMidnight = new Date(2026, 2, 14, 0, 0).getTime();

  test('splits at the local midnights, keeps the order, leaves out empty groups', () => {
    const list = [session('a', now - 1_000), session('b', todayMidnight), session('c', todayMidnight - 1), session('d', yesterdayMidnight), session('e', yesterdayMidnight - 1)];
    expect(groupSessions(list, now).map((g) => [g.key, g.sessions.map((s) => s.id)])).toEqual([
      ['today', ['a', 'b']],
      ['yesterday', ['c', 'd']],
      ['earlier', ['e']],
    ]);
    expect(groupSessions([session('x', yesterdayMidnight - 5)], now).map((g) => g.key)).toEqual(['earlier']);
  });

  test('pinned sessions come first, whatever their day; pinned: false is not pinned', () => {
    const list = [session('a', now, { pinned: false }), session('b', yesterdayMidnight - 10, { pinned: true }), session('c', now - 5, { pinned: true })];
    expect(groupSessions(list, now).map((g) => [g.key, g.sessions.map((s) => s.id)])).toEqual([
      ['pinned', ['b', 'c']],
      ['today', ['a']],
    ]);
  });
});
