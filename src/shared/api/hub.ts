/**
 * The hub's contract (routes under /api/v1/hub/, served by `studylog hub`): what a desktop pushes
 * and pulls, what a teacher sends and reads. JSON field names snake_case, as the desktop's.
 */
import { z } from 'zod';
import { DAILY_TOKENS_MAX } from '../hub-text.ts';
import { HUB_PREFIX } from './manifest.ts';
import { BundleV1Schema, BundleV2Schema, MAX_FEEDBACK_CHARS, MAX_SCORE, type HandinSummary, type Verification } from './handin.ts';
import { AssignmentPolicySchema, checkDayRange, DaySchema, IdSchema, MAX_RANGE_DAYS, PersonNameSchema } from './schemas.ts';

export { HUB_PREFIX };

const Id = z.string().min(1).max(128);
/** An id the hub makes or takes (its users, devices, classes): what a laptop checks in the hub's replies (sync/hub-replies.ts). */
export const HubIdSchema = Id;
const Ms = z.number().int().min(0).max(8.64e15);
const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'a hex SHA-256');
const JsonObject = z.record(z.string(), z.unknown());

export const HubRoleSchema = z.enum(['student', 'teacher', 'admin']);
export type HubRole = z.infer<typeof HubRoleSchema>;

/**
 * `open_join`: may a student not on the roster join with the class code alone? null (the default):
 * yes while the class has no roster, no once it has one.
 */
export const CreateClassSchema = z.object({ name: z.string().trim().min(1).max(200), open_join: z.boolean().nullable().optional() });
export const JoinPolicySchema = z.object({ open_join: z.boolean().nullable() });
export const JoinClassSchema = z.object({
  code: z.string().trim().min(4).max(32),
  /**
   * The name the student typed: needed only to join off the roster (with the class code alone); a
   * roster entry claimed with its join code keeps the roster's name, whatever was typed.
   */
  name: PersonNameSchema.optional(),
  student_no: z.string().trim().min(1).max(64).optional(),
  /** The roster entry's own one-time join code (needed to claim an entry of the roster). */
  join_code: z.string().trim().min(1).max(32).optional(),
  device_name: z.string().trim().min(1).max(200).default('laptop'),
});
/** A teacher adds one student to the roster (as a one-line roster import would). */
export const AddStudentSchema = z.object({ student_no: z.string().trim().min(1).max(64), name: PersonNameSchema });
/** An admin adds a teacher (a hub user with the teacher role) to a class. */
export const AddTeacherSchema = z.object({ user_id: Id });
export const NewDeviceSchema = z.object({ name: z.string().trim().min(1).max(200) });
export const RosterImportSchema = z.object({ csv: z.string().min(1).max(2_000_000) });
/** One turn as pushed: the chain fields (handin/chain.ts ChainTurn, minus session_id) and its link. */
export const PushTurnSchema = z.object({
  id: Id,
  parent_id: Id.nullable(),
  role: z.enum(['user', 'assistant', 'system']),
  content: z.string().max(1_000_000),
  model: z.string().max(200).nullable(),
  tokens_in: z.number().int().min(0),
  tokens_out: z.number().int().min(0),
  cost: z.number().int().min(0),
  created_at: Ms,
  meta: JsonObject,
  /** The hash of the turn before it in the session (64 zeros for the first). */
  prev_hash: Hash,
  hash: Hash,
});
export type PushTurn = z.infer<typeof PushTurnSchema>;

export const PushSessionSchema = z.object({
  id: Id,
  assignment_id: Id.nullable(),
  mode: z.enum(['chat', 'homework', 'deep_think']),
  started_at: Ms,
  meta: JsonObject,
  turns: z.array(PushTurnSchema).max(2_000),
});
export type PushSession = z.infer<typeof PushSessionSchema>;

export const PushSchema = z.object({ sessions: z.array(PushSessionSchema).min(1).max(500) });
export type PushInput = z.infer<typeof PushSchema>;

/** Per session: the turns now stored, those it already had, or why the session was refused. */
export interface PushSessionResult {
  session_id: string;
  stored: string[];
  duplicate: string[];
  error?: { code: 'chain_broken' | 'chain_gap' | 'forbidden'; detail: string; turn_id: string | null };
  /** The hub's chain head for the session after this push (a device resends from here on chain_gap). */
  head: string;
  turn_count: number;
}
export interface PushResult {
  received_at: number;
  sessions: PushSessionResult[];
}

