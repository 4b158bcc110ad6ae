/**
 * THE route table. One entry per operation drives every face: the ipcMain handlers, the preload
 * API (`window.studylog`), the HTTP routes under /api/v1/llm, the renderer's typed client and the
 * OpenAPI document. A route added here appears everywhere, or the parity test fails.
 *
 * Input is one object: path parameters, plus the query string (GET, DELETE) or the JSON body
 * (POST, PATCH, PUT). Query values arrive as strings over HTTP, so numeric query fields coerce.
 */
import { z } from 'zod';
import {
  ApiTokenInfoSchema,
  AssignmentImportResultSchema,
  AssignmentImportSchema,
  AssignmentPatchSchema,
  AssignmentSchema,
  CreatedTokenSchema,
  CreateTokenSchema,
  IdSchema,
  JsonObjectSchema,
  ModeSchema,
  NewAssignmentSchema,
  PageSchema,
  ProxyMessageRequestSchema,
  ProxyMessageResponseSchema,
  SearchQuerySchema,
  SessionSchema,
  SettingsPatchSchema,
  SettingsSchema,
  TimestampSchema,
  TurnPageSchema,
  TurnSchema,
  TurnSearchHitSchema,
  USAGE_GROUPS,
  UsageReportSchema,
  UserSchema,
} from './schemas.ts';

export const API_PREFIX = '/api/v1/llm';

/** Who may call: anyone (health, the sign-in code exchange), any signed-in user, or an admin. */
export type Access = 'public' | 'user' | 'admin';
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface RouteDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  /** Relative to API_PREFIX; `{name}` marks a path parameter. */
  path: string;
  access: Access;
  summary: string;
  input: I;
  output: O;
  /** Server-sent events over HTTP, events keyed by request id over IPC. */
  stream?: true;
  /**
   * Paged by cursor: the body is one page (an array), and where the next page starts travels
   * beside it — the `X-Next-Cursor` header (and a `Link: <…>; rel="next"`) over HTTP,
   * `next_cursor` in the envelope over IPC. Pass it back as `cursor`; none on the last page.
   */
  cursor?: true;
}

// Keeps each entry's exact schema types and its `stream: true` literal for the derived types below.
const route = <const D extends RouteDef>(def: D): D => def;

const Empty = z.strictObject({});
const ById = z.strictObject({ id: IdSchema });
const Deleted = z.object({ deleted: z.literal(true) });
const QueryTimestamp = z.coerce.number().pipe(TimestampSchema);
const Paged = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int(),
    /** Full-text filters count matches up to a limit; true when there are more than `total`. */
    total_capped: z.boolean().optional(),
  });

const SessionQuerySchema = z.strictObject({
  ...PageSchema.shape,
  mode: ModeSchema.optional(),
  assignment_id: IdSchema.optional(),
  from: QueryTimestamp.optional(),
  to: QueryTimestamp.optional(),
  q: SearchQuerySchema.optional(),
  /** Admins may list another user's sessions. */
  user_id: IdSchema.optional(),
});

const SessionPatchInput = z.strictObject({
  id: IdSchema,
  /** Merged into the session's meta; `title` is what the history shows. */
  meta: JsonObjectSchema.optional(),
  title: z.string().trim().min(1).max(200).optional(),
  /** Ends the session (no more messages); null reopens it. */
  ended_at: TimestampSchema.nullable().optional(),
});

const ExportInput = z
  .strictObject({
    session_id: IdSchema.optional(),
    assignment_id: IdSchema.optional(),
    format: z.enum(['md', 'json']).default('md'),
  })
  .refine((v) => Boolean(v.session_id) !== Boolean(v.assignment_id), { message: 'give exactly one of session_id or assignment_id', path: ['session_id'] });

export const ExportSchema = z.object({ filename: z.string(), content_type: z.string(), content: z.string() });

export const ModelsSchema = z.object({
  providers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.string(),
      base_url: z.string(),
      key_status: z.enum(['set', 'missing', 'not_needed', 'unknown']),
      models: z.array(z.string()),
      /** True when the provider was unreachable and the list is the last one seen. */
      cached: z.boolean(),
      error: z.object({ code: z.string(), detail: z.string() }).nullable(),
      /**
       * 'settings': configured in Settings. 'environment': from OPENAI_BASE_URL / OPENAI_API_KEY
       * (provider id "env"), not stored in settings, so read-only there; its per-mode choice is the
       * policies' provider_id "env" + model.
       */
      source: z.enum(['settings', 'environment']),
      read_only: z.boolean(),
      /** Which environment variables define it (environment providers only; names, never values). */
      env_vars: z.array(z.string()),
      /** The model each mode uses with this provider when the student picks none. */
      defaults: z.partialRecord(ModeSchema, z.string()),
      /** The models a student may pick in each mode with this provider (empty: the mode uses another provider). */
      allowed: z.partialRecord(ModeSchema, z.array(z.string())),
    }),
  ),
});

