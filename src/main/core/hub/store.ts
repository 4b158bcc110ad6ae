/**
 * The hub's store: identity (classes, class codes, devices, rosters), sync (push verified by the
 * hash chain, idempotent by turn id; pull of what teachers changed), and the dashboard's reads.
 * Async, over either database (sql.ts); every query is written once for both.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { SQL } from 'drizzle-orm';
import { newId } from '../ids.ts';
import { BundleSchema, bundleAnswerFiles, type AnswerFile, type Bundle } from '../../../shared/api/handin.ts';
import type { Language } from '../../../shared/api/schemas.ts';
import { ANSWER_TOKENS_MIN, HUB_SESSION_MAX_CHARS, HubHandinBundleSchema, HUB_SESSION_MAX_TURNS, SEARCH_HIT_MAX_CHARS, TRIAGE_EXCERPT_CHARS } from '../../../shared/api/hub.ts';
import type {
  AllowanceRow,
  AllowanceTriageRow,
  DailyAllowanceTriageRow,
  HandinPushResult,
  HubAllowance,
  HubAnswerTokens,
  HubSessionView,
  HubAssignment,
  HubClass,
  HubFeedback,
  HubHandinDetail,
  HubHandinGrade,
  HubHandinRow,
  HubRole,
  InboxRow,
  IssuedJoinCode,
  OverviewRow,
  PullResult,
  PushInput,
  PushSession,
  PushSessionResult,
  PushResult,
  RosterRow,
  SearchHit,
  TitleHit,
  Triage,
  TriageRow,
} from '../../../shared/api/hub.ts';
import { JOIN_CODE_LOCKED_ISSUE, lockedWaitText, normalizeJoinCode, studentQrText } from '../../../shared/hub-text.ts';
import { ApiError } from '../../../shared/errors.ts';
import { isTitleCall } from '../../../shared/transcript.ts';
import { highlightRanges, likePattern, titleTerms } from '../db/fts.ts';
import { acceptBundle } from '../handin/accept.ts';
import { bundleFileData, bundleHash, summarize } from '../handin/bundle.ts';
import { GENESIS_HASH, turnHash, type ChainTurn } from '../handin/chain.ts';
import { parseRoster, type RosterEntry } from './roster.ts';
import { foldedTitleSql, searchCondition, searchGrams, sqliteSearchText } from './search.ts';
import { boolParam, jsonParam, jsonValue, sql, type HubSql } from './sql.ts';
import { startOfDay } from '../learner-summary.ts';

export interface HubCaller {
  user_id: string;
  name: string;
  role: HubRole;
  device_id: string;
}

/** Triage thresholds: replies in a row at one hint level, and the share of level-5 (worked) replies. */
export const STUCK_RUN = 3;
export const WORKED_MIN = 2;
export const WORKED_SHARE = 0.3;
/** Triage looks at what arrived in the last two weeks: current work, and a query that does not grow with the term. */
export const TRIAGE_WINDOW_MS = 14 * 86_400_000;
/** Search reads this much of the newest turns first, and older ones only when they do not fill the page. */
export const SEARCH_RECENT_MS = 14 * 86_400_000;
/** A session's title as kept for search (hub_session.title): its first this many characters. */
export const SESSION_TITLE_MAX_CHARS = 500;
/** Title hits a search gives at most (the desktop's History gives as many). */
export const TITLE_HIT_LIMIT = 20;
/**
 * Live (not revoked) devices one hub user may have (issueDevice). A student has a laptop, perhaps a
 * phone or tablet, a school PC, and a reinstall or two before the old device is revoked: 20 is
 * far above that, and keeps one student from minting tokens without end — each a rate-limit bucket
 * of its own before the limiter keyed students by user, and each a row in the hub's database.
 */
export const MAX_LIVE_DEVICES = 20;
/** A pull repeats what changed in the last few seconds: a write stamped just before a pull but committed after it is not missed. */
export const PULL_OVERLAP_MS = 5_000;

