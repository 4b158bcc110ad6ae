/**
 * Token and cost sums. Only assistant turns are summed: each carries one whole model call
 * (prompt and completion tokens, cost), so nothing is counted twice.
 */
import { TimeRangeSchema, type UsageReport, type UsageRow } from '../../../shared/api/schemas.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';

export type UsageGroup = UsageReport['group'];

const KEYS: Record<UsageGroup, string> = {
  // The day in the caller's time zone: created_at shifted by its offset, as YYYY-MM-DD.
  day: "strftime('%Y-%m-%d', (t.created_at + @offset_ms) / 1000, 'unixepoch')",
  mode: 's.mode',
  assignment: 's.assignment_id',
  model: 't.model',
};

export class UsageRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Sums for one user's turns created in [from, to), grouped by `group`, keys ascending. */
  report(userId: string, range: { from: number; to: number }, group: UsageGroup, tzOffsetMinutes = 0): UsageReport {
    const { from, to } = parseInput(TimeRangeSchema, range, 'time range');
    const params = { user_id: userId, from, to, offset_ms: tzOffsetMinutes * 60_000 };
    const columns = `count(*) AS turns, coalesce(sum(t.tokens_in), 0) AS tokens_in, coalesce(sum(t.tokens_out), 0) AS tokens_out,
      coalesce(sum(t.cost), 0) AS cost, coalesce(sum(json_extract(t.meta, '$.usage.estimated') = 1), 0) AS estimated_turns`;
    const where = `FROM turn t JOIN session s ON s.id = t.session_id
      WHERE t.role = 'assistant' AND s.user_id = @user_id AND t.created_at >= @from AND t.created_at < @to`;
    const rows = this.#store.sqlite.prepare(`SELECT ${KEYS[group]} AS key, ${columns} ${where} GROUP BY 1 ORDER BY 1`).all(params) as UsageRow[];
    const total = this.#store.sqlite.prepare(`SELECT ${columns} ${where}`).get(params) as Omit<UsageRow, 'key'>;
    return { group, from, to, rows, total };
  }
}