export const HealthSchema = z.object({ status: z.literal('ok') });

/** A one-time sign-in code, as `studylog serve` prints it in the sign-in link. */
const SigninCodeInput = z.strictObject({ code: z.string().min(1).max(128) });

export const ProviderTestSchema = z.object({ ok: z.boolean(), models: z.array(z.string()), error: z.object({ code: z.string(), detail: z.string() }).nullable() });

export const routes = {
  // Seed: POST /api/v1/llm/proxy and its streaming twin.
  sendProxyMessage: route({ method: 'POST', path: '/proxy', access: 'user', summary: 'Send a message through the LLM proxy and wait for the answer', input: ProxyMessageRequestSchema, output: ProxyMessageResponseSchema }),
  streamProxyMessage: route({
    method: 'POST',
    path: '/proxy/stream',
    access: 'user',
    summary: 'Send a message and stream the answer (events: start, reasoning, delta, done | error)',
    input: ProxyMessageRequestSchema,
    output: ProxyMessageResponseSchema,
    stream: true,
  }),
  // Seed: GET /api/v1/llm/sessions and /sessions/{id}/turns.
  getUserSessions: route({ method: 'GET', path: '/sessions', access: 'user', summary: "The caller's sessions, newest first, with filters", input: SessionQuerySchema, output: Paged(SessionSchema) }),
  getSession: route({ method: 'GET', path: '/sessions/{id}', access: 'user', summary: 'One session (owner or admin)', input: ById, output: SessionSchema }),
  updateSession: route({ method: 'PATCH', path: '/sessions/{id}', access: 'user', summary: 'Rename or end a session (owner or admin)', input: SessionPatchInput, output: SessionSchema }),
  deleteSession: route({ method: 'DELETE', path: '/sessions/{id}', access: 'user', summary: 'Delete a session and its turns (owner or admin)', input: ById, output: Deleted }),
  getSessionTurns: route({
    method: 'GET',
    path: '/sessions/{id}/turns',
    access: 'user',
    summary: "A session's turns, oldest first (owner or admin), a page at a time (limit default 200, max 1000; cursor from X-Next-Cursor)",
    input: z.strictObject({ id: IdSchema, ...TurnPageSchema.shape }),
    output: z.array(TurnSchema),
    cursor: true,
  }),
  getTurns: route({
    method: 'GET',
    path: '/turns',
    access: 'user',
    summary: "The caller's turns created in [from, to), oldest first, a page at a time — the nightly-analysis query; admins may pass user_id",
    input: z.strictObject({ from: QueryTimestamp, to: QueryTimestamp, user_id: IdSchema.optional(), ...TurnPageSchema.shape }),
    output: z.array(TurnSchema),
    cursor: true,
  }),
  searchTurns: route({
    method: 'GET',
    path: '/turns/search',
    access: 'user',
    summary: "Full-text search over the caller's turns (Chinese and English), newest first",
    input: z.strictObject({ q: SearchQuerySchema, ...PageSchema.shape }),
    output: Paged(TurnSearchHitSchema),
  }),
  getUsage: route({
    method: 'GET',
    path: '/usage',
    access: 'user',
    summary: 'Token and cost sums over [from, to), grouped by day, mode, assignment or model',
    input: z.strictObject({
      from: QueryTimestamp,
      to: QueryTimestamp,
      group: z.enum(USAGE_GROUPS).default('day'),
      /** Minutes east of UTC, for `day` boundaries (e.g. 480 for China Standard Time). */
      tz_offset_minutes: z.coerce.number().int().min(-840).max(840).default(0),
      user_id: IdSchema.optional(),
    }),
    output: UsageReportSchema,
  }),
  exportSessions: route({ method: 'GET', path: '/export', access: 'user', summary: 'One session, or every session of an assignment, as Markdown or JSON', input: ExportInput, output: ExportSchema }),
  listAssignments: route({ method: 'GET', path: '/assignments', access: 'user', summary: 'Assignments, due soonest first', input: Empty, output: z.array(AssignmentSchema) }),
  getAssignment: route({ method: 'GET', path: '/assignments/{id}', access: 'user', summary: 'One assignment', input: ById, output: AssignmentSchema }),
  createAssignment: route({ method: 'POST', path: '/assignments', access: 'admin', summary: 'Create an assignment', input: NewAssignmentSchema, output: AssignmentSchema }),
  updateAssignment: route({ method: 'PATCH', path: '/assignments/{id}', access: 'admin', summary: 'Change an assignment', input: AssignmentPatchSchema.extend({ id: IdSchema }), output: AssignmentSchema }),
  deleteAssignment: route({ method: 'DELETE', path: '/assignments/{id}', access: 'admin', summary: 'Delete an assignment (its sessions keep their history)', input: ById, output: Deleted }),
  importAssignments: route({
    method: 'POST',
    path: '/assignments/import',
    access: 'admin',
    summary: "Import a teacher's file: invalid entries reported by index, the valid ones imported together",
    input: AssignmentImportSchema,
    output: AssignmentImportResultSchema,
  }),
  listModels: route({ method: 'GET', path: '/models', access: 'user', summary: 'Configured providers and their models (cached when offline)', input: Empty, output: ModelsSchema }),
  getMe: route({ method: 'GET', path: '/me', access: 'user', summary: 'Who the caller is', input: Empty, output: UserSchema }),
  getSettings: route({ method: 'GET', path: '/settings', access: 'admin', summary: 'Providers, mode policies, prices, language (never a key)', input: Empty, output: SettingsSchema }),
  updateSettings: route({ method: 'PATCH', path: '/settings', access: 'admin', summary: 'Change settings; API keys are refused here', input: SettingsPatchSchema, output: SettingsSchema }),
  setProviderKey: route({
    method: 'PUT',
    path: '/providers/{id}/key',
    access: 'admin',
    summary: "Store a provider's API key in the system keychain (write-only)",
    input: z.strictObject({ id: IdSchema, api_key: z.string().trim().min(1, 'must not be empty').max(500) }),
    output: z.object({ key_status: z.literal('set') }),
  }),
  deleteProviderKey: route({ method: 'DELETE', path: '/providers/{id}/key', access: 'admin', summary: "Remove a provider's key from the keychain", input: ById, output: z.object({ deleted: z.boolean() }) }),
  testProvider: route({ method: 'POST', path: '/providers/{id}/test', access: 'admin', summary: 'Try to reach a provider and list its models', input: ById, output: ProviderTestSchema }),
  listTokens: route({ method: 'GET', path: '/tokens', access: 'admin', summary: 'API tokens (never the tokens themselves)', input: Empty, output: z.array(ApiTokenInfoSchema) }),
  createToken: route({ method: 'POST', path: '/tokens', access: 'admin', summary: 'Create a token (shown once) for a new or an existing user', input: CreateTokenSchema, output: CreatedTokenSchema }),
  revokeToken: route({ method: 'DELETE', path: '/tokens/{id}', access: 'admin', summary: 'Revoke a token', input: ById, output: ApiTokenInfoSchema }),
  exchangeSigninCode: route({
    method: 'POST',
    path: '/auth/signin-code',
    access: 'public',
    summary: "Exchange the one-time code from `studylog serve`'s sign-in link for an API token of the owner (once; 15 minutes)",
    input: SigninCodeInput,
    output: z.object({ token: z.string() }),
  }),
  health: route({ method: 'GET', path: '/health', access: 'public', summary: 'Liveness; reveals nothing', input: Empty, output: HealthSchema }),
} as const;

