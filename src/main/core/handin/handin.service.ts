/**
 * Hand-ins: a student's draft → submitted → returned, by the shared server or by file.
 *
 * Who sees what (SECURITY.md has the table):
 * - A student: their own hand-ins (drafts included) and the sessions they pick — only their own
 *   sessions of that assignment.
 * - A teacher: the assignments they own, the hand-ins to those (never drafts), and what each
 *   hand-in holds (the sessions handed in, frozen in its bundle). Never a student's other
 *   sessions: the session and turn routes stay owner-or-admin.
 * - An admin: as a teacher, for every assignment.
 *
 * Rules: late = handed in after the assignment's due_at; after `meta.policy.closes_at` (epoch ms
 * or an ISO date) a hand-in is refused (`handin_closed`). A student may hand in again until the
 * teacher returns it: the new bundle replaces the old, whose hash stays in meta.history. Edits
 * after handing in change only the draft fields; the teacher sees the bundle last handed in.
 */
import { newId } from '../ids.ts';
import {
  BundleSchema,
  bundleAnswerFiles,
  MAX_ANSWER_FILES_BYTES,
  MAX_BUNDLE_BYTES,
  type AnswerFile,
  type Bundle,
  type Submission,
  type SubmissionDetail,
  type SubmissionFile,
} from '../../../shared/api/handin.ts';
import type { Assignment, Language, LearnerDay, Mode, Session } from '../../../shared/api/schemas.ts';
import { ApiError } from '../../../shared/errors.ts';
import type { Caller } from '../caller.ts';
import type { Store } from '../db/connection.ts';
import { thumbnailOf } from '../attachments/process.ts';
import type { AssignmentsRepo } from '../db/assignments.repo.ts';
import type { AttachmentsRepo } from '../db/attachments.repo.ts';
import type { SessionsRepo } from '../db/sessions.repo.ts';
import { SubmissionsRepo } from '../db/submissions.repo.ts';
import type { TurnsRepo } from '../db/turns.repo.ts';
import type { UsersRepo } from '../db/users.repo.ts';
import { summarizeDays, type SessionInfo } from '../learner-summary.ts';
import type { SettingsStore } from '../settings/settings.store.ts';
import { acceptBundle, bundleTooLarge } from './accept.ts';
import { bundleFileData, bundleHash, bundleSession, bundleText, buildBundle, suggestAiNote, summarize, verifyBundle } from './bundle.ts';
import type { SigningKeys } from './signing.ts';

export interface HandinDeps {
  store: Store;
  sessions: SessionsRepo;
  turns: TurnsRepo;
  assignments: AssignmentsRepo;
  users: UsersRepo;
  settings: SettingsStore;
  keys: SigningKeys;
  /** The uploads an answer's files are (README "Attachments"). */
  attachments: Pick<AttachmentsRepo, 'get' | 'data' | 'visibleTo'>;
  /** The language of notes and messages when settings name none (as the proxy's). */
  defaultLanguage?: Language;
}

export interface HandinFields {
  session_ids?: string[] | undefined;
  answer?: string | undefined;
  answer_files?: { sha256: string; name: string }[] | undefined;
  ai_note?: string | undefined;
}

/** A teacher of this assignment: its owner, or an admin. */
export function teaches(caller: Caller, assignment: Pick<Assignment, 'owner_id'> | null): boolean {
  if (!assignment) return false;
  return caller.role === 'admin' || (caller.role === 'teacher' && assignment.owner_id === caller.user_id);
}

/** When hand-ins close: the assignment policy's closes_at (epoch ms: the policy schema turns an ISO date into one), or never. */
export function closesAt(assignment: Assignment): number | null {
  return assignment.policy.closes_at ?? null;
}

