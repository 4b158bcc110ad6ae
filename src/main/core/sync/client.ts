/**
 * Store-and-forward sync with a class hub: collect what became shareable into the outbox, push it
 * in batches until the hub has acknowledged everything, then pull what teachers changed
 * (assignments and their policies, grades and feedback, allowances). Pushes are idempotent by turn
 * id on the hub, so a push the hub stored but never answered (it stopped mid-push) is simply sent
 * again and acknowledged as a duplicate: after any outage everything arrives exactly once.
 *
 * Hand-ins go first, one request each (POST /sync/handins, the bundle's text as the body), and are
 * acknowledged once stored or known; a hand-in the hub refuses (bundle_invalid, already graded,
 * an assignment it does not have) is held back with why, like a refused session. A grade given on
 * the hub comes down on the pull and is written onto the laptop's own hand-in (status returned,
 * score, feedback), so it shows as one returned on the desktop does.
 *
 * Failures: an unreachable hub (or a 5xx, or a 429) backs off exponentially — 2 s doubling to at
 * most 30 minutes, with jitter so a class coming back online does not arrive at once; a revoked
 * device stops syncing (nothing is dropped: the outbox keeps its entries); a session the hub
 * refuses (chain_broken) is held back and reported; chain_gap resends from the hub's head.
 */
import { isDeepStrictEqual } from 'node:util';
import type { HandinPushResult, HubAssignment, PullResult, PushResult, PushSession } from '../../../shared/api/hub.ts';
import { HUB_PREFIX } from '../../../shared/api/hub.ts';
import { ApiError, type ErrorCode } from '../../../shared/errors.ts';
import type { Store } from '../db/connection.ts';
import { putSetting } from '../db/setting-rows.ts';
import { SubmissionsRepo } from '../db/submissions.repo.ts';
import {
  hubFetch,
  PulledAllowanceSchema,
  PulledAssignmentSchema,
  pulledEntry,
  PulledFeedbackSchema,
  PulledGradeSchema,
  PullShapeSchema,
  redirectRefusal,
  unreadableReply,
} from './hub-replies.ts';
import { Outbox } from './outbox.ts';

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 30 * 60_000;
export const PULL_CURSOR_KEY = 'hub.pull_cursor';
export const FEEDBACK_KEY = 'hub.feedback';
export const ALLOWANCES_KEY = 'hub.allowances';
/**
 * The hub's last copy of each of its assignments (id → HubAssignment). The pull only brings what
 * changed on the hub, so every pull re-applies all of these: a hub assignment changed on this
 * computer (an old build's editor, a database edited by hand) is set back at the next sync.
 */
export const HUB_ASSIGNMENTS_KEY = 'hub.assignments';

export interface SyncClientOptions {
  store: Store;
  /** e.g. http://hub.school.lan:5124 */
  hubUrl: string;
  token: string;
  /**
   * The local user whose sessions and hand-ins go to the hub under this token (the one who joined:
   * link.ts; the owner: `studylog sync`). Omitted: everything in the outbox (a store with one user).
   */
  userId?: string | null;
  now?: () => number;
  /** [0, 1): the share of the delay taken off at random (jitter); tests pass a fixed one. */
  random?: () => number;
  /** Outbox entries per push. */
  batch?: number;
  /** The transport (default: hubFetch — bounded replies, no redirects followed). */
  fetch?: typeof fetch;
}

export interface SyncState {
  attempts: number;
  next_attempt_at: number;
  last_error: { code: ErrorCode; detail: string } | null;
  revoked: boolean;
  /** Sessions the hub refused (chain_broken): held back, with why. */
  refused: Record<string, string>;
  /**
   * What the last pull brought that this laptop cannot take (hub-replies.ts: an id or a policy
   * this version would misread), with why: not applied, and asked for again at every pull (the
   * pull's cursor stays) until a newer Studylog takes it or the teacher changes it.
   */
  not_applied: string[];
}

export interface SyncReport {
  status: 'synced' | 'not_due' | 'offline' | 'revoked' | 'error';
  pushed: number;
  duplicates: number;
  /** Hand-ins the hub acknowledged this round (stored, or already held). */
  handins: number;
  pending: number;
  pulled: { assignments: number; feedback: number; allowances: number; grades: number };
  /**
   * What the hub sent that was not applied here: an assignment id this computer already uses for
   * its own, an entry this laptop cannot take (hub-replies.ts), a grade for a hand-in that is not
   * one handed in on the hub's assignment.
   */
  conflicts?: string[];
}

/** What the hub answers for a hand-in it will never take as it is: held back, with why (not retried). */
const HANDIN_REFUSALS: ReadonlySet<ErrorCode> = new Set(['bundle_invalid', 'conflict', 'not_found', 'forbidden', 'handin_closed', 'validation_error', 'payload_too_large']);

