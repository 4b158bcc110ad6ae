/**
 * Keeps `usage_bucket` equal to the sums of the turns that record a model call — assistant turns,
 * and the system turns that record a title call (meta.purpose 'title', llm/model-title.ts) — per
 * (user, 15-minute bucket, mode, assignment, model), and `usage_day` the same per local day in one time zone (the rollup's
 * offset, below). Triggers follow every insert, update and delete of a turn, and a session's
 * deletion or change of owner, mode or assignment, in the same transaction as the write.
 * Installed and verified on every open (derived.ts), like the FTS triggers.
 */
import type Database from 'better-sqlite3';

export const BUCKET_MS = 15 * 60_000;
export const DAY_MS = 86_400_000;

/** A turn that records a model call: usage counts it. */
export const CALL = (row: string) => `(${row}.role = 'assistant' OR (${row}.role = 'system' AND json_extract(${row}.meta, '$.purpose') = 'title'))`;

/** The setting row that holds the offset (minutes east of UTC) `usage_day` is kept in. */
export const USAGE_DAY_OFFSET_KEY = 'usage_day_offset_minutes';

/**
 * The day number (days since 1970-01-01) of `time` in the zone `offsetMinutes` east of UTC.
 * Shifted by a day so the integer division never sees a negative time (offsets go down to -12 h).
 */
export function dayNumberSql(time: string, offsetMinutes: number): string {
  return `(${time} + ${offsetMinutes * 60_000 + DAY_MS}) / ${DAY_MS} - 1`;
}

/** A derived usage table: its name, its time key column and how a turn's created_at maps to it. */
interface Rollup {
  table: string;
  key: string;
  of(time: string): string;
}

const BUCKETS: Rollup = { table: 'usage_bucket', key: 'bucket', of: (time) => `${time} - ${time} % ${BUCKET_MS}` };

const ESTIMATED = (row: string) => `coalesce(json_extract(${row}.meta, '$.usage.estimated') = 1, 0)`;
const ADD = (r: Rollup) => `ON CONFLICT (user_id, ${r.key}, mode, assignment_key, model_key) DO UPDATE SET
    turns = turns + excluded.turns, tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
    cost = cost + excluded.cost, estimated_turns = estimated_turns + excluded.estimated_turns`;

/** Adds one turn row (`new` or `old`) with sign +1, as an upsert. */
const addTurn = (r: Rollup, row: 'new') => `INSERT INTO ${r.table} (user_id, ${r.key}, mode, assignment_key, model_key, turns, tokens_in, tokens_out, cost, estimated_turns)
  SELECT s.user_id, ${r.of(`${row}.created_at`)}, s.mode, coalesce(s.assignment_id, ''), coalesce(${row}.model, ''),
         1, ${row}.tokens_in, ${row}.tokens_out, ${row}.cost, ${ESTIMATED(row)}
  FROM session s WHERE s.id = ${row}.session_id AND ${CALL(row)}
  ${ADD(r)};`;

const subtractTurn = (r: Rollup, row: 'old') => `UPDATE ${r.table} SET turns = turns - 1, tokens_in = tokens_in - ${row}.tokens_in, tokens_out = tokens_out - ${row}.tokens_out,
      cost = cost - ${row}.cost, estimated_turns = estimated_turns - ${ESTIMATED(row)}
  WHERE ${CALL(row)} AND (user_id, ${r.key}, mode, assignment_key, model_key) =
    (SELECT s.user_id, ${r.of(`${row}.created_at`)}, s.mode, coalesce(s.assignment_id, ''), coalesce(${row}.model, '')
     FROM session s WHERE s.id = ${row}.session_id);`;

/** A whole session's model-call turns, grouped by the rollup's key, under the session row `s` given. */
const sessionGroups = (r: Rollup, row: 'old' | 'new') => `SELECT ${row}.user_id AS user_id, ${r.of('t.created_at')} AS ${r.key}, ${row}.mode AS mode,
         coalesce(${row}.assignment_id, '') AS assignment_key, coalesce(t.model, '') AS model_key, count(*) AS turns,
         sum(t.tokens_in) AS tokens_in, sum(t.tokens_out) AS tokens_out, sum(t.cost) AS cost, sum(${ESTIMATED('t')}) AS estimated_turns
  FROM turn t WHERE t.session_id = ${row}.id AND ${CALL('t')} GROUP BY 2, 5`;

const subtractSession = (r: Rollup) => `UPDATE ${r.table} SET turns = ${r.table}.turns - d.turns, tokens_in = ${r.table}.tokens_in - d.tokens_in,
      tokens_out = ${r.table}.tokens_out - d.tokens_out, cost = ${r.table}.cost - d.cost, estimated_turns = ${r.table}.estimated_turns - d.estimated_turns
  FROM (${sessionGroups(r, 'old')}) AS d
  WHERE ${r.table}.user_id = d.user_id AND ${r.table}.${r.key} = d.${r.key} AND ${r.table}.mode = d.mode
    AND ${r.table}.assignment_key = d.assignment_key AND ${r.table}.model_key = d.model_key;`;

