// THE per-route test table: for every route of the manifest, what the HTTP tests need — who may
// call it (decided here, independently of the manifest's `access`, which http-auth checks against
// it), a sample input for any caller (the auth matrix, the exposure tests), the parity cases (valid,
// invalid, refused on both faces) and the fuzz's valid-looking base input.
//
// A Record<RouteName, …>: a route added to the manifest without an entry here is a type error.
import sharp from 'sharp';
import path from 'node:path';
import { startHubServer } from '../../src/main/core/hub/server.ts';
import { openSqliteHub } from '../../src/main/core/hub/sql.ts';
import { HubStore, type HubCaller } from '../../src/main/core/hub/store.ts';
import type { RouteName } from '../../src/shared/api/routes.ts';
import { PERSON_NAME_MAX_CHARS } from '../../src/shared/person-name.ts';
import { hubTeacher } from './hub.ts';
import type { ApiFixture } from './http.ts';
import { onCleanup, tempDir, testWrites } from './temp.ts';

export type Input = Record<string, unknown>;
export type Face = 'ipc' | 'http';
/**
 * 'session': a user route acting on a session (or a hand-in), for its owner (or an admin) only.
 * 'teacher': teachers and admins. 'assignment': everyone but a teacher who does not own the
 * assignment (404). 'taught': an assignment's teacher or an admin (students 403, other teachers 404).
 */
export type Guard = 'public' | 'user' | 'admin' | 'session' | 'teacher' | 'assignment' | 'taught';

export const FAR_FUTURE = 4_102_444_800_000; // 2100-01-01

export interface CaseContext {
  api: ApiFixture;
  /** The user the calls act for (their sessions are the ones used). */
  owner: { user_id: string };
  /** A session of the owner with at least two turns (for the read routes). */
  session: string;
  /** A token's id that a call may name (the fuzz's must never be revoked). */
  tokenId: string;
}

/** What a sample needs: the fixture and whose sessions to act on. */
export type SampleContext = Pick<CaseContext, 'api' | 'owner'>;

export interface RouteCase {
  guard: Guard;
  /**
   * A valid input for any caller: session routes act on a session of `ctx.owner` (made fresh when
   * the call would consume it); routes that delete something get a fresh something.
   */
  sample: (ctx: SampleContext) => Input | Promise<Input>;
  /** Parity: a valid input, asked for once per face (a call that consumes something gets its own). */
  valid: (ctx: CaseContext, face: Face) => Input | Promise<Input>;
  /** Parity: refused by validation (422) on both faces. */
  invalid: (ctx: CaseContext) => Input[];
  /** Parity: other refusals (404, 409 …) both faces must agree on. */
  refused?: (ctx: CaseContext) => Input[];
  /** Parity: the reply holds things the call itself made (ids, times, tokens): compare after normalising. */
  volatile?: true;
  /** Fuzz: a valid-looking input on real rows (so an accident would show), to be made invalid. */
  fuzz: (ctx: CaseContext) => Input;
}

/** A 16×16 white PNG: the smallest image an upload takes (OCR finds no text in it). */
const BLANK_PNG = 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAHUlEQVQokWP4TyJgGNVABGAgRhEyGNVADKB9KAEAr639H8LdEzEAAAAASUVORK5CYII=';

let attachmentCount = 0;
const validAttachments = new WeakMap<object, Promise<string>>();
/**
 * Uploads an image of its own (a colour no other call used: stored content is shared by everyone
 * who uploads the same bytes) as `userId`, and gives its sha256.
 */
async function ownAttachment(ctx: SampleContext, userId: string): Promise<string> {
  const n = ++attachmentCount;
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: n % 256, g: (n >> 8) % 256, b: 77 } } })
    .png()
    .toBuffer();
  const attachment = await ctx.api.core.attachments.upload({ user_id: userId, role: 'student' }, { name: 'own.png', data: png.toString('base64') });
  return attachment.sha256;
}

const fresh = (ctx: SampleContext, what: string) => ctx.api.session(ctx.owner.user_id, what);
/** A session's first answer, for the version routes. */
const answerOf = (ctx: SampleContext, session: string) => ({ id: session, turn_id: ctx.api.core.turns.getTurnsBySessionId(session).find((t) => t.role === 'assistant')!.id });

/**
 * A fresh assignment (owned by no teacher) and the owner's hand-in of it, with one session of it:
 * a draft, or handed in. Fresh each time, so a return or a resubmission never meets an earlier one.
 */
