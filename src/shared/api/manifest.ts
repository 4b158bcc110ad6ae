/**
 * THE route manifest: every operation as plain data — method, path, who may call it, whether it
 * streams or pages, a summary and examples. No zod here, so the renderer and the preload import it
 * without shipping a validator: the schemas are attached by route name on the server's side
 * (routes.ts), and the typed client takes its types from there with `import type` (erased).
 *
 * One entry drives every face: the ipcMain handlers and the preload API (`window.studylog`), the
 * HTTP routes under /api/v1/llm, the typed client and the OpenAPI document. Adding a route: an
 * entry here, its schemas in routes.ts, its handler in src/main/core/api/handlers.ts and its test
 * cases in tests/support/route-cases.ts — a type error names whichever is missing.
 *
 * Input is one object: path parameters, plus the query string (GET, DELETE) or the JSON body
 * (POST, PATCH, PUT).
 */

export const API_PREFIX = '/api/v1/llm';
/** The class hub's routes (`studylog hub`, src/main/core/hub/; their schemas: hub.ts). */
export const HUB_PREFIX = '/api/v1/hub';

/**
 * Who may call: anyone (health, the sign-in code exchange), any signed-in user, a teacher or an
 * admin ('teacher'), or an admin. Handlers narrow further (a teacher's own assignments).
 */
