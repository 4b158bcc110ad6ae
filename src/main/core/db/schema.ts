/**
 * The SQLite schema, field for field as the seed's `session` and `turn` tables. drizzle-kit
 * generates migrations/ from this file; the FTS table lives in a hand-written migration and its
 * triggers in fts.ts. Timestamps: integer epoch milliseconds (UTC). Cost: integer micro-cents.
 */
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import { blob, check, index, integer, primaryKey, sql, sqliteTable, text, uniqueIndex } from './drizzle.ts';

type JsonObject = Record<string, unknown>;

const jsonObjectCheck = (column: string) => sql.raw(`json_valid(${column}) AND json_type(${column}) = 'object'`);

export const session = sqliteTable(
  'session',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id').notNull(),
    assignment_id: text('assignment_id'),
    mode: text('mode', { enum: ['chat', 'homework', 'deep_think'] }).notNull(),
    started_at: integer('started_at').notNull(),
    ended_at: integer('ended_at'),
    policy_snapshot: text('policy_snapshot', { mode: 'json' }).$type<JsonObject>().notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
  },
  (t) => [
    // Serves the seed's session.user_id index and the newest-first history page in one; covering
    // (id included) so a deep page skips entries in the index without reading the rows.
    index('session_user_id_started_at_idx').on(t.user_id, t.started_at, t.id),
    index('session_assignment_id_idx').on(t.assignment_id),
    // A turn's owner in one index search (covering): the turns of a day join every turn to its
    // session's user_id (turns.repo.ts getTurnsByUserAndDate), without reading the session rows.
    index('session_id_user_id_idx').on(t.id, t.user_id),
    check('session_mode_check', sql.raw("mode IN ('chat', 'homework', 'deep_think')")),
    check('session_times_check', sql.raw("typeof(started_at) = 'integer' AND started_at >= 0 AND (ended_at IS NULL OR (typeof(ended_at) = 'integer' AND ended_at >= started_at))")),
    check('session_policy_snapshot_check', jsonObjectCheck('policy_snapshot')),
    check('session_meta_check', jsonObjectCheck('meta')),
  ],
);

export const turn = sqliteTable(
  'turn',
  {
    id: text('id').primaryKey(),
    session_id: text('session_id')
      .notNull()
      .references(() => session.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['user', 'assistant', 'system'] }).notNull(),
    content: text('content').notNull(),
    tool_calls: text('tool_calls', { mode: 'json' }).$type<unknown[]>(),
    model: text('model'),
    tokens_in: integer('tokens_in').notNull().default(0),
    tokens_out: integer('tokens_out').notNull().default(0),
    cost: integer('cost').notNull().default(0),
    created_at: integer('created_at').notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
    /**
     * The turn this one follows (versions: an edit or a regeneration is a sibling, nothing is
     * overwritten). A user turn's parent is the assistant turn it answers (null: the first
     * message); an assistant turn's is its user turn. Not a seed field: an addition.
     */
    parent_id: text('parent_id').references((): AnySQLiteColumn => turn.id, { onDelete: 'cascade' }),
  },
  (t) => [
    // Children of a turn (versions), and the cascade's lookup when a session's turns are deleted.
    index('turn_parent_id_idx').on(t.parent_id),
    // Serves the seed's turn.session_id index and chronological reads of one session; the id
    // tiebreak is in the index so reads in (created_at, id) order need no sort.
    index('turn_session_id_created_at_idx').on(t.session_id, t.created_at, t.id),
    index('turn_created_at_idx').on(t.created_at, t.id),
    // drizzle-kit 0.31 emits these two expression indexes mangled: check the generated SQL by hand.
    // A retried message is found by its client request id within its user (meta.client_request_key
    // = JSON [user_id, client_request_id]; a turn has no user column), unique so a retry can never
    // write a second user turn, while another user's use of the same id stays invisible ...
    uniqueIndex('turn_client_request_key_idx')
      .on(sql`json_extract(${t.meta}, '$.client_request_key')`)
      .where(sql.raw("json_extract(meta, '$.client_request_key') IS NOT NULL")),
    // ... and start-up finds turns a killed process left unfinished without scanning every turn.
    index('turn_open_status_idx')
      .on(sql`json_extract(${t.meta}, '$.status')`)
      .where(sql.raw("json_extract(meta, '$.status') IN ('pending', 'streaming')")),
    // An assignment's allowance is checked before every message on it (usage.repo.ts
    // assignmentUse): the turns that record a model call (usage-rollup.ts CALL), with what the
    // sum and its WHERE read, so the sum reads this small index and never the turns themselves.
    index('turn_call_usage_idx')
      .on(t.session_id, t.role, sql`json_extract(${t.meta}, '$.purpose')`, t.tokens_in, t.tokens_out, t.cost)
      .where(sql.raw("role = 'assistant' OR (role = 'system' AND json_extract(meta, '$.purpose') = 'title')")),
    check('turn_role_check', sql.raw("role IN ('user', 'assistant', 'system')")),
    check('turn_tokens_check', sql.raw("typeof(tokens_in) = 'integer' AND tokens_in >= 0 AND typeof(tokens_out) = 'integer' AND tokens_out >= 0")),
    check('turn_cost_check', sql.raw("typeof(cost) = 'integer' AND cost >= 0")),
    check('turn_created_at_check', sql.raw("typeof(created_at) = 'integer' AND created_at >= 0")),
    check('turn_tool_calls_check', sql.raw("tool_calls IS NULL OR (json_valid(tool_calls) AND json_type(tool_calls) = 'array')")),
    check('turn_meta_check', jsonObjectCheck('meta')),
  ],
);