async function handin(ctx: SampleContext, state: 'draft' | 'submitted', userId = ctx.owner.user_id): Promise<{ id: string; assignment_id: string }> {
  const core = ctx.api.core;
  const assignment = core.assignments.create(testWrites(core.store), { title: 'Hand-in sample', due_at: FAR_FUTURE });
  const caller = { user_id: userId, role: 'student' as const };
  await core.proxy.send(caller, { message: 'a hint please', mode: 'homework', assignment_id: assignment.id });
  const draft = await core.handin.create(caller, assignment.id, { answer: 'x = 2' });
  if (state === 'submitted') await core.handin.submit(caller, draft.id);
  return { id: draft.id, assignment_id: assignment.id };
}
/** One handed-in hand-in per fixture, for the read routes' parity (both faces read the same one). */
const sharedHandins = new WeakMap<object, Promise<{ id: string; assignment_id: string }>>();
function sharedHandin(ctx: SampleContext) {
  let made = sharedHandins.get(ctx.api);
  if (!made) sharedHandins.set(ctx.api, (made = handin(ctx, 'submitted')));
  return made;
}
/** A student's file (imported files name a student: never a teacher or an admin of the server). */
async function studentBundle(ctx: SampleContext): Promise<string> {
  const student = await studentToken(ctx, 'a student handing in by file');
  return ctx.api.core.handin.submissions.bundleText((await handin(ctx, 'submitted', student.user_id)).id)!;
}
const NO_SUCH_SUBMISSION = '01900000-0000-7000-8000-0000000000aa';
/** A handed-in hand-in whose answer carries one image of the owner's: its id and the file's sha256. */
async function handinWithFile(ctx: SampleContext): Promise<{ id: string; sha256: string }> {
  const core = ctx.api.core;
  const caller = { user_id: ctx.owner.user_id, role: 'student' as const };
  const assignment = core.assignments.create(testWrites(core.store), { title: 'Hand-in with a file', due_at: FAR_FUTURE });
  const sha256 = await ownAttachment(ctx, ctx.owner.user_id);
  const draft = await core.handin.create(caller, assignment.id, { answer: 'see the photo', answer_files: [{ sha256, name: 'answer.png' }] });
  await core.handin.submit(caller, draft.id);
  return { id: draft.id, sha256 };
}
const sharedFiles = new WeakMap<object, Promise<{ id: string; sha256: string }>>();

/**
 * A new student's token. A Studylog joined to a class hub makes none (users.repo.ts): the laptop
 * leaves the class first (syncHub's and leaveHub's samples join it: inClass).
 */
async function studentToken(ctx: SampleContext, name: string): Promise<{ token: string; user_id: string; token_id: string }> {
  if (ctx.api.core.hub.status().joined) await ctx.api.core.hub.leave();
  return ctx.api.token('student', name);
}
async function outOfClass<T>(ctx: SampleContext, input: T): Promise<T> {
  if (ctx.api.core.hub.status().joined) await ctx.api.core.hub.leave();
  return input;
}

/** A real class hub (on SQLite) per fixture, for the hub link routes. */
const classHubs = new WeakMap<object, Promise<{ url: string; store: HubStore; teacher: HubCaller }>>();
function classHub(ctx: SampleContext) {
  let made = classHubs.get(ctx.api);
  if (!made) {
    made = (async () => {
      const store = new HubStore(openSqliteHub(path.join(tempDir(), 'hub.db')));
      const running = await startHubServer({ store, port: 0 });
      // Stopped after the test that started it: the next one gets its own.
      onCleanup(() => {
        classHubs.delete(ctx.api);
        void running.close().then(() => store.close());
      });
      return { url: running.url, store, teacher: (await hubTeacher(store)).caller };
    })();
    classHubs.set(ctx.api, made);
  }
  return made;
}
/** What joining a fresh class takes; the laptop leaves the class it is in first (one class at a time). */
async function joinInput(ctx: SampleContext): Promise<Input> {
  const hub = await classHub(ctx);
  const klass = await hub.store.createClass(hub.teacher, 'a class of the route table');
  if (ctx.api.core.hub.status().joined) await ctx.api.core.hub.leave();
  return { hub_url: hub.url, code: `studylog-class:${klass.code}`, name: '王小明' };
}
/**
 * A class hub link is one student's identity (sync/link.ts): a Studylog where other students hold
 * working tokens cannot join (hub_shared_install). The valid cases make the fixture one student's
 * first — the students earlier cases made for themselves lose their tokens — and then join.
 */
function aloneOnThisStudylog(ctx: SampleContext): void {
  const users = ctx.api.core.users;
  for (const t of users.listTokens()) if (t.revoked_at === null && users.getUser(t.user_id)?.role === 'student') users.revokeToken(t.id);
}
async function joinInputAlone(ctx: SampleContext): Promise<Input> {
  aloneOnThisStudylog(ctx);
  return joinInput(ctx);
}
/**
 * The laptop in a class of the running hub (joined if it was not). The auth matrix's fixture is a
 * Studylog several students use (their tokens), where a join is refused (hub_shared_install): so
 * that syncHub and leaveHub are tried on a joined Studylog, those students' tokens are set aside
 * for the join (marked revoked) and given back after it, as they were — a state the app itself
 * never reaches (users.repo.ts makes no student token while joined), made here only so that every
 * kind of caller meets these routes' guard with a link in place.
 */
