/**
 * The hub's tables on PostgreSQL (drizzle pg-core). drizzle-kit generates migrations-hub/pg/
 * from this file (drizzle.hub-pg.config.ts); schema.sqlite.ts is the same tables for the hub on
 * SQLite. drizzle has no schema source shared by two dialects, so the two files are kept side by
 * side, column for column; what differs (README "Hub"): JSON is jsonb here and JSON text there;
 * booleans are boolean here and 0/1 there; search is a text[] of bigrams under a GIN index here
 * and an FTS5 table of the same bigrams there. Times are epoch milliseconds (bigint) as on the
 * desktop; `created_at`/`started_at` are the laptop's clock (kept as data), `received_at`/
 * `updated_at` the hub's.
 */
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, smallint, text, uniqueIndex } from './drizzle-pg.ts';

type JsonObject = Record<string, unknown>;
const ms = (name: string) => bigint(name, { mode: 'number' });

export const hubUser = pgTable('hub_user', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['student', 'teacher', 'admin'] }).notNull(),
  created_at: ms('created_at').notNull(),
});

export const hubClass = pgTable('hub_class', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  code: text('code').notNull().unique(),
  created_at: ms('created_at').notNull(),
  /**
   * May a student not on the roster join with the class code alone? null: the default — yes while
   * the class has no roster, no once it has one (roster entries are claimed with their own join code).
   */
  open_join: boolean('open_join'),
});

/** Who is in a class: students (from the roster or by joining) and its teachers. */
export const hubMember = pgTable(
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
export const hubDevice = pgTable(
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

export const hubAssignment = pgTable(
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
    policy: jsonb('policy').$type<JsonObject>().notNull(),
    created_at: ms('created_at').notNull(),
    updated_at: ms('updated_at').notNull(),
  },
  (t) => [index('hub_assignment_class_updated_idx').on(t.class_id, t.updated_at)],
);

/** A teacher's grade and feedback on one student's work on one assignment. */
export const hubFeedback = pgTable(
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
export const hubAllowance = pgTable(
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
export const hubSession = pgTable(
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
    meta: jsonb('meta').$type<JsonObject>().notNull(),
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
    tokens: bigint('tokens', { mode: 'number' }).notNull().default(0),
    title: text('title'),
  },
  (t) => [index('hub_session_user_idx').on(t.user_id, t.started_at), index('hub_session_assignment_idx').on(t.assignment_id)],
);

export const hubTurn = pgTable(
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
    cost: bigint('cost', { mode: 'number' }).notNull(),
    created_at: ms('created_at').notNull(),
    received_at: ms('received_at').notNull(),
    meta: jsonb('meta').$type<JsonObject>().notNull(),
    /** This turn's link of the session's hash chain (handin/chain.ts), verified on arrival. */
    hash: text('hash').notNull(),
    /** Copied out of meta at ingest for the dashboard's triage (an index, not a JSON scan). */
    hint_level: smallint('hint_level'),
    flagged: boolean('flagged').notNull().default(false),
    /** Search tokens (hub/search.ts): CJK bigrams and unigrams, lower-cased Latin words. */
    grams: text('grams').array().notNull(),
  },
  (t) => [
    index('hub_turn_session_idx').on(t.session_id, t.created_at, t.id),
    index('hub_turn_user_received_idx').on(t.user_id, t.received_at),
    index('hub_turn_grams_idx').using('gin', t.grams),
  ],
);

/**
 * A hand-in that reached the hub: the signed `.studylog` bundle (handin/bundle.ts) as the laptop
 * sent it, verified on arrival as a teacher's import verifies a file, filed under its assignment
 * (one per student and assignment; a new bundle replaces the old until it is graded). The
 * teacher's score and feedback go back to the laptop on its next pull.
 */
export const hubHandin = pgTable(
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
    /** The laptop's submission id (bundle.submission.id): where the grade is written back. */
    submission_id: text('submission_id').notNull(),
    bundle: text('bundle').notNull(),
    bundle_hash: text('bundle_hash').notNull(),
    submitted_at: ms('submitted_at').notNull(),
    late: boolean('late').notNull(),
    received_at: ms('received_at').notNull(),
    verification: jsonb('verification').$type<JsonObject>().notNull(),
    status: text('status', { enum: ['submitted', 'returned'] }).notNull(),
    score: integer('score'),
    feedback: text('feedback'),
    returned_at: ms('returned_at'),
    updated_at: ms('updated_at').notNull(),
    /** history: the bundles it replaced ({bundle_hash, submitted_at, received_at}). */
    meta: jsonb('meta').$type<JsonObject>().notNull(),
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

/** The key each student's hand-ins are signed with, recorded from the first one (trust on first use). */
export const hubHandinKey = pgTable('hub_handin_key', {
  user_id: text('user_id')
    .primaryKey()
    .references(() => hubUser.id, { onDelete: 'cascade' }),
  public_key: text('public_key').notNull(),
  first_seen_at: ms('first_seen_at').notNull(),
});

/**
 * One-time re-computations of a derived column over every stored row, done at open in batches
 * (hub/reindex.ts). A migration asks for one by inserting (or resetting) its row; `cursor` is how
 * far it got (a restart continues there), `done_at` when it finished. `search_index`: each turn's
 * search grams (here) or FTS text (SQLite) made again with the function new turns use.
 */
export const hubReindex = pgTable('hub_reindex', {
  name: text('name').primaryKey(),
  cursor: text('cursor'),
  done_at: ms('done_at'),
});