const csvCell = (value: unknown): string => {
  let text = value === null || value === undefined ? '' : String(value);
  // A cell a spreadsheet would run as a formula is kept as text.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export class HandinService {
  readonly submissions: SubmissionsRepo;
  readonly #d: HandinDeps;

  constructor(deps: HandinDeps) {
    this.#d = deps;
    this.submissions = new SubmissionsRepo(deps.store);
  }

  #language(): Language {
    return this.#d.settings.get().language ?? this.#d.defaultLanguage ?? 'zh-CN';
  }

  #assignment(id: string): Assignment {
    const assignment = this.#d.assignments.get(id);
    if (!assignment) throw new ApiError('not_found', `There is no assignment '${id}'.`);
    return assignment;
  }

  /** The hand-in if the caller may see it: the student's own, or one handed in to the caller's assignment. */
  #visible(caller: Caller, id: string): Submission {
    const found = this.submissions.get(id);
    if (found && (found.user_id === caller.user_id || (found.status !== 'draft' && teaches(caller, this.#d.assignments.get(found.assignment_id))))) return found;
    throw new ApiError('not_found', `There is no hand-in '${id}'.`);
  }

  /** The caller's own hand-in, to change: never another's (not even an admin's), never once returned. */
  #own(caller: Caller, id: string): Submission {
    const found = this.submissions.get(id);
    if (!found || found.user_id !== caller.user_id) throw new ApiError('not_found', `There is no hand-in '${id}'.`);
    if (found.status === 'returned') throw new ApiError('conflict', 'This hand-in was returned with a grade; it can no longer be changed or handed in again.');
    return found;
  }

  #teacherOf(caller: Caller, assignmentId: string): Assignment {
    const assignment = this.#d.assignments.get(assignmentId);
    // Someone else's assignment and none at all look alike.
    if (!assignment || !teaches(caller, assignment)) throw new ApiError('not_found', `There is no assignment '${assignmentId}' of yours.`);
    return assignment;
  }

  /** The caller's sessions of the assignment, all of them, oldest first. */
  #sessionsOf(userId: string, assignmentId: string): Session[] {
    const out: Session[] = [];
    for (let skip = 0; ; skip += 200) {
      const page = this.#d.sessions.getSessionsByUserId(userId, { skip, limit: 200 }, { assignment_id: assignmentId });
      out.push(...page.items);
      if (skip + 200 >= page.total || page.items.length === 0) break;
    }
    return out.reverse();
  }

  /** Only the caller's own sessions of this assignment may be handed in (never a practice chat). */
  #checkSessions(caller: Caller, assignmentId: string, ids: string[]): string[] {
    const unique = [...new Set(ids)];
    for (const id of unique) {
      const session = this.#d.sessions.getSessionById(id);
      if (!session || session.user_id !== caller.user_id) throw new ApiError('not_found', `There is no session '${id}'.`);
      if (session.assignment_id !== assignmentId)
        throw new ApiError('validation_error', `Session '${id}' is not a session of assignment '${assignmentId}'; only its sessions may be handed in.`, [
          { path: 'session_ids', message: `session '${id}' belongs to another assignment` },
        ]);
    }
    return unique;
  }

  /**
   * The answer's files as the draft records them: each one an upload the caller may read (their
   * own), at most MAX_ANSWER_FILES_BYTES together — they travel base64 in the bundle.
   */
  #checkFiles(caller: Caller, files: { sha256: string; name: string }[]): AnswerFile[] {
    const unique = [...new Map(files.map((f) => [f.sha256, f])).values()];
    const out = unique.map(({ sha256, name }): AnswerFile => {
      const stored = this.#d.attachments.get(sha256);
      // Another user's upload and none at all look alike.
      if (!stored || (caller.role !== 'admin' && !this.#d.attachments.visibleTo(sha256, caller.user_id)))
        throw new ApiError('not_found', `There is no attachment '${name}' (${sha256.slice(0, 12)}…); attach the file again.`);
      return { sha256, name, kind: stored.kind, mime: stored.mime, bytes: stored.bytes };
    });
    const total = out.reduce((sum, f) => sum + f.bytes, 0);
    if (total > MAX_ANSWER_FILES_BYTES)
      throw new ApiError('validation_error', `The answer's files are ${total} bytes together; at most ${MAX_ANSWER_FILES_BYTES} bytes (4 MB) may be handed in.`, [
        { path: 'answer_files', message: `at most ${MAX_ANSWER_FILES_BYTES / 1024 / 1024} MB together (these are ${(total / 1024 / 1024).toFixed(1)} MB)` },
      ]);
    return out;
  }

  #liveSessions(sessionIds: string[]) {
    return sessionIds.flatMap((id) => {
      const session = this.#d.sessions.getSessionById(id);
      return session ? [bundleSession(session, this.#d.turns.getTurnsBySessionId(id))] : [];
    });
  }

  /** Opens the caller's hand-in for an assignment: the existing one, or a new draft with every session of it and a suggested note. */
  async create(caller: Caller, assignmentId: string, fields: HandinFields): Promise<Submission> {
    const assignment = this.#assignment(assignmentId);
    const existing = this.submissions.find(assignment.id, caller.user_id);
    if (existing) return existing;
    const sessionIds = fields.session_ids ? this.#checkSessions(caller, assignment.id, fields.session_ids) : this.#sessionsOf(caller.user_id, assignment.id).map((s) => s.id);
    const note = fields.ai_note ?? suggestAiNote(this.#liveSessions(sessionIds), this.#language());
    const files = fields.answer_files ? this.#checkFiles(caller, fields.answer_files) : [];
    return this.#d.store.writes.run('start the hand-in', (db) =>
      this.submissions.insert(db, {
        id: newId(),
        assignment_id: assignment.id,
        user_id: caller.user_id,
        session_ids: sessionIds,
        answer: fields.answer ?? '',
        ai_note: note,
        ...(files.length ? { meta: { answer_files: files } } : {}),
      }),
    );
  }

  async update(caller: Caller, id: string, fields: HandinFields): Promise<Submission> {
    const found = this.#own(caller, id);
    const sessionIds = fields.session_ids ? this.#checkSessions(caller, found.assignment_id, fields.session_ids) : undefined;
    const files = fields.answer_files ? this.#checkFiles(caller, fields.answer_files) : undefined;
    const saved = await this.#d.store.writes.run('save the hand-in', (db) => {
      // meta re-read inside the write: a hand-in in between adds to its history.
      const meta = files ? { ...this.#own(caller, id).meta, answer_files: files } : undefined;
      return this.submissions.update(db, id, {
        ...(sessionIds ? { session_ids: sessionIds } : {}),
        ...(fields.answer !== undefined ? { answer: fields.answer } : {}),
        ...(fields.ai_note !== undefined ? { ai_note: fields.ai_note } : {}),
        ...(meta ? { meta } : {}),
      });
    });
    return saved!;
  }

  /** Hands in (again): builds the bundle from the sessions as they are now, signs it with the installation's key, stores it. */
  async submit(caller: Caller, id: string): Promise<Submission> {
    const found = this.#own(caller, id);
    const assignment = this.#assignment(found.assignment_id);
    const now = Date.now();
    const closes = closesAt(assignment);
    if (closes !== null && now > closes) throw new ApiError('handin_closed', `Assignment '${assignment.title}' closed for hand-ins at ${new Date(closes).toISOString()}.`);
    // A session deleted since it was picked is left out (it can no longer be shown or signed).
    const sessionIds = this.#checkSessions(
      caller,
      assignment.id,
      found.session_ids.filter((sid) => this.#d.sessions.getSessionById(sid) !== null),
    );
    // The answer's files, as uploaded: their bytes go into the bundle.
    const files = this.#checkFiles(caller, found.answer_files).map((f) => {
      const data = this.#d.attachments.data(f.sha256);
      if (!data) throw new ApiError('not_found', `The file '${f.name}' is no longer stored; attach it again.`);
      return { name: f.name, kind: f.kind, mime: f.mime, data };
    });
    const key = await this.#d.keys.get();
    const late = assignment.due_at !== null && now > assignment.due_at;
    const student = this.#d.users.getUser(caller.user_id);
    const bundle = buildBundle(
      {
        assignment,
        student: { id: caller.user_id, name: student?.name ?? caller.name ?? caller.user_id },
        submission: { id: found.id, submitted_at: now, late },
        sessions: this.#liveSessions(sessionIds),
        answer: found.answer,
        files,
        note: found.ai_note,
        language: this.#language(),
      },
      key,
      now,
    );
    const text = bundleText(bundle);
    // Its size in UTF-8 bytes as its download carries it (a JSON string: quotes and backslashes
    // escaped — never fewer bytes than the file): within the cap, the file can be downloaded
    // (the 8 MiB reply cap), imported and sent to the class hub.
    const bytes = Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
    if (bytes > MAX_BUNDLE_BYTES) throw bundleTooLarge(bytes, this.#language());
    const { verification } = verifyBundle(text, { now });
    return this.#d.store.writes.run('hand in', (db) => {
      // Re-read inside the write: a teacher may have returned it meanwhile.
      const current = this.#own(caller, id);
      this.submissions.recordStudentKey(db, caller.user_id, key.publicKey);
      return this.submissions.update(db, id, {
        status: 'submitted',
        bundle: text,
        bundle_hash: bundleHash(text),
        submitted_at: now,
        late,
        source: 'server',
        verification,
        meta: withHistory(current),
      })!;
    });
  }

  /** The `.studylog` file of a hand-in (its owner, or a teacher of the assignment). */
  bundleFile(caller: Caller, id: string): { filename: string; content_type: string; content: string } {
    const found = this.#visible(caller, id);
    const text = this.submissions.bundleText(id);
    if (!text) throw new ApiError('conflict', 'This hand-in is still a draft: hand it in first, then download its file.');
    const name = `${found.assignment_title ?? found.assignment_id}-${found.student_name ?? found.user_id}`
      .replace(/[^\p{L}\p{N}_-]+/gu, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80);
    return { filename: `${name || 'handin'}.studylog`, content_type: 'application/json', content: text };
  }

  /** A teacher files a `.studylog` file under their assignment, after verifying it. */
  async import(caller: Caller, text: string): Promise<Submission> {
    const language = this.#language();
    const { verification, bundle } = acceptBundle(text, { language, knownKey: (b) => this.submissions.studentKey(b.student.id) });
    const assignment = this.#teacherOf(caller, bundle.assignment.id);
    const closes = closesAt(assignment);
    if (closes !== null && bundle.submission.submitted_at > closes)
      throw new ApiError('handin_closed', `This file was handed in at ${new Date(bundle.submission.submitted_at).toISOString()}, after assignment '${assignment.title}' closed.`);
    const student = this.#d.users.getUser(bundle.student.id);
    if (student && student.role !== 'student')
      throw new ApiError('bundle_invalid', `The file names a ${student.role} of this Studylog as its student.`, [
        { path: 'student', message: language === 'zh-CN' ? '文件中的学生是本 Studylog 的教师或管理员。' : 'The file’s student is a teacher or admin here.' },
      ]);
    const hash = bundleHash(text);
    const late = assignment.due_at !== null && bundle.submission.submitted_at > assignment.due_at;
    // The file's text is stored as it came: its hash is the one the student's copy has.
    const stored = text;
    const saved = await this.#d.store.writes.run('import the hand-in', (db) => {
      this.submissions.ensureStudent(db, bundle.student.id, bundle.student.name);
      this.submissions.recordStudentKey(db, bundle.student.id, bundle.public_key);
      const existing = this.submissions.find(assignment.id, bundle.student.id);
      const fields = {
        status: 'submitted' as const,
        session_ids: bundle.sessions.map((s) => s.session.id),
        answer: bundle.answer,
        ai_note: bundle.note,
        bundle: stored,
        bundle_hash: hash,
        submitted_at: bundle.submission.submitted_at,
        late,
        source: 'file' as const,
        verification,
      };
      if (!existing) {
        const id = this.submissions.get(bundle.submission.id) ? newId() : bundle.submission.id;
        return this.submissions.insert(db, { id, assignment_id: assignment.id, user_id: bundle.student.id, ...fields });
      }
      if (existing.bundle_hash === hash) return existing; // the same file again
      if (existing.status === 'returned') throw new ApiError('conflict', 'This student’s hand-in was already returned with a grade; a new file is not accepted.');
      return this.submissions.update(db, existing.id, { ...fields, meta: withHistory(existing) })!;
    });
    // As the teacher sees it: the answer's files are the bundle's.
    return this.#asHandedIn(caller, saved);
  }

  /**
   * A hand-in as its teacher sees it (and `caller` null: as anyone reading what was handed in):
   * the answer, note and sessions of the bundle handed in, not the draft fields the student may
   * have changed since (those count only when handed in again).
   */
  #asHandedIn(caller: Caller | null, found: Submission): Submission {
    if (caller && found.user_id === caller.user_id) return found;
    const bundle = this.#bundleOf(found.id);
    if (!bundle) return found;
    return { ...found, answer: bundle.answer, answer_files: bundleAnswerFiles(bundle), ai_note: bundle.note, session_ids: bundle.sessions.map((x) => x.session.id) };
  }

  #bundleOf(id: string): Bundle | null {
    const text = this.submissions.bundleText(id);
    return text ? BundleSchema.parse(JSON.parse(text)) : null;
  }

  /**
   * One of the answer's files, as the caller sees the hand-in (its teacher: as handed in; its
   * student: the draft's): its description and, for an image, a small JPEG. The bytes come from
   * the bundle — so a file handed in by `.studylog` file shows too — or, for the student's own
   * draft, from their upload.
   */
  async file(caller: Caller, id: string, sha256: string): Promise<SubmissionFile> {
    const found = this.#visible(caller, id);
    const seen = this.#asHandedIn(caller, found);
    const own = found.user_id === caller.user_id;
    const bundle = this.#bundleOf(id);
    const file = seen.answer_files.find((f) => f.sha256 === sha256) ?? (own && bundle ? bundleAnswerFiles(bundle).find((f) => f.sha256 === sha256) : undefined);
    if (!file) throw new ApiError('not_found', `Hand-in '${id}' has no file '${sha256}'.`);
    const data = (bundle && bundleFileData(bundle, sha256)) ?? (own ? this.#d.attachments.data(sha256) : null);
    let thumbnail: string | null = null;
    if (data && file.kind === 'image') {
      try {
        thumbnail = await thumbnailOf(data);
      } catch {
        thumbnail = null; // not a readable image (a file from elsewhere): its name still shows
      }
    }
    return { ...file, thumbnail };
  }

  /** A teacher's inbox (hand-ins, no drafts); for a student, their own hand-in of it. */
  list(caller: Caller, assignmentId: string): Submission[] {
    const assignment = this.#assignment(assignmentId);
    if (teaches(caller, assignment)) return this.submissions.listByAssignment(assignment.id, { drafts: false }).map((x) => this.#asHandedIn(caller, x));
    return this.submissions.listByAssignment(assignment.id, { userId: caller.user_id, drafts: true });
  }

  listMine(caller: Caller): Submission[] {
    return this.submissions.listByUser(caller.user_id);
  }

  detail(caller: Caller, id: string): SubmissionDetail {
    const found = this.#visible(caller, id);
    const bundle = this.#bundleOf(id);
    const draft = found.user_id === caller.user_id ? this.#liveSessions(found.session_ids) : [];
    const sessions = bundle ? bundle.sessions : draft;
    return {
      // What was handed in, for its student too (their draft fields are in the hand-in screen's form).
      submission: this.#asHandedIn(null, found),
      summary: summarize(sessions),
      sessions,
      suggested_ai_note: found.user_id === caller.user_id ? suggestAiNote(draft, this.#language()) : '',
      hub_delivery: this.#hubDelivery(found),
    };
  }

  /** Whether the sync outbox (sync/outbox.ts, item `handin:<bundle hash>`) has delivered this bundle to the class hub, and when. */
  #hubDelivery(found: Submission): SubmissionDetail['hub_delivery'] {
    if (found.status === 'draft' || found.source !== 'server' || !found.bundle_hash) return null;
    if (typeof this.#d.assignments.get(found.assignment_id)?.meta.hub_class_id !== 'string') return null;
    const row = this.#d.store.sqlite.prepare('SELECT acked_at FROM sync_outbox WHERE item_id = ?').get(`handin:${found.bundle_hash}`) as { acked_at: number | null } | undefined;
    return { delivered_at: row?.acked_at ?? null };
  }

  /**
   * A student's learner summary as their teacher sees it: per day, computed from the turns of the
   * sessions in that student's hand-ins (submitted or returned) to assignments the caller teaches
   * — as handed in, from the bundles — never the stored whole-day rows, which mix in practice
   * chats. A student with no such hand-in is not found (another teacher's student looks like none).
   */
  learnerDays(caller: Caller, userId: string, from: string, to: string): LearnerDay[] {
    const handedIn = this.submissions.listByUser(userId).filter((s) => s.status !== 'draft' && teaches(caller, this.#d.assignments.get(s.assignment_id)));
    if (handedIn.length === 0) throw new ApiError('not_found', `There is no student '${userId}' with work handed in to you.`);
    const sessions = new Map<string, SessionInfo>();
    const turns = handedIn.flatMap((s) =>
      (this.#bundleOf(s.id)?.sessions ?? []).flatMap(({ session, turns: list }) => {
        sessions.set(session.id, { mode: session.mode as Mode, assignment_id: session.assignment_id });
        return list;
      }),
    );
    const now = Date.now();
    return summarizeDays(turns, (id) => sessions.get(id) ?? null, from, to).map(({ day, summary }) => ({ user_id: userId, day, summary, computed_at: now }));
  }

  /** The teacher's grade: score and feedback go back to the student; the hand-in is closed. */
  async returnGrade(caller: Caller, id: string, score: number | null, feedback: string): Promise<Submission> {
    const found = this.#visible(caller, id);
    this.#teacherOf(caller, found.assignment_id);
    if (found.status === 'draft') throw new ApiError('conflict', 'This hand-in is a draft: it has not been handed in.');
    const returned = await this.#d.store.writes.run('return the hand-in', (db) =>
      this.submissions.update(db, id, { status: 'returned', score, feedback, returned_at: Date.now() })!,
    );
    return this.#asHandedIn(caller, returned);
  }

  /** Grades as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese names right). */
  gradesCsv(caller: Caller, assignmentId: string): { filename: string; content_type: string; content: string } {
    const assignment = this.#teacherOf(caller, assignmentId);
    const header = ['student_id', 'student', 'status', 'submitted_at', 'late', 'score', 'feedback', 'returned_at', 'verified', 'source'];
    const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
    const rows = this.submissions
      .listByAssignment(assignment.id, { drafts: false })
      .map((s) => [
        s.user_id,
        s.student_name ?? '',
        s.status,
        iso(s.submitted_at),
        s.late ? 'yes' : 'no',
        s.score ?? '',
        s.feedback ?? '',
        iso(s.returned_at),
        s.verification?.ok ? 'yes' : 'no',
        s.source,
      ]);
    const content = '\uFEFF' + [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
    const name = assignment.title.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '') || assignment.id;
    return { filename: `grades-${name}.csv`, content_type: 'text/csv; charset=utf-8', content };
  }
}

/** meta with the previous bundle (if any) added to its history. */
function withHistory(previous: Submission): Submission['meta'] {
  const history = Array.isArray(previous.meta.history) ? (previous.meta.history as unknown[]) : [];
  if (!previous.bundle_hash) return previous.meta;
  return { ...previous.meta, history: [...history, { bundle_hash: previous.bundle_hash, submitted_at: previous.submitted_at, source: previous.source }].slice(-50) };
}