async function inClass(ctx: SampleContext): Promise<Input> {
  const hub = await classHub(ctx);
  const core = ctx.api.core;
  if (core.hub.status().hub_url === hub.url) return {};
  const users = core.users;
  const aside = users.listTokens().filter((t) => t.revoked_at === null && users.getUser(t.user_id)?.role === 'student');
  const mark = (revokedAt: number | null) =>
    core.store.transaction('set tokens aside for the join', (db) => {
      for (const t of aside) db.prepare('UPDATE api_token SET revoked_at = ? WHERE id = ?').run(revokedAt, t.id);
    });
  mark(Date.now());
  try {
    await core.hub.join((await joinInput(ctx)) as never);
  } finally {
    mark(null);
  }
  if (!core.hub.status().joined) throw new Error('the route table could not join its class hub');
  return {};
}
async function inClassAlone(ctx: SampleContext): Promise<Input> {
  aloneOnThisStudylog(ctx);
  return inClass(ctx);
}

export const ROUTE_CASES: Record<RouteName, RouteCase> = {
  sendProxyMessage: {
    guard: 'session',
    sample: async (ctx) => ({ message: 'a follow-up', meta: { session_id: await fresh(ctx, 'sample for sendProxyMessage') } }),
    valid: () => ({ message: '你好，这是测试', mode: 'chat' }),
    invalid: () => [{}, { message: '' }, { message: 'x', mode: 'lecture' }, { message: 'x', bogus: 1 }, { message: 'x', meta: { session_id: '' } }, { message: 42 }],
    refused: () => [
      { message: 'x', meta: { session_id: 'no/such/session' } },
      { message: 'x', mode: 'homework' },
    ],
    volatile: true,
    fuzz: (ctx) => ({ message: 'hello', mode: 'chat', meta: { session_id: ctx.session } }),
  },
  streamProxyMessage: {
    guard: 'session',
    sample: async (ctx) => ({ message: 'a streamed follow-up', meta: { session_id: await fresh(ctx, 'sample for streamProxyMessage') } }),
    valid: () => ({ message: 'stream parity', mode: 'chat' }),
    invalid: () => [{}, { message: '   ' }, { message: 'x', model: '' }, { message: 'x', extra: true }],
    refused: () => [{ message: 'x', meta: { session_id: 'no/such/session' } }],
    volatile: true,
    fuzz: () => ({ message: 'hello' }),
  },
  stopProxyStream: {
    // Stops only the caller's own streams; naming none (or another's) stops nothing.
    guard: 'user',
    sample: () => ({ id: 'no-such-stream' }),
    valid: () => ({ id: 'no-such-stream' }),
    invalid: () => [{ id: 'a b' }, { id: 'a.b' }, { id: 'x'.repeat(101) }, { id: 'no-such-stream', bogus: 1 }],
    fuzz: () => ({ id: 'no-such-stream' }),
  },
  uploadAttachment: {
    guard: 'user',
    sample: () => ({ name: 'blank.png', data: BLANK_PNG }),
    valid: () => ({ name: 'blank.png', data: BLANK_PNG }),
    invalid: () => [{}, { name: 'x.png' }, { name: '', data: BLANK_PNG }, { name: 'x.png', data: 'not base64!' }, { name: 'x.png', data: BLANK_PNG, bogus: 1 }],
    // Its type is read from its bytes: text is not an image, whatever its name says.
    refused: () => [{ name: 'x.png', data: Buffer.from('just text').toString('base64') }],
    volatile: true,
    fuzz: () => ({ name: 'blank.png', data: BLANK_PNG }),
  },
  getAttachment: {
    // Like a session: its uploader's or an admin's; anyone else's is not found.
    guard: 'session',
    sample: async (ctx) => ({ sha256: await ownAttachment(ctx, ctx.owner.user_id) }),
    // One attachment for both faces, so their replies can be compared.
    valid: async (ctx) => {
      if (!validAttachments.has(ctx.api)) validAttachments.set(ctx.api, ownAttachment(ctx, ctx.owner.user_id));
      return { sha256: await validAttachments.get(ctx.api)!, thumbnail: '1' };
    },
    invalid: () => [{ sha256: 'abc' }, { sha256: 'G'.repeat(64) }, { sha256: '0'.repeat(64), bogus: '1' }],
    refused: () => [{ sha256: 'f'.repeat(64) }],
    fuzz: () => ({ sha256: '0'.repeat(64) }),
  },
  getUserSessions: {
    guard: 'user',
    sample: () => ({ limit: 10 }),
    valid: () => ({ limit: 5, mode: 'chat' }),
    invalid: () => [{ limit: '0' }, { limit: '201' }, { skip: '-1' }, { mode: 'nope' }, { from: 'yesterday' }, { bogus: '1' }, { q: '' }],
    fuzz: () => ({ limit: '5', mode: 'chat' }),
  },
  getSession: {
    guard: 'session',
    sample: async (ctx) => ({ id: await fresh(ctx, 'sample for getSession') }),
    valid: (ctx) => ({ id: ctx.session }),
    invalid: (ctx) => [{ id: 'x'.repeat(129) }, { id: '   ' }, { id: ctx.session, bogus: '1' }],
    refused: () => [{ id: 'no-such-session' }],
    fuzz: (ctx) => ({ id: ctx.session }),
  },
  waitSessionTitle: {
    guard: 'session',
    sample: async (ctx) => ({ id: await fresh(ctx, 'sample for waitSessionTitle') }),
    valid: (ctx) => ({ id: ctx.session }),
    invalid: (ctx) => [{ id: 'x'.repeat(129) }, { id: '   ' }, { id: ctx.session, bogus: '1' }],
    refused: () => [{ id: 'no-such-session' }],
    fuzz: (ctx) => ({ id: ctx.session }),
  },
  updateSession: {
    guard: 'session',
    sample: async (ctx) => ({ id: await fresh(ctx, 'sample for updateSession'), title: 'Renamed' }),
    // Idempotent: both faces give the same session back.
    valid: (ctx) => ({ id: ctx.session, title: 'Renamed by parity' }),
    invalid: (ctx) => [
      { id: ctx.session, title: '' },
      { id: ctx.session, ended_at: -1 },
      { id: ctx.session, ended_at: 8.64e15 + 1 },
      { id: ctx.session, meta: 'not an object' },
      { id: ctx.session, bogus: 1 },
    ],
    refused: () => [{ id: 'no-such-session', title: 'x' }],
    fuzz: (ctx) => ({ id: ctx.session, title: 'renamed' }),
  },
  deleteSession: {
    guard: 'session',
    sample: async (ctx) => ({ id: await fresh(ctx, 'sample for deleteSession') }),
    valid: async (ctx) => ({ id: await fresh(ctx, 'to be deleted') }),
    invalid: (ctx) => [{ id: ctx.session, bogus: '1' }, { id: 'y'.repeat(200) }],
    refused: () => [{ id: 'no-such-session' }],
    fuzz: (ctx) => ({ id: ctx.session }),
  },
  getSessionTurns: {
    guard: 'session',
    sample: async (ctx) => ({ id: await fresh(ctx, 'sample for getSessionTurns') }),
    // A page of one: both faces name the same next cursor (a header over HTTP).
    valid: (ctx) => ({ id: ctx.session, limit: '1' }),
    invalid: (ctx) => [
      { id: ctx.session, limit: '0' },
      { id: ctx.session, limit: '1001' },
      { id: ctx.session, cursor: 'not a cursor!' },
      { id: ctx.session, cursor: 'Zm9v' },
      { id: 'z'.repeat(129) },
      { id: ctx.session, bogus: '1' },
    ],
    refused: () => [{ id: 'no-such-session' }],
    fuzz: (ctx) => ({ id: ctx.session }),
  },
  regenerateAnswer: {
    // Another answer in the caller's own session (an admin reads others' sessions, never adds to them).
    guard: 'session',
    sample: async (ctx) => answerOf(ctx, await fresh(ctx, 'sample for regenerateAnswer')),
    valid: async (ctx) => answerOf(ctx, await fresh(ctx, 'regenerate parity')),
    invalid: (ctx) => [
      { id: ctx.session, turn_id: 'a b' },
      { id: ctx.session, turn_id: 'x'.repeat(129) },
      { ...answerOf(ctx, ctx.session), model: '' },
      { ...answerOf(ctx, ctx.session), bogus: 1 },
    ],
    refused: (ctx) => [
      { id: 'no-such-session', turn_id: 'no-such-turn' },
      { id: ctx.session, turn_id: 'no-such-turn' },
    ],
    volatile: true,
    fuzz: (ctx) => answerOf(ctx, ctx.session),
  },
  selectSessionPath: {
    guard: 'session',
    sample: async (ctx) => answerOf(ctx, await fresh(ctx, 'sample for selectSessionPath')),
    // Idempotent: both faces choose the same version and give the same session back.
    valid: (ctx) => answerOf(ctx, ctx.session),
    invalid: (ctx) => [{ id: ctx.session }, { id: ctx.session, turn_id: '' }, { ...answerOf(ctx, ctx.session), bogus: 1 }],
    refused: (ctx) => [
      { id: 'no-such-session', turn_id: 'no-such-turn' },
      { id: ctx.session, turn_id: 'no-such-turn' },
    ],
    fuzz: (ctx) => answerOf(ctx, ctx.session),
  },
  getTurns: {
    guard: 'user',
    sample: () => ({ from: 0, to: FAR_FUTURE }),
    valid: () => ({ from: 0, to: FAR_FUTURE, limit: 2 }),
    invalid: () => [
      { from: '0', to: '8640000000000001' },
      { from: '0', to: '1', limit: '0' },
      { from: '0', to: '1', cursor: '' },
      { from: '0' },
      { from: 'abc', to: '1' },
      { from: '-1', to: '5' },
      { from: '1.5', to: '5' },
      { from: 'Infinity', to: '5' },
      { from: '0', to: '1', bogus: 'x' },
    ],
    fuzz: () => ({ from: '0', to: String(FAR_FUTURE) }),
  },
  searchTurns: {
    guard: 'user',
    sample: () => ({ q: 'sample' }),
    valid: () => ({ q: 'sample' }),
    invalid: () => [{}, { q: '' }, { q: 'x'.repeat(501) }, { q: 'ok', limit: 'NaN' }],
    fuzz: () => ({ q: 'hello' }),
  },
  getUsage: {
    guard: 'user',
    sample: () => ({ from: 0, to: FAR_FUTURE, group: 'mode' }),
    valid: () => ({ from: 0, to: FAR_FUTURE, group: 'model', tz_offset_minutes: 480 }),
    invalid: () => [{ from: '0', to: '1', group: 'week' }, { from: '0', to: '1', tz_offset_minutes: '900' }, { to: '1' }],
    fuzz: () => ({ from: '0', to: String(FAR_FUTURE), group: 'day' }),
  },
  getLearnerSummary: {
    guard: 'user',
    sample: () => ({ from: '2026-03-01', to: '2026-03-08' }),
    valid: () => ({ from: '2000-01-01', to: '2000-01-08' }),
    invalid: () => [{ from: '2026-03-01' }, { from: '2026-02-30', to: '2026-03-02' }, { from: '2026-03-08', to: '2026-03-01' }, { from: '20260301', to: '20260308' }],
    fuzz: () => ({ from: '2026-03-01', to: '2026-03-08' }),
  },
  runLearnerSummary: {
    guard: 'user',
    sample: () => ({ from: '2026-03-01', to: '2026-03-02' }),
    valid: () => ({ from: '2000-01-01', to: '2000-01-02' }),
    invalid: () => [
      { from: '2026-01-01', to: '2026-03-01' },
      { from: '2026-03-01', to: '2026-03-01' },
      { from: 'today', to: 'tomorrow' },
    ],
    fuzz: () => ({ from: '2026-03-01', to: '2026-03-02' }),
  },
  exportSessions: {
    guard: 'session',
    sample: async (ctx) => ({ session_id: await fresh(ctx, 'sample for exportSessions'), format: 'md' }),
    valid: (ctx) => ({ session_id: ctx.session, format: 'json' }),
    invalid: () => [{ format: 'md' }, { session_id: 'a', assignment_id: 'b' }, { session_id: 'a', format: 'pdf' }],
    refused: () => [{ session_id: 'no-such-session' }, { assignment_id: 'no-such-assignment' }],
    volatile: true, // exported_at
    fuzz: (ctx) => ({ session_id: ctx.session, format: 'md' }),
  },
  listAssignments: { guard: 'user', sample: () => ({}), valid: () => ({}), invalid: () => [{ bogus: '1' }], fuzz: () => ({}) },
  getAssignment: {
    guard: 'assignment',
    sample: () => ({ id: 'hw_001' }),
    valid: () => ({ id: 'hw_001' }),
    invalid: () => [{ id: 'q'.repeat(129) }, { id: 'hw_001', x: '1' }],
    refused: () => [{ id: 'no-such-assignment' }],
    fuzz: () => ({ id: 'hw_001' }),
  },
  getAssignmentStatus: {
    guard: 'assignment',
    sample: () => ({ id: 'hw_001' }),
    valid: () => ({ id: 'hw_001' }),
    invalid: () => [{ id: 'q'.repeat(129) }, { id: 'hw_001', x: '1' }],
    refused: () => [{ id: 'no-such-assignment' }],
    fuzz: () => ({ id: 'hw_001' }),
  },
  createAssignment: {
    guard: 'teacher',
    sample: () => ({ title: 'Sample assignment', subject: 'Maths' }),
    valid: () => ({ title: 'Parity essay', subject: 'English', due_at: '2030-01-01' }),
    invalid: () => [
      {},
      { title: '' },
      { title: 'x', due_at: 'tomorrow' },
      { title: 'x', due_at: '2026-02-30' },
      { title: 'x', due_at: 9e15 },
      { id: '..', title: 'x' },
      { id: 'a/b', title: 'x' },
      { title: 'x', subject: 5 },
      { title: 'x', bogus: 1 },
      { title: 'x', policy: { hint_ceiling: 6 } },
      { title: 'x', policy: { allowed_modes: ['lecture'] } },
      { title: 'x', policy: { allowance: { tokens: 0 } } },
    ],
    refused: () => [{ id: 'hw_001', title: 'duplicate' }],
    volatile: true,
    fuzz: () => ({ title: 'new', subject: 'Maths', due_at: '2030-01-01' }),
  },
  updateAssignment: {
    guard: 'taught',
    sample: () => ({ id: 'hw_1', description: 'Chapter 2' }),
    valid: () => ({ id: 'hw_1', subject: 'Maths', due_at: 1_900_000_000_000 }),
    invalid: () => [
      { id: 'hw_1', title: 5 },
      { id: 'hw_1', due_at: 'soon' },
      { id: 'hw_1', created_at: 1 },
    ],
    refused: () => [{ id: 'no-such-assignment', title: 'x' }],
    fuzz: () => ({ id: 'hw_001', title: 'changed' }),
  },
  deleteAssignment: {
    guard: 'taught',
    sample: (ctx) => ({ id: ctx.api.core.assignments.create(testWrites(ctx.api.core.store), { title: 'To be deleted' }).id }),
    valid: (ctx) => ({ id: ctx.api.core.assignments.create(testWrites(ctx.api.core.store), { title: 'To be deleted' }).id }),
    invalid: () => [{ id: 'hw_1', cascade: 'true' }],
    refused: () => [{ id: 'no-such-assignment' }],
    fuzz: () => ({ id: 'hw_001' }),
  },
  importAssignments: {
    guard: 'teacher',
    sample: () => ({ assignments: [{ title: 'Imported sample' }] }),
    valid: () => ({ assignments: [{ title: 'Imported' }, { title: '' }] }),
    invalid: () => [{}, { assignments: 'none' }, { assignments: [], extra: 1 }],
    volatile: true,
    fuzz: () => ({ assignments: [{ title: 'imported' }] }),
  },
  listTemplates: { guard: 'user', sample: () => ({}), valid: () => ({}), invalid: () => [{ language: 'en' }], fuzz: () => ({}) },
  saveTemplate: {
    guard: 'user',
    sample: () => ({ id: 'essay_feedback', text: 'Only the three most important problems, please.' }),
    valid: () => ({ id: 'translate', text: '只译成英文。' }),
    invalid: () => [
      { id: 'translate' },
      { id: 'translate', text: '   ' },
      { id: 'Bad Id', text: 'x' },
      { id: 'translate', text: 'x', extra: 1 },
      { id: 'mine', name: '', text: 'x' },
    ],
    // A template of the caller's own needs a name.
    refused: () => [{ id: 'no-such-template', text: 'x' }],
    volatile: true,
    fuzz: () => ({ id: 'english_speaking', text: 'Reply in English only.' }),
  },
  deleteTemplate: {
    guard: 'user',
    // A built-in template without the caller's copy: nothing to forget, on either face.
    sample: () => ({ id: 'explain_mistake' }),
    valid: () => ({ id: 'explain_mistake' }),
    invalid: () => [{ id: 'Bad Id' }, { id: 'explain_mistake', all: true }],
    refused: () => [{ id: 'no-such-template' }],
    fuzz: () => ({ id: 'explain_mistake' }),
  },
  createSubmission: {
    guard: 'assignment',
    sample: (ctx) => ({ id: ctx.api.core.assignments.create(testWrites(ctx.api.core.store), { title: 'To hand in' }).id }),
    valid: (ctx) => ({ id: ctx.api.core.assignments.create(testWrites(ctx.api.core.store), { title: 'To hand in' }).id, answer: 'x = 2', ai_note: 'no AI' }),
    invalid: () => [
      { id: 'hw_001', answer: 5 },
      { id: 'hw_001', session_ids: 'all' },
      { id: 'hw_001', ai_note: 'n'.repeat(20_001) },
      { id: 'hw_001', bogus: 1 },
    ],
    refused: () => [{ id: 'no-such-assignment' }, { id: 'hw_1', session_ids: ['no-such-session'] }],
    volatile: true,
    fuzz: () => ({ id: 'hw_001', answer: 'fuzz' }),
  },
  listSubmissions: {
    guard: 'assignment',
    sample: () => ({ id: 'hw_001' }),
    valid: async (ctx) => ({ id: (await sharedHandin(ctx)).assignment_id }),
    invalid: () => [{ id: 'hw_001', status: 'late' }, { id: 'q'.repeat(129) }],
    refused: () => [{ id: 'no-such-assignment' }],
    volatile: true,
    fuzz: () => ({ id: 'hw_001' }),
  },
  exportGrades: {
    guard: 'taught',
    sample: () => ({ id: 'hw_001' }),
    valid: async (ctx) => ({ id: (await sharedHandin(ctx)).assignment_id }),
    invalid: () => [{ id: 'hw_001', format: 'xlsx' }],
    refused: () => [{ id: 'no-such-assignment' }],
    volatile: true,
    fuzz: () => ({ id: 'hw_001' }),
  },
  listMySubmissions: { guard: 'user', sample: () => ({}), valid: () => ({}), invalid: () => [{ user_id: 'x' }], volatile: true, fuzz: () => ({}) },
  getSubmission: {
    guard: 'session',
    sample: async (ctx) => ({ id: (await handin(ctx, 'submitted')).id }),
    valid: async (ctx) => ({ id: (await sharedHandin(ctx)).id }),
    invalid: () => [{ id: 'x'.repeat(129) }, { id: NO_SUCH_SUBMISSION, full: '1' }],
    refused: () => [{ id: NO_SUCH_SUBMISSION }],
    volatile: true,
    fuzz: () => ({ id: NO_SUCH_SUBMISSION }),
  },
  updateSubmission: {
    guard: 'session',
    sample: async (ctx) => ({ id: (await handin(ctx, 'draft')).id, answer: 'x = 3' }),
    valid: async (ctx) => ({ id: (await handin(ctx, 'draft')).id, answer: 'x = 3', ai_note: 'I asked for one hint.' }),
    invalid: () => [
      { id: NO_SUCH_SUBMISSION, answer: null },
      { id: NO_SUCH_SUBMISSION, status: 'returned' },
      { id: NO_SUCH_SUBMISSION, answer: 'a'.repeat(100_001) },
      { id: NO_SUCH_SUBMISSION, answer_files: [{ sha256: 'abc', name: 'x.png' }] },
      { id: NO_SUCH_SUBMISSION, answer_files: Array.from({ length: 9 }, (_, i) => ({ sha256: String(i).repeat(64), name: 'x.png' })) },
    ],
    refused: () => [{ id: NO_SUCH_SUBMISSION, answer: 'x' }],
    volatile: true,
    fuzz: () => ({ id: NO_SUCH_SUBMISSION, answer: 'fuzz' }),
  },
  submitSubmission: {
    guard: 'session',
    sample: async (ctx) => ({ id: (await handin(ctx, 'draft')).id }),
    valid: async (ctx) => ({ id: (await handin(ctx, 'draft')).id }),
    invalid: () => [{ id: NO_SUCH_SUBMISSION, late: true }],
    refused: () => [{ id: NO_SUCH_SUBMISSION }],
    volatile: true,
    fuzz: () => ({ id: NO_SUCH_SUBMISSION }),
  },
  getSubmissionBundle: {
    guard: 'session',
    sample: async (ctx) => ({ id: (await handin(ctx, 'submitted')).id }),
    valid: async (ctx) => ({ id: (await sharedHandin(ctx)).id }),
    invalid: () => [{ id: NO_SUCH_SUBMISSION, format: 'zip' }],
    refused: () => [{ id: NO_SUCH_SUBMISSION }],
    volatile: true,
    fuzz: () => ({ id: NO_SUCH_SUBMISSION }),
  },
  getSubmissionFile: {
    guard: 'session',
    sample: (ctx) => handinWithFile(ctx),
    // One hand-in for both faces, so their replies can be compared.
    valid: (ctx) => {
      if (!sharedFiles.has(ctx.api)) sharedFiles.set(ctx.api, handinWithFile(ctx));
      return sharedFiles.get(ctx.api)!;
    },
    invalid: () => [
      { id: NO_SUCH_SUBMISSION, sha256: 'abc' },
      { id: NO_SUCH_SUBMISSION, sha256: '0'.repeat(64), thumbnail: '1' },
    ],
    refused: () => [{ id: NO_SUCH_SUBMISSION, sha256: '0'.repeat(64) }],
    fuzz: () => ({ id: NO_SUCH_SUBMISSION, sha256: '0'.repeat(64) }),
  },
  returnSubmission: {
    guard: 'taught',
    sample: async (ctx) => ({ id: (await handin(ctx, 'submitted')).id, score: 90, feedback: '很好' }),
    valid: async (ctx) => ({ id: (await handin(ctx, 'submitted')).id, score: 85, feedback: 'Good.' }),
    invalid: () => [
      { id: NO_SUCH_SUBMISSION, score: -1 },
      { id: NO_SUCH_SUBMISSION, score: 1.5 },
      { id: NO_SUCH_SUBMISSION, score: 1001 },
      { id: NO_SUCH_SUBMISSION, score: 1, feedback: 5 },
    ],
    refused: () => [{ id: NO_SUCH_SUBMISSION, score: 1 }],
    volatile: true,
    fuzz: () => ({ id: NO_SUCH_SUBMISSION, score: 1, feedback: '' }),
  },
  importSubmission: {
    guard: 'taught',
    // Its own hand-in's file, imported where it was handed in: the same file again, filed as it is.
    sample: async (ctx) => ({ bundle: await studentBundle(ctx) }),
    valid: async (ctx) => ({ bundle: await studentBundle(ctx) }),
    invalid: () => [{}, { bundle: '' }, { bundle: 5 }, { bundle: '{}', extra: 1 }],
    refused: () => [{ bundle: '{"format":"studylog.handin"' }, { bundle: 'not json' }, { bundle: '{}' }],
    volatile: true,
    fuzz: () => ({ bundle: '{}' }),
  },
  getHubLink: { guard: 'admin', sample: () => ({}), valid: () => ({}), invalid: () => [{ hub_url: 'x' }], volatile: true, fuzz: () => ({}) },
  joinHub: {
    guard: 'admin',
    sample: joinInput,
    valid: joinInputAlone,
    invalid: () => [
      {},
      { hub_url: 'ftp://hub.school.lan', code: 'K7M2QX9P', name: '王小明' },
      { hub_url: 'http://hub.school.lan', code: 'K7', name: '王小明' },
      { hub_url: 'http://hub.school.lan', code: 'K7M2QX9P', name: '' },
      { hub_url: 'http://hub.school.lan', code: 'K7M2QX9P', name: '王小明', token: 'x' },
    ],
    volatile: true,
    fuzz: () => ({ hub_url: 'http://127.0.0.1:9', code: 'K7M2QX9P', name: '王小明' }),
  },
  syncHub: { guard: 'admin', sample: inClass, valid: inClassAlone, invalid: () => [{ force: true }], volatile: true, fuzz: () => ({}) },
  leaveHub: { guard: 'admin', sample: inClass, valid: inClassAlone, invalid: () => [{ all: true }], volatile: true, fuzz: () => ({}) },
  listModels: { guard: 'user', sample: () => ({}), valid: () => ({}), invalid: () => [{ provider: 'test' }], fuzz: () => ({}) },
  getMe: { guard: 'user', sample: () => ({}), valid: () => ({}), invalid: () => [{ id: 'x' }], fuzz: () => ({}) },
  updateMe: {
    guard: 'teacher',
    sample: () => ({ name: '王老师' }),
    valid: () => ({ name: '王老师' }),
    invalid: () => [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(PERSON_NAME_MAX_CHARS + 1) }, { name: '王老师', role: 'admin' }],
    fuzz: () => ({ name: '王老师' }),
  },
  getSettings: { guard: 'admin', sample: () => ({}), valid: () => ({}), invalid: () => [{ section: 'all' }], fuzz: () => ({}) },
  updateSettings: {
    guard: 'admin',
    sample: () => ({ theme: 'dark' }),
    valid: () => ({ language: 'en', theme: 'light' }),
    invalid: () => [
      { language: 'fr' },
      { theme: 'neon' },
      { providers: [{ id: 'x', name: 'X', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-nope', api_key_ref: { source: 'none' } }] },
      { bogus: 1 },
    ],
    fuzz: () => ({ theme: 'dark' }),
  },
  setProviderKey: {
    guard: 'admin',
    sample: () => ({ id: 'kc', api_key: 'sk-sample-keychain-key' }),
    valid: () => ({ id: 'kc', api_key: 'sk-parity-keychain' }),
    invalid: () => [{ id: 'kc', api_key: '   ' }, { id: 'kc' }, { id: 'kc', api_key: 'k'.repeat(501) }],
    // 'test' keeps its key in an environment variable: refused by the service, not the schema.
    refused: () => [
      { id: 'no-such-provider', api_key: 'sk-x' },
      { id: 'test', api_key: 'sk-not-for-env' },
    ],
    fuzz: () => ({ id: 'kc', api_key: 'sk-fuzz' }),
  },
  deleteProviderKey: {
    guard: 'admin',
    sample: () => ({ id: 'kc' }),
    valid: async (ctx) => {
      await ctx.api.secrets.set('kc', 'sk-to-delete');
      return { id: 'kc' };
    },
    invalid: () => [{ id: 'kc', force: 'yes' }],
    refused: () => [{ id: 'no-such-provider' }],
    fuzz: () => ({ id: 'kc' }),
  },
  testProvider: {
    guard: 'admin',
    sample: () => ({ id: 'test' }),
    valid: () => ({ id: 'test' }),
    invalid: () => [{ id: 'test', bogus: 1 }],
    refused: () => [{ id: 'no-such-provider' }],
    fuzz: () => ({ id: 'test' }),
  },
  listTokens: { guard: 'admin', sample: () => ({}), valid: () => ({}), invalid: () => [{ all: 'true' }], fuzz: () => ({}) },
  createToken: {
    guard: 'admin',
    sample: (ctx) => outOfClass(ctx, { name: 'sample token', role: 'student' }),
    valid: (ctx) => outOfClass(ctx, { name: 'tablet', role: 'student' }),
    invalid: () => [{ name: 'x', role: 'principal' }, { name: '', role: 'student' }, { name: 'x', role: 'student', user_id: 'y' }, {}],
    refused: () => [{ name: 'x', user_id: 'no-such-user' }],
    volatile: true,
    fuzz: () => ({ name: 'fuzz', role: 'student' }),
  },
  revokeToken: {
    guard: 'admin',
    sample: async (ctx) => ({ id: (await studentToken(ctx, 'to be revoked')).token_id }),
    valid: async (ctx) => ({ id: (await studentToken(ctx, 'to revoke')).token_id }),
    invalid: () => [{ id: 'w'.repeat(129) }],
    refused: () => [{ id: 'no-such-token' }],
    volatile: true,
    fuzz: (ctx) => ({ id: ctx.tokenId }),
  },
  exchangeSigninCode: {
    guard: 'public',
    // A fresh one-time code each call, as `studylog serve` would print (a code works once).
    sample: (ctx) => ({ code: ctx.api.core.signinCodes.issue().code }),
    valid: (ctx) => ({ code: ctx.api.core.signinCodes.issue().code }),
    invalid: () => [{}, { code: '' }, { code: 'c'.repeat(129) }, { code: 'x', user_id: 'y' }],
    refused: () => [{ code: 'a-code-nobody-issued' }],
    volatile: true,
    fuzz: () => ({ code: 'a-code-nobody-issued' }),
  },
  signOut: {
    guard: 'user',
    // Revokes only a token a sign-in link minted: the fixtures' tokens keep working.
    sample: () => ({}),
    valid: () => ({}),
    invalid: () => [{ everywhere: true }],
    volatile: true,
    fuzz: () => ({}),
  },
  health: { guard: 'public', sample: () => ({}), valid: () => ({}), invalid: () => [{ verbose: '1' }], fuzz: () => ({}) },
};