/**
 * An id under the desktop's rules (IdSchema), checked as sent, never trimmed. The hub takes it for
 * the id a teacher (a script: the dashboard sends none for a new assignment, the hub makes a UUIDv7)
 * gives an assignment — one a laptop can store it under (IdSchema: letters, digits and
 * _ - . : @ + ~, no spaces or slashes, not only dots), refused here with IdSchema's own words
 * (validation_error naming `id`; the dashboard says them in Chinese, lib/errors.ts idChars) so the
 * teacher learns at once, not when no laptop takes the assignment. Checked as sent, never trimmed:
 * ` hw1` is refused, not saved as another assignment `hw1`. Rows stored before this check keep
 * their ids (no migration); saving one again is refused the same way, and the form says why.
 */
export const ExactIdSchema = z
  .string()
  .refine((id) => id === id.trim(), 'must hold only letters, digits and _ - . : @ + ~ (no spaces, slashes or control characters)')
  .pipe(IdSchema);

export const AssignmentInputSchema = z.object({
  id: ExactIdSchema.optional(),
  class_id: Id,
  title: z.string().trim().min(1).max(500),
  description: z.string().max(20_000).nullable().default(null),
  due_at: Ms.nullable().default(null),
  /**
   * The desktop's own schema for an assignment's AI policy: a policy the laptops would misread (a
   * hint ceiling of 9, a mode that does not exist, a field no Studylog knows) is refused here as a
   * validation_error naming the field (`policy.hint_ceiling`), and dates are stored as epoch ms.
   */
  policy: AssignmentPolicySchema.default({}),
});
export const FeedbackInputSchema = z.object({
  assignment_id: Id,
  user_id: Id,
  grade: z.string().max(100).nullable().default(null),
  feedback: z.string().max(20_000).nullable().default(null),
});
/** A student's daily token allowance in a class: a whole number of tokens (0: no AI answers on its assignments), or null to clear it (no daily allowance). */
export const AllowanceInputSchema = z.object({ class_id: Id, user_id: Id, daily_tokens: z.number().int().min(0).max(DAILY_TOKENS_MAX).nullable() });

export interface HubAssignment {
  id: string;
  class_id: string;
  title: string;
  description: string | null;
  due_at: number | null;
  policy: Record<string, unknown>;
  updated_at: number;
}
export interface HubFeedback {
  assignment_id: string;
  user_id: string;
  grade: string | null;
  feedback: string | null;
  updated_at: number;
}
export interface HubAllowance {
  class_id: string;
  user_id: string;
  /** null: cleared (the laptop then applies no daily allowance for the class). */
  daily_tokens: number | null;
  updated_at: number;
}
/**
 * GET /classes/:id/allowances: each student of the class with their daily token allowance
 * (null: none set, or cleared) and what the hub has of their use today — the answers' tokens on the
 * class's assignments, pushed so far and made since midnight of the hub's calendar day (the laptop
 * counts its own local day, and is ahead until it syncs).
 */
export interface AllowanceRow {
  user_id: string;
  name: string;
  student_no: string | null;
  daily_tokens: number | null;
  /** When the allowance was last set or cleared; null: never. */
  updated_at: number | null;
  used_today: number;
}
/**
 * A graded hand-in, as its laptop pulls it: written onto the laptop's own submission
 * (`submission_id`), which then shows returned with its score and feedback, as a hand-in returned
 * on the desktop does.
 */
export interface HubHandinGrade {
  submission_id: string;
  assignment_id: string;
  /** The bundle that was graded. */
  bundle_hash: string;
  score: number | null;
  feedback: string | null;
  returned_at: number;
  updated_at: number;
}
/** What a device pulls: everything changed at or after `since` (hub clock); pass `cursor` next time. */
export interface PullResult {
  assignments: HubAssignment[];
  feedback: HubFeedback[];
  allowances: HubAllowance[];
  /** Hand-ins graded on the hub (older hubs leave it out). */
  handins?: HubHandinGrade[];
  cursor: number;
}

// ---- hand-ins on the hub -------------------------------------------------------------------------

/**
 * POST /sync/handins: the body is the `.studylog` bundle itself (its canonical JSON text, as the
 * laptop signed it). The hub verifies it as a teacher's import does and files it in the
 * assignment's inbox; the same bundle again is acknowledged as a duplicate and stored once.
 */
