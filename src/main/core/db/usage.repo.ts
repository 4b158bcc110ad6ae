/**
 * Token and cost sums. Only the turns that record a model call are summed — assistant turns and
 * the title calls' system turns (usage-rollup.ts CALL): each carries one whole call (prompt and
 * completion tokens, cost), so nothing is counted twice. Ranges of whole local days in the zone of
 * the day rollup read `usage_day` (a year is ~365 rows per mode and model); other ranges on
 * 15-minute boundaries (every local day in any zone is one) read the usage buckets; any other
 * range reads the turns.
 */
import { TimeRangeSchema, type UsageReport, type UsageRow } from '../../../shared/api/schemas.ts';
import { parseInput } from '../../../shared/validation.ts';
import type { Store } from './connection.ts';
import { BUCKET_MS, CALL, DAY_MS, USAGE_DAY_OFFSET_KEY } from './usage-rollup.ts';

export type UsageGroup = UsageReport['group'];

/**
 * The local day as a day number (days since 1970-01-01): integer arithmetic groups a year of
 * buckets ~1.5× faster than formatting each row's date with strftime. Shifted by a day so the
 * division never sees a negative time (offsets go down to -12 h); better-sqlite3 binds numbers as
 * REAL, hence the CAST.
 */
const DAY_KEY = (time: string) => `CAST((${time} + @offset_ms + ${DAY_MS}) / ${DAY_MS} AS INTEGER) - 1`;

const SUMS = (t: string) => `coalesce(sum(${t}.turns), 0) AS turns, coalesce(sum(${t}.tokens_in), 0) AS tokens_in, coalesce(sum(${t}.tokens_out), 0) AS tokens_out,
    coalesce(sum(${t}.cost), 0) AS cost, coalesce(sum(${t}.estimated_turns), 0) AS estimated_turns`;

/** `from_day`/`to_day`: the range's day numbers in the rollup's zone. */
const FROM_DAYS = {
  keys: { day: 'd.day', mode: 'd.mode', assignment: "nullif(d.assignment_key, '')", model: "nullif(d.model_key, '')" } satisfies Record<UsageGroup, string>,
  columns: SUMS('d'),
  where: 'FROM usage_day d WHERE d.user_id = @user_id AND d.day >= @from_day AND d.day < @to_day',
  having: 'HAVING sum(d.turns) > 0',
};

const FROM_BUCKETS = {
  keys: { day: DAY_KEY('b.bucket'), mode: 'b.mode', assignment: "nullif(b.assignment_key, '')", model: "nullif(b.model_key, '')" } satisfies Record<UsageGroup, string>,
  columns: SUMS('b'),
  where: 'FROM usage_bucket b WHERE b.user_id = @user_id AND b.bucket >= @from AND b.bucket < @to',
  // Buckets emptied by deletions stay behind with zero turns: leave such groups out.
  having: 'HAVING sum(b.turns) > 0',
};

const FROM_TURNS = {
  keys: { day: DAY_KEY('t.created_at'), mode: 's.mode', assignment: 's.assignment_id', model: 't.model' } satisfies Record<UsageGroup, string>,
  columns: `count(*) AS turns, coalesce(sum(t.tokens_in), 0) AS tokens_in, coalesce(sum(t.tokens_out), 0) AS tokens_out,
    coalesce(sum(t.cost), 0) AS cost, coalesce(sum(json_extract(t.meta, '$.usage.estimated') = 1), 0) AS estimated_turns`,
  where: `FROM turn t JOIN session s ON s.id = t.session_id
    WHERE ${CALL('t')} AND s.user_id = @user_id AND t.created_at >= @from AND t.created_at < @to`,
  having: '',
};

/**
 * What one student has used on one assignment (assignmentUse): the answers they asked for. A
 * model-made title is the app's own call, made without the student asking: usage and the
 * teacher's card count it, the allowance does not (as the hub's daily allowance counts answers
 * only). It reads the student's sessions on the assignment and, of their turns, only the index
 * turn_call_usage_idx (migration allowance_sum: the call turns, with the columns this sum and
 * CALL read): never the turns themselves. CALL stays in the WHERE so that index applies.
 */
export const ASSIGNMENT_USE_SQL = `SELECT coalesce(sum(t.tokens_in + t.tokens_out), 0) AS tokens, coalesce(sum(t.cost), 0) AS cost
  FROM session s CROSS JOIN turn t ON t.session_id = s.id
  WHERE s.assignment_id = ? AND s.user_id = ? AND ${CALL('t')} AND t.role = 'assistant'`;

export class UsageRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * What one student has used on one assignment: tokens (in + out) and cost of the answers in all
   * their sessions on it (not the titles' calls: ASSIGNMENT_USE_SQL) — the figure an assignment's allowance is checked against (before every
   * upstream call, from the local database, so offline too).
   */
  assignmentUse(userId: string, assignmentId: string): { tokens: number; cost: number } {
    return this.#store.sqlite.prepare(ASSIGNMENT_USE_SQL).get(assignmentId, userId) as { tokens: number; cost: number };
  }

  /** Sums for one user's turns created in [from, to), grouped by `group`, keys ascending. */
  report(userId: string, range: { from: number; to: number }, group: UsageGroup, tzOffsetMinutes = 0): UsageReport {
    const { from, to } = parseInput(TimeRangeSchema, range, 'time range');
    const offsetMs = tzOffsetMinutes * 60_000;
    const params = { user_id: userId, from, to, offset_ms: offsetMs, from_day: Math.floor((from + offsetMs) / DAY_MS), to_day: Math.floor((to + offsetMs) / DAY_MS) };
    const wholeDays = (from + offsetMs) % DAY_MS === 0 && (to + offsetMs) % DAY_MS === 0 && tzOffsetMinutes === this.#dayOffset();
    const aligned = from % BUCKET_MS === 0 && to % BUCKET_MS === 0;
    const source = wholeDays ? FROM_DAYS : aligned ? FROM_BUCKETS : FROM_TURNS;
    const grouped = this.#store.sqlite
      .prepare(`SELECT ${source.keys[group]} AS key, ${source.columns} ${source.where} GROUP BY 1 ${source.having} ORDER BY 1`)
      .all(params) as (Omit<UsageRow, 'key'> & { key: UsageRow['key'] | number })[];
    const rows = grouped.map((row) => (group === 'day' ? { ...row, key: new Date(Number(row.key) * DAY_MS).toISOString().slice(0, 10) } : row)) as UsageRow[];
    // The groups partition the range (those left out by HAVING are all zeros): their sum is the total.
    const total = { turns: 0, tokens_in: 0, tokens_out: 0, cost: 0, estimated_turns: 0 };
    for (const row of rows) for (const field of Object.keys(total) as (keyof typeof total)[]) total[field] += row[field];
    return { group, from, to, rows, total };
  }

  /** The zone usage_day is kept in (usage-rollup.ts); null before its table exists. */
  #dayOffset(): number | null {
    const stored = this.#store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(USAGE_DAY_OFFSET_KEY) as string | undefined;
    return stored === undefined ? null : Number(JSON.parse(stored));
  }
}