const TOKEN_PATTERN = /^slh_([0-9a-f-]{36})_([A-Za-z0-9_-]{43})$/;
// No 0/O, 1/I/L: a code is read aloud in class and typed by hand.
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/** When an assignment stops taking hand-ins: its policy's closes_at (epoch ms, or a date the desktop's policy schema also reads), or never. */
function closesAtOf(policy: Record<string, unknown>): number | null {
  const value = policy.closes_at;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  return null;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The farthest a date can be from 1970 (ms): a turn time beyond it is not kept (hub_handin.first_turn_at). */
const MAX_DATE_MS = 8.64e15;

/**
 * A bundle's first and last turn times, kept with its hand-in (hub_handin.first_turn_at,
 * last_turn_at) so the learner days skip a hand-in that holds no turn of their range without
 * reading it: the laptop's clock, rounded down to whole ms (no turn is before `first` nor at or
 * after `last` + 1). Null for a bundle without turns or with a time beyond a date's range: such a
 * hand-in is always read. The migration hub_handin_turn_times filled in the hand-ins stored before.
 */
export function bundleTurnTimes(bundle: Bundle): { first: number | null; last: number | null } {
  let first = Infinity;
  let last = -Infinity;
  for (const { turns } of bundle.sessions)
    for (const turn of turns) {
      first = Math.min(first, turn.created_at);
      last = Math.max(last, turn.created_at);
    }
  return first >= -MAX_DATE_MS && last <= MAX_DATE_MS ? { first: Math.floor(first), last: Math.floor(last) } : { first: null, last: null };
}

function classCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * Wrong join codes one roster entry takes in a window of JOIN_CODE_WINDOW_MS: the last of them
 * locks it until the window ends (it unlocks by itself). At 10 an hour, finding one code among
 * 31^8 takes about 5 million years on average; an entry whose code was spent is never counted or locked
 * (guessing a used code gains nothing, and a joined student must not be locked by others).
 */
export const JOIN_CODE_MAX_FAILURES = 10;
export const JOIN_CODE_WINDOW_MS = 3_600_000;

/** A one-time join code: 8 characters of CODE_ALPHABET (31^8, about 8.5 × 10^11), shown as ABCD-EFGH. */
function joinCode(): string {
  const raw = classCode();
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

/** Kept instead of the code: salted with the entry, so one hash says nothing about another entry's. */
const joinCodeHash = (classId: string, userId: string, code: string) => sha256(`studylog-join:${classId}:${userId}:${normalizeJoinCode(code)}`);

interface JoinCodeRow {
  join_code_hash: string | null;
  join_code_old_hash: string | null;
  join_code_issued_at: number | null;
  join_code_spent_at: number | null;
  join_code_failures: number;
  join_code_failures_since: number | null;
}
type JoinVerdict = 'ok' | 'join_code_invalid' | 'join_code_spent' | 'join_code_reissued' | 'join_code_locked';

const sameHash = (a: string | null, b: string) => a !== null && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Until when an entry is locked by wrong codes (its window's end), or null: not locked. A spent entry never is. */
function lockedUntil(entry: JoinCodeRow, now: number): number | null {
  if (entry.join_code_spent_at !== null || entry.join_code_failures_since === null) return null;
  const until = Number(entry.join_code_failures_since) + JOIN_CODE_WINDOW_MS;
  return now < until && Number(entry.join_code_failures) >= JOIN_CODE_MAX_FAILURES ? until : null;
}

function checkJoinCode(entry: JoinCodeRow, given: string, now: number): JoinVerdict {
  // A spent entry first: it is neither locked nor counted, so a wrong code reads as wrong.
  if (entry.join_code_spent_at !== null)
    return sameHash(entry.join_code_hash, given) ? 'join_code_spent' : sameHash(entry.join_code_old_hash, given) ? 'join_code_reissued' : 'join_code_invalid';
  // Locked: not even the right code is compared (a guess made now tells nothing).
  if (lockedUntil(entry, now) !== null) return 'join_code_locked';
  if (sameHash(entry.join_code_hash, given)) return 'ok';
  if (sameHash(entry.join_code_old_hash, given)) return 'join_code_reissued';
  return 'join_code_invalid';
}

/** Whole minutes until `until`, at least 1 (said in the error of a locked entry). */
const minutesUntil = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 60_000));

function joinCodeError(code: Exclude<JoinVerdict, 'ok'> | 'join_code_required', wait?: { until: number; now: number }): ApiError {
  const minutes = wait ? minutesUntil(wait.until, wait.now) : 0;
  const detail = {
    join_code_required: 'Joining this class with a student number needs your own join code from your teacher (or scan your own QR code).',
    // The same words whether the number is not on the roster or the code is not its own: a
    // stranger with the class code cannot tell which numbers are listed.
    join_code_invalid:
      'This student number and join code do not match an entry of the class roster: a typo in either is enough. Check both with your teacher (join codes use letters and digits, never O, I, L, 0 or 1).',
    join_code_spent: 'This join code was already used to join. Add this device from your first one, or ask your teacher for a new code.',
    join_code_reissued: 'This join code was replaced by a new one. Ask your teacher for the new code.',
    join_code_locked: `Too many wrong join codes were tried for this student number (${JOIN_CODE_MAX_FAILURES} within an hour): ${lockedWaitText(minutes)}, or ask your teacher for a new code.`,
  }[code];
  // The wait as a structured field too: the desktop says it in the student's language (hub-text.ts).
  if (code === 'join_code_locked' && wait)
    return new ApiError(code, detail, [{ path: JOIN_CODE_LOCKED_ISSUE, message: lockedWaitText(minutes), params: { minutes, locked_until: wait.until } }]);
  return new ApiError(code, detail);
}

/** A boolean column as read back (boolean on PostgreSQL, 0/1 on SQLite), null kept. */
function boolOf(value: unknown): boolean | null {
  return value === null || value === undefined ? null : value === true || value === 1;
}

/** A join code as the store returns it (the HTTP face adds the QR code's SVG). */
export type IssuedCode = Omit<IssuedJoinCode, 'qr_svg'>;

/**
 * A turn is flagged when its meta carries a flag: the laptop writes the reason as a string
 * (AssistantTurnMetaSchema's `flagged: 'final_answer_above_level'`); `true` is accepted too.
 * The hub_flagged_backfill migration marks rows stored before this read the string.
 */
const isFlagged = (flag: unknown): boolean => flag === true || (typeof flag === 'string' && flag.trim() !== '');

function issued(classCode: string, userId: string, entry: { student_no: string; name: string }, code: string): IssuedCode {
  return { user_id: userId, student_no: entry.student_no, name: entry.name, join_code: code, qr_text: studentQrText(classCode, entry.student_no, code) };
}

const inList = (values: string[]): SQL =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

/** Turns a session view reads per query (sessionView). */
const SESSION_VIEW_PAGE = 50;

/**
 * A shared session (`s`) a teacher of the class may read: any but one on another class's
 * assignment. A student in two classes: a session on the other class's assignment is that class's
 * teachers' only. A session on no assignment, or on one the hub does not know (the laptop's own,
 * shared by its policy), the student shared with the teachers of all their classes.
 */
export const sharedWithClass = (classId: string): SQL => sql`NOT EXISTS (SELECT 1 FROM hub_assignment other WHERE other.id = s.assignment_id AND other.class_id <> ${classId})`;

export class HubStore {
  readonly db: HubSql;
  readonly #now: () => number;

  constructor(db: HubSql, options: { now?: () => number } = {}) {
    this.db = db;
    this.#now = options.now ?? Date.now;
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---- identity ---------------------------------------------------------------------------

  async createUser(name: string, role: HubRole, db: HubSql = this.db): Promise<{ id: string; name: string; role: HubRole }> {
    const row = { id: newId(), name, role };
    await db.run(sql`INSERT INTO hub_user (id, name, role, created_at) VALUES (${row.id}, ${name}, ${role}, ${this.#now()})`);
    return row;
  }

  /**
   * A new token for one device of a user: `slh_<device id>_<secret>`, shown once; only its hash is
   * kept. At most MAX_LIVE_DEVICES live (not revoked) devices per user, counted in the transaction
   * that inserts: on PostgreSQL under a per-user advisory lock (two issues for one user at once
   * queue there, and the second counts the first's device; a lock on the hub_user row would also
   * wait on a roster import renaming the student, and the two could deadlock with a join), on
   * SQLite in its one writer's BEGIN IMMEDIATE.
   */
  async issueDevice(userId: string, name: string, db: HubSql = this.db): Promise<{ token: string; device_id: string }> {
    return db.transaction(async (tx) => {
      if (tx.dialect === 'pg') await tx.all(sql`SELECT pg_advisory_xact_lock(hashtext(${`studylog-hub-device:${userId}`}))`);
      const live = await tx.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_device WHERE user_id = ${userId} AND revoked_at IS NULL`);
      if (Number(live[0]?.n ?? 0) >= MAX_LIVE_DEVICES)
        throw new ApiError(
          'conflict',
          `This account already has ${MAX_LIVE_DEVICES} devices signed in to the hub, the most it may have: revoke an old device first ` +
            '(POST /devices/{id}/revoke, the id being the part of its token after slh_), or ask a teacher of the class for a new join code, which signs out all of them.',
        );
      const id = newId();
      const secret = randomBytes(32).toString('base64url');
      await tx.run(sql`INSERT INTO hub_device (id, user_id, name, secret_hash, created_at) VALUES (${id}, ${userId}, ${name}, ${sha256(secret)}, ${this.#now()})`);
      return { token: `slh_${id}_${secret}`, device_id: id };
    });
  }

  /** The caller a bearer token stands for; `revoked` for a revoked device's token, null for anything unknown. */
  async authenticate(token: string): Promise<HubCaller | 'revoked' | null> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) return null;
    const [, id, secret] = match as unknown as [string, string, string];
    const rows = await this.db.all<{ user_id: string; secret_hash: string; revoked_at: number | null; name: string; role: HubRole; last_seen_at: number | null }>(
      sql`SELECT d.user_id, d.secret_hash, d.revoked_at, d.last_seen_at, u.name, u.role FROM hub_device d JOIN hub_user u ON u.id = d.user_id WHERE d.id = ${id}`,
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(sha256(secret)), Buffer.from(row.secret_hash))) return null;
    if (row.revoked_at !== null) return 'revoked';
    const now = this.#now();
    if (row.last_seen_at === null || now - row.last_seen_at > 60_000) await this.db.run(sql`UPDATE hub_device SET last_seen_at = ${now} WHERE id = ${id}`);
    return { user_id: row.user_id, name: row.name, role: row.role, device_id: id };
  }

  async revokeDevice(caller: HubCaller, deviceId: string): Promise<void> {
    const rows = await this.db.all<{ user_id: string }>(sql`SELECT user_id FROM hub_device WHERE id = ${deviceId}`);
    const device = rows[0];
    // A student may revoke only their own devices: another's reads as one that does not exist (no probing ids).
    if (!device || (caller.role === 'student' && device.user_id !== caller.user_id)) throw new ApiError('not_found', `There is no device '${deviceId}'.`);
    if (device.user_id !== caller.user_id && caller.role !== 'admin' && !(await this.#teachesStudent(caller, device.user_id)))
      throw new ApiError('forbidden', 'Only the device’s owner, their teacher or an admin may revoke it.');
    await this.db.run(sql`UPDATE hub_device SET revoked_at = ${this.#now()} WHERE id = ${deviceId} AND revoked_at IS NULL`);
  }

  async createClass(caller: HubCaller, name: string, openJoin: boolean | null = null): Promise<HubClass> {
    if (caller.role === 'student') throw new ApiError('forbidden', 'Only a teacher or an admin may create a class.');
    return this.db.transaction(async (tx) => {
      const row: HubClass = { id: newId(), name, code: classCode(), created_at: this.#now(), open_join: openJoin };
      await tx.run(
        sql`INSERT INTO hub_class (id, name, code, created_at, open_join) VALUES (${row.id}, ${row.name}, ${row.code}, ${row.created_at}, ${openJoin === null ? null : boolParam(tx.dialect, openJoin)})`,
      );
      if (caller.role === 'teacher')
        await tx.run(sql`INSERT INTO hub_member (class_id, user_id, role, joined_at) VALUES (${row.id}, ${caller.user_id}, 'teacher', ${row.created_at})`);
      return row;
    });
  }

  async listClasses(caller: HubCaller): Promise<HubClass[]> {
    const rows =
      caller.role === 'admin'
        ? await this.db.all<HubClass>(sql`SELECT id, name, code, created_at, open_join FROM hub_class ORDER BY created_at DESC`)
        : await this.db.all<HubClass>(
            sql`SELECT c.id, c.name, c.code, c.created_at, c.open_join FROM hub_class c JOIN hub_member m ON m.class_id = c.id WHERE m.user_id = ${caller.user_id} ORDER BY c.created_at DESC`,
          );
    return rows.map((r) => ({ ...r, open_join: boolOf(r.open_join) }));
  }

  async getClass(caller: HubCaller, classId: string): Promise<HubClass> {
    await this.assertTeaches(caller, classId);
    const rows = await this.db.all<HubClass>(sql`SELECT id, name, code, created_at, open_join FROM hub_class WHERE id = ${classId}`);
    return { ...rows[0]!, open_join: boolOf(rows[0]!.open_join) };
  }

  /** Adds a teacher to a class (an admin's call). */
  async addTeacher(caller: HubCaller, classId: string, userId: string): Promise<void> {
    if (caller.role !== 'admin') throw new ApiError('forbidden', 'Only an admin may add a teacher to a class.');
    await this.assertTeaches(caller, classId);
    const users = await this.db.all<{ role: HubRole }>(sql`SELECT role FROM hub_user WHERE id = ${userId}`);
    if (users[0]?.role !== 'teacher') throw new ApiError('validation_error', `User '${userId}' is not a teacher (make one with: studylog hub token create --role teacher).`);
    await this.db.run(
      sql`INSERT INTO hub_member (class_id, user_id, role, joined_at) VALUES (${classId}, ${userId}, 'teacher', ${this.#now()}) ON CONFLICT (class_id, user_id) DO NOTHING`,
    );
  }

  /**
   * The teachers' routes refuse a student before any lookup: the same `forbidden` whether the
   * class, assignment or hand-in named exists or not, so a student cannot probe the ids of other
   * classes (attack probe: `POST /feedback` said `not_found` for a made-up assignment, `forbidden`
   * for a real one).
   */
  #assertStaff(caller: HubCaller): void {
    if (caller.role === 'student') throw new ApiError('forbidden', 'Only the class’s teachers (and admins) may do this.');
  }

  async assertTeaches(caller: HubCaller, classId: string): Promise<void> {
    this.#assertStaff(caller);
    const exists = await this.db.all<{ id: string }>(sql`SELECT id FROM hub_class WHERE id = ${classId}`);
    if (!exists[0]) throw new ApiError('not_found', `There is no class '${classId}'.`);
    if (caller.role === 'admin') return;
    const rows = await this.db.all<{ role: string }>(sql`SELECT role FROM hub_member WHERE class_id = ${classId} AND user_id = ${caller.user_id} AND role = 'teacher'`);
    if (!rows[0]) throw new ApiError('forbidden', 'Only the class’s teachers (and admins) may do this.');
  }

  async #teachesStudent(caller: HubCaller, studentId: string): Promise<boolean> {
    if (caller.role !== 'teacher') return false;
    const rows = await this.db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM hub_member t JOIN hub_member s ON s.class_id = t.class_id WHERE t.user_id = ${caller.user_id} AND t.role = 'teacher' AND s.user_id = ${studentId} AND s.role = 'student'`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /**
   * A student joins with the class code (returns the new device's token):
   *   - with the student number of a roster entry (imported or added by a teacher: its
   *     join_code_issued_at is set), they claim it, and only with the entry's own one-time join
   *     code (issued to the teacher, shown once, kept here as a hash): a right code is spent by this
   *     join; a wrong one counts, and JOIN_CODE_MAX_FAILURES wrong codes in JOIN_CODE_WINDOW_MS lock
   *     the entry until the window ends (guessing is bounded per entry, whatever the addresses it
   *     comes from); an entry already joined is never counted or locked. A second device is added
   *     from the first (POST /devices);
   *   - otherwise as a student not on the roster — only if the class is open to that (`open_join`,
   *     by default: while it has no roster), keeping the number typed, as before join codes (a
   *     number taken by such a join is taken again only while none of its devices is signed in).
   *     In a class closed to them, a number that is not a roster entry is answered exactly as a
   *     wrong code (or a missing one) would be: which numbers are listed cannot be probed.
   * Failures after a wrong code are committed before the error is thrown (the count must stick).
   */
  async joinClass(input: { code: string; name?: string | undefined; student_no?: string | undefined; join_code?: string | undefined; device_name: string }) {
    const outcome = await this.db.transaction(async (tx) => {
      const classes = await tx.all<HubClass & { open_join: unknown }>(
        sql`SELECT id, name, code, created_at, open_join FROM hub_class WHERE code = ${input.code.toUpperCase().replace(/\s+/g, '')}`,
      );
      const klass = classes[0];
      if (!klass) throw new ApiError('not_found', 'No class has this class code. Check it with your teacher.');
      const open = await this.#openToUnlisted(tx, klass.id, klass.open_join);
      const now = this.#now();
      let userId: string | null = null;
      // A roster entry claimed with its join code: the student is the roster's, name and all.
      let fromRoster = false;
      if (input.student_no) {
        const lock = tx.dialect === 'pg' ? sql` FOR UPDATE OF m` : sql``;
        const entry = (
          await tx.all<JoinCodeRow & { user_id: string; devices: number }>(
            sql`SELECT m.user_id, m.join_code_hash, m.join_code_old_hash, m.join_code_issued_at, m.join_code_spent_at, m.join_code_failures, m.join_code_failures_since,
                  (SELECT count(*) FROM hub_device d WHERE d.user_id = m.user_id) AS devices
                FROM hub_member m WHERE m.class_id = ${klass.id} AND m.student_no = ${input.student_no} AND m.role = 'student'${lock}`,
          )
        )[0];
        if (entry && entry.join_code_issued_at !== null) {
          // A roster entry: only with its own code.
          if (!input.join_code) return { refused: joinCodeError('join_code_required') };
          const verdict = checkJoinCode(entry, joinCodeHash(klass.id, entry.user_id, input.join_code), now);
          if (verdict === 'join_code_locked') return { refused: joinCodeError(verdict, { until: lockedUntil(entry, now)!, now }) };
          if (verdict === 'join_code_invalid' && entry.join_code_spent_at === null) {
            // Counted in the current window, or the first of a new one.
            const since = entry.join_code_failures_since === null ? null : Number(entry.join_code_failures_since);
            const fresh = since === null || now - since >= JOIN_CODE_WINDOW_MS;
            const failures = fresh ? 1 : Number(entry.join_code_failures) + 1;
            const start = fresh ? now : since;
            await tx.run(
              sql`UPDATE hub_member SET join_code_failures = ${failures}, join_code_failures_since = ${start} WHERE class_id = ${klass.id} AND user_id = ${entry.user_id}`,
            );
            if (failures >= JOIN_CODE_MAX_FAILURES) return { refused: joinCodeError('join_code_locked', { until: start + JOIN_CODE_WINDOW_MS, now }) };
          }
          if (verdict !== 'ok') return { refused: joinCodeError(verdict) };
          await tx.run(
            sql`UPDATE hub_member SET join_code_spent_at = ${now}, join_code_failures = 0, join_code_failures_since = NULL WHERE class_id = ${klass.id} AND user_id = ${entry.user_id}`,
          );
          userId = entry.user_id;
          fromRoster = true;
        } else if (!open) {
          // Not a roster entry, in a class closed to students off the roster: the answer a listed
          // number with a wrong (or no) code gets, word for word.
          return { refused: joinCodeError(input.join_code ? 'join_code_invalid' : 'join_code_required') };
        } else if (entry) {
          // A number an earlier join off the roster took (or a hub from before join codes). Only
          // an entry that never had a device is taken: one that did is somebody's account — its
          // grades, feedback and hand-ins — even with every device signed out (revoked, lost).
          if (Number(entry.devices) > 0)
            throw new ApiError(
              'conflict',
              'This student number has already joined this class. Add this device from your first device, or ask your teacher for a join code for this number.',
            );
          userId = entry.user_id;
        }
      } else if (!open)
        throw new ApiError(
          'class_closed',
          'This class takes only the students on its roster, each with their own join code: give your student number and join code, or ask your teacher.',
        );
      if (userId === null) {
        // Off the roster the typed name is the only one the class will know (nothing written yet).
        if (!input.name)
          throw new ApiError('validation_error', 'Give your name to join with the class code alone (a roster entry needs no name: its join code carries it).', [
            { path: 'name', message: 'must not be empty' },
          ]);
        userId = (await this.createUser(input.name, 'student', tx)).id;
        await tx.run(sql`INSERT INTO hub_member (class_id, user_id, role, student_no, joined_at) VALUES (${klass.id}, ${userId}, 'student', ${input.student_no ?? null}, ${now})`);
      }
      const device = await this.issueDevice(userId, input.device_name, tx);
      const { open_join: _open, ...shown } = klass;
      // The name the class knows the student by: the roster's (or an earlier join's), not what was typed.
      const named = await tx.all<{ name: string }>(sql`SELECT name FROM hub_user WHERE id = ${userId}`);
      return {
        ...device,
        user_id: userId,
        student_name: named[0]?.name ?? input.name ?? '',
        from_roster: fromRoster,
        class: { ...shown, open_join: boolOf(klass.open_join) },
      };
    });
    if ('refused' in outcome) throw outcome.refused;
    return outcome;
  }

  /**
   * May a student not on the roster join with the class code alone? The class's choice, by default:
   * while it has no roster — entries from an import or a teacher's add (a join code issued). Numbers
   * typed by students who joined on their own (or on a hub from before join codes) are no roster:
   * such a class stays open until its teacher issues codes.
   */
  async #openToUnlisted(tx: HubSql, classId: string, openJoin: unknown): Promise<boolean> {
    const chosen = boolOf(openJoin);
    if (chosen !== null) return chosen;
    const rows = await tx.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_member WHERE class_id = ${classId} AND role = 'student' AND join_code_issued_at IS NOT NULL`);
    return Number(rows[0]?.n ?? 0) === 0;
  }

  /** A teacher's choice: may students not on the roster join with the class code alone (null: the default)? */
  async setJoinPolicy(caller: HubCaller, classId: string, openJoin: boolean | null): Promise<HubClass> {
    await this.assertTeaches(caller, classId);
    await this.db.run(sql`UPDATE hub_class SET open_join = ${openJoin === null ? null : boolParam(this.db.dialect, openJoin)} WHERE id = ${classId}`);
    return this.getClass(caller, classId);
  }

  /** A new one-time join code for a roster entry: the one before it stops working (named as replaced), the wrong-try count restarts (a lock ends). */
  async #issueJoinCode(tx: HubSql, classId: string, userId: string): Promise<string> {
    const code = joinCode();
    await tx.run(
      sql`UPDATE hub_member SET join_code_old_hash = join_code_hash, join_code_hash = ${joinCodeHash(classId, userId, code)}, join_code_issued_at = ${this.#now()},
            join_code_spent_at = NULL, join_code_failures = 0, join_code_failures_since = NULL
          WHERE class_id = ${classId} AND user_id = ${userId}`,
    );
    return code;
  }

  async #classCode(tx: HubSql, classId: string): Promise<string> {
    return (await tx.all<{ code: string }>(sql`SELECT code FROM hub_class WHERE id = ${classId}`))[0]!.code;
  }

  /**
   * Roster CSV (student_no,name; 学号,姓名 also read): adds new students, each with a one-time join
   * code (returned this once), and renames known ones. A known entry never issued a code and not
   * joined (imported before join codes existed) gets one too; one joined already keeps its devices.
   */
  async importRoster(caller: HubCaller, classId: string, csv: string): Promise<{ added: number; updated: number; total: number; codes: IssuedCode[] }> {
    await this.assertTeaches(caller, classId);
    const entries = parseRoster(csv);
    return this.db.transaction(async (tx) => {
      const classCode = await this.#classCode(tx, classId);
      let added = 0;
      let updated = 0;
      const codes: IssuedCode[] = [];
      for (const entry of entries) {
        const rows = await tx.all<{ user_id: string; name: string; join_code_issued_at: number | null; devices: number }>(
          sql`SELECT m.user_id, u.name, m.join_code_issued_at,
                (SELECT count(*) FROM hub_device d WHERE d.user_id = m.user_id AND d.revoked_at IS NULL) AS devices
              FROM hub_member m JOIN hub_user u ON u.id = m.user_id WHERE m.class_id = ${classId} AND m.student_no = ${entry.student_no}`,
        );
        const known = rows[0];
        if (known) {
          if (known.name !== entry.name) {
            await tx.run(sql`UPDATE hub_user SET name = ${entry.name} WHERE id = ${known.user_id}`);
            updated++;
          }
          if (known.join_code_issued_at === null && Number(known.devices) === 0)
            codes.push(issued(classCode, known.user_id, entry, await this.#issueJoinCode(tx, classId, known.user_id)));
          continue;
        }
        const user = await this.#addRosterEntry(tx, classId, entry);
        codes.push(issued(classCode, user, entry, await this.#issueJoinCode(tx, classId, user)));
        added++;
      }
      return { added, updated, total: entries.length, codes };
    });
  }

  async #addRosterEntry(tx: HubSql, classId: string, entry: RosterEntry): Promise<string> {
    const user = await this.createUser(entry.name, 'student', tx);
    await tx.run(sql`INSERT INTO hub_member (class_id, user_id, role, student_no, joined_at) VALUES (${classId}, ${user.id}, 'student', ${entry.student_no}, ${this.#now()})`);
    return user.id;
  }

  /** One student added to the roster, with their join code (returned this once). */
  async addStudent(caller: HubCaller, classId: string, entry: RosterEntry): Promise<IssuedCode> {
    await this.assertTeaches(caller, classId);
    return this.db.transaction(async (tx) => {
      const taken = await tx.all<{ user_id: string }>(sql`SELECT user_id FROM hub_member WHERE class_id = ${classId} AND student_no = ${entry.student_no}`);
      if (taken[0]) throw new ApiError('conflict', `Student number ${entry.student_no} is already on this class's roster (reissue their join code there).`);
      const user = await this.#addRosterEntry(tx, classId, entry);
      return issued(await this.#classCode(tx, classId), user, entry, await this.#issueJoinCode(tx, classId, user));
    });
  }

  /**
   * A new join code for a roster entry (lost, or someone else used it): the old code stops working,
   * and every device of the entry is revoked — whoever joined with the old code is out, and the
   * student joins again with the new one (their shared work stays theirs: same hub user).
   */
  async reissueJoinCode(caller: HubCaller, classId: string, userId: string): Promise<IssuedCode & { revoked_devices: number }> {
    await this.assertTeaches(caller, classId);
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<{ student_no: string; name: string }>(
        sql`SELECT m.student_no, u.name FROM hub_member m JOIN hub_user u ON u.id = m.user_id
            WHERE m.class_id = ${classId} AND m.user_id = ${userId} AND m.role = 'student' AND m.student_no IS NOT NULL`,
      );
      const entry = rows[0];
      if (!entry) throw new ApiError('not_found', `There is no roster entry '${userId}' in this class.`);
      const code = await this.#issueJoinCode(tx, classId, userId);
      const revoked = await tx.run(sql`UPDATE hub_device SET revoked_at = ${this.#now()} WHERE user_id = ${userId} AND revoked_at IS NULL`);
      return { ...issued(await this.#classCode(tx, classId), userId, entry, code), revoked_devices: revoked };
    });
  }

  /** The class's roster, for its teachers: each entry's join code state (never the code) and devices. */
  async roster(caller: HubCaller, classId: string): Promise<RosterRow[]> {
    await this.assertTeaches(caller, classId);
    const rows = await this.db.all<JoinCodeRow & { user_id: string; student_no: string; name: string; devices: number }>(
      sql`SELECT m.user_id, m.student_no, u.name, m.join_code_hash, m.join_code_old_hash, m.join_code_issued_at, m.join_code_spent_at, m.join_code_failures,
            m.join_code_failures_since,
            (SELECT count(*) FROM hub_device d WHERE d.user_id = m.user_id AND d.revoked_at IS NULL) AS devices
          FROM hub_member m JOIN hub_user u ON u.id = m.user_id
          WHERE m.class_id = ${classId} AND m.role = 'student' AND m.student_no IS NOT NULL ORDER BY m.student_no`,
    );
    const now = this.#now();
    return rows.map((r) => {
      const locked = lockedUntil(r, now);
      return {
        user_id: r.user_id,
        student_no: r.student_no,
        name: r.name,
        code_state: locked !== null ? 'locked' : r.join_code_spent_at !== null ? 'spent' : r.join_code_hash !== null ? 'waiting' : 'none',
        locked_until: locked,
        code_issued_at: r.join_code_issued_at === null ? null : Number(r.join_code_issued_at),
        code_spent_at: r.join_code_spent_at === null ? null : Number(r.join_code_spent_at),
        devices: Number(r.devices),
      };
    });
  }

  // ---- sync: push ------------------------------------------------------------------------------

  /**
   * Stores what a device pushed, session by session, each in its own transaction: turns already
   * stored (same id, same hash) are acknowledged again and not written twice; a new turn must
   * follow the session's verified chain head (else chain_gap) with the hash it claims (else
   * chain_broken, and nothing of that session's batch is stored). The device's revocation is
   * checked inside each transaction, so a token revoked mid-sync stops the push there.
   */
  async push(caller: HubCaller, input: PushInput): Promise<PushResult> {
    const receivedAt = this.#now();
    const results: PushSessionResult[] = [];
    for (const session of input.sessions) results.push(await this.#pushSession(caller, session, receivedAt));
    return { received_at: receivedAt, sessions: results };
  }

  async #pushSession(caller: HubCaller, s: PushSession, receivedAt: number): Promise<PushSessionResult> {
    class Refused extends Error {
      readonly result: PushSessionResult;
      constructor(result: PushSessionResult) {
        super(result.error?.detail);
        this.result = result;
      }
    }
    try {
      return await this.db.transaction(async (tx) => {
        const device = await tx.all<{ revoked_at: number | null }>(sql`SELECT revoked_at FROM hub_device WHERE id = ${caller.device_id}`);
        if (!device[0] || device[0].revoked_at !== null) throw new ApiError('device_revoked', 'This device’s hub token was revoked; nothing more is accepted from it.');
        await tx.run(
          sql`INSERT INTO hub_session (id, user_id, device_id, assignment_id, mode, started_at, meta, received_at, chain_head, turn_count)
              VALUES (${s.id}, ${caller.user_id}, ${caller.device_id}, ${s.assignment_id}, ${s.mode}, ${s.started_at}, ${jsonParam(tx.dialect, s.meta)}, ${receivedAt}, ${GENESIS_HASH}, 0)
              ON CONFLICT (id) DO NOTHING`,
        );
        // FOR UPDATE: two pushes of one session (retries racing) extend its chain one after the other.
        const lock = tx.dialect === 'pg' ? sql` FOR UPDATE` : sql``;
        const head = (
          await tx.all<{ user_id: string; chain_head: string; turn_count: number }>(sql`SELECT user_id, chain_head, turn_count FROM hub_session WHERE id = ${s.id}${lock}`)
        )[0]!;
        const refuse = (code: 'chain_broken' | 'chain_gap' | 'forbidden', detail: string, turnId: string | null) =>
          new Refused({ session_id: s.id, stored: [], duplicate: [], error: { code, detail, turn_id: turnId }, head: head.chain_head, turn_count: Number(head.turn_count) });
        if (head.user_id !== caller.user_id) throw refuse('forbidden', 'This session belongs to another student.', null);
        const known = new Map<string, string>();
        if (s.turns.length) {
          const rows = await tx.all<{ id: string; hash: string; session_id: string }>(
            sql`SELECT id, hash, session_id FROM hub_turn WHERE id IN (${inList(s.turns.map((t) => t.id))})`,
          );
          for (const r of rows) known.set(r.id, r.hash);
        }
        let cur = head.chain_head;
        const stored: string[] = [];
        const duplicate: string[] = [];
        const fresh: { turn: PushSession['turns'][number]; hash: string }[] = [];
        for (const t of s.turns) {
          const had = known.get(t.id);
          if (had !== undefined) {
            if (had !== t.hash) throw refuse('chain_broken', `Turn ${t.id} was already stored with different content.`, t.id);
            duplicate.push(t.id);
            continue;
          }
          if (t.prev_hash !== cur) throw refuse('chain_gap', `Turn ${t.id} follows a turn the hub does not have; send the session from the hub's head.`, t.id);
          const chainTurn: ChainTurn = {
            id: t.id,
            session_id: s.id,
            parent_id: t.parent_id,
            role: t.role,
            content: t.content,
            model: t.model,
            tokens_in: t.tokens_in,
            tokens_out: t.tokens_out,
            cost: t.cost,
            created_at: t.created_at,
            meta: t.meta,
          };
          const hash = turnHash(cur, chainTurn);
          if (hash !== t.hash) throw refuse('chain_broken', `Turn ${t.id} does not match its hash: it was changed after it was chained.`, t.id);
          fresh.push({ turn: t, hash });
          known.set(t.id, hash);
          stored.push(t.id);
          cur = hash;
        }
        await this.#insertTurns(tx, s.id, caller.user_id, receivedAt, fresh);
        const count = Number(head.turn_count) + fresh.length;
        // What the dashboard counts, as the laptop counts it: messages are the student's and the
        // AI's turns (a title call, a system turn, is not one), tokens the answers' (the allowance's sum).
        const messages = fresh.filter((f) => f.turn.role !== 'system').length;
        const tokens = fresh.reduce((n, f) => n + (f.turn.role === 'assistant' ? f.turn.tokens_in + f.turn.tokens_out : 0), 0);
        // The latest title call names the session (what its view shows): kept for search.
        const title = fresh
          .filter((f) => isTitleCall(f.turn))
          .at(-1)
          ?.turn.content.slice(0, SESSION_TITLE_MAX_CHARS);
        if (fresh.length)
          await tx.run(
            sql`UPDATE hub_session SET chain_head = ${cur}, turn_count = ${count}, messages = messages + ${messages}, tokens = tokens + ${tokens}, received_at = ${receivedAt}
                  ${title === undefined ? sql`` : sql`, title = ${title}`} WHERE id = ${s.id}`,
          );
        return { session_id: s.id, stored, duplicate, head: cur, turn_count: count };
      });
    } catch (error) {
      if (error instanceof Refused) return error.result;
      throw error;
    }
  }

  async #insertTurns(tx: HubSql, sessionId: string, userId: string, receivedAt: number, turns: { turn: PushSession['turns'][number]; hash: string }[]): Promise<void> {
    // Batches keep under both databases' limit on parameters in one statement.
    for (let i = 0; i < turns.length; i += 400) {
      const batch = turns.slice(i, i + 400);
      const rows = batch.map(({ turn: t, hash }) => {
        const level = typeof t.meta.hint_level === 'number' && Number.isInteger(t.meta.hint_level) ? t.meta.hint_level : null;
        const grams = tx.dialect === 'pg' ? sql`, ${sql.param(searchGrams(t.content))}::text[]` : sql``;
        return sql`(${t.id}, ${sessionId}, ${userId}, ${t.parent_id}, ${t.role}, ${t.content}, ${t.model}, ${t.tokens_in}, ${t.tokens_out}, ${t.cost}, ${t.created_at}, ${receivedAt}, ${jsonParam(tx.dialect, t.meta)}, ${hash}, ${level}, ${boolParam(tx.dialect, isFlagged(t.meta.flagged))}${grams})`;
      });
      const gramsColumn = tx.dialect === 'pg' ? sql`, grams` : sql``;
      await tx.run(
        sql`INSERT INTO hub_turn (id, session_id, user_id, parent_id, role, content, model, tokens_in, tokens_out, cost, created_at, received_at, meta, hash, hint_level, flagged${gramsColumn})
            VALUES ${sql.join(rows, sql`, `)}`,
      );
      if (tx.dialect === 'sqlite')
        await tx.run(
          sql`INSERT INTO hub_turn_fts (turn_id, body) VALUES ${sql.join(
            batch.map(({ turn: t }) => sql`(${t.id}, ${sqliteSearchText(t.content)})`),
            sql`, `,
          )}`,
        );
    }
  }

  // ---- sync: pull and what teachers change ---------------------------------------------------------

  async pull(caller: HubCaller, since: number): Promise<PullResult> {
    const now = this.#now();
    const assignments = await this.db.all<HubAssignment>(
      sql`SELECT a.id, a.class_id, a.title, a.description, a.due_at, a.policy, a.updated_at FROM hub_assignment a
          JOIN hub_member m ON m.class_id = a.class_id AND m.user_id = ${caller.user_id} WHERE a.updated_at >= ${since} ORDER BY a.updated_at, a.id`,
    );
    const feedback = await this.db.all<HubFeedback>(
      sql`SELECT assignment_id, user_id, grade, feedback, updated_at FROM hub_feedback WHERE user_id = ${caller.user_id} AND updated_at >= ${since} ORDER BY updated_at`,
    );
    const allowances = await this.db.all<HubAllowance>(
      sql`SELECT class_id, user_id, daily_tokens, updated_at FROM hub_allowance WHERE user_id = ${caller.user_id} AND updated_at >= ${since} ORDER BY updated_at`,
    );
    const handins = await this.db.all<HubHandinGrade>(
      sql`SELECT submission_id, assignment_id, bundle_hash, score, feedback, returned_at, updated_at FROM hub_handin
          WHERE user_id = ${caller.user_id} AND status = 'returned' AND updated_at >= ${since} ORDER BY updated_at`,
    );
    return {
      assignments: assignments.map((a) => ({ ...a, policy: jsonValue(a.policy) })),
      feedback,
      allowances,
      handins,
      cursor: Math.max(since, now - PULL_OVERLAP_MS),
    };
  }

  async upsertAssignment(
    caller: HubCaller,
    input: { id?: string | undefined; class_id: string; title: string; description: string | null; due_at: number | null; policy: Record<string, unknown> },
  ): Promise<HubAssignment> {
    await this.assertTeaches(caller, input.class_id);
    const now = this.#now();
    const id = input.id ?? newId();
    const existing = await this.db.all<{ class_id: string }>(sql`SELECT class_id FROM hub_assignment WHERE id = ${id}`);
    if (existing[0] && existing[0].class_id !== input.class_id) throw new ApiError('conflict', `Assignment '${id}' belongs to another class.`);
    await this.db.run(
      sql`INSERT INTO hub_assignment (id, class_id, title, description, due_at, policy, created_at, updated_at)
          VALUES (${id}, ${input.class_id}, ${input.title}, ${input.description}, ${input.due_at}, ${jsonParam(this.db.dialect, input.policy)}, ${now}, ${now})
          ON CONFLICT (id) DO UPDATE SET title = excluded.title, description = excluded.description, due_at = excluded.due_at, policy = excluded.policy, updated_at = excluded.updated_at`,
    );
    return { id, class_id: input.class_id, title: input.title, description: input.description, due_at: input.due_at, policy: input.policy, updated_at: now };
  }

  /** A class's assignments as its teacher set them (the dashboard's editor starts from these). */
  async listAssignments(caller: HubCaller, classId: string): Promise<HubAssignment[]> {
    await this.assertTeaches(caller, classId);
    const rows = await this.db.all<HubAssignment>(
      sql`SELECT id, class_id, title, description, due_at, policy, updated_at FROM hub_assignment WHERE class_id = ${classId} ORDER BY coalesce(due_at, created_at) DESC, id`,
    );
    return rows.map((a) => ({ ...a, due_at: a.due_at === null ? null : Number(a.due_at), updated_at: Number(a.updated_at), policy: jsonValue(a.policy) }));
  }

  /** Grades, allowances and a learner's days are about a student of that class only (never a co-teacher, never someone outside it). */
  async assertStudentOf(classId: string, userId: string): Promise<void> {
    const rows = await this.db.all<{ n: number }>(sql`SELECT count(*) AS n FROM hub_member WHERE class_id = ${classId} AND user_id = ${userId} AND role = 'student'`);
    if (Number(rows[0]?.n ?? 0) === 0) throw new ApiError('not_found', `There is no student '${userId}' in class '${classId}'.`);
  }

  async setFeedback(caller: HubCaller, input: { assignment_id: string; user_id: string; grade: string | null; feedback: string | null }): Promise<HubFeedback> {
    this.#assertStaff(caller);
    const rows = await this.db.all<{ class_id: string }>(sql`SELECT class_id FROM hub_assignment WHERE id = ${input.assignment_id}`);
    if (!rows[0]) throw new ApiError('not_found', `There is no assignment '${input.assignment_id}'.`);
    await this.assertTeaches(caller, rows[0].class_id);
    await this.assertStudentOf(rows[0].class_id, input.user_id);
    const now = this.#now();
    await this.db.run(
      sql`INSERT INTO hub_feedback (assignment_id, user_id, grade, feedback, updated_at) VALUES (${input.assignment_id}, ${input.user_id}, ${input.grade}, ${input.feedback}, ${now})
          ON CONFLICT (assignment_id, user_id) DO UPDATE SET grade = excluded.grade, feedback = excluded.feedback, updated_at = excluded.updated_at`,
    );
    return { ...input, updated_at: now };
  }

  /** Sets a student's daily token allowance in a class, or clears it (null); their laptop applies it at its next sync. */
  async setAllowance(caller: HubCaller, input: { class_id: string; user_id: string; daily_tokens: number | null }): Promise<HubAllowance> {
    await this.assertTeaches(caller, input.class_id);
    await this.assertStudentOf(input.class_id, input.user_id);
    const now = this.#now();
    await this.db.run(
      sql`INSERT INTO hub_allowance (class_id, user_id, daily_tokens, updated_at) VALUES (${input.class_id}, ${input.user_id}, ${input.daily_tokens}, ${now})
          ON CONFLICT (class_id, user_id) DO UPDATE SET daily_tokens = excluded.daily_tokens, updated_at = excluded.updated_at`,
    );
    return { ...input, updated_at: now };
  }

  /**
   * Each student of the class with their daily token allowance (null: none, or cleared) and what the
   * hub has of their use today (AllowanceRow): the dashboard's 每日 AI 额度 column.
   */
  async allowances(caller: HubCaller, classId: string): Promise<AllowanceRow[]> {
    await this.assertTeaches(caller, classId);
    const rows = await this.db.all<Omit<AllowanceRow, 'used_today'>>(
      sql`SELECT u.id AS user_id, u.name, m.student_no, a.daily_tokens, a.updated_at
          FROM hub_member m JOIN hub_user u ON u.id = m.user_id LEFT JOIN hub_allowance a ON a.class_id = m.class_id AND a.user_id = m.user_id
          WHERE m.class_id = ${classId} AND m.role = 'student' ORDER BY u.name, u.id`,
    );
    const used = await this.#usedToday(classId);
    return rows.map((r) => ({
      ...r,
      daily_tokens: r.daily_tokens === null ? null : Number(r.daily_tokens),
      updated_at: r.updated_at === null ? null : Number(r.updated_at),
      used_today: used.get(r.user_id) ?? 0,
    }));
  }

  /**
   * The class's students' answers' tokens today (student id → tokens), as the laptop counts its
   * daily allowance (sync/allowances.ts: role assistant, on the class's assignments, made since
   * midnight) but from what was pushed, and with the hub's calendar day (its process's time zone,
   * as the learner days): a turn made today by the laptop's clock and received today. Received
   * today bounds the read by an index (hub_turn_user_received_idx), never the term's turns.
   */
  async #usedToday(classId: string, userIds?: string[]): Promise<Map<string, number>> {
    // The hub's calendar day: its process's time zone, as the learner days and the laptop's own day.
    const midnight = startOfDay(this.#now());
    const rows = await this.db.all<{ user_id: string; used: number }>(
      sql`SELECT t.user_id, coalesce(sum(t.tokens_in + t.tokens_out), 0) AS used
          FROM hub_member m JOIN hub_turn t ON t.user_id = m.user_id JOIN hub_session s ON s.id = t.session_id
          WHERE m.class_id = ${classId} AND m.role = 'student' ${userIds ? sql`AND m.user_id IN (${inList(userIds)})` : sql``}
            AND t.received_at >= ${midnight} AND t.created_at >= ${midnight} AND t.role = 'assistant'
            AND s.assignment_id IN (SELECT id FROM hub_assignment WHERE class_id = ${classId})
          GROUP BY t.user_id`,
    );
    return new Map(rows.map((r) => [r.user_id, Number(r.used)]));
  }

  // ---- hand-ins ------------------------------------------------------------------------------------

  /**
   * A hand-in a student's laptop sent: the signed bundle's text, verified exactly as a teacher's
   * import verifies a file (handin/accept.ts: chain, end, signature, and the key on record for this
   * student — the first hand-in records it), then filed in its assignment's inbox under the
   * device's student. The same bundle again is a duplicate, stored once; a new one replaces the old
   * until the teacher has graded it (then `conflict`). Refused bundles: `bundle_invalid`.
   */
  async receiveHandin(caller: HubCaller, text: string, language: Language = 'en'): Promise<HandinPushResult> {
    const keys = await this.db.all<{ public_key: string }>(sql`SELECT public_key FROM hub_handin_key WHERE user_id = ${caller.user_id}`);
    const known = keys[0]?.public_key ?? null;
    const { bundle, verification } = acceptBundle(text, { language, knownKey: () => known, now: this.#now() });
    // Only an assignment of a class the caller is a student of: another class's reads as one the hub
    // does not have (the same answer whether it exists: no probing the ids of other classes).
    const assignments = await this.db.all<{ class_id: string; due_at: number | null; policy: unknown }>(
      sql`SELECT a.class_id, a.due_at, a.policy FROM hub_assignment a
          JOIN hub_member m ON m.class_id = a.class_id AND m.user_id = ${caller.user_id} AND m.role = 'student' WHERE a.id = ${bundle.assignment.id}`,
    );
    const assignment = assignments[0];
    if (!assignment)
      throw new ApiError(
        'not_found',
        `The class hub has no assignment '${bundle.assignment.id}' in your classes: only hand-ins of assignments set on the hub for a class you are a student of can be sent to it.`,
      );
    const closes = closesAtOf(jsonValue(assignment.policy));
    if (closes !== null && bundle.submission.submitted_at > closes)
      throw new ApiError('handin_closed', `This hand-in was made at ${new Date(bundle.submission.submitted_at).toISOString()}, after the assignment closed.`);
    const hash = bundleHash(text);
    const dueAt = assignment.due_at === null ? null : Number(assignment.due_at);
    const late = dueAt !== null && bundle.submission.submitted_at > dueAt;
    const now = this.#now();
    const times = bundleTurnTimes(bundle);
    return this.db.transaction(async (tx) => {
      const device = await tx.all<{ revoked_at: number | null }>(sql`SELECT revoked_at FROM hub_device WHERE id = ${caller.device_id}`);
      if (!device[0] || device[0].revoked_at !== null) throw new ApiError('device_revoked', 'This device’s hub token was revoked; nothing more is accepted from it.');
      await tx.run(sql`INSERT INTO hub_handin_key (user_id, public_key, first_seen_at) VALUES (${caller.user_id}, ${bundle.public_key}, ${now}) ON CONFLICT (user_id) DO NOTHING`);
      const id = newId();
      // ON CONFLICT: two sends of one hand-in racing (a retry storm) file it once; the loser reads the winner's row.
      const inserted = await tx.run(
        sql`INSERT INTO hub_handin (id, assignment_id, user_id, device_id, submission_id, bundle, bundle_hash, submitted_at, late, received_at, verification, status, updated_at, meta,
              first_turn_at, last_turn_at)
            VALUES (${id}, ${bundle.assignment.id}, ${caller.user_id}, ${caller.device_id}, ${bundle.submission.id}, ${text}, ${hash}, ${bundle.submission.submitted_at},
              ${boolParam(tx.dialect, late)}, ${now}, ${jsonParam(tx.dialect, verification)}, 'submitted', ${now}, ${jsonParam(tx.dialect, {})}, ${times.first}, ${times.last})
            ON CONFLICT (assignment_id, user_id) DO NOTHING`,
      );
      const result = { submission_id: bundle.submission.id, bundle_hash: hash, late };
      if (inserted) return { handin_id: id, status: 'stored' as const, ...result };
      const lock = tx.dialect === 'pg' ? sql` FOR UPDATE` : sql``;
      const existing = (
        await tx.all<{ id: string; bundle_hash: string; status: string; submitted_at: number; received_at: number; meta: unknown }>(
          sql`SELECT id, bundle_hash, status, submitted_at, received_at, meta FROM hub_handin WHERE assignment_id = ${bundle.assignment.id} AND user_id = ${caller.user_id}${lock}`,
        )
      )[0]!;
      if (existing.bundle_hash === hash) return { handin_id: existing.id, status: 'duplicate' as const, ...result };
      if (existing.status === 'returned') throw new ApiError('conflict', 'This hand-in was already graded on the class hub; a new one is not accepted.');
      const meta = jsonValue<{ history?: unknown[] }>(existing.meta);
      const history = [
        ...(Array.isArray(meta.history) ? meta.history : []),
        { bundle_hash: existing.bundle_hash, submitted_at: Number(existing.submitted_at), received_at: Number(existing.received_at) },
      ].slice(-50);
      await tx.run(
        sql`UPDATE hub_handin SET device_id = ${caller.device_id}, submission_id = ${bundle.submission.id}, bundle = ${text}, bundle_hash = ${hash},
              submitted_at = ${bundle.submission.submitted_at}, late = ${boolParam(tx.dialect, late)}, received_at = ${now},
              verification = ${jsonParam(tx.dialect, verification)}, updated_at = ${now}, meta = ${jsonParam(tx.dialect, { ...meta, history })},
              first_turn_at = ${times.first}, last_turn_at = ${times.last}
            WHERE id = ${existing.id}`,
      );
      return { handin_id: existing.id, status: 'stored' as const, ...result };
    });
  }

  async #handinRows(where: SQL): Promise<(HubHandinRow & { verification: unknown })[]> {
    const rows = await this.db.all<Omit<HubHandinRow, 'late' | 'key_fingerprint'> & { verification: unknown; late: boolean | number }>(
      sql`SELECT h.id, h.assignment_id, h.user_id, u.name, m.student_no, h.submission_id, h.bundle_hash, h.submitted_at, h.late, h.received_at, h.status,
            h.score, h.feedback, h.returned_at, h.verification
          FROM hub_handin h JOIN hub_user u ON u.id = h.user_id JOIN hub_assignment a ON a.id = h.assignment_id
          LEFT JOIN hub_member m ON m.class_id = a.class_id AND m.user_id = h.user_id
          WHERE ${where} ORDER BY h.submitted_at, h.id`,
    );
    return rows.map((r) => {
      const verification = jsonValue<{ key_fingerprint?: string | null }>(r.verification);
      return {
        ...r,
        late: r.late === true || r.late === 1,
        score: r.score === null ? null : Number(r.score),
        key_fingerprint: verification.key_fingerprint ?? null,
      };
    });
  }

  /** An assignment's hand-ins, for its class's teachers: earliest handed in first. */
  async listHandins(caller: HubCaller, assignmentId: string): Promise<HubHandinRow[]> {
    await this.#assignmentOfTeacher(caller, assignmentId);
    return (await this.#handinRows(sql`h.assignment_id = ${assignmentId}`)).map(({ verification: _v, ...row }) => row);
  }

  /**
   * One hand-in as handed in: the bundle, its verification and the summary card (handin/bundle.ts
   * summarize). The bundle without its files' bytes (HubHandinBundleSchema: zod drops `file_data`,
   * a key it does not name): the dashboard re-reads this whenever its window regains focus, and
   * reads each file on its own (handinFile).
   */
  async handinDetail(caller: HubCaller, id: string): Promise<HubHandinDetail> {
    const found = await this.#handinOfTeacher(caller, id);
    const texts = await this.db.all<{ bundle: string }>(sql`SELECT bundle FROM hub_handin WHERE id = ${id}`);
    const bundle = HubHandinBundleSchema.parse(JSON.parse(texts[0]!.bundle));
    const { verification, ...handin } = found;
    return { handin, verification: jsonValue(verification), summary: summarize(bundle.sessions), bundle };
  }

  /**
   * One of a hand-in's answer files (a photo of handwritten work, a PDF), for the teachers of its
   * class only: its bytes as the stored bundle carries them, with its name, kind and type as the
   * bundle says. A file the bundle does not name (or carries no bytes of) is not_found.
   *
   * The bytes are not hashed again here: `hub_handin.bundle` is written only by receiveHandin, with
   * the very text acceptBundle → verifyBundle checked on arrival — each file's bytes against the
   * sha256 and size the student signed, at most MAX_ANSWER_FILES_BYTES together (`file_changed`,
   * `file_missing`, `files_too_large` refuse the whole hand-in) — and never changed after (grading writes other columns). Whoever could change the stored text
   * could as well change the recorded verification, so a second hash would guard nothing.
   */
  async handinFile(caller: HubCaller, id: string, sha256: string): Promise<AnswerFile & { data: Buffer }> {
    await this.#handinOfTeacher(caller, id);
    const texts = await this.db.all<{ bundle: string }>(sql`SELECT bundle FROM hub_handin WHERE id = ${id}`);
    const bundle = BundleSchema.parse(JSON.parse(texts[0]!.bundle));
    const file = bundleAnswerFiles(bundle).find((f) => f.sha256 === sha256);
    const data = file ? bundleFileData(bundle, sha256) : null;
    if (!file || !data) throw new ApiError('not_found', `Hand-in '${id}' has no answer file '${sha256}'.`);
    return { ...file, data };
  }

  /** The teacher's grade: score and feedback, sent back to the student's laptop on its next pull. */
  async returnHandin(caller: HubCaller, id: string, input: { score: number | null; feedback: string }): Promise<HubHandinRow> {
    await this.#handinOfTeacher(caller, id);
    const now = this.#now();
    await this.db.run(
      sql`UPDATE hub_handin SET status = 'returned', score = ${input.score}, feedback = ${input.feedback}, returned_at = ${now}, updated_at = ${now} WHERE id = ${id}`,
    );
    const { verification: _v, ...row } = (await this.#handinRows(sql`h.id = ${id}`))[0]!;
    return row;
  }

  async #assignmentOfTeacher(caller: HubCaller, assignmentId: string): Promise<void> {
    this.#assertStaff(caller);
    const rows = await this.db.all<{ class_id: string }>(sql`SELECT class_id FROM hub_assignment WHERE id = ${assignmentId}`);
    if (!rows[0]) throw new ApiError('not_found', `There is no assignment '${assignmentId}'.`);
    await this.assertTeaches(caller, rows[0].class_id);
  }

  async #handinOfTeacher(caller: HubCaller, id: string): Promise<HubHandinRow & { verification: unknown }> {
    this.#assertStaff(caller);
    const found = (await this.#handinRows(sql`h.id = ${id}`))[0];
    if (!found) throw new ApiError('not_found', `There is no hand-in '${id}'.`);
    await this.#assignmentOfTeacher(caller, found.assignment_id);
    return found;
  }

  // ---- the teacher's dashboard ------------------------------------------------------------------------

  /**
   * Each student of the class: sessions shared, their messages (the student's and the AI's, not the
   * title calls) and their answers' tokens — what the laptop counts (the hand-in's transcript, the
   * allowance) — when the hub last heard of them, and whether they have joined (a device signed in and not revoked).
   */
  async overview(caller: HubCaller, classId: string): Promise<OverviewRow[]> {
    await this.assertTeaches(caller, classId);
    // From sessions (one row per ~40 turns, kept by push), not from turns: this page is opened
    // often and must not grow with every turn of the term (bench/HUB-RESULTS.md).
    const rows = await this.db.all<OverviewRow & { devices: number }>(
      sql`SELECT u.id AS user_id, u.name, m.student_no, count(s.id) AS sessions, coalesce(sum(s.messages), 0) AS turns,
            coalesce(sum(s.tokens), 0) AS tokens, max(s.received_at) AS last_received_at,
            (SELECT count(*) FROM hub_device d WHERE d.user_id = u.id AND d.revoked_at IS NULL) AS devices
          FROM hub_member m JOIN hub_user u ON u.id = m.user_id LEFT JOIN hub_session s ON s.user_id = u.id AND ${sharedWithClass(classId)}
          WHERE m.class_id = ${classId} AND m.role = 'student'
          GROUP BY u.id, u.name, m.student_no ORDER BY u.name, u.id`,
    );
    return rows.map(({ devices, ...r }) => ({ ...r, sessions: Number(r.sessions), turns: Number(r.turns), tokens: Number(r.tokens), joined: Number(devices) > 0 }));
  }

  /** The assignment inbox: per assignment, how many students started, their messages (as the overview counts them), the latest activity. */
  async inbox(caller: HubCaller, classId: string): Promise<InboxRow[]> {
    await this.assertTeaches(caller, classId);
    const rows = await this.db.all<InboxRow>(
      sql`SELECT a.id AS assignment_id, a.title, a.due_at,
            (SELECT count(DISTINCT s.user_id) FROM hub_session s WHERE s.assignment_id = a.id) AS students_started,
            (SELECT count(*) FROM hub_member m WHERE m.class_id = a.class_id AND m.role = 'student') AS students_in_class,
            (SELECT count(*) FROM hub_handin h WHERE h.assignment_id = a.id) AS handed_in,
            (SELECT count(*) FROM hub_handin h WHERE h.assignment_id = a.id AND h.status = 'returned') AS graded,
            (SELECT coalesce(sum(s.messages), 0) FROM hub_session s WHERE s.assignment_id = a.id) AS turns,
            (SELECT max(s.received_at) FROM hub_session s WHERE s.assignment_id = a.id) AS last_received_at
          FROM hub_assignment a WHERE a.class_id = ${classId} ORDER BY coalesce(a.due_at, a.created_at) DESC, a.id`,
    );
    return rows.map((r) => ({
      ...r,
      students_started: Number(r.students_started),
      students_in_class: Number(r.students_in_class),
      handed_in: Number(r.handed_in),
      graded: Number(r.graded),
      turns: Number(r.turns),
    }));
  }

  /**
   * Triage, over the last TRIAGE_WINDOW_MS: students stuck at a hint level (their last STUCK_RUN or more replies on an assignment
   * at the same level), leaning on worked solutions (level 5 in WORKED_SHARE of their replies, at
   * least WORKED_MIN times), and replies flagged on the desktop (meta.flagged).
   */
  async triage(caller: HubCaller, classId: string): Promise<Triage> {
    await this.assertTeaches(caller, classId);
    const since = this.#now() - TRIAGE_WINDOW_MS;
    const scoped = sql`FROM hub_turn t JOIN hub_session s ON s.id = t.session_id JOIN hub_user u ON u.id = t.user_id
      JOIN hub_member m ON m.user_id = t.user_id AND m.class_id = ${classId} AND m.role = 'student'
      WHERE t.role = 'assistant' AND t.received_at >= ${since} AND s.assignment_id IN (SELECT id FROM hub_assignment WHERE class_id = ${classId})`;
    const stuck = await this.db.all<TriageRow>(
      sql`WITH a AS (
            SELECT t.user_id, s.assignment_id, t.hint_level, t.id AS turn_id, t.session_id,
              row_number() OVER (PARTITION BY t.user_id, s.assignment_id ORDER BY t.created_at DESC, t.id DESC) AS rn
            ${scoped} AND t.hint_level IS NOT NULL
          ), latest AS (SELECT user_id, assignment_id, hint_level, turn_id, session_id FROM a WHERE rn = 1),
          runs AS (
            SELECT a.user_id, a.assignment_id, l.hint_level AS level, l.turn_id, l.session_id,
              min(CASE WHEN a.hint_level <> l.hint_level THEN a.rn END) AS first_change, count(*) AS total
            FROM a JOIN latest l ON l.user_id = a.user_id AND l.assignment_id = a.assignment_id
            GROUP BY a.user_id, a.assignment_id, l.hint_level, l.turn_id, l.session_id
          )
          SELECT r.user_id, u.name, r.assignment_id, r.level, coalesce(r.first_change - 1, r.total) AS count, r.total AS "of",
            r.session_id, r.turn_id, NULL AS excerpt
          FROM runs r JOIN hub_user u ON u.id = r.user_id
          WHERE coalesce(r.first_change - 1, r.total) >= ${STUCK_RUN} ORDER BY count DESC, u.name`,
    );
    // Opened at the latest worked solution (newest first among the level-5 replies: latest5 = 1).
    const worked = await this.db.all<TriageRow>(
      sql`WITH w AS (
            SELECT t.user_id, u.name, s.assignment_id, t.hint_level, t.id, t.session_id,
              row_number() OVER (PARTITION BY t.user_id, s.assignment_id, t.hint_level = 5 ORDER BY t.created_at DESC, t.id DESC) AS latest5
            ${scoped} AND t.hint_level IS NOT NULL
          )
          SELECT user_id, name, assignment_id, 5 AS level, sum(CASE WHEN hint_level = 5 THEN 1 ELSE 0 END) AS count, count(*) AS "of",
            max(CASE WHEN hint_level = 5 AND latest5 = 1 THEN session_id END) AS session_id, max(CASE WHEN hint_level = 5 AND latest5 = 1 THEN id END) AS turn_id,
            NULL AS excerpt
          FROM w GROUP BY user_id, name, assignment_id
          HAVING sum(CASE WHEN hint_level = 5 THEN 1 ELSE 0 END) >= ${WORKED_MIN}
             AND sum(CASE WHEN hint_level = 5 THEN 1 ELSE 0 END) >= ${sql.raw(String(WORKED_SHARE))} * count(*)
          ORDER BY count DESC, name`,
    );
    const flagged = await this.db.all<TriageRow>(
      sql`SELECT t.user_id, u.name, s.assignment_id, t.hint_level AS level, 1 AS count, 1 AS "of", t.session_id, t.id AS turn_id,
            substr(t.content, 1, ${sql.raw(String(TRIAGE_EXCERPT_CHARS))}) AS excerpt, length(t.content) > ${sql.raw(String(TRIAGE_EXCERPT_CHARS))} AS excerpt_truncated
          FROM hub_turn t JOIN hub_session s ON s.id = t.session_id JOIN hub_user u ON u.id = t.user_id
          JOIN hub_member m ON m.user_id = t.user_id AND m.class_id = ${classId} AND m.role = 'student'
          WHERE t.flagged = ${boolParam(this.db.dialect, true)} AND t.received_at >= ${since} AND ${sharedWithClass(classId)}
          ORDER BY t.received_at DESC LIMIT 100`,
    );
    // excerpt_truncated: SQLite's comparison is 0/1, PostgreSQL's a boolean; the rows without an excerpt have none.
    const num = (r: TriageRow): TriageRow => ({
      ...r,
      level: r.level === null ? null : Number(r.level),
      count: Number(r.count),
      of: Number(r.of),
      excerpt_truncated: Number(r.excerpt_truncated ?? 0) === 1,
    });
    return {
      stuck: stuck.map(num),
      worked_solutions: worked.map(num),
      flagged: flagged.map(num),
      ...(await this.#allowanceTriage(classId)),
      out_of_daily_allowance: await this.#dailyAllowanceTriage(classId),
    };
  }

  /**
   * Who used up today's daily token allowance for the class (set with setAllowance), as far as the
   * hub knows from the turns pushed (#usedToday: the hub's calendar day): behind the laptop, which
   * counts its own records, until it syncs.
   */
  async #dailyAllowanceTriage(classId: string): Promise<DailyAllowanceTriageRow[]> {
    const set = await this.db.all<{ user_id: string; name: string; daily_tokens: number }>(
      sql`SELECT a.user_id, u.name, a.daily_tokens FROM hub_allowance a JOIN hub_user u ON u.id = a.user_id
          JOIN hub_member m ON m.user_id = a.user_id AND m.class_id = a.class_id AND m.role = 'student'
          WHERE a.class_id = ${classId} AND a.daily_tokens IS NOT NULL`,
    );
    if (set.length === 0) return [];
    const used = await this.#usedToday(
      classId,
      set.map((r) => r.user_id),
    );
    return (
      set
        .map((r) => ({ user_id: r.user_id, name: r.name, used: used.get(r.user_id) ?? 0, allowance: Number(r.daily_tokens) }))
        // An allowance of 0 is a teacher's "no AI today", not something used up: not listed.
        .filter((r) => r.allowance > 0 && r.used >= r.allowance)
        .sort((a, b) => a.name.localeCompare(b.name))
    );
  }

  /**
   * Who ran out of an assignment's token allowance, as far as the hub can tell. The allowance is
   * enforced on each laptop (llm/assignment-policy.ts, from its own records, offline too); the hub
   * only has what was shared: the sessions of an assignment that shares them (policy.share_sessions).
   * Their answers' tokens (role assistant: the title calls, system turns, are left out as the
   * desktop leaves them out) are summed per student; reaching the allowance lists them. For an
   * assignment with an allowance whose sessions are not shared, the hub says it cannot see.
   */
  async #allowanceTriage(classId: string): Promise<Pick<Triage, 'out_of_allowance' | 'allowance_unseen'>> {
    const assignments = await this.db.all<{ id: string; title: string; policy: unknown }>(sql`SELECT id, title, policy FROM hub_assignment WHERE class_id = ${classId}`);
    const limited = assignments.flatMap((a) => {
      const policy = jsonValue<{ share_sessions?: unknown; allowance?: { tokens?: unknown } }>(a.policy) ?? {};
      const tokens = policy.allowance?.tokens;
      return typeof tokens === 'number' && tokens > 0 ? [{ id: a.id, title: a.title, allowance: tokens, shared: policy.share_sessions === true }] : [];
    });
    const shared = limited.filter((a) => a.shared);
    const out: AllowanceTriageRow[] = [];
    if (shared.length > 0) {
      const used = await this.db.all<{ user_id: string; name: string; assignment_id: string; used: number }>(
        // hub_session.tokens is the answers' sum, kept by push: no walk over the term's turns.
        sql`SELECT s.user_id, u.name, s.assignment_id, coalesce(sum(s.tokens), 0) AS used
            FROM hub_session s JOIN hub_user u ON u.id = s.user_id
            JOIN hub_member m ON m.user_id = s.user_id AND m.class_id = ${classId} AND m.role = 'student'
            WHERE s.assignment_id IN (${inList(shared.map((a) => a.id))})
            GROUP BY s.user_id, u.name, s.assignment_id`,
      );
      for (const row of used) {
        const assignment = shared.find((a) => a.id === row.assignment_id)!;
        if (Number(row.used) >= assignment.allowance)
          out.push({ user_id: row.user_id, name: row.name, assignment_id: row.assignment_id, title: assignment.title, used: Number(row.used), allowance: assignment.allowance });
      }
      out.sort((a, b) => a.title.localeCompare(b.title) || a.name.localeCompare(b.name));
    }
    return { out_of_allowance: out, allowance_unseen: limited.filter((a) => !a.shared).map((a) => ({ assignment_id: a.id, title: a.title })) };
  }

  /**
   * What one AI answer costs in tokens, from the hub's records (HubAnswerTokens): the class's
   * students' latest answers, or, while the class has too few, the whole hub's — a median and its
   * spread, nothing of any one student. Bounded: the latest 500 of the last 60 days.
   */
  async answerTokens(caller: HubCaller, classId: string): Promise<HubAnswerTokens> {
    await this.assertTeaches(caller, classId);
    const since = this.#now() - 60 * 86_400_000;
    const latest = (scope: SQL) =>
      this.db.all<{ tokens: number }>(
        sql`SELECT t.tokens_in + t.tokens_out AS tokens FROM hub_turn t ${scope}
            WHERE t.role = 'assistant' AND t.tokens_in + t.tokens_out > 0 AND t.received_at >= ${since} ORDER BY t.received_at DESC, t.id DESC LIMIT 500`,
      );
    let scope: HubAnswerTokens['scope'] = 'class';
    let rows = await latest(sql`JOIN hub_member m ON m.user_id = t.user_id AND m.class_id = ${classId} AND m.role = 'student'`);
    if (rows.length < ANSWER_TOKENS_MIN) {
      scope = 'hub';
      rows = await latest(sql``);
    }
    if (rows.length < ANSWER_TOKENS_MIN) return { scope: 'none', answers: rows.length, median: null, low: null, high: null };
    const sorted = rows.map((r) => Number(r.tokens)).sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { scope, answers: sorted.length, median: at(0.5), low: at(0.1), high: at(0.9) };
  }

  /**
   * One session a student of the class shared, for the class's teachers (a search hit opens it):
   * the student must be in the class, and a session on an assignment must be on one of this
   * class's (a student in two classes: the other class's teacher does not read it here).
   */
  async sessionView(caller: HubCaller, classId: string, sessionId: string): Promise<HubSessionView> {
    await this.assertTeaches(caller, classId);
    const rows = await this.db.all<HubSessionView['session']>(
      sql`SELECT s.id, s.user_id, u.name, s.assignment_id, s.mode, s.started_at, s.title FROM hub_session s JOIN hub_user u ON u.id = s.user_id
          JOIN hub_member m ON m.user_id = s.user_id AND m.class_id = ${classId} AND m.role = 'student'
          WHERE s.id = ${sessionId} AND ${sharedWithClass(classId)}`,
    );
    const found = rows[0];
    if (!found) throw new ApiError('not_found', `Class '${classId}' has no shared session '${sessionId}'.`);
    // A page at a time, up to HUB_SESSION_MAX_TURNS turns and HUB_SESSION_MAX_CHARS of text: a
    // session of huge turns is given in part (truncated), never read whole into memory.
    type Row = HubSessionView['turns'][number] & { chars: number };
    const shown: HubSessionView['turns'] = [];
    let chars = 0;
    let truncated = false;
    let after: { created_at: number; id: string } | null = null;
    for (let full = false; !full && !truncated;) {
      const page: Row[] = await this.db.all<Row>(
        sql`SELECT id, parent_id, role, content, model, created_at, meta, length(content) AS chars FROM hub_turn WHERE session_id = ${sessionId}
            ${after ? sql`AND (created_at > ${after.created_at} OR (created_at = ${after.created_at} AND id > ${after.id}))` : sql``}
            ORDER BY created_at, id LIMIT ${SESSION_VIEW_PAGE}`,
      );
      for (const { chars: size, ...t } of page) {
        if (shown.length === HUB_SESSION_MAX_TURNS || (shown.length > 0 && chars + Number(size) > HUB_SESSION_MAX_CHARS)) {
          truncated = true;
          break;
        }
        chars += Number(size);
        shown.push({ ...t, created_at: Number(t.created_at), meta: jsonValue(t.meta) });
      }
      full = page.length < SESSION_VIEW_PAGE;
      const last = page.at(-1);
      if (last) after = { created_at: Number(last.created_at), id: last.id };
    }
    // Its title as the laptop made it: the one push keeps (hub_session.title), what title search reads too.
    return {
      session: { ...found, started_at: Number(found.started_at) },
      turns: shown,
      ...(truncated ? { truncated: true as const } : {}),
    };
  }

  /**
   * The class's students' shared sessions whose title (the latest title call's text, kept by push)
   * holds every whitespace-separated term of `query`, as the desktop's History finds titles
   * (db/fts.ts titleTerms, likePattern: anywhere, case-insensitive, no word boundary, both sides
   * folded by foldTitle: full-width forms as ASCII, radicals as ideographs), the most
   * recently active first, TITLE_HIT_LIMIT at most. Scoped as message hits are (the class's
   * students, sharedWithClass), and read from sessions, not turns: bounded by the class's sessions.
   */
  async searchTitles(caller: HubCaller, classId: string, query: string): Promise<TitleHit[]> {
    await this.assertTeaches(caller, classId);
    const terms = titleTerms(query);
    if (terms.length === 0) return [];
    const match = sql.join(
      // Folded as the terms are (titleTerms): ｆ（ｘ） typed finds the title f(x) 的导数, and the other way round.
      terms.map((term) => sql`lower(${foldedTitleSql(this.db.dialect, 's.title')}) LIKE lower(${likePattern(term)}) ESCAPE '\\'`),
      sql` AND `,
    );
    const rows = await this.db.all<Omit<TitleHit, 'highlights'>>(
      sql`SELECT s.id AS session_id, s.user_id, u.name, s.title, s.assignment_id, s.mode, s.started_at, s.received_at
          FROM hub_session s JOIN hub_user u ON u.id = s.user_id
          JOIN hub_member m ON m.user_id = s.user_id AND m.class_id = ${classId} AND m.role = 'student'
          WHERE s.title IS NOT NULL AND ${match} AND ${sharedWithClass(classId)}
          ORDER BY s.received_at DESC, s.id DESC LIMIT ${TITLE_HIT_LIMIT}`,
    );
    return rows.map((r) => ({ ...r, started_at: Number(r.started_at), received_at: Number(r.received_at), highlights: highlightRanges(r.title, query) }));
  }

  /**
   * Turns of the class's students containing every word of `query` (Chinese words of any length),
   * newest first. What arrived in the last SEARCH_RECENT_MS is searched first and older turns only
   * when it does not fill the page (the same rows in the same order): a common word is then found
   * among two weeks of the class's turns instead of the whole term's (bench/HUB-NOTES.md).
   */
  async search(caller: HubCaller, classId: string, query: string, limit = 50): Promise<SearchHit[]> {
    await this.assertTeaches(caller, classId);
    const condition = searchCondition(this.db.dialect, query);
    if (!condition) return [];
    const max = Math.min(Math.max(limit, 1), 200);
    const since = this.#now() - SEARCH_RECENT_MS;
    // content_truncated: SQLite's comparison is 0/1, PostgreSQL's a boolean (as triage's excerpt_truncated).
    const page = async (when: SQL, n: number): Promise<SearchHit[]> => {
      const rows = await this.db.all<Omit<SearchHit, 'content_truncated'> & { cut: unknown }>(
        sql`SELECT t.id AS turn_id, t.session_id, t.user_id, u.name, t.role, substr(t.content, 1, ${sql.raw(String(SEARCH_HIT_MAX_CHARS))}) AS content,
              length(t.content) > ${sql.raw(String(SEARCH_HIT_MAX_CHARS))} AS cut, t.created_at
            FROM hub_turn t JOIN hub_user u ON u.id = t.user_id JOIN hub_session s ON s.id = t.session_id
            JOIN hub_member m ON m.user_id = t.user_id AND m.class_id = ${classId} AND m.role = 'student'
            WHERE ${condition} AND ${when} AND t.role <> 'system' AND ${sharedWithClass(classId)}
            ORDER BY t.received_at DESC, t.id DESC LIMIT ${n}`,
      );
      return rows.map(({ cut, ...hit }) => (Number(cut) === 1 ? { ...hit, content_truncated: true as const } : hit));
    };
    const recent = await page(sql`t.received_at >= ${since}`, max);
    if (recent.length === max) return recent;
    return [...recent, ...(await page(sql`t.received_at < ${since}`, max - recent.length))];
  }
}