export function backoffDelay(attempts: number, random: number): number {
  const full = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(full * (1 - 0.5 * random));
}

class HubUnreachable extends Error {}

export class SyncClient {
  readonly outbox: Outbox;
  readonly state: SyncState = { attempts: 0, next_attempt_at: 0, last_error: null, revoked: false, refused: {}, not_applied: [] };
  readonly #options: SyncClientOptions;
  readonly #now: () => number;

  constructor(options: SyncClientOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.outbox = new Outbox(options.store, { now: this.#now, userId: options.userId ?? null });
  }

  /** A JSON body is serialized; a string is sent as it is (a hand-in's bundle, already JSON). */
  async #call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await (this.#options.fetch ?? hubFetch)(this.#options.hubUrl.replace(/\/+$/, '') + HUB_PREFIX + route, {
        method,
        headers: { Authorization: `Bearer ${this.#options.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (error) {
      throw new HubUnreachable(error instanceof Error ? error.message : String(error));
    }
    const redirect = redirectRefusal(response);
    if (redirect) throw new HubUnreachable(redirect);
    let parsed: unknown;
    try {
      parsed = await response.json();
    } catch (error) {
      // A hub that stopped while answering (or sent more than a hub may): as one that never answered.
      throw new HubUnreachable(unreadableReply(error));
    }
    if (response.ok) return parsed as T;
    const { code, detail } = (parsed ?? {}) as { code?: ErrorCode; detail?: string };
    if (response.status >= 500 || response.status === 429) throw new HubUnreachable(`${response.status} ${detail ?? ''}`);
    throw new ApiError(code ?? 'internal_error', detail ?? `The hub answered ${response.status}.`);
  }

  /** One round, if due (backing off after failures): collect, push until drained, pull. */
  async sync(options: { force?: boolean } = {}): Promise<SyncReport> {
    const report: SyncReport = { status: 'synced', pushed: 0, duplicates: 0, handins: 0, pending: 0, pulled: { assignments: 0, feedback: 0, allowances: 0, grades: 0 } };
    if (this.state.revoked) return { ...report, status: 'revoked', pending: this.outbox.counts().pending };
    if (!options.force && this.#now() < this.state.next_attempt_at) return { ...report, status: 'not_due', pending: this.outbox.counts().pending };
    this.outbox.collect();
    try {
      await this.#pushHandins(report);
      await this.#pushAll(report);
      await this.#pull(report);
      this.state.attempts = 0;
      this.state.next_attempt_at = 0;
      this.state.last_error = null;
    } catch (error) {
      report.pending = this.outbox.counts().pending;
      if (error instanceof HubUnreachable) {
        this.state.attempts++;
        this.state.next_attempt_at = this.#now() + backoffDelay(this.state.attempts, (this.#options.random ?? Math.random)());
        this.state.last_error = { code: 'hub_unreachable', detail: `The class hub could not be reached: ${error.message}` };
        return { ...report, status: 'offline' };
      }
      if (error instanceof ApiError) {
        this.state.last_error = { code: error.code, detail: error.detail };
        if (error.code === 'device_revoked' || error.code === 'unauthorized') {
          this.state.revoked = true;
          return { ...report, status: 'revoked' };
        }
        this.state.attempts++;
        this.state.next_attempt_at = this.#now() + backoffDelay(this.state.attempts, (this.#options.random ?? Math.random)());
        return { ...report, status: 'error' };
      }
      throw error;
    }
    report.pending = this.outbox.counts().pending;
    return report;
  }

  async #pushHandins(report: SyncReport): Promise<void> {
    for (const entry of this.outbox.pendingHandins()) {
      if (entry.session_id in this.state.refused) continue;
      try {
        await this.#call<HandinPushResult>('POST', '/sync/handins', entry.payload.bundle);
      } catch (error) {
        if (error instanceof ApiError && HANDIN_REFUSALS.has(error.code)) {
          this.state.refused[entry.session_id] = `${error.code}: ${error.detail}`;
          continue;
        }
        throw error;
      }
      this.outbox.ack([entry.item_id]);
      report.handins++;
    }
  }

  async #pushAll(report: SyncReport): Promise<void> {
    const batch = this.#options.batch ?? 500;
    for (;;) {
      const entries = this.outbox.pending(batch).filter((e) => !(e.session_id in this.state.refused));
      if (entries.length === 0) return;
      const sessions = new Map<string, PushSession>();
      const info = this.#options.store.sqlite.prepare('SELECT assignment_id, mode, started_at, meta FROM session WHERE id = ?');
      for (const e of entries) {
        let s = sessions.get(e.session_id);
        if (!s) {
          const row = info.get(e.session_id) as { assignment_id: string | null; mode: PushSession['mode']; started_at: number; meta: string } | undefined;
          s = {
            id: e.session_id,
            assignment_id: row?.assignment_id ?? null,
            mode: row?.mode ?? 'chat',
            started_at: row?.started_at ?? e.payload.created_at,
            meta: row ? (JSON.parse(row.meta) as Record<string, unknown>) : {},
            turns: [],
          };
          sessions.set(e.session_id, s);
        }
        const { session_id: _session, ...turn } = e.payload;
        s.turns.push({ ...turn, role: turn.role as 'user' | 'assistant' | 'system', prev_hash: e.prev_hash, hash: e.hash });
      }
      const result = await this.#call<PushResult>('POST', '/sync/push', { sessions: [...sessions.values()] });
      let progressed = false;
      for (const r of result.sessions) {
        this.outbox.ack([...r.stored, ...r.duplicate]);
        report.pushed += r.stored.length;
        report.duplicates += r.duplicate.length;
        if (r.stored.length + r.duplicate.length > 0) progressed = true;
        if (r.error?.code === 'chain_gap' && this.outbox.resendAfter(r.session_id, r.head) > 0) progressed = true;
        else if (r.error) this.state.refused[r.session_id] = `${r.error.code}: ${r.error.detail}`;
      }
      // Nothing acknowledged and nothing to resend: only refused sessions were left.
      if (!progressed) return;
    }
  }

  async #pull(report: SyncReport): Promise<void> {
    const store = this.#options.store;
    const cursorRow = store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').get(PULL_CURSOR_KEY) as { value: string } | undefined;
    // A link made before the hub's copies were kept (HUB_ASSIGNMENTS_KEY) pulls from the start once, to have them.
    const hadCopies = store.sqlite.prepare('SELECT 1 FROM setting WHERE key = ?').get(HUB_ASSIGNMENTS_KEY) !== undefined;
    const since = cursorRow && hadCopies ? Number(JSON.parse(cursorRow.value)) : 0;
    const reply = PullShapeSchema.safeParse(await this.#call<unknown>('GET', `/sync/pull?since=${since}`));
    if (!reply.success)
      throw new HubUnreachable(`the hub's pull is not a Studylog class hub's (${reply.error.issues[0]?.path.join('.') ?? ''}: ${reply.error.issues[0]?.message ?? ''})`);
    // Each entry checked on its own: one this laptop cannot take is reported, the rest applied.
    const refused: string[] = [];
    const valid = <T>(entries: unknown[], check: (value: unknown) => ReturnType<typeof pulledEntry<T>>): T[] =>
      entries.flatMap((value) => {
        const entry = check(value);
        if (entry.ok) return [entry.value];
        refused.push(entry.why);
        return [];
      });
    const pulled: PullResult = {
      assignments: valid(reply.data.assignments, (v) => pulledEntry(PulledAssignmentSchema, v, 'assignment')),
      feedback: valid(reply.data.feedback, (v) => pulledEntry(PulledFeedbackSchema, v, 'feedback')),
      allowances: valid(reply.data.allowances, (v) => pulledEntry(PulledAllowanceSchema, v, 'daily allowance')),
      handins: valid(reply.data.handins ?? [], (v) => pulledEntry(PulledGradeSchema, v, 'grade')),
      cursor: reply.data.cursor,
    };
    if (refused.length) report.conflicts = [...(report.conflicts ?? []), ...refused];
    this.state.not_applied = refused;
    const readMap = (key: string) => {
      const row = store.sqlite.prepare('SELECT value FROM setting WHERE key = ?').get(key) as { value: string } | undefined;
      return row ? (JSON.parse(row.value) as Record<string, unknown>) : {};
    };
    // Nothing came (the usual pull): nothing to write — the copies below are re-applied only
    // where the database differs from them, and the cursor stays (the next pull asks the same).
    const sentNothing = hadCopies && !pulled.assignments.length && !pulled.feedback.length && !pulled.allowances.length && !(pulled.handins ?? []).length;
    store.transaction('apply what the class hub sent', (db) => {
      // An assignment from the hub: its policy and class go into meta (policy: what sessions of it may do and share).
      // Only the hub's own rows are updated: an assignment of this laptop's with the same id (a
      // local teacher's, one imported from a file) is never taken over — its hand-ins would go to
      // the hub's teacher — and the hub's is not applied here (reported in the sync state).
      // Each is compared with what is stored first and written only if it differs: a pull does
      // not rewrite a student's assignments (tests/integration/hub-allowances.test.ts).
      const stored = db.prepare(
        `SELECT title, description, due_at, json_extract(meta, '$.policy') AS policy, json_extract(meta, '$.hub_class_id') AS hub_class_id FROM assignment WHERE id = ?`,
      );
      const upsert = db.prepare(
        `INSERT INTO assignment (id, title, description, due_at, created_at, meta) VALUES (@id, @title, @description, @due_at, @now, json_object('policy', json(@policy), 'hub_class_id', @class_id))
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, description = excluded.description, due_at = excluded.due_at,
           meta = json_set(assignment.meta, '$.policy', json(@policy), '$.hub_class_id', @class_id)
         WHERE json_extract(assignment.meta, '$.hub_class_id') IS NOT NULL`,
      );
      const copiesBefore = readMap(HUB_ASSIGNMENTS_KEY) as Record<string, HubAssignment>;
      const hubCopies = { ...copiesBefore };
      for (const a of pulled.assignments) hubCopies[a.id] = a;
      const changedNow = new Set(pulled.assignments.map((a) => a.id));
      for (const a of Object.values(hubCopies)) {
        const row = stored.get(a.id) as { title: string; description: string | null; due_at: number | null; policy: string | null; hub_class_id: string | null } | undefined;
        if (row && row.hub_class_id === null) {
          // A conflict is reported when the hub's copy arrives, not again at every later pull.
          if (changedNow.has(a.id)) report.conflicts = [...(report.conflicts ?? []), `assignment '${a.id}' exists on this computer and is not the hub's: not replaced`];
          continue;
        }
        const same =
          row !== undefined &&
          row.title === a.title &&
          row.description === a.description &&
          row.due_at === a.due_at &&
          row.hub_class_id === a.class_id &&
          row.policy !== null &&
          isDeepStrictEqual(JSON.parse(row.policy), a.policy);
        if (same) continue;
        upsert.run({ id: a.id, title: a.title, description: a.description, due_at: a.due_at, now: this.#now(), policy: JSON.stringify(a.policy), class_id: a.class_id });
      }
      if (sentNothing) return;
      const feedback = readMap(FEEDBACK_KEY);
      const feedbackBefore = structuredClone(feedback);
      for (const f of pulled.feedback) feedback[f.assignment_id] = { grade: f.grade, feedback: f.feedback, updated_at: f.updated_at };
      const allowances = readMap(ALLOWANCES_KEY);
      const allowancesBefore = structuredClone(allowances);
      for (const a of pulled.allowances) allowances[a.class_id] = { daily_tokens: a.daily_tokens, updated_at: a.updated_at };
      // A grade given on the hub: onto this laptop's own hand-in (one made on another device of the
      // student is not here), unless it is there already (the pull repeats its last seconds). Only
      // a hand-in handed in, on that assignment, and the assignment the hub's: a hub never grades
      // (and so locks) a draft, or a hand-in on an assignment of this laptop's own.
      const submissions = new SubmissionsRepo(store);
      const hubAssignment = db.prepare(`SELECT 1 FROM assignment WHERE id = ? AND json_extract(meta, '$.hub_class_id') IS NOT NULL`);
      for (const g of pulled.handins ?? []) {
        const mine = submissions.get(g.submission_id);
        if (!mine) continue;
        if (mine.status === 'draft' || mine.assignment_id !== g.assignment_id || hubAssignment.get(mine.assignment_id) === undefined) {
          report.conflicts = [...(report.conflicts ?? []), `a grade for hand-in '${mine.id}' is not one handed in on the hub's assignment here: not applied`];
          continue;
        }
        if (
          mine.status === 'returned' &&
          mine.score === g.score &&
          mine.feedback === g.feedback &&
          mine.returned_at === g.returned_at &&
          mine.meta.hub_graded_bundle === g.bundle_hash
        )
          continue;
        submissions.update(db, mine.id, {
          status: 'returned',
          score: g.score,
          feedback: g.feedback,
          returned_at: g.returned_at,
          meta: { ...mine.meta, hub_graded_bundle: g.bundle_hash },
        });
        report.pulled.grades++;
      }
      if (!hadCopies || !isDeepStrictEqual(hubCopies, copiesBefore)) putSetting(db, HUB_ASSIGNMENTS_KEY, hubCopies);
      if (!isDeepStrictEqual(feedback, feedbackBefore)) putSetting(db, FEEDBACK_KEY, feedback);
      if (!isDeepStrictEqual(allowances, allowancesBefore)) putSetting(db, ALLOWANCES_KEY, allowances);
      // Past what was not applied only once nothing was refused: a refused entry is asked for again
      // at the next pull (a newer Studylog may take it; the teacher may change it).
      putSetting(db, PULL_CURSOR_KEY, refused.length ? since : pulled.cursor);
    });
    report.pulled = { ...report.pulled, assignments: pulled.assignments.length, feedback: pulled.feedback.length, allowances: pulled.allowances.length };
  }
}