/** Settings as JSON documents by key (providers, policies, prices, caches). Never secrets. */
export const setting = sqliteTable(
  'setting',
  {
    key: text('key').primaryKey(),
    value: text('value', { mode: 'json' }).notNull(),
    updated_at: integer('updated_at').notNull(),
  },
  () => [check('setting_value_check', sql.raw('json_valid(value)'))],
);

/** Assignments: what homework sessions are about. Imported from a teacher's file or made by hand. */
export const assignment = sqliteTable(
  'assignment',
  {
    id: text('id').primaryKey(),
    title: text('title').notNull(),
    subject: text('subject'),
    description: text('description'),
    due_at: integer('due_at'),
    created_at: integer('created_at').notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
    /** The teacher who made it (null: made before teachers existed, or by the installation's owner); admins see all. */
    owner_id: text('owner_id'),
  },
  (t) => [
    index('assignment_due_at_idx').on(t.due_at),
    index('assignment_owner_id_idx').on(t.owner_id),
    check('assignment_title_check', sql.raw('length(trim(title)) > 0')),
    check('assignment_times_check', sql.raw("typeof(created_at) = 'integer' AND (due_at IS NULL OR typeof(due_at) = 'integer')")),
    check('assignment_meta_check', jsonObjectCheck('meta')),
  ],
);

/** People who may call the API: the local owner (an admin) and whoever the owner makes tokens for. */
export const user = sqliteTable(
  'user',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role', { enum: ['student', 'teacher', 'admin'] }).notNull(),
    created_at: integer('created_at').notNull(),
  },
  (t) => [index('user_name_idx').on(t.name), check('user_role_check', sql.raw("role IN ('student', 'teacher', 'admin')"))],
);

/** Bearer tokens for the HTTP face. Only a SHA-256 of the secret part is kept. */
export const apiToken = sqliteTable(
  'api_token',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    user_id: text('user_id')
      .notNull()
      .references(() => user.id, { onDelete: 'cascade' }),
    secret_hash: text('secret_hash').notNull(),
    created_at: integer('created_at').notNull(),
    last_used_at: integer('last_used_at'),
    revoked_at: integer('revoked_at'),
    /**
     * Issued on this machine to the installation's owner (the first token `studylog serve`
     * prints, `studylog token create --owner`, the sign-in code exchange): with a request from
     * loopback, it acts as the local owner (caller.ts). Tokens made through the API never are.
     */
    local_owner: integer('local_owner', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('api_token_user_id_idx').on(t.user_id), check('api_token_hash_check', sql.raw('length(secret_hash) = 64'))],
);

/**
 * Usage rolled up per user and 15-minute bucket (every real time-zone offset is a multiple of 15
 * minutes, so any local day is a whole number of buckets). Derived from `turn` by triggers
 * (usage.ts), so a year of usage sums ~35,000 rows instead of half a million turns.
 */
