/**
 * The route table with its zod schemas: the manifest (manifest.ts — method, path, access, summary,
 * examples as plain data) plus each route's input and output schema, attached by route name. The
 * server side (dispatch, the HTTP face, OpenAPI) and tests import this; the renderer and the
 * preload import only types from it (`import type`, erased), so zod never reaches their bundles.
 *
 * Query values arrive as strings over HTTP, so numeric query fields coerce.
 */
import { z } from 'zod';
import { manifest, ROUTE_NAMES, STREAM_ID_PATTERN, type CursorRouteName, type Manifest, type RouteName, type RouteParams, type RouteSpec } from './manifest.ts';
import {
  ApiTokenInfoSchema,
  AttachmentSchema,
  AttachmentUploadSchema,
  AssignmentImportResultSchema,
  AssignmentImportSchema,
  AssignmentPatchSchema,
  AssignmentSchema,
  AssignmentStatusSchema,
  checkDayRange,
  CreatedTokenSchema,
  CreateTokenSchema,
  DaySchema,
  IdSchema,
  JsonObjectSchema,
  LearnerDaySchema,
  MAX_RANGE_DAYS,
  Sha256Schema,
  ModeSchema,
  NewAssignmentSchema,
  PageSchema,
  ProxyMessageRequestSchema,
  ProxyMessageResponseSchema,
  SearchQuerySchema,
  SessionSchema,
  SettingsPatchSchema,
  SettingsSchema,
  TemplateIdSchema,
  TemplateSaveSchema,
  TemplateSchema,
  TimestampSchema,
  TitleSearchHitSchema,
  TurnPageSchema,
  TurnSchema,
  TurnSearchHitSchema,
  USAGE_GROUPS,
  UsageReportSchema,
  UpdateMeSchema,
  UserSchema,
} from './schemas.ts';
import { HubLinkStatusSchema, JoinHubInputSchema } from './hub.ts';
import {
  ImportSubmissionInput,
  NewSubmissionInput,
  ReturnSubmissionInput,
  SubmissionDetailSchema,
  SubmissionFileInput,
  SubmissionFileSchema,
  SubmissionPatchInput,
  SubmissionSchema,
} from './handin.ts';

// The manifest's names, types and helpers, for the callers that import them from here.
export {
  API_PREFIX,
  fillPath,
  httpRequestOf,
  inputLocation,
  isCursorRoute,
  isStreamRoute,
  manifest,
  NEXT_CURSOR_HEADER,
  pathParams,
  pathPattern,
  ROUTE_NAMES,
  STREAM_ID_HEADER,
  type Access,
  type CursorRouteName,
  type HttpMethod,
  type ParamsFromUrl,
  type RouteName,
  type RouteParams,
  type RouteSpec,
  type StreamRouteName,
  type UnaryRouteName,
} from './manifest.ts';

/** A route's input and output schemas. */
export interface RouteSchemas<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
}

/** A manifest entry with its schemas attached. */
export type RouteDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> = RouteSpec & RouteSchemas<I, O>;

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
    /**
     * Full-text filters: true when the search index could not catch up (another process held the
     * write lock, or the file refuses writes; db/fts-indexer.ts), so the newest messages may be
     * missing from the results. Absent otherwise.
     */
    index_behind: z.boolean().optional(),
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

/** A range of local days, [from, to), computed now (at most MAX_RANGE_DAYS); admins may name another user. */
const LearnerRangeInput = z.strictObject({ from: DaySchema, to: DaySchema, user_id: IdSchema.optional() }).superRefine(checkDayRange(MAX_RANGE_DAYS));
/**
 * Reading it: `scope: "handed_in"` (with `user_id`) asks for only the work that student handed in
 * to the caller's assignments, recomputed from it — what a teacher always gets for a student.
 */
const LearnerReadInput = z
  .strictObject({ from: DaySchema, to: DaySchema, user_id: IdSchema.optional(), scope: z.literal('handed_in').optional() })
  .superRefine(checkDayRange())
  .refine((v) => v.scope === undefined || v.user_id !== undefined, { message: 'needs user_id', path: ['scope'] });

