/**
 * Hand-ins (table `submission`, one per student and assignment) and the students' recorded
 * signing keys (table `handin_key`). Who may see what is decided in handin.service.ts.
 */
import { AnswerFileSchema, type Submission, type Verification } from '../../../shared/api/handin.ts';
import type { Store } from './connection.ts';
import { withDbErrors } from './db-errors.ts';
import type { WritableDB } from './handles.ts';

interface Row {
  id: string;
  assignment_id: string;
  assignment_title: string | null;
  user_id: string;
  student_name: string | null;
  status: Submission['status'];
  session_ids: string;
  answer: string;
  ai_note: string;
  bundle_hash: string | null;
  submitted_at: number | null;
  late: number;
  score: number | null;
  feedback: string | null;
  returned_at: number | null;
  source: Submission['source'];
  verification: string | null;
  created_at: number;
  updated_at: number;
  meta: string;
}

const SELECT = `SELECT s.id, s.assignment_id, a.title AS assignment_title, s.user_id, u.name AS student_name, s.status, s.session_ids,
  s.answer, s.ai_note, s.bundle_hash, s.submitted_at, s.late, s.score, s.feedback, s.returned_at, s.source, s.verification,
  s.created_at, s.updated_at, s.meta
  FROM submission s LEFT JOIN assignment a ON a.id = s.assignment_id LEFT JOIN user u ON u.id = s.user_id`;

const hydrate = (row: Row): Submission => {
  const meta = JSON.parse(row.meta) as Submission['meta'];
  // The draft's answer files live in meta.answer_files (no column of their own); one that does not fit is left out.
  const files = AnswerFileSchema.array().safeParse(meta.answer_files ?? []);
  return {
    ...row,
    session_ids: JSON.parse(row.session_ids) as string[],
    answer_files: files.success ? files.data : [],
    late: row.late === 1,
    verification: row.verification === null ? null : (JSON.parse(row.verification) as Verification),
    meta,
  };
};

/** The columns a write may set (never from a caller's keys). */
export type SubmissionWrite = Partial<{
  status: Submission['status'];
  session_ids: string[];
  answer: string;
  ai_note: string;
  bundle: string | null;
  bundle_hash: string | null;
  submitted_at: number | null;
  late: boolean;
  score: number | null;
  feedback: string | null;
  returned_at: number | null;
  source: Submission['source'];
  verification: Verification | null;
  meta: Submission['meta'];
}>;

const COLUMNS = [
  'status',
  'session_ids',
  'answer',
  'ai_note',
  'bundle',
  'bundle_hash',
  'submitted_at',
  'late',
  'score',
  'feedback',
  'returned_at',
  'source',
  'verification',
  'meta',
] as const;

function toParams(write: SubmissionWrite): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of COLUMNS) {
    const value = write[column];
    if (value === undefined) continue;
    if (column === 'session_ids' || column === 'meta' || column === 'verification') out[column] = value === null ? null : JSON.stringify(value);
    else if (column === 'late') out[column] = value ? 1 : 0;
    else out[column] = value;
  }
  return out;
}

export class SubmissionsRepo {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  get(id: string): Submission | null {
    const row = this.#store.sqlite.prepare(`${SELECT} WHERE s.id = ?`).get(id) as Row | undefined;
    return row ? hydrate(row) : null;
  }

  find(assignmentId: string, userId: string): Submission | null {
    const row = this.#store.sqlite.prepare(`${SELECT} WHERE s.assignment_id = ? AND s.user_id = ?`).get(assignmentId, userId) as Row | undefined;
    return row ? hydrate(row) : null;
  }

  /** The stored bundle's text (canonical JSON), or null for a draft. */
  bundleText(id: string): string | null {
    const row = this.#store.sqlite.prepare('SELECT bundle FROM submission WHERE id = ?').get(id) as { bundle: string | null } | undefined;
    return row?.bundle ?? null;
  }

  /** An assignment's hand-ins, earliest handed in first (drafts, when asked for, last). */
  listByAssignment(assignmentId: string, options: { userId?: string; drafts: boolean }): Submission[] {
    const rows = this.#store.sqlite
      .prepare(
        `${SELECT} WHERE s.assignment_id = @assignment_id ${options.userId ? 'AND s.user_id = @user_id' : ''} ${options.drafts ? '' : "AND s.status <> 'draft'"}
         ORDER BY s.submitted_at IS NULL, s.submitted_at, s.id`,
      )
      .all({ assignment_id: assignmentId, ...(options.userId ? { user_id: options.userId } : {}) }) as Row[];
    return rows.map(hydrate);
  }

  listByUser(userId: string): Submission[] {
    return (this.#store.sqlite.prepare(`${SELECT} WHERE s.user_id = ? ORDER BY s.updated_at DESC, s.id`).all(userId) as Row[]).map(hydrate);
  }

  insert(db: WritableDB, row: { id: string; assignment_id: string; user_id: string } & SubmissionWrite): Submission {
    const now = Date.now();
    const params = {
      status: 'draft',
      session_ids: '[]',
      answer: '',
      ai_note: '',
      bundle: null,
      bundle_hash: null,
      submitted_at: null,
      late: 0,
      score: null,
      feedback: null,
      returned_at: null,
      source: 'server',
      verification: null,
      meta: '{}',
      ...toParams(row),
      id: row.id,
      assignment_id: row.assignment_id,
      user_id: row.user_id,
      created_at: now,
      updated_at: now,
    };
    withDbErrors('save the hand-in', () =>
      db
        .prepare(
          `INSERT INTO submission (id, assignment_id, user_id, ${COLUMNS.join(', ')}, created_at, updated_at)
           VALUES (@id, @assignment_id, @user_id, ${COLUMNS.map((c) => `@${c}`).join(', ')}, @created_at, @updated_at)`,
        )
        .run(params),
    );
    return this.get(row.id)!;
  }

  update(db: WritableDB, id: string, write: SubmissionWrite): Submission | null {
    const params = toParams(write);
    const sets = Object.keys(params).map((c) => `${c} = @${c}`);
    withDbErrors('save the hand-in', () =>
      db.prepare(`UPDATE submission SET ${[...sets, 'updated_at = @updated_at'].join(', ')} WHERE id = @id`).run({ ...params, updated_at: Date.now(), id }),
    );
    return this.get(id);
  }

  /** The public key on record for a student (trust on first use), or null. */
  studentKey(userId: string): string | null {
    const row = this.#store.sqlite.prepare('SELECT public_key FROM handin_key WHERE user_id = ?').get(userId) as { public_key: string } | undefined;
    return row?.public_key ?? null;
  }

  /** Records a student's key if none is on record yet; never replaces one. */
  recordStudentKey(db: WritableDB, userId: string, publicKey: string): void {
    db.prepare('INSERT INTO handin_key (user_id, public_key, first_seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(userId, publicKey, Date.now());
  }

  /** A student known only from a file (they have no token here): a user row so their name shows. */
  ensureStudent(db: WritableDB, id: string, name: string): void {
    db.prepare("INSERT INTO user (id, name, role, created_at) VALUES (?, ?, 'student', ?) ON CONFLICT DO NOTHING").run(id, name, Date.now());
  }
}
