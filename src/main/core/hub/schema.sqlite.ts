/**
 * The hub's tables on SQLite (`studylog hub` without --database-url: a class on the teacher's
 * laptop), column for column as schema.pg.ts (see there, and README "Hub", for what differs).
 * drizzle-kit generates migrations-hub/sqlite/ from this file (drizzle.hub-sqlite.config.ts);
 * the FTS5 search table is a hand-written migration there.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from '../db/drizzle.ts';

type JsonObject = Record<string, unknown>;
const ms = (name: string) => integer(name);

export const hubUser = sqliteTable('hub_user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['student', 'teacher', 'admin'] }).notNull(),
  created_at: ms('created_at').notNull(),
});

export const hubClass = sqliteTable('hub_class', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  code: text('code').notNull().unique(),
  created_at: ms('created_at').notNull(),
  /**
   * May a student not on the roster join with the class code alone? null: the default — yes while
   * the class has no roster, no once it has one (roster entries are claimed with their own join code).
   */
  open_join: integer('open_join', { mode: 'boolean' }),
});

/** Who is in a class: students (from the roster or by joining) and its teachers. */
export const hubMember = sqliteTable(
  'hub_member',
  {
    class_id: text('class_id')
      .notNull()
      .references(() => hubClass.id, { onDelete: 'cascade' }),
    user_id: text('user_id')
      .notNull()
      .references(() => hubUser.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['student', 'teacher'] }).notNull(),
    /** The school's number for the student (the roster's key); null for a teacher. */
    student_no: text('student_no'),
    joined_at: ms('joined_at').notNull(),
    /**
     * A roster entry's one-time join code (store.ts issueJoinCode): only a SHA-256 of it, the one it
     * replaced (so a reissued code is named as such), when it was issued (not null: the entry came
     * from an import or a teacher's add — the class "has a roster") and spent, and the wrong codes
     * tried in the current window, which began at join_code_failures_since (JOIN_CODE_MAX_FAILURES
     * in JOIN_CODE_WINDOW_MS lock the entry until the window ends; never counted once spent).
     */
    join_code_hash: text('join_code_hash'),
    join_code_old_hash: text('join_code_old_hash'),
    join_code_issued_at: ms('join_code_issued_at'),
    join_code_spent_at: ms('join_code_spent_at'),
    join_code_failures: integer('join_code_failures').notNull().default(0),
    join_code_failures_since: ms('join_code_failures_since'),
  },
  (t) => [primaryKey({ columns: [t.class_id, t.user_id] }), uniqueIndex('hub_member_student_no_idx').on(t.class_id, t.student_no), index('hub_member_user_idx').on(t.user_id)],
);

/** One bearer token per device (a laptop, a teacher's browser); only a SHA-256 of the secret is kept. */
export const hubDevice = sqliteTable(
  'hub_device',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id')
      .notNull()
      .references(() => hubUser.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    secret_hash: text('secret_hash').notNull(),
    created_at: ms('created_at').notNull(),
    last_seen_at: ms('last_seen_at'),
    revoked_at: ms('revoked_at'),
  },
  (t) => [index('hub_device_user_idx').on(t.user_id)],
);

export const hubAssignment = sqliteTable(
  'hub_assignment',
  {
    id: text('id').primaryKey(),
    class_id: text('class_id')
      .notNull()
      .references(() => hubClass.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    description: text('description'),
    due_at: ms('due_at'),
    /** The assignment's AI policy (modes, hint ceiling, share_sessions …) as the desktop reads it. */
    policy: text('policy', { mode: 'json' }).$type<JsonObject>().notNull(),
    created_at: ms('created_at').notNull(),
    updated_at: ms('updated_at').notNull(),
  },
  (t) => [index('hub_assignment_class_updated_idx').on(t.class_id, t.updated_at)],
);

/** A teacher's grade and feedback on one student's work on one assignment. */
export const hubFeedback = sqliteTable(
  'hub_feedback',
  {
    assignment_id: text('assignment_id')
      .notNull()
      .references(() => hubAssignment.id, { onDelete: 'cascade' }),
    user_id: text('user_id')
      .notNull()
      .references(() => hubUser.id, { onDelete: 'cascade' }),
    grade: text('grade'),
    feedback: text('feedback'),
    updated_at: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.assignment_id, t.user_id] }), index('hub_feedback_user_updated_idx').on(t.user_id, t.updated_at)],
);

/** A teacher's change to a student's token allowance in a class (per day; daily_tokens null: cleared, no daily allowance). */
export const hubAllowance = sqliteTable(
  'hub_allowance',
  {
    class_id: text('class_id')
      .notNull()
      .references(() => hubClass.id, { onDelete: 'cascade' }),
    user_id: text('user_id')
      .notNull()
      .references(() => hubUser.id, { onDelete: 'cascade' }),
    daily_tokens: integer('daily_tokens'),
    updated_at: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.class_id, t.user_id] }), index('hub_allowance_user_updated_idx').on(t.user_id, t.updated_at)],
);