export const usageBucket = sqliteTable(
  'usage_bucket',
  {
    user_id: text('user_id').notNull(),
    bucket: integer('bucket').notNull(),
    mode: text('mode').notNull(),
    /** '' for none: part of the key, and NULLs are never equal in a key. */
    assignment_key: text('assignment_key').notNull(),
    model_key: text('model_key').notNull(),
    turns: integer('turns').notNull(),
    tokens_in: integer('tokens_in').notNull(),
    tokens_out: integer('tokens_out').notNull(),
    cost: integer('cost').notNull(),
    estimated_turns: integer('estimated_turns').notNull(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.bucket, t.mode, t.assignment_key, t.model_key] })],
);

/**
 * The learner summary (learner-summary.ts): one row per student and local calendar day, computed
 * from that day's turns once a day and on demand. Derived data: recomputing a day replaces its row.
 */
export const learnerDay = sqliteTable(
  'learner_day',
  {
    user_id: text('user_id').notNull(),
    /** YYYY-MM-DD in the serving computer's time zone. */
    day: text('day').notNull(),
    summary: text('summary', { mode: 'json' }).$type<JsonObject>().notNull(),
    computed_at: integer('computed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.day] }), check('learner_day_summary_check', jsonObjectCheck('summary'))],
);

/**
 * Attachments (photos and PDFs of a problem), content-addressed: the key is the SHA-256 of the
 * stored bytes — an image as re-encoded without its metadata (EXIF, GPS), a PDF as uploaded. The
 * bytes live here, in the database, so a backup or a copy of studylog.db holds them, and an upload
 * is stored whole or not at all (one transaction). `text` is what was read from it locally: OCR
 * of an image, the text of a PDF (attachments.ts).
 */
export const attachment = sqliteTable(
  'attachment',
  {
    sha256: text('sha256').primaryKey(),
    kind: text('kind', { enum: ['image', 'pdf'] }).notNull(),
    mime: text('mime').notNull(),
    bytes: integer('bytes').notNull(),
    width: integer('width'),
    height: integer('height'),
    pages: integer('pages'),
    text: text('text').notNull().default(''),
    data: blob('data', { mode: 'buffer' }).notNull(),
    created_at: integer('created_at').notNull(),
  },
  () => [
    check('attachment_kind_check', sql.raw("kind IN ('image', 'pdf')")),
    check('attachment_sha256_check', sql.raw("length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'")),
    check('attachment_bytes_check', sql.raw("typeof(bytes) = 'integer' AND bytes = length(data)")),
  ],
);

/** Who uploaded an attachment: only they (and admins) may send or read it. */
export const attachmentOwner = sqliteTable(
  'attachment_owner',
  {
    user_id: text('user_id').notNull(),
    sha256: text('sha256')
      .notNull()
      .references(() => attachment.sha256, { onDelete: 'cascade' }),
    created_at: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.sha256] }), index('attachment_owner_sha256_idx').on(t.sha256)],
);

/**
 * The attachments of a user turn, in order, with the name the student gave the file and the text
 * that went to a model that takes no images (the OCR text as the student confirmed it, a PDF's
 * text): a retry sends the same, and search finds it (fts.ts).
 */
export const turnAttachment = sqliteTable(
  'turn_attachment',
  {
    turn_id: text('turn_id')
      .notNull()
      .references(() => turn.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    sha256: text('sha256')
      .notNull()
      .references(() => attachment.sha256),
    name: text('name').notNull(),
    text: text('text').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.turn_id, t.position] }), index('turn_attachment_sha256_idx').on(t.sha256)],
);

/**
 * A student's hand-in for an assignment (one per student and assignment; a resubmission replaces
 * the bundle and keeps the previous bundle's hash in meta.history). Handed in on this server
 * (`source` 'server') or imported from a `.studylog` file (`source` 'file'). No foreign keys: an
 * assignment may be deleted while its hand-ins stay, and a file's student need not have a token.
 */