const ExportInput = z
  .strictObject({
    session_id: IdSchema.optional(),
    assignment_id: IdSchema.optional(),
    format: z.enum(['md', 'json']).default('md'),
    /** '1': a JSON export carries the files themselves (`attachments`: sha256 → {name, kind, mime, bytes, data (base64)}). */
    attachments: z.enum(['0', '1', 'true', 'false']).optional(),
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

/** A stream's id (X-Stream-Id over HTTP, the request id over IPC). */
const StreamIdSchema = z.string().regex(STREAM_ID_PATTERN, 'must be 1-100 letters, digits, - or _');

export const ProviderTestSchema = z.object({ ok: z.boolean(), models: z.array(z.string()), error: z.object({ code: z.string(), detail: z.string() }).nullable() });

// Each route's schemas, by name: a route in the manifest without schemas here (or the other way
// round) is a type error.
export const routeSchemas = {
  sendProxyMessage: { input: ProxyMessageRequestSchema, output: ProxyMessageResponseSchema },
  streamProxyMessage: { input: ProxyMessageRequestSchema, output: ProxyMessageResponseSchema },
  stopProxyStream: { input: z.strictObject({ id: StreamIdSchema }), output: z.object({ stopped: z.boolean() }) },
  uploadAttachment: { input: AttachmentUploadSchema, output: AttachmentSchema },
  getAttachment: {
    input: z.strictObject({ sha256: Sha256Schema, thumbnail: z.enum(['0', '1', 'true', 'false']).optional() }),
    output: AttachmentSchema.extend({ thumbnail: z.string().nullable() }),
  },
  getUserSessions: { input: SessionQuerySchema, output: Paged(SessionSchema) },
  getSession: {
    input: z.strictObject({
      id: IdSchema,
      /** `hub_shared_at`: also say what the class hub holds of it (the delete dialog). Not on every read: the chat reads the session after each message. */
      include: z.enum(['hub_shared_at']).optional(),
    }),
    output: SessionSchema,
  },
  updateSession: { input: SessionPatchInput, output: SessionSchema },
  deleteSession: { input: ById, output: Deleted },
  getSessionTurns: {
    input: z.strictObject({ id: IdSchema, ...TurnPageSchema.shape, /** Only the active branch (versions). */ path: z.enum(['active']).optional() }),
    output: z.array(TurnSchema),
  },
  regenerateAnswer: {
    input: z.strictObject({ id: IdSchema, turn_id: IdSchema, model: z.string().trim().min(1).max(200).optional() }),
    output: ProxyMessageResponseSchema,
  },
  selectSessionPath: { input: z.strictObject({ id: IdSchema, turn_id: IdSchema }), output: SessionSchema },
  waitSessionTitle: { input: ById, output: SessionSchema },
  getTurns: { input: z.strictObject({ from: QueryTimestamp, to: QueryTimestamp, user_id: IdSchema.optional(), ...TurnPageSchema.shape }), output: z.array(TurnSchema) },
  searchTurns: {
    input: z.strictObject({ q: SearchQuerySchema, ...PageSchema.shape }),
    // Beside the seed's turn hits: the sessions and assignments whose titles match (first page only).
    output: Paged(TurnSearchHitSchema).extend({ title_hits: z.array(TitleSearchHitSchema).optional() }),
  },
  getUsage: {
    input: z.strictObject({
      from: QueryTimestamp,
      to: QueryTimestamp,
      group: z.enum(USAGE_GROUPS).default('day'),
      /** Minutes east of UTC, for `day` boundaries (e.g. 480 for China Standard Time). */
      tz_offset_minutes: z.coerce.number().int().min(-840).max(840).default(0),
      user_id: IdSchema.optional(),
    }),
    output: UsageReportSchema,
  },
  getLearnerSummary: { input: LearnerReadInput, output: z.array(LearnerDaySchema) },
  runLearnerSummary: { input: LearnerRangeInput, output: z.array(LearnerDaySchema) },
  exportSessions: { input: ExportInput, output: ExportSchema },
  listAssignments: { input: Empty, output: z.array(AssignmentSchema) },
  getAssignment: { input: ById, output: AssignmentSchema },
  getAssignmentStatus: { input: z.strictObject({ id: IdSchema, user_id: IdSchema.optional() }), output: AssignmentStatusSchema },
  createAssignment: { input: NewAssignmentSchema, output: AssignmentSchema },
  updateAssignment: { input: AssignmentPatchSchema.extend({ id: IdSchema }), output: AssignmentSchema },
  deleteAssignment: { input: ById, output: Deleted },
  importAssignments: { input: AssignmentImportSchema, output: AssignmentImportResultSchema },
  listTemplates: { input: Empty, output: z.array(TemplateSchema) },
  saveTemplate: { input: TemplateSaveSchema, output: TemplateSchema },
  deleteTemplate: { input: z.strictObject({ id: TemplateIdSchema }), output: z.object({ deleted: z.boolean() }) },
  createSubmission: { input: NewSubmissionInput, output: SubmissionSchema },
  listSubmissions: { input: ById, output: z.array(SubmissionSchema) },
  exportGrades: { input: ById, output: ExportSchema },
  listMySubmissions: { input: Empty, output: z.array(SubmissionSchema) },
  getSubmission: { input: ById, output: SubmissionDetailSchema },
  updateSubmission: { input: SubmissionPatchInput, output: SubmissionSchema },
  submitSubmission: { input: ById, output: SubmissionSchema },
  getSubmissionBundle: { input: ById, output: ExportSchema },
  getSubmissionFile: { input: SubmissionFileInput, output: SubmissionFileSchema },
  returnSubmission: { input: ReturnSubmissionInput, output: SubmissionSchema },
  importSubmission: { input: ImportSubmissionInput, output: SubmissionSchema },
  getHubLink: { input: Empty, output: HubLinkStatusSchema },
  joinHub: { input: JoinHubInputSchema, output: HubLinkStatusSchema },
  syncHub: { input: Empty, output: HubLinkStatusSchema },
  leaveHub: { input: Empty, output: HubLinkStatusSchema },
  listModels: { input: Empty, output: ModelsSchema },
  getMe: { input: Empty, output: UserSchema },
  updateMe: { input: UpdateMeSchema, output: UserSchema },
  getSettings: { input: Empty, output: SettingsSchema },
  updateSettings: { input: SettingsPatchSchema, output: SettingsSchema },
  setProviderKey: { input: z.strictObject({ id: IdSchema, api_key: z.string().trim().min(1, 'must not be empty').max(500) }), output: z.object({ key_status: z.literal('set') }) },
  deleteProviderKey: { input: ById, output: z.object({ deleted: z.boolean() }) },
  testProvider: { input: ById, output: ProviderTestSchema },
  listTokens: { input: Empty, output: z.array(ApiTokenInfoSchema) },
  createToken: { input: CreateTokenSchema, output: CreatedTokenSchema },
  revokeToken: { input: ById, output: ApiTokenInfoSchema },
  exchangeSigninCode: { input: SigninCodeInput, output: z.object({ token: z.string() }) },
  signOut: { input: Empty, output: z.object({ revoked: z.boolean() }) },
  health: { input: Empty, output: HealthSchema },
} as const satisfies Record<RouteName, RouteSchemas>;

type Attached = { [N in RouteName]: Manifest[N] & (typeof routeSchemas)[N] };

/** The manifest with the schemas attached: what dispatch, the HTTP face and OpenAPI read. */
export const routes = Object.fromEntries(ROUTE_NAMES.map((name) => [name, { ...manifest[name], ...routeSchemas[name] }])) as Attached;

export type Routes = typeof routes;
export type RouteInput<N extends RouteName> = z.input<Routes[N]['input']>;
export type RouteOutput<N extends RouteName> = z.output<Routes[N]['output']>;
/** The items of a cursor route's page. */
export type CursorItem<N extends CursorRouteName> = RouteOutput<N> extends (infer T)[] ? T : never;

/** The table seen through the common RouteDef shape (e.g. to read `stream` on any entry). */
export const routeDefs: Readonly<Record<RouteName, RouteDef>> = routes;

// Every path parameter is a field of the route's input (a typo in either is a type error).
type MissingParams = { [N in RouteName]: Exclude<keyof RouteParams<N>, keyof z.output<Routes[N]['input']>> extends never ? never : N }[RouteName];
export const PATH_PARAMS_IN_INPUT: [MissingParams] extends [never] ? true : { missing: MissingParams } = true;