export type Access = 'public' | 'user' | 'teacher' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A sample call, shown in the OpenAPI document (and checked against the route's schema by a test). */
export interface RouteExample {
  summary: string;
  input: Record<string, unknown>;
  output?: unknown;
}

export interface RouteSpec {
  method: HttpMethod;
  /** Relative to API_PREFIX; `{name}` marks a path parameter. */
  path: string;
  access: Access;
  summary: string;
  /** Server-sent events over HTTP, events keyed by request id over IPC. */
  stream?: true;
  /**
   * Paged by cursor: the body is one page (an array), and where the next page starts travels
   * beside it — the `X-Next-Cursor` header (and a `Link: <…>; rel="next"`) over HTTP,
   * `next_cursor` in the envelope over IPC. Pass it back as `cursor`; none on the last page.
   */
  cursor?: true;
  examples?: readonly RouteExample[];
}

// Keeps each entry's literal path, method and `stream: true` for the derived types below.
const spec = <const S extends RouteSpec>(s: S): S => s;

export const manifest = {
  // Seed: POST /api/v1/llm/proxy and its streaming twin.
  sendProxyMessage: spec({
    method: 'POST',
    path: '/proxy',
    access: 'user',
    summary: 'Send a message through the LLM proxy and wait for the answer',
    examples: [
      { summary: 'A plain chat message (the seed’s curl example)', input: { message: '你好，这是测试', mode: 'chat' } },
      {
        summary: 'A homework question continuing a session (the seed’s request example, without its comment)',
        input: { message: '帮我解答这道数学题', chat_id: 'abc123', assignment_id: 'hw_001', mode: 'homework', model: 'gpt-5', meta: { session_id: 'session_xyz' } },
      },
    ],
  }),
  streamProxyMessage: spec({
    method: 'POST',
    path: '/proxy/stream',
    access: 'user',
    summary: 'Send a message and stream the answer (events: start, reasoning, delta, done | error). Send an X-Stream-Id header to be able to stop it with stopProxyStream.',
    stream: true,
    examples: [{ summary: 'A deep_think question', input: { message: '为什么天空是蓝色的？', mode: 'deep_think' } }],
  }),
  stopProxyStream: spec({
    method: 'POST',
    path: '/proxy/stream/{id}/stop',
    access: 'user',
    summary:
      "Stop the caller's stream started with that X-Stream-Id: the stream still ends with `done`, the partial answer kept as aborted. `stopped` is false when no such stream is running.",
    examples: [{ summary: 'Stop a stream', input: { id: '0193a5c2-7f1e-7c4b-9a62-3d1f0e8b2a41' }, output: { stopped: true } }],
  }),
  uploadAttachment: spec({
    method: 'POST',
    path: '/attachments',
    access: 'user',
    summary:
      'Attach a photo (PNG, JPEG, WebP; up to 10 MB) or a PDF (up to 20 MB, 500 pages), base64-encoded: its type is read from its bytes, an image is stored without its metadata (EXIF, GPS) and at most 2048 px on its longest side, its text read locally (OCR, or the PDF text). Send it with a message by its sha256 (`attachments`). The body may be up to 28 MiB here.',
    examples: [
      {
        summary: 'A photo of a problem',
        input: {
          name: '习题.png',
          data: 'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAHUlEQVQokWP4TyJgGNVABGAgRhEyGNVADKB9KAEAr639H8LdEzEAAAAASUVORK5CYII=',
        },
      },
    ],
  }),
  getAttachment: spec({
    method: 'GET',
    path: '/attachments/{sha256}',
    access: 'user',
    summary: "One of the caller's attachments (its description and text, never its bytes); `thumbnail=1` adds a small JPEG of an image as a data URL",
  }),
  // Seed: GET /api/v1/llm/sessions and /sessions/{id}/turns.
  getUserSessions: spec({
    method: 'GET',
    path: '/sessions',
    access: 'user',
    summary: "The caller's sessions, newest first, with filters",
    examples: [
      { summary: 'The first page (the seed’s skip and limit)', input: { skip: 0, limit: 50 } },
      { summary: 'Homework sessions mentioning 函数', input: { mode: 'homework', q: '函数' } },
    ],
  }),
  getSession: spec({ method: 'GET', path: '/sessions/{id}', access: 'user', summary: 'One session (owner or admin)' }),
  updateSession: spec({
    method: 'PATCH',
    path: '/sessions/{id}',
    access: 'user',
    summary: 'Rename or end a session (owner or admin)',
    examples: [{ summary: 'Rename', input: { id: 'session_xyz', title: '二次函数' } }],
  }),
  deleteSession: spec({ method: 'DELETE', path: '/sessions/{id}', access: 'user', summary: 'Delete a session and its turns (owner or admin)' }),
  getSessionTurns: spec({
    method: 'GET',
    path: '/sessions/{id}/turns',
    access: 'user',
    summary:
      "A session's turns, oldest first (owner or admin), a page at a time (limit default 200, max 1000; cursor from X-Next-Cursor). Every version, each with its parent_id; `path=active`: only the active branch",
    cursor: true,
    examples: [
      { summary: 'The first page (the seed’s call)', input: { id: 'session_xyz' } },
      { summary: 'The active branch (what the student sees, and what the model is sent)', input: { id: 'session_xyz', path: 'active' } },
    ],
  }),
  // Versions: another answer to a message, and which version the student is looking at.
  regenerateAnswer: spec({
    method: 'POST',
    path: '/sessions/{id}/turns/{turn_id}/regenerate',
    access: 'user',
    summary:
      'Answer a message again (turn_id: the message or one of its answers), optionally with another model the mode allows; streamed like /proxy/stream. The new answer is a version beside the earlier ones, which stay.',
    stream: true,
    examples: [{ summary: 'Another answer, from another model', input: { id: 'session_xyz', turn_id: 'turn_123', model: 'deepseek-chat' } }],
  }),
  selectSessionPath: spec({
    method: 'POST',
    path: '/sessions/{id}/path',
    access: 'user',
    summary:
      "Switch versions: the active branch goes through turn_id (down to its newest answer). Kept in the session's meta.active_leaf_id, so the choice survives a reload; the next message continues it.",
    examples: [{ summary: 'Show version 1 of a message', input: { id: 'session_xyz', turn_id: 'turn_122' } }],
  }),
  waitSessionTitle: spec({
    method: 'GET',
    path: '/sessions/{id}/title',
    access: 'user',
    summary:
      "The session once its model-made title is written: after a session's first answer, this asks the session's model for a short title (once; only on request, so API clients pay no title calls) and answers when that call is over (at once when there is nothing to do), so a client shows the title without polling",
    examples: [{ summary: 'After the first answer', input: { id: 'session_xyz' } }],
  }),
  getTurns: spec({
    method: 'GET',
    path: '/turns',
    access: 'user',
    summary: "The caller's turns created in [from, to), oldest first, a page at a time — the nightly-analysis query; admins may pass user_id",
    cursor: true,
    examples: [{ summary: 'One day (UTC)', input: { from: 1767225600000, to: 1767312000000 } }],
  }),
  searchTurns: spec({
    method: 'GET',
    path: '/turns/search',
    access: 'user',
    summary: "Full-text search over the caller's turns (Chinese and English), newest first",
    examples: [{ summary: 'A Chinese word', input: { q: '数学' } }],
  }),
  getUsage: spec({
    method: 'GET',
    path: '/usage',
    access: 'user',
    summary: 'Token and cost sums over [from, to), grouped by day, mode, assignment or model',
    examples: [{ summary: 'Per day, China Standard Time', input: { from: 1767225600000, to: 1769904000000, group: 'day', tz_offset_minutes: 480 } }],
  }),
  getLearnerSummary: spec({
    method: 'GET',
    path: '/learner-summary',
    access: 'user',
    summary:
      "The caller's learner summary per local day in [from, to) (YYYY-MM-DD): time on task, messages, sessions by mode and assignment, hint levels, topics; admins may pass user_id. A teacher naming a student (or anyone with scope=handed_in) gets it recomputed from only the work that student handed in to the caller's assignments",
    examples: [
      { summary: 'A week', input: { from: '2026-03-02', to: '2026-03-09' } },
      {
        summary: "A student's handed-in work, as their teacher sees it",
        input: { from: '2026-03-02', to: '2026-03-09', user_id: '0193a5c2-7f1e-7c4b-9a62-3d1f0e8b2a41', scope: 'handed_in' },
      },
    ],
  }),
  runLearnerSummary: spec({
    method: 'POST',
    path: '/learner-summary/run',
    access: 'user',
    summary: "Compute the caller's learner summary now for the days in [from, to) (at most 31, MAX_RANGE_DAYS); admins may pass user_id. It also runs once a day by itself",
    examples: [{ summary: 'Today', input: { from: '2026-03-08', to: '2026-03-09' } }],
  }),
  exportSessions: spec({
    method: 'GET',
    path: '/export',
    access: 'user',
    summary:
      'One session, or every session of an assignment, as Markdown or JSON (the Markdown links each attachment by its hash); `attachments=1` puts the files themselves in a JSON export (base64, at most 64 MB of files)',
    examples: [{ summary: 'An assignment’s sessions as Markdown', input: { assignment_id: 'hw_001', format: 'md' } }],
  }),
  listAssignments: spec({ method: 'GET', path: '/assignments', access: 'user', summary: "Assignments, due soonest first (a teacher's: the ones they own)" }),
  getAssignment: spec({ method: 'GET', path: '/assignments/{id}', access: 'user', summary: 'One assignment' }),
  getAssignmentStatus: spec({
    method: 'GET',
    path: '/assignments/{id}/status',
    access: 'user',
    summary: "The caller's standing on an assignment: its AI policy as applied (defaults filled in), the allowance used and left, not open yet or late; admins may pass user_id",
    examples: [{ summary: 'My allowance on hw_001', input: { id: 'hw_001' } }],
  }),
  createAssignment: spec({
    method: 'POST',
    path: '/assignments',
    access: 'teacher',
    summary: 'Create an assignment',
    examples: [{ summary: 'With a due date', input: { id: 'hw_001', title: '数学作业一', subject: '数学', due_at: '2026-03-01' } }],
  }),
  updateAssignment: spec({ method: 'PATCH', path: '/assignments/{id}', access: 'teacher', summary: 'Change an assignment (its teacher or an admin)' }),
  deleteAssignment: spec({
    method: 'DELETE',
    path: '/assignments/{id}',
    access: 'teacher',
    summary: 'Delete an assignment (its teacher or an admin; its sessions and hand-ins keep their history)',
  }),
  importAssignments: spec({
    method: 'POST',
    path: '/assignments/import',
    access: 'teacher',
    summary: "Import a teacher's file: invalid entries reported by index, the valid ones imported together",
    examples: [
      {
        summary: 'Two assignments',
        input: {
          assignments: [
            { id: 'hw_001', title: '数学作业一' },
            { title: 'Essay outline', subject: 'English', due_at: '2026-03-15' },
          ],
        },
      },
    ],
  }),
  listTemplates: spec({
    method: 'GET',
    path: '/templates',
    access: 'user',
    summary: "Study templates: the built-in ones (zh-CN and en) with the caller's edited copies, then the caller's own",
  }),
  saveTemplate: spec({
    method: 'PUT',
    path: '/templates/{id}',
    access: 'user',
    summary: "Save the caller's text for a built-in template, or a template of their own (a new one needs a name)",
    examples: [{ summary: 'Edit the essay feedback template', input: { id: 'essay_feedback', text: '请只指出三个最重要的问题。' } }],
  }),
  deleteTemplate: spec({
    method: 'DELETE',
    path: '/templates/{id}',
    access: 'user',
    summary: "Forget the caller's copy: a built-in template returns to its own text, one of the caller's own is deleted",
  }),
  // Hand-ins (README "Hand-in and review"; who sees what: SECURITY.md).
  createSubmission: spec({
    method: 'POST',
    path: '/assignments/{id}/submissions',
    access: 'user',
    summary: "Open the caller's hand-in for an assignment: the existing one, or a new draft with every session of it and a suggested AI-use note",
    examples: [{ summary: 'Start a hand-in', input: { id: 'hw_001' } }],
  }),
  listSubmissions: spec({
    method: 'GET',
    path: '/assignments/{id}/submissions',
    access: 'user',
    summary: "An assignment's hand-ins: a teacher's inbox (its owner or an admin; no drafts), or a student's own",
  }),
  exportGrades: spec({ method: 'GET', path: '/assignments/{id}/grades', access: 'teacher', summary: "An assignment's grades as CSV (its teacher or an admin)" }),
  listMySubmissions: spec({ method: 'GET', path: '/submissions', access: 'user', summary: "The caller's hand-ins, with their status, score and feedback" }),
  getSubmission: spec({
    method: 'GET',
    path: '/submissions/{id}',
    access: 'user',
    summary: 'One hand-in (its student, or a teacher of the assignment): the summary card, the transcript with every version, the answer, the note, the verification',
  }),
  updateSubmission: spec({
    method: 'PATCH',
    path: '/submissions/{id}',
    access: 'user',
    summary: "Change the caller's hand-in (sessions, answer, AI-use note) until it is returned",
    examples: [{ summary: 'Write the answer', input: { id: '0193a5c2-7f1e-7c4b-9a62-3d1f0e8b2a41', answer: 'x = 2' } }],
  }),
  submitSubmission: spec({
    method: 'POST',
    path: '/submissions/{id}/submit',
    access: 'user',
    summary: "Hand in (again, until it is returned): a signed bundle of the sessions, the answer and the note; late after the due date, refused after the policy's closes_at",
  }),
  getSubmissionBundle: spec({
    method: 'GET',
    path: '/submissions/{id}/bundle',
    access: 'user',
    summary: 'The hand-in as a .studylog file (format studylog.handin: version 1, or 2 when the answer has files)',
  }),
  getSubmissionFile: spec({
    method: 'GET',
    path: '/submissions/{id}/files/{sha256}',
    access: 'user',
    summary: "One of a hand-in's answer files (its student, or a teacher of the assignment): name, type, size and, for an image, a small JPEG",
  }),
  returnSubmission: spec({
    method: 'POST',
    path: '/submissions/{id}/return',
    access: 'teacher',
    summary: 'Return a hand-in with a score and feedback (its teacher or an admin)',
    examples: [{ summary: 'A grade', input: { id: '0193a5c2-7f1e-7c4b-9a62-3d1f0e8b2a41', score: 90, feedback: '思路清楚。' } }],
  }),
  importSubmission: spec({
    method: 'POST',
    path: '/submissions/import',
    access: 'teacher',
    summary: "Import a student's .studylog file: verified (hash chain, signature, the student's key on record), then filed under its assignment",
  }),
  // This laptop's link to a class hub (README "The class hub"; the hub's own routes are under /api/v1/hub).
  getHubLink: spec({
    method: 'GET',
    path: '/hub/link',
    access: 'admin',
    summary: "This laptop's class hub: joined or not, the sync state (last success, pending items, last error), the background sync",
  }),
  joinHub: spec({
    method: 'POST',
    path: '/hub/join',
    access: 'admin',
    summary: "Join a class on a class hub with its address and the class code (or the QR code's content); the device token goes to the system keychain; a first sync follows",
    examples: [{ summary: 'Join with the class code', input: { hub_url: 'http://hub.school.lan:5124', code: 'K7M2QX9P', name: '王小明', student_no: '2024017' } }],
  }),
  syncHub: spec({
    method: 'POST',
    path: '/hub/sync',
    access: 'admin',
    summary: 'Sync with the class hub now (ignoring the backoff after failures); answers the sync state after the round',
  }),
  leaveHub: spec({
    method: 'DELETE',
    path: '/hub/link',
    access: 'admin',
    summary: 'Leave the class hub: the device token is deleted from the keychain; what is waiting to be sent stays on this laptop',
  }),
  listModels: spec({ method: 'GET', path: '/models', access: 'user', summary: 'Configured providers and their models (cached when offline)' }),
  getMe: spec({ method: 'GET', path: '/me', access: 'user', summary: 'Who the caller is' }),
  updateMe: spec({
    method: 'PATCH',
    path: '/me',
    access: 'teacher',
    summary:
      "Set the caller's own name: shown in the app and written on their hand-ins (the student's name in a .studylog file, its file name). Teachers and admins (the installation's owner); a student's name is the one their token was made with",
    examples: [{ summary: 'The owner of a student’s laptop names themself', input: { name: '张小明' } }],
  }),
  getSettings: spec({ method: 'GET', path: '/settings', access: 'admin', summary: 'Providers, mode policies, prices, language (never a key)' }),
  updateSettings: spec({
    method: 'PATCH',
    path: '/settings',
    access: 'admin',
    summary: 'Change settings; API keys are refused here',
    examples: [{ summary: 'Language and theme', input: { language: 'zh-CN', theme: 'dark' } }],
  }),
  setProviderKey: spec({ method: 'PUT', path: '/providers/{id}/key', access: 'admin', summary: "Store a provider's API key in the system keychain (write-only)" }),
  deleteProviderKey: spec({ method: 'DELETE', path: '/providers/{id}/key', access: 'admin', summary: "Remove a provider's key from the keychain" }),
  testProvider: spec({ method: 'POST', path: '/providers/{id}/test', access: 'admin', summary: 'Try to reach a provider and list its models' }),
  listTokens: spec({ method: 'GET', path: '/tokens', access: 'admin', summary: 'API tokens (never the tokens themselves)' }),
  createToken: spec({
    method: 'POST',
    path: '/tokens',
    access: 'admin',
    summary: 'Create a token (shown once) for a new or an existing user',
    examples: [{ summary: 'A student’s token', input: { name: '王小明', role: 'student' } }],
  }),
  revokeToken: spec({ method: 'DELETE', path: '/tokens/{id}', access: 'admin', summary: 'Revoke a token' }),
  exchangeSigninCode: spec({
    method: 'POST',
    path: '/auth/signin-code',
    access: 'public',
    summary: "Exchange the one-time code from `studylog serve`'s sign-in link for an API token of the owner (once; 15 minutes)",
  }),
  signOut: spec({
    method: 'POST',
    path: '/auth/signout',
    access: 'user',
    summary: "Sign out: revoke the caller's own token (over IPC there is none: revoked is false)",
  }),
  health: spec({ method: 'GET', path: '/health', access: 'public', summary: 'Liveness; reveals nothing', examples: [{ summary: 'Up', input: {}, output: { status: 'ok' } }] }),
} as const satisfies Record<string, RouteSpec>;

export type Manifest = typeof manifest;
export type RouteName = keyof Manifest;
export type StreamRouteName = { [N in RouteName]: Manifest[N] extends { stream: true } ? N : never }[RouteName];
export type UnaryRouteName = Exclude<RouteName, StreamRouteName>;
export type CursorRouteName = { [N in RouteName]: Manifest[N] extends { cursor: true } ? N : never }[RouteName];

export const ROUTE_NAMES = Object.keys(manifest) as RouteName[];

/** The manifest seen through the common RouteSpec shape (e.g. to read `stream` on any entry). */
export const routeSpecs: Readonly<Record<RouteName, RouteSpec>> = manifest;

export function isStreamRoute(name: RouteName): name is StreamRouteName {
  return routeSpecs[name].stream === true;
}

export function isCursorRoute(name: RouteName): name is CursorRouteName {
  return routeSpecs[name].cursor === true;
}

export const UNARY_ROUTE_NAMES = ROUTE_NAMES.filter((name): name is UnaryRouteName => !isStreamRoute(name));
export const STREAM_ROUTE_NAMES = ROUTE_NAMES.filter(isStreamRoute);

// ---------------------------------------------------------------------------------------------
// Path parameters, typed from the path string (ts-rest's ParamsFromUrl idea).

type ParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamNames<Rest> : never;
/** `ParamsFromUrl<'/sessions/{id}/turns'>` is `{ id: string }`; a path without parameters gives `{}`. */
export type ParamsFromUrl<P extends string> = { [K in ParamNames<P>]: string };
export type RouteParams<N extends RouteName> = ParamsFromUrl<Manifest[N]['path']>;

/** The names of a path's parameters. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** `/sessions/{id}/turns` → `/sessions/:id/turns` (the HTTP framework's syntax). */
export function pathPattern(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** The path with its parameters filled in (each URL-encoded). */
export function fillPath<P extends string>(path: P, params: ParamsFromUrl<P>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String((params as Record<string, unknown>)[name] ?? '')));
}