export interface HandinPushResult {
  handin_id: string;
  submission_id: string;
  bundle_hash: string;
  status: 'stored' | 'duplicate';
  late: boolean;
}
/** One hand-in in a teacher's list (no bundle). */
export interface HubHandinRow {
  id: string;
  assignment_id: string;
  user_id: string;
  name: string;
  student_no: string | null;
  submission_id: string;
  bundle_hash: string;
  submitted_at: number;
  late: boolean;
  received_at: number;
  status: 'submitted' | 'returned';
  score: number | null;
  feedback: string | null;
  returned_at: number | null;
  /** The signing key's fingerprint, what a teacher compares by eye. */
  key_fingerprint: string | null;
}
/**
 * The bundle as GET /handins/:id gives it: every field of the signed `.studylog` bundle but
 * version 2's `file_data` (the answer files' bytes in base64, up to 4 MB of files): the dashboard
 * reads each file on its own from GET /handins/:id/files/:sha256, named by `answer_files`. The
 * signature does not cover `file_data` (handin.ts), so what is given here is still exactly what was signed.
 */
export const HubHandinBundleSchema = z.discriminatedUnion('version', [BundleV1Schema, BundleV2Schema.omit({ file_data: true })]);
export type HubHandinBundle = z.infer<typeof HubHandinBundleSchema>;
/** One hand-in as its teacher reads it: the row, what was handed in (the bundle, without its files' bytes) and its summary card. */
export interface HubHandinDetail {
  handin: HubHandinRow;
  verification: Verification;
  summary: HandinSummary;
  bundle: HubHandinBundle;
}
export const ReturnHandinSchema = z.object({
  score: z.number().int('must be a whole number').min(0, 'must not be negative').max(MAX_SCORE, `must be at most ${MAX_SCORE}`).nullable(),
  feedback: z.string().max(MAX_FEEDBACK_CHARS, `must be at most ${MAX_FEEDBACK_CHARS} characters`).default(''),
});

export interface HubClass {
  id: string;
  name: string;
  code: string;
  created_at: number;
  /** See CreateClassSchema: null is the default (open while the class has no roster). */
  open_join: boolean | null;
}

/**
 * A roster entry's one-time join code, as issued (on import, on adding a student, on reissue):
 * shown to the teacher this once — the hub keeps only its hash. `qr_text` is what the student's
 * QR code holds (`studylog-class:CLASS?no=…&key=…`), `qr_svg` that QR code.
 */
/** GET /addresses (teachers and admins): the addresses students' laptops can reach the hub at, the likeliest first (may be empty). */
export interface HubAddresses {
  urls: string[];
}

export interface IssuedJoinCode {
  user_id: string;
  student_no: string;
  name: string;
  join_code: string;
  qr_text: string;
  qr_svg: string;
}
export interface RosterImportResult {
  added: number;
  updated: number;
  total: number;
  /** Codes for the entries added (known entries keep theirs). */
  codes: IssuedJoinCode[];
}
/** A reissued code: the old one no longer works, and the entry's devices were signed out. */
export interface ReissuedJoinCode extends IssuedJoinCode {
  revoked_devices: number;
}
/** A roster entry's join code: none issued yet, issued and waiting, used, or locked for now after too many wrong tries (it unlocks by itself). */
export type JoinCodeState = 'none' | 'waiting' | 'spent' | 'locked';
export interface RosterRow {
  user_id: string;
  student_no: string;
  name: string;
  code_state: JoinCodeState;
  /** While `locked`: when it unlocks by itself (epoch ms); else null. */
  locked_until: number | null;
  code_issued_at: number | null;
  code_spent_at: number | null;
  /** Devices of this student not revoked. */
  devices: number;
}