/** The five triggers that keep one rollup, named with `prefix`. */
function rollupTriggers(r: Rollup, prefix: string): Record<string, string> {
  return {
    [`${prefix}_after_turn_insert`]: `CREATE TRIGGER ${prefix}_after_turn_insert AFTER INSERT ON turn WHEN ${CALL('new')} BEGIN
  ${addTurn(r, 'new')}
END`,
    // A session being deleted has already taken its turns out (below); then the subquery finds no
    // session and this changes nothing, so cascaded turn deletes are not subtracted twice.
    [`${prefix}_after_turn_delete`]: `CREATE TRIGGER ${prefix}_after_turn_delete AFTER DELETE ON turn WHEN ${CALL('old')} BEGIN
  ${subtractTurn(r, 'old')}
END`,
    // Streaming flushes change only content: no work for them.
    [`${prefix}_after_turn_update`]: `CREATE TRIGGER ${prefix}_after_turn_update AFTER UPDATE ON turn
  WHEN old.role IS NOT new.role OR old.tokens_in IS NOT new.tokens_in OR old.tokens_out IS NOT new.tokens_out OR old.cost IS NOT new.cost
    OR old.model IS NOT new.model OR old.created_at IS NOT new.created_at OR old.session_id IS NOT new.session_id
    OR ${ESTIMATED('old')} IS NOT ${ESTIMATED('new')} BEGIN
  ${subtractTurn(r, 'old')}
  ${addTurn(r, 'new')}
END`,
    [`${prefix}_before_session_delete`]: `CREATE TRIGGER ${prefix}_before_session_delete BEFORE DELETE ON session BEGIN
  ${subtractSession(r)}
END`,
    [`${prefix}_after_session_regroup`]: `CREATE TRIGGER ${prefix}_after_session_regroup AFTER UPDATE OF user_id, mode, assignment_id ON session BEGIN
  ${subtractSession(r)}
  INSERT INTO ${r.table} (user_id, ${r.key}, mode, assignment_key, model_key, turns, tokens_in, tokens_out, cost, estimated_turns)
  SELECT * FROM (${sessionGroups(r, 'new')}) WHERE true
  ${ADD(r)};
END`,
  };
}

/** Recomputes every row of a rollup from the turns: after a repair, or when the table is new. */
function rebuild(db: Database.Database, r: Rollup): void {
  db.exec(`DELETE FROM ${r.table};
    INSERT INTO ${r.table} (user_id, ${r.key}, mode, assignment_key, model_key, turns, tokens_in, tokens_out, cost, estimated_turns)
    SELECT s.user_id, ${r.of('t.created_at')}, s.mode, coalesce(s.assignment_id, ''), coalesce(t.model, ''),
           count(*), sum(t.tokens_in), sum(t.tokens_out), sum(t.cost), sum(${ESTIMATED('t')})
    FROM turn t JOIN session s ON s.id = t.session_id WHERE ${CALL('t')} GROUP BY 1, 2, 3, 4, 5;`);
}

export const USAGE_TRIGGERS: Record<string, string> = rollupTriggers(BUCKETS, 'usage');

/** Recomputes every bucket from the turns: after a repair, or when the table is new. */
export function rebuildUsageBuckets(db: Database.Database): void {
  rebuild(db, BUCKETS);
}

const days = (offsetMinutes: number): Rollup => ({ table: 'usage_day', key: 'day', of: (time) => dayNumberSql(time, offsetMinutes) });

/** The usage_day triggers for a zone `offsetMinutes` east of UTC (the offset is part of their SQL). */
export function usageDayTriggers(offsetMinutes: number): Record<string, string> {
  return rollupTriggers(days(offsetMinutes), 'usage_day');
}

export function rebuildUsageDays(db: Database.Database, offsetMinutes: number): void {
  rebuild(db, days(offsetMinutes));
}

/**
 * The zone usage_day is kept in: the one recorded with it, else (a new table) this machine's
 * current offset — the time zone of the student the installation serves. Kept, not followed: a
 * later change (daylight saving time, a trip) makes reports in the new offset read the 15-minute
 * buckets, correct and a little slower, rather than rebuild the table on every start.
 */
export function usageDayOffset(db: Database.Database): number {
  const stored = db.prepare('SELECT value FROM setting WHERE key = ?').pluck().get(USAGE_DAY_OFFSET_KEY) as string | undefined;
  const offset = stored === undefined ? NaN : Number(JSON.parse(stored));
  return Number.isInteger(offset) && Math.abs(offset) <= 18 * 60 ? offset : -new Date().getTimezoneOffset() || 0;
}