/** Where a route's non-path input comes from over HTTP. */
export function inputLocation(method: HttpMethod): 'query' | 'body' {
  return method === 'GET' || method === 'DELETE' ? 'query' : 'body';
}

/**
 * A call's HTTP request: the path with its parameters filled in, and the rest of the input as the
 * query string's fields or the JSON body.
 */
export function httpRequestOf(
  name: RouteName,
  input: Record<string, unknown>,
): { method: HttpMethod; path: string; query: Record<string, string> | null; body: Record<string, unknown> | null } {
  const route = routeSpecs[name];
  const rest: Record<string, unknown> = { ...input };
  const params: Record<string, string> = {};
  for (const param of pathParams(route.path)) {
    params[param] = String(rest[param] ?? '');
    delete rest[param];
  }
  const path = fillPath(route.path, params);
  if (inputLocation(route.method) === 'body') return { method: route.method, path, query: null, body: rest };
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined && value !== null) query[key] = String(value);
  return { method: route.method, path, query, body: null };
}

// ---------------------------------------------------------------------------------------------
// Headers and IPC channels.

/** The response header that carries a cursor route's next page. */
export const NEXT_CURSOR_HEADER = 'X-Next-Cursor';
/** A stream's id, chosen by the client (as over IPC), so that stopProxyStream can name it. */
export const STREAM_ID_HEADER = 'X-Stream-Id';
/** What a stream id may be: the same rule over IPC and HTTP. */
export const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/** IPC channel of a route: `studylog:<name>`. */
export const IPC_PREFIX = 'studylog:';
/** Main → renderer: `(requestId, event)` for each event of a stream. */
export const STREAM_EVENT_CHANNEL = 'studylog:stream-event';
/** Renderer → main: `(requestId)` stops that stream. */
export const CANCEL_STREAM_CHANNEL = 'studylog:cancelStream';
