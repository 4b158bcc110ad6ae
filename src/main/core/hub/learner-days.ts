/**
 * A student's learner summary as a teacher of their class sees it on the hub (GET
 * /classes/:id/students/:user_id/learner-days): per day, computed by the desktop's own
 * summarizeDays (learner-summary.ts: `DaySummaries` is it, fed a page at a time) from exactly what
 * the hub holds of that student for that class —
 *   - the turns of the sessions they shared (hub_turn), except sessions of another class's
 *     assignment (a hub student is one class's in practice: each join makes its own user);
 *   - the turns of their hand-ins to the class's assignments (hub_handin, the signed bundle as
 *     handed in — a session handed in but never shared counts too).
 * A turn both shared and handed in (same id: the same chained turn) counts once. Never the
 * student's other chats: the hub has none of them.
 *
 * Bounded: at most MAX_RANGE_DAYS (schemas.ts) days; the shared turns are read a page at a time in time order
 * (keyset on created_at, id), merged with the hand-ins' turns of the range (each bundle read on
 * its own, only the fields a summary reads kept; a hand-in whose stored first and last turn times
 * put all its turns outside the range is not read), and only one day's counters are held at once.
 * Days are calendar days where the hub runs (its process's time zone), as on the desktop.
 */
import { BundleSchema } from '../../../shared/api/handin.ts';
import type { LearnerDay, Mode } from '../../../shared/api/schemas.ts';
import { byTime, DaySummaries, dayRange, SUMMARY_PAGE_SIZE, type SessionInfo, type SummaryTurn } from '../learner-summary.ts';
import { sql } from './sql.ts';
import { sharedWithClass, type HubCaller, type HubStore } from './store.ts';

type Turn = SummaryTurn & { id: string };

/** What a summary reads of a turn: the student's own words, an answer's hint level. */
function slim(turn: { id: string; session_id: string; role: string; content: string; created_at: number; hint_level: unknown }): Turn {
  return {
    id: turn.id,
    session_id: turn.session_id,
    role: turn.role,
    content: turn.role === 'user' ? turn.content : '',
    created_at: Number(turn.created_at),
    meta: typeof turn.hint_level === 'number' ? { hint_level: turn.hint_level } : {},
  };
}

export async function hubLearnerDays(
  store: HubStore,
  caller: HubCaller,
  classId: string,
  userId: string,
  range: { from: string; to: string },
  options: { pageSize?: number; now?: number } = {},
): Promise<LearnerDay[]> {
  // As the class's other routes: a student → forbidden (before any lookup); no class → not_found; another class's teacher → forbidden.
  await store.assertTeaches(caller, classId);
  const { db } = store;
  await store.assertStudentOf(classId, userId);
  // At most MAX_RANGE_DAYS days: checked where the range comes in (hub.ts LearnerDaysQuerySchema, as the desktop's run).
  const start = dayRange(range.from).from;
  const end = dayRange(range.to).from;
  const sessions = new Map<string, SessionInfo>();

  // The hand-ins' turns in the range, one bundle at a time. A hand-in whose turns all fall outside
  // the range (its first and last turn times, kept at receive: store.ts bundleTurnTimes) is not
  // read: it could add no turn. Those times are the laptop's clock, as the turns' own — a hand-in
  // received long ago still counts if a student's clock put its turns in the range. Unknown (NULL):
  // always read.
  const handed = new Map<string, Turn>();
  const handins = await db.all<{ id: string }>(
    sql`SELECT h.id FROM hub_handin h JOIN hub_assignment a ON a.id = h.assignment_id WHERE a.class_id = ${classId} AND h.user_id = ${userId}
          AND (h.last_turn_at IS NULL OR h.last_turn_at >= ${start}) AND (h.first_turn_at IS NULL OR h.first_turn_at < ${end})
        ORDER BY h.id`,
  );
  for (const { id } of handins) {
    const text = (await db.all<{ bundle: string }>(sql`SELECT bundle FROM hub_handin WHERE id = ${id}`))[0]?.bundle;
    if (!text) continue;
    const bundle = BundleSchema.parse(JSON.parse(text));
    for (const { session, turns } of bundle.sessions) {
      sessions.set(session.id, { mode: session.mode as Mode, assignment_id: session.assignment_id });
      for (const t of turns) if (t.created_at >= start && t.created_at < end) handed.set(t.id, slim({ ...t, hint_level: (t.meta as { hint_level?: unknown }).hint_level }));
    }
  }
  const fromHandins = [...handed.values()].sort(byTime);

  const days = new DaySummaries((id) => sessions.get(id) ?? null, range.from, range.to);
  let next = 0;
  /** The hand-ins' turns up to `upTo` (in summarizeDays' order), then the shared turn itself. */
  const feed = (upTo: Turn | null) => {
    while (next < fromHandins.length && (upTo === null || byTime(fromHandins[next]!, upTo) <= 0)) days.add(fromHandins[next++]!);
    if (upTo && !handed.has(upTo.id)) days.add(upTo);
  };
  const pageSize = options.pageSize ?? SUMMARY_PAGE_SIZE;
  let after: { created_at: number; id: string } | null = null;
  for (;;) {
    const page: { id: string; session_id: string; role: string; content: string; created_at: number; hint_level: number | null; mode: string; assignment_id: string | null }[] =
      await db.all(
        sql`SELECT t.id, t.session_id, t.role, CASE WHEN t.role = 'user' THEN t.content ELSE '' END AS content, t.created_at, t.hint_level, s.mode, s.assignment_id
          FROM hub_turn t JOIN hub_session s ON s.id = t.session_id
          WHERE t.user_id = ${userId} AND s.user_id = ${userId} AND t.created_at >= ${start} AND t.created_at < ${end}
            AND ${sharedWithClass(classId)}
            ${after ? sql`AND (t.created_at > ${after.created_at} OR (t.created_at = ${after.created_at} AND t.id > ${after.id}))` : sql``}
          ORDER BY t.created_at, t.id LIMIT ${pageSize}`,
      );
    for (const row of page) {
      if (!sessions.has(row.session_id)) sessions.set(row.session_id, { mode: row.mode as Mode, assignment_id: row.assignment_id });
      feed(slim({ ...row, hint_level: row.hint_level === null ? null : Number(row.hint_level) }));
    }
    if (page.length < pageSize) break;
    const last = page[page.length - 1]!;
    after = { created_at: Number(last.created_at), id: last.id };
  }
  feed(null);
  const now = options.now ?? Date.now();
  return days.result().map(({ day, summary }) => ({ user_id: userId, day, summary, computed_at: now }));
}