/** A shared session, and the head of its verified hash chain (what the next pushed turn must follow). */
export const hubSession = sqliteTable(
  'hub_session',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id')
      .notNull()
      .references(() => hubUser.id, { onDelete: 'cascade' }),
    device_id: text('device_id').notNull(),
    assignment_id: text('assignment_id'),
    mode: text('mode').notNull(),
    started_at: ms('started_at').notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
    received_at: ms('received_at').notNull(),
    chain_head: text('chain_head').notNull(),
    /** The turns of its hash chain the hub holds (push's turn_count), title calls included. */
    turn_count: integer('turn_count').notNull(),
    /**
     * What the dashboard counts, kept by push so the overview and the inbox read sessions, not
     * turns: `messages`, its student's messages and the AI's answers (not the title calls, system
     * turns: the count a hand-in's transcript gives); `tokens`, tokens_in + tokens_out of its
     * answers (role assistant, as the allowance counts them); `title`, the latest title call's
     * text (its first 500 characters), for search. hub_session_counts recomputed older rows.
     */
    messages: integer('messages').notNull().default(0),
    tokens: integer('tokens').notNull().default(0),
    title: text('title'),
  },
  (t) => [index('hub_session_user_idx').on(t.user_id, t.started_at), index('hub_session_assignment_idx').on(t.assignment_id)],
);

export const hubTurn = sqliteTable(
  'hub_turn',
  {
    id: text('id').primaryKey(),
    session_id: text('session_id')
      .notNull()
      .references(() => hubSession.id, { onDelete: 'cascade' }),
    user_id: text('user_id').notNull(),
    parent_id: text('parent_id'),
    role: text('role').notNull(),
    content: text('content').notNull(),
    model: text('model'),
    tokens_in: integer('tokens_in').notNull(),
    tokens_out: integer('tokens_out').notNull(),
    cost: integer('cost').notNull(),
    created_at: ms('created_at').notNull(),
    received_at: ms('received_at').notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
    /** This turn's link of the session's hash chain (handin/chain.ts), verified on arrival. */
    hash: text('hash').notNull(),
    /** Copied out of meta at ingest for the dashboard's triage (an index, not a JSON scan). */
    hint_level: integer('hint_level'),
    flagged: integer('flagged', { mode: 'boolean' }).notNull().default(false),
  },
  (t) => [index('hub_turn_session_idx').on(t.session_id, t.created_at, t.id), index('hub_turn_user_received_idx').on(t.user_id, t.received_at)],
);

/** A hand-in that reached the hub (schema.pg.ts hubHandin). */
export const hubHandin = sqliteTable(
  'hub_handin',
  {
    id: text('id').primaryKey(),
    assignment_id: text('assignment_id')
      .notNull()
      .references(() => hubAssignment.id, { onDelete: 'cascade' }),
    user_id: text('user_id')
      .notNull()
      .references(() => hubUser.id, { onDelete: 'cascade' }),
    device_id: text('device_id').notNull(),
    submission_id: text('submission_id').notNull(),
    bundle: text('bundle').notNull(),
    bundle_hash: text('bundle_hash').notNull(),
    submitted_at: ms('submitted_at').notNull(),
    late: integer('late', { mode: 'boolean' }).notNull(),
    received_at: ms('received_at').notNull(),
    verification: text('verification', { mode: 'json' }).$type<JsonObject>().notNull(),
    status: text('status', { enum: ['submitted', 'returned'] }).notNull(),
    score: integer('score'),
    feedback: text('feedback'),
    returned_at: ms('returned_at'),
    updated_at: ms('updated_at').notNull(),
    meta: text('meta', { mode: 'json' }).$type<JsonObject>().notNull(),
    /**
     * The bundle's first and last turn times (min and max of its turns' created_at, the laptop's
     * clock, whole ms rounded down), kept at receive so the learner days (learner-days.ts) skip,
     * in SQL, a hand-in that cannot hold a turn of the range without reading its bundle. Null: no
     * turns, or a time out of range — such a hand-in is always read.
     */
    first_turn_at: ms('first_turn_at'),
    last_turn_at: ms('last_turn_at'),
  },
  (t) => [uniqueIndex('hub_handin_assignment_user_idx').on(t.assignment_id, t.user_id), index('hub_handin_user_updated_idx').on(t.user_id, t.updated_at)],
);

export const hubHandinKey = sqliteTable('hub_handin_key', {
  user_id: text('user_id')
    .primaryKey()
    .references(() => hubUser.id, { onDelete: 'cascade' }),
  public_key: text('public_key').notNull(),
  first_seen_at: ms('first_seen_at').notNull(),
});

/** One-time re-computations of a derived column at open (schema.pg.ts hubReindex). */
export const hubReindex = sqliteTable('hub_reindex', {
  name: text('name').primaryKey(),
  cursor: text('cursor'),
  done_at: ms('done_at'),
});