export interface OverviewRow {
  user_id: string;
  name: string;
  student_no: string | null;
  sessions: number;
  /** Messages: the student's and the AI's turns of the shared sessions, not the title calls (a hand-in transcript's count). */
  turns: number;
  /** The answers' tokens (input + output of role assistant: what the allowance counts; title calls left out). */
  tokens: number;
  last_received_at: number | null;
  /** A device of theirs has signed in to the hub (false: a roster entry that has not joined yet). Older hubs leave it out. */
  joined?: boolean;
}
export interface InboxRow {
  assignment_id: string;
  title: string;
  due_at: number | null;
  students_started: number;
  students_in_class: number;
  /** Hand-ins that reached the hub, and how many of them were graded. */
  handed_in: number;
  graded: number;
  /** Messages on the assignment, as OverviewRow counts them. */
  turns: number;
  last_received_at: number | null;
}
export interface TriageRow {
  user_id: string;
  name: string;
  assignment_id: string | null;
  /** stuck: the latest hint level and how many replies in a row stayed there; worked: level-5 replies; flagged: flagged replies. */
  level: number | null;
  count: number;
  of: number;
  /**
   * The reply the row is about, in a session the teacher can open (GET /classes/:id/sessions/:session_id):
   * stuck, the latest reply; worked, the latest worked solution; flagged, the flagged reply.
   */
  session_id: string;
  turn_id: string;
  /** flagged: the reply's first TRIAGE_EXCERPT_CHARS characters (code points); the others: null. */
  excerpt: string | null;
  /** The reply is longer than its excerpt (the hub cut it): the dashboard ends it with "…". */
  excerpt_truncated: boolean;
}
/** A flagged reply's excerpt in triage: this many characters (code points, as SQL counts them). */
export const TRIAGE_EXCERPT_CHARS = 160;
/**
 * A student whose shared answers on an assignment reached its token allowance (policy.allowance.tokens):
 * what the hub has of their use — the answers' tokens, as the desktop counts them (titles left out) — so
 * at most what the laptop itself counted (a laptop not synced since is behind).
 */
export interface AllowanceTriageRow {
  user_id: string;
  name: string;
  assignment_id: string;
  title: string;
  used: number;
  allowance: number;
}
/**
 * A student who used up today's daily token allowance for the class (AllowanceRow), as far as the
 * hub knows from the turns pushed: `used` of `allowance` tokens since the hub's midnight.
 */
export interface DailyAllowanceTriageRow {
  user_id: string;
  name: string;
  used: number;
  allowance: number;
}
export interface Triage {
  stuck: TriageRow[];
  worked_solutions: TriageRow[];
  flagged: TriageRow[];
  /** Students out of an assignment's token allowance, as far as their shared sessions show (older hubs leave it out). */
  out_of_allowance?: AllowanceTriageRow[];
  /**
   * Assignments with a token allowance whose sessions are not shared with the teacher: the allowance
   * is enforced on each laptop, and the hub hears nothing of their use — it cannot say who ran out.
   */
  allowance_unseen?: { assignment_id: string; title: string }[];
  /** Students who used up today's daily token allowance for the class (older hubs leave it out). */
  out_of_daily_allowance?: DailyAllowanceTriageRow[];
}
/**
 * GET /classes/:id/answer-tokens: what one AI answer costs in tokens (input + output), from the
 * hub's own records — the latest answers of the class's students, or the whole hub's while the
 * class has fewer than ANSWER_TOKENS_MIN — for the assignment form's sense of scale. `scope`
 * 'none': the hub has too few answers; the numbers are then null.
 */
export interface HubAnswerTokens {
  scope: 'class' | 'hub' | 'none';
  answers: number;
  median: number | null;
  /** The 10th and 90th percentiles: most answers cost between them. */
  low: number | null;
  high: number | null;
}
export const ANSWER_TOKENS_MIN = 10;
/**
 * GET /classes/:id/sessions/:session_id: one session a student of the class shared, as its teacher
 * reads it (a search hit opens it): its turns in order, at most HUB_SESSION_MAX_TURNS.
 */
export interface HubSessionView {
  session: { id: string; user_id: string; name: string; assignment_id: string | null; mode: string; started_at: number; title: string | null };
  turns: { id: string; parent_id: string | null; role: string; content: string; model: string | null; created_at: number; meta: Record<string, unknown> }[];
  /** It has more than a reply holds: its first turns are given, at most HUB_SESSION_MAX_TURNS and HUB_SESSION_MAX_CHARS of text. */
  truncated?: true;
}
export const HUB_SESSION_MAX_TURNS = 2000;
/**
 * The text one session view carries at most (its turns' content, in characters): a pushed turn
 * may hold up to a million, and the reply must stay under the hub's largest (HUB_MAX_RESPONSE_BYTES,
 * 15 MB) — three bytes a character in UTF-8 JSON is 6 MB. The first turn is given whatever its size.
 */
