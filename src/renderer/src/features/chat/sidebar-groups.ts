/**
 * The conversation sidebar's groups: pinned sessions first (置顶), then the rest by the local day
 * they started — today, yesterday, earlier. The list keeps the server's order (newest first)
 * inside each group; empty groups are left out.
 */
import type { Session } from '../../../../shared/api/schemas.ts';
import { startOfLocalDay } from '../../lib/format.ts';

export type SidebarGroupKey = 'pinned' | 'today' | 'yesterday' | 'earlier';

export interface SidebarGroup {
  key: SidebarGroupKey;
  sessions: Session[];
}

export function isPinned(session: Session): boolean {
  return session.meta.pinned === true;
}

export function groupSessions(sessions: readonly Session[], now: number): SidebarGroup[] {
  const today = startOfLocalDay(now);
  // The day before today's midnight, by the calendar (a daylight-saving day is not 24 hours).
  const yesterdayDate = new Date(today);
  yesterdayDate.setDate(yesterdayDate.getDate() - 1);
  const yesterday = yesterdayDate.getTime();
  const groups: Record<SidebarGroupKey, Session[]> = { pinned: [], today: [], yesterday: [], earlier: [] };
  for (const s of sessions) {
    if (isPinned(s)) groups.pinned.push(s);
    else if (s.started_at >= today) groups.today.push(s);
    else if (s.started_at >= yesterday) groups.yesterday.push(s);
    else groups.earlier.push(s);
  }
  return (['pinned', 'today', 'yesterday', 'earlier'] as const).filter((key) => groups[key].length > 0).map((key) => ({ key, sessions: groups[key] }));
}