export type Routes = typeof routes;
export type RouteName = keyof Routes;
export type RouteInput<N extends RouteName> = z.input<Routes[N]['input']>;
export type RouteOutput<N extends RouteName> = z.output<Routes[N]['output']>;
export type StreamRouteName = { [N in RouteName]: Routes[N] extends { stream: true } ? N : never }[RouteName];
export type UnaryRouteName = Exclude<RouteName, StreamRouteName>;

export type CursorRouteName = { [N in RouteName]: Routes[N] extends { cursor: true } ? N : never }[RouteName];
/** The items of a cursor route's page. */
export type CursorItem<N extends CursorRouteName> = RouteOutput<N> extends (infer T)[] ? T : never;

export const ROUTE_NAMES = Object.keys(routes) as RouteName[];

/** The table seen through the common RouteDef shape (e.g. to read `stream` on any entry). */
export const routeDefs: Readonly<Record<RouteName, RouteDef>> = routes;

export function isStreamRoute(name: RouteName): name is StreamRouteName {
  return routeDefs[name].stream === true;
}

export function isCursorRoute(name: RouteName): name is CursorRouteName {
  return routeDefs[name].cursor === true;
}

/** The response header that carries a cursor route's next page. */
export const NEXT_CURSOR_HEADER = 'X-Next-Cursor';

/** `/sessions/{id}/turns` → `/sessions/:id/turns` (the HTTP framework's syntax). */
export function pathPattern(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** Where a route's non-path input comes from over HTTP. */
export function inputLocation(method: HttpMethod): 'query' | 'body' {
  return method === 'GET' || method === 'DELETE' ? 'query' : 'body';
}