export const HUB_SESSION_MAX_CHARS = 2_000_000;
/** A search hit's content is its first this many characters (the hit opens the whole conversation). */
export const SEARCH_HIT_MAX_CHARS = 2000;
export interface SearchHit {
  turn_id: string;
  session_id: string;
  user_id: string;
  name: string;
  role: string;
  /** The turn's first SEARCH_HIT_MAX_CHARS characters (code points, as SQL counts them). */
  content: string;
  /** Present when the turn is longer than `content` (the hub cut it): the dashboard ends it with "…", as triage's excerpts. */
  content_truncated?: true;
  created_at: number;
}
/** A shared session whose title holds the query (the latest title call's text): it opens the session. */
export interface TitleHit {
  session_id: string;
  user_id: string;
  name: string;
  title: string;
  assignment_id: string | null;
  mode: string;
  started_at: number;
  /** When the hub last received a turn of it (title hits come most recently active first). */
  received_at: number;
  /** Where the query's terms are in `title`: [start, end) UTF-16 offsets (db/fts.ts highlightRanges). */
  highlights: [number, number][];
}
/** GET /classes/:id/search: the hits, newest first. */
export interface HubSearchResult {
  items: SearchHit[];
  /** The sessions whose titles match, as the desktop's History lists 匹配的标题: absent when none does (and from older hubs). */
  title_hits?: TitleHit[];
  /**
   * As the desktop's search says it (routes.ts): true while the hub's one-time re-index of the
   * turns stored before an upgrade is pending (hub/reindex.ts), so an older turn may be missing
   * from the results. Absent otherwise.
   */
  index_behind?: true;
}

/**
 * GET /classes/:id/students/:user_id/learner-days?from=&to= (the class's teachers): the student's
 * learner summary per day in [from, to) (YYYY-MM-DD, the hub's calendar days, at most MAX_RANGE_DAYS), as the
 * desktop's LearnerDay rows — computed from what the hub holds of the student for that class: the
 * sessions they shared and their hand-ins to its assignments (hub/learner-days.ts).
 */
export const LearnerDaysQuerySchema = z.object({ from: DaySchema, to: DaySchema }).superRefine(checkDayRange(MAX_RANGE_DAYS));

// ---- the desktop's link to a class hub (Settings → Class hub; routes under /api/v1/llm/hub) -----

export const JoinHubInputSchema = z.strictObject({
  /** e.g. http://hub.school.lan:5124 */
  hub_url: z
    .string()
    .trim()
    .max(2000)
    .refine((value) => {
      try {
        return ['http:', 'https:'].includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, 'must be an http:// or https:// address, e.g. http://hub.school.lan:5124'),
  /**
   * The class code, or the QR code's content — a student's own QR text carries their number
   * URL-encoded (a Chinese or long number triples in length), hence the room.
   */
  code: z.string().trim().min(4, 'must be the class code from your teacher').max(512),
  /**
   * The student's name: needed only to join with the class code alone (off the roster); with a join
   * code the hub answers the roster's name, which is the one kept.
   */
  name: PersonNameSchema.optional(),
  /** The school's student number, when the class has a roster. */
  student_no: z.string().trim().max(64).optional(),
  /** The student's own one-time join code from the teacher (needed for an entry of the roster). */
  join_code: z.string().trim().max(32).optional(),
});
export type JoinHubInput = z.infer<typeof JoinHubInputSchema>;

export const HubLinkStatusSchema = z.object({
  joined: z.boolean(),
  hub_url: z.string().nullable(),
  class_name: z.string().nullable(),
  /** The name the class knows this student by (the roster's, for an entry claimed with a join code). */
  student_name: z.string().nullable(),
  /**
   * True when student_name is the roster's (the hub said so when this laptop joined); false for a
   * name typed to join off the roster, and for links made before hubs said it.
   */
  name_from_roster: z.boolean(),
  joined_at: z.number().nullable(),
  /** The background sync runs in this process (the desktop app, `studylog serve`). */
  background: z.boolean(),
  syncing: z.boolean(),
  last_attempt_at: z.number().nullable(),
  last_success_at: z.number().nullable(),
  /** Outbox entries the hub has not acknowledged yet (turns and hand-ins). */
  pending: z.number().int(),
  /** Sessions or hand-ins the hub refused, held back (e.g. a changed chain). */
  refused: z.number().int(),
  /** What the hub sent that this laptop cannot take (a newer hub's assignment, say), each with why (English): asked for again at every sync. */
  not_applied: z.array(z.string()),
  /** The last failure, a stable code (errors.ts) and the detail; null after a success. */
  last_error: z.object({ code: z.string(), detail: z.string() }).nullable(),
  /** When the next background attempt is due after failures (backoff), or null. */
  next_attempt_at: z.number().nullable(),
  revoked: z.boolean(),
});
export type HubLinkStatus = z.infer<typeof HubLinkStatusSchema>;