export const submission = sqliteTable(
  'submission',
  {
    id: text('id').primaryKey(),
    assignment_id: text('assignment_id').notNull(),
    user_id: text('user_id').notNull(),
    status: text('status', { enum: ['draft', 'submitted', 'returned'] }).notNull(),
    session_ids: text('session_ids', { mode: 'json' }).$type<string[]>().notNull(),
    answer: text('answer').notNull(),
    ai_note: text('ai_note').notNull(),
    /** The signed bundle as handed in (canonical JSON text); null while a draft. */
    bundle: text('bundle'),
    /** sha256 (hex) of `bundle`. */
    bundle_hash: text('bundle_hash'),
    submitted_at: integer('submitted_at'),
    late: integer('late', { mode: 'boolean' }).notNull().default(false),
    score: integer('score'),
    feedback: text('feedback'),
    returned_at: integer('returned_at'),
    source: text('source', { enum: ['server', 'file'] }).notNull(),
    /** What the last verification found ({ok, problems, key_fingerprint, checked_at}). */
    verification: text('verification', { mode: 'json' }).$type<JsonObject>(),
    created_at: integer('created_at').notNull(),
    updated_at: integer('updated_at').notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
  },
  (t) => [
    uniqueIndex('submission_assignment_user_idx').on(t.assignment_id, t.user_id),
    index('submission_user_id_idx').on(t.user_id),
    check('submission_status_check', sql.raw("status IN ('draft', 'submitted', 'returned')")),
    check('submission_source_check', sql.raw("source IN ('server', 'file')")),
    check('submission_session_ids_check', sql.raw("json_valid(session_ids) AND json_type(session_ids) = 'array'")),
    check('submission_verification_check', sql.raw("verification IS NULL OR (json_valid(verification) AND json_type(verification) = 'object')")),
    check('submission_meta_check', jsonObjectCheck('meta')),
    check('submission_score_check', sql.raw("score IS NULL OR (typeof(score) = 'integer' AND score >= 0 AND score <= 1000)")),
  ],
);

/**
 * The public key each student's hand-ins are signed with, recorded the first time one arrives
 * (trust on first use): a later hand-in signed by another key is refused.
 */
export const handinKey = sqliteTable('handin_key', {
  user_id: text('user_id').primaryKey(),
  /** Ed25519 public key, SPKI DER, base64. */
  public_key: text('public_key').notNull(),
  first_seen_at: integer('first_seen_at').notNull(),
});

/**
 * What this laptop will send to a class hub (core/sync/): an append-only log of what the student
 * agreed to share, each entry frozen as it was chained (payload, prev_hash, hash), so a later
 * change on the desktop can never make a pushed chain disagree. Only acked_at is ever set, once.
 */
export const syncOutbox = sqliteTable(
  'sync_outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** 'turn' now; 'handin' when hand-ins (the submission table) join the outbox. */
    kind: text('kind', { enum: ['turn', 'handin'] }).notNull(),
    session_id: text('session_id').notNull(),
    item_id: text('item_id').notNull().unique(),
    payload: text('payload', { mode: 'json' }).$type<JsonObject>().notNull(),
    prev_hash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
    enqueued_at: integer('enqueued_at').notNull(),
    acked_at: integer('acked_at'),
  },
  (t) => [index('sync_outbox_session_idx').on(t.session_id, t.seq), index('sync_outbox_pending_idx').on(t.acked_at, t.seq)],
);

/**
 * Usage rolled up per user and local day, in one time zone: the offset the usage-rollup triggers
 * are written for (usage-rollup.ts, the serving machine's). Usage by day over a year then sums
 * ~365 days' rows; another offset, or a range not on that zone's midnights, reads the 15-minute
 * buckets. Derived from `turn` by triggers, like usage_bucket; `day` is the day number in that
 * zone (days since 1970-01-01).
 */
export const usageDay = sqliteTable(
  'usage_day',
  {
    user_id: text('user_id').notNull(),
    day: integer('day').notNull(),
    mode: text('mode').notNull(),
    assignment_key: text('assignment_key').notNull(),
    model_key: text('model_key').notNull(),
    turns: integer('turns').notNull(),
    tokens_in: integer('tokens_in').notNull(),
    tokens_out: integer('tokens_out').notNull(),
    cost: integer('cost').notNull(),
    estimated_turns: integer('estimated_turns').notNull(),
  },
  (t) => [primaryKey({ columns: [t.user_id, t.day, t.mode, t.assignment_key, t.model_key] })],
);
