/**
 * Keeps `usage_bucket` equal to the sums of the turns that record a model call — assistant turns,
 * and the system turns that record a title call (meta.purpose 'title', llm/model-title.ts) — per (user, 15-minute bucket, mode,
 * assignment, model). Triggers follow every insert, update and delete of a turn, and a session's
 * deletion or change of owner, mode or assignment. Installed and verified on every open
 * (derived.ts), like the FTS triggers.
 */
import type Database from 'better-sqlite3';

export const BUCKET_MS = 15 * 60_000;

/** A turn that records a model call: usage counts it. */
export const CALL = (row: string) => `(${row}.role = 'assistant' OR (${row}.role = 'system' AND json_extract(${row}.meta, '$.purpose') = 'title'))`;
const ESTIMATED = (row: string) => `coalesce(json_extract(${row}.meta, '$.usage.estimated') = 1, 0)`;
const ADD = `ON CONFLICT (user_id, bucket, mode, assignment_key, model_key) DO UPDATE SET
    turns = turns + excluded.turns, tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out,
    cost = cost + excluded.cost, estimated_turns = estimated_turns + excluded.estimated_turns`;

/** Adds one turn row (`new` or `old`) with sign +1, as an upsert. */
const addTurn = (row: 'new') => `INSERT INTO usage_bucket (user_id, bucket, mode, assignment_key, model_key, turns, tokens_in, tokens_out, cost, estimated_turns)
  SELECT s.user_id, ${row}.created_at - ${row}.created_at % ${BUCKET_MS}, s.mode, coalesce(s.assignment_id, ''), coalesce(${row}.model, ''),
         1, ${row}.tokens_in, ${row}.tokens_out, ${row}.cost, ${ESTIMATED(row)}
  FROM session s WHERE s.id = ${row}.session_id AND ${CALL(row)}
  ${ADD};`;

const subtractTurn = (row: 'old') => `UPDATE usage_bucket SET turns = turns - 1, tokens_in = tokens_in - ${row}.tokens_in, tokens_out = tokens_out - ${row}.tokens_out,
      cost = cost - ${row}.cost, estimated_turns = estimated_turns - ${ESTIMATED(row)}
  WHERE ${CALL(row)} AND (user_id, bucket, mode, assignment_key, model_key) =
    (SELECT s.user_id, ${row}.created_at - ${row}.created_at % ${BUCKET_MS}, s.mode, coalesce(s.assignment_id, ''), coalesce(${row}.model, '')
     FROM session s WHERE s.id = ${row}.session_id);`;

/** A whole session's assistant turns, grouped as buckets, under the session row `s` given. */
const sessionBuckets = (row: 'old' | 'new') => `SELECT ${row}.user_id AS user_id, t.created_at - t.created_at % ${BUCKET_MS} AS bucket, ${row}.mode AS mode,
         coalesce(${row}.assignment_id, '') AS assignment_key, coalesce(t.model, '') AS model_key, count(*) AS turns,
         sum(t.tokens_in) AS tokens_in, sum(t.tokens_out) AS tokens_out, sum(t.cost) AS cost, sum(${ESTIMATED('t')}) AS estimated_turns
  FROM turn t WHERE t.session_id = ${row}.id AND ${CALL('t')} GROUP BY 2, 5`;

const subtractSession = `UPDATE usage_bucket SET turns = usage_bucket.turns - d.turns, tokens_in = usage_bucket.tokens_in - d.tokens_in,
      tokens_out = usage_bucket.tokens_out - d.tokens_out, cost = usage_bucket.cost - d.cost, estimated_turns = usage_bucket.estimated_turns - d.estimated_turns
  FROM (${sessionBuckets('old')}) AS d
  WHERE usage_bucket.user_id = d.user_id AND usage_bucket.bucket = d.bucket AND usage_bucket.mode = d.mode
    AND usage_bucket.assignment_key = d.assignment_key AND usage_bucket.model_key = d.model_key;`;

export const USAGE_TRIGGERS: Record<string, string> = {
  usage_after_turn_insert: `CREATE TRIGGER usage_after_turn_insert AFTER INSERT ON turn WHEN ${CALL('new')} BEGIN
  ${addTurn('new')}
END`,
  // A session being deleted has already taken its turns out (below); then the subquery finds no
  // session and this changes nothing, so cascaded turn deletes are not subtracted twice.
  usage_after_turn_delete: `CREATE TRIGGER usage_after_turn_delete AFTER DELETE ON turn WHEN ${CALL('old')} BEGIN
  ${subtractTurn('old')}
END`,
  // Streaming flushes change only content: no work for them.
  usage_after_turn_update: `CREATE TRIGGER usage_after_turn_update AFTER UPDATE ON turn
  WHEN old.role IS NOT new.role OR old.tokens_in IS NOT new.tokens_in OR old.tokens_out IS NOT new.tokens_out OR old.cost IS NOT new.cost
    OR old.model IS NOT new.model OR old.created_at IS NOT new.created_at OR old.session_id IS NOT new.session_id
    OR ${ESTIMATED('old')} IS NOT ${ESTIMATED('new')} BEGIN
  ${subtractTurn('old')}
  ${addTurn('new')}
END`,
  usage_before_session_delete: `CREATE TRIGGER usage_before_session_delete BEFORE DELETE ON session BEGIN
  ${subtractSession}
END`,
  usage_after_session_regroup: `CREATE TRIGGER usage_after_session_regroup AFTER UPDATE OF user_id, mode, assignment_id ON session BEGIN
  ${subtractSession}
  INSERT INTO usage_bucket (user_id, bucket, mode, assignment_key, model_key, turns, tokens_in, tokens_out, cost, estimated_turns)
  SELECT * FROM (${sessionBuckets('new')}) WHERE true
  ${ADD};
END`,
};

/** Recomputes every bucket from the turns: after a repair, or when the table is new. */
export function rebuildUsageBuckets(db: Database.Database): void {
  db.exec(`DELETE FROM usage_bucket;
    INSERT INTO usage_bucket (user_id, bucket, mode, assignment_key, model_key, turns, tokens_in, tokens_out, cost, estimated_turns)
    SELECT s.user_id, t.created_at - t.created_at % ${BUCKET_MS}, s.mode, coalesce(s.assignment_id, ''), coalesce(t.model, ''),
           count(*), sum(t.tokens_in), sum(t.tokens_out), sum(t.cost), sum(${ESTIMATED('t')})
    FROM turn t JOIN session s ON s.id = t.session_id WHERE ${CALL('t')} GROUP BY 1, 2, 3, 4, 5;`);
}
