/**
 * The class hub's allowances, applied: a teacher's daily token allowance for a student in a class
 * (POST /api/v1/hub/allowances), pulled into setting `hub.allowances` ({class id: {daily_tokens,
 * updated_at}}, client.ts), limits what the proxy sends on that class's assignments (those pulled
 * from the hub, meta.hub_class_id) — assignment-policy.ts refuses with `daily_allowance_exhausted` once
 * the day's tokens are used. The day is this laptop's local day; what counts is the tokens
 * (in + out) of the student's answers on the class's assignments since local midnight, offline too.
 */
import type { Store } from '../db/connection.ts';
import type { DailyAllowance } from '../llm/assignment-policy.ts';
import { startOfDay } from '../learner-summary.ts';
import { ALLOWANCES_KEY } from './client.ts';

export function hubDailyAllowance(store: Store): DailyAllowance {
  return (userId, assignment, now) => {
    const classId = assignment.meta?.hub_class_id;
    if (typeof classId !== 'string') return null;
    const stored = store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(ALLOWANCES_KEY) as string | undefined;
    if (stored === undefined) return null;
    const entry = (JSON.parse(stored) as Record<string, { daily_tokens?: unknown } | undefined>)[classId];
    if (typeof entry?.daily_tokens !== 'number') return null;
    const used = store.sqlite
      .prepare(
        `SELECT coalesce(sum(t.tokens_in + t.tokens_out), 0) FROM session s JOIN assignment a ON a.id = s.assignment_id JOIN turn t ON t.session_id = s.id
         WHERE s.user_id = ? AND json_extract(a.meta, '$.hub_class_id') = ? AND t.role = 'assistant' AND t.created_at >= ?`,
      )
      .pluck()
      .get(userId, classId, startOfDay(now)) as number;
    return { daily_tokens: entry.daily_tokens, used_today: used, class_id: classId };
  };
}
