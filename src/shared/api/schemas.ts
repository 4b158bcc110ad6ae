/**
 * The data contract, in the seed's field names (snake_case), shared by the store, the services,
 * every transport and the renderer. Types are inferred from these schemas, never written twice.
 */
import { z } from 'zod';
import { PERSON_NAME_MAX_CHARS } from '../person-name.ts';
import { MAX_TEMPLATE_NAME, MAX_TEMPLATE_TEXT, TEMPLATE_ID_PATTERN } from '../templates.ts';
import { ATTACHMENT_LIMITS, LANGUAGES, MAX_CONTENT_CHARS, MAX_MESSAGE_CHARS, MAX_RANGE_DAYS, MODES, PROVIDER_KINDS, THEMES, USER_ROLES } from './vocabulary.ts';

// Plain lists (no zod), so the renderer can import them without loading a validator.
export { ATTACHMENT_LIMITS, LANGUAGES, MAX_CONTENT_CHARS, MAX_MESSAGE_CHARS, MAX_RANGE_DAYS, MODES, PROVIDER_KINDS, THEMES, USER_ROLES };
export const ModeSchema = z.enum(MODES);
export type Mode = z.infer<typeof ModeSchema>;

export const ROLES = ['user', 'assistant', 'system'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** The largest JSON document (meta, policy_snapshot, tool_calls) stored in one column. */
export const MAX_JSON_CHARS = 64_000;
export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_PAGE_LIMIT = 50;

/** What an id may hold: letters and digits of any script, and `_ - . : @ + ~` (no spaces, slashes or control characters). */
export const ID_PATTERN = /^[\p{L}\p{N}\p{M}_.:@+~-]+$/u;
export const MAX_ID_CHARS = 128;

/**
 * Ids are opaque strings; ours are UUIDv7 (time-sortable), imported ones (a teacher's `hw_001`)
 * anything short within ID_PATTERN. Never `.` or `..` (or only dots): a URL path cannot carry them,
 * so such a row could never be opened, changed or deleted.
 */
export const IdSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_ID_CHARS, `must be at most ${MAX_ID_CHARS} characters`)
  .regex(ID_PATTERN, 'must hold only letters, digits and _ - . : @ + ~ (no spaces, slashes or control characters)')
  .refine((id) => !/^\.+$/.test(id), 'must not be only dots');

/** The largest time a JavaScript Date holds (±8.64e15 ms, about year 275760): beyond it, dates cannot be shown. */
export const MAX_TIMESTAMP_MS = 8_640_000_000_000_000;

/** Every timestamp is an integer count of milliseconds since the Unix epoch (UTC), within a Date's range. */
export const TimestampSchema = z
  .number()
  .int('must be an integer (milliseconds since the Unix epoch)')
  .nonnegative('must not be negative (before 1970)')
  .max(MAX_TIMESTAMP_MS, `must be at most ${MAX_TIMESTAMP_MS} (the largest date a computer calendar holds)`);

/** How deeply a JSON document may nest: deep enough for any real meta, shallow enough to never overflow a stack. */
export const MAX_JSON_DEPTH = 32;

function jsonDepthWithin(value: unknown, limit: number): boolean {
  // Iterative: a recursive walk would itself overflow on the documents it is meant to refuse.
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return false;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return true;
}

const jsonSized = (value: unknown) => jsonDepthWithin(value, MAX_JSON_DEPTH) && JSON.stringify(value).length <= MAX_JSON_CHARS;
export const JsonObjectSchema = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .refine(jsonSized, `must nest at most ${MAX_JSON_DEPTH} levels and serialise to at most ${MAX_JSON_CHARS} characters`);
export type JsonObject = z.infer<typeof JsonObjectSchema>;

export const ToolCallsSchema = z
  .array(z.unknown(), { error: 'must be a JSON array or null' })
  .refine(jsonSized, `must nest at most ${MAX_JSON_DEPTH} levels and serialise to at most ${MAX_JSON_CHARS} characters`)
  .nullable();

const TokenCountSchema = z.number().int('must be an integer').nonnegative('must not be negative');
/** Cost in micro-cents: 10⁻⁶ of a US cent (the seed's 微分), always a non-negative integer. */
export const MicroCentsSchema = z.number().int('must be an integer number of micro-cents').nonnegative('must not be negative');

export const ContentSchema = z.string().max(MAX_CONTENT_CHARS, `must be at most ${MAX_CONTENT_CHARS} characters`);

// ---------------------------------------------------------------------------------------------
// The JSON columns: session.meta, session.policy_snapshot and turn.meta (one schema per role).
// Each names every field Studylog writes; unknown keys pass through (rows from older versions,
// fields added later), and every field is optional, so `{}` and old rows stay readable. The store
// reads them through one hydration point per table (src/main/core/db/hydrate.ts), which leaves
// out a known field whose stored value does not fit (a raw SQL write) rather than fail the row.

const jsonSizedMessage = `must nest at most ${MAX_JSON_DEPTH} levels and serialise to at most ${MAX_JSON_CHARS} characters`;

export const LanguageSchema = z.enum(LANGUAGES);
export type Language = z.infer<typeof LanguageSchema>;

export const ReasoningEffortSchema = z.enum(['low', 'medium', 'high']);

export const UsageSchema = z.object({
  tokens_in: z.number().int().nonnegative(),
  tokens_out: z.number().int().nonnegative(),
  /** Of tokens_in, how many the provider served from its prompt cache (billed at the cached rate). */
  cached_tokens: z.number().int().nonnegative(),
  /** Micro-cents. */
  cost: z.number().int().nonnegative(),
  /** True when the provider reported no usage (or the stream was cut) and we counted locally. */
  estimated: z.boolean(),
  /** False for local or unknown models: cost is 0 because we do not know a price, not because it was free. */
  price_known: z.boolean(),
  price_table_version: z.string(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const ASSISTANT_STATUSES = ['streaming', 'complete', 'aborted', 'interrupted'] as const;
export type AssistantStatus = (typeof ASSISTANT_STATUSES)[number];

export const USER_STATUSES = ['pending', 'answered', 'failed'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** Why a message failed (user turn) or an answer was cut (assistant turn): a stable code and the English detail. */
export const TurnErrorSchema = z.looseObject({ code: z.string(), message: z.string() });
export type TurnError = z.infer<typeof TurnErrorSchema>;

export const SessionMetaSchema = z.looseObject({
  /** What the history shows; set by a rename (PATCH /sessions/{id}). */
  title: z.string().optional(),
  /** The seed's chat_id of the message that started the session. */
  chat_id: z.string().optional(),
  /** Kept at the top of the chat's conversation sidebar (PATCH /sessions/{id} `meta`). */
  pinned: z.boolean().optional(),
  /** Homework: the session's current hint level (src/shared/hint-ladder.ts); 1 until the student asks for more. */
  hint_level: z.number().int().min(1).max(5).optional(),
  /**
   * Who named it: 'message' (derived from the first message), 'model' (a title the session's model
   * made after the first answer), 'student' (a rename, which nothing ever overwrites).
   */
  title_source: z.enum(['message', 'model', 'student']).optional(),
  /**
   * The version the student chose (POST /sessions/{id}/path): the leaf of the active branch.
   * Absent: the branch ends at the newest message or answer. Cleared when a new turn is written.
   */
  active_leaf_id: z.string().optional(),
});
export type SessionMeta = z.infer<typeof SessionMetaSchema>;

/** The policy with its defaults filled in: what is enforced, and what a session's snapshot records. */
export const AppliedAssignmentPolicySchema = z.looseObject({
  allowed_modes: z.array(ModeSchema),
  hint_ceiling: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  allowed_models: z.array(z.string()),
  allowance: z.object({ tokens: z.number().int().optional(), cost: z.number().int().optional() }),
  opens_at: TimestampSchema.nullable(),
  due_at: TimestampSchema.nullable(),
  // Absent from snapshots taken before hand-ins could close.
  closes_at: TimestampSchema.nullable().optional(),
  context: z.string().nullable(),
});

/** Exactly what is sent for a session, frozen when it starts (the seed's policy_snapshot). */
export const PolicySnapshotSchema = z.looseObject({
  provider_id: z.string(),
  provider_name: z.string(),
  /** The model the session started with; a follow-up that names no model uses it. */
  model: z.string(),
  /** Every model sent in this session, in order of first use (turn.model says which, per turn). */
  models: z.array(z.string()),
  temperature: z.number().nullable(),
  max_output_tokens: z.number().int(),
  reasoning_effort: ReasoningEffortSchema.nullable(),
  system_prompt: z.looseObject({ id: z.string(), version: z.string(), language: LanguageSchema, text: z.string() }),
  /** The assignment's AI policy as applied (defaults filled in); sessions with an assignment only. */
  assignment_policy: AppliedAssignmentPolicySchema.optional(),
  /**
   * The study template the session started with (src/shared/templates.ts), sent after the mode's
   * prompt. `edited`: the student's own text (a copy of a built-in, or their own template), whose
   * version is then a hash of the text.
   */
  template: z.looseObject({ id: z.string(), version: z.string(), language: LanguageSchema, name: z.string(), text: z.string(), edited: z.boolean() }).optional(),
});
export type PolicySnapshot = z.infer<typeof PolicySnapshotSchema>;

/**
 * What session.policy_snapshot holds: a whole snapshot, or part of one — `{}` for sessions from
 * before snapshots existed (imports, old data), no `models` before per-turn models.
 */
export const StoredPolicySnapshotSchema = PolicySnapshotSchema.partial();
export type StoredPolicySnapshot = z.infer<typeof StoredPolicySnapshotSchema>;

// ---------------------------------------------------------------------------------------------
// Attachments: photos and PDFs of a problem (README "Attachments").

export const ATTACHMENT_KINDS = ['image', 'pdf'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 (64 lowercase hex digits)');
const AttachmentNameSchema = z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

/** An attachment on a user turn (meta.attachments): what it was and how it went to the model. */
export const TurnAttachmentMetaSchema = z.looseObject({
  sha256: Sha256Schema,
  kind: z.enum(ATTACHMENT_KINDS),
  mime: z.string(),
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().nullable().optional(),
  height: z.number().int().nullable().optional(),
  pages: z.number().int().nullable().optional(),
  /** How it reached the model the last time the message was sent: as an image, or as its text. */
  sent_as: z.enum(['image', 'text']).optional(),
  /** Tokens it costs, estimated (OpenAI's tile rule for images; the local tokenizer for text). */
  tokens: z.number().int().nonnegative().optional(),
  tokens_estimated: z.literal(true).optional(),
});
export type TurnAttachmentMeta = z.infer<typeof TurnAttachmentMetaSchema>;

/** An attachment as the API shows it (never its bytes; an image's thumbnail on request). */
export const AttachmentSchema = z.object({
  sha256: Sha256Schema,
  kind: z.enum(ATTACHMENT_KINDS),
  mime: z.string(),
  bytes: z.number().int().nonnegative(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  pages: z.number().int().nullable(),
  /** What was read from it locally: OCR of an image, the text of a PDF. */
  text: z.string(),
  text_truncated: z.boolean(),
  /** An image's estimated tokens (OpenAI's tile rule, detail high); null for a PDF. */
  image_tokens: z.number().int().nullable(),
  created_at: TimestampSchema,
});
export type Attachment = z.infer<typeof AttachmentSchema>;

/** The largest upload body: a PDF at its limit, base64-encoded, with room for the JSON around it. */
export const MAX_UPLOAD_BODY_BYTES = Math.ceil((ATTACHMENT_LIMITS.pdfBytes * 4) / 3) + 64 * 1024;

export const AttachmentUploadSchema = z.strictObject({
  /** The file's name, as the student's computer called it (shown with the message). */
  name: AttachmentNameSchema,
  /** The file, base64-encoded. Its type is read from its bytes, not from its name. */
  data: z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_UPLOAD_BODY_BYTES, 'is larger than any attachment may be')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'),
});

/** An attachment on a message being sent. */
export const MessageAttachmentSchema = z.strictObject({
  sha256: Sha256Schema,
  name: AttachmentNameSchema,
  /**
   * The text to send in the attachment's place to a model that takes no images — the OCR text as
   * the student checked and edited it. Omitted: the text read at upload.
   */
  text: z.string().max(ATTACHMENT_LIMITS.sentTextChars, `must be at most ${ATTACHMENT_LIMITS.sentTextChars} characters`).optional(),
});
export type MessageAttachment = z.infer<typeof MessageAttachmentSchema>;

export const UserTurnMetaSchema = z.looseObject({
  /** pending until answered; failed (with error) when the call failed — a retry sets it pending again. */
  status: z.enum(USER_STATUSES).optional(),
  mode: ModeSchema.optional(),
  /** The client's id for this message, and its key unique per user (JSON [user_id, client_request_id]). */
  client_request_id: z.string().optional(),
  client_request_key: z.string().optional(),
  chat_id: z.string().optional(),
  /** How many times it was asked again. */
  retries: z.number().int().nonnegative().optional(),
  assistant_turn_id: z.string().optional(),
  error: TurnErrorSchema.optional(),
  /** Homework: the hint level this message was sent at, and whether the student asked for more help with it. */
  hint_level: z.number().int().min(1).max(5).optional(),
  hint_request: z.literal('more').optional(),
  /** Photos and PDFs sent with the message, in order (their text and bytes: the attachment tables). */
  attachments: z.array(TurnAttachmentMetaSchema).max(ATTACHMENT_LIMITS.perMessage).optional(),
  /**
   * Sent while an earlier message of its session was being answered, and not yet given its place:
   * its parent_id is provisional (the newest turn when it arrived). Dropped when it takes its place
   * at the end of the branch — or, stopped or cut while it waited, when it is sent again.
   */
  queued: z.literal(true).optional(),
});
export type UserTurnMeta = z.infer<typeof UserTurnMetaSchema>;

export const AssistantTurnMetaSchema = z.looseObject({
  user_turn_id: z.string().optional(),
  mode: ModeSchema.optional(),
  provider_id: z.string().optional(),
  status: z.enum(ASSISTANT_STATUSES).optional(),
  /** Whole once the answer is settled; a stream repaired after a crash has only tokens_out and estimated. */
  usage: UsageSchema.partial().optional(),
  reasoning: z.string().optional(),
  /** The answer (or its reasoning) was longer than a turn holds and was cut to fit. */
  truncated: z.boolean().optional(),
  finish_reason: z.string().nullable().optional(),
  /** Why a stream was cut (status interrupted). */
  error: TurnErrorSchema.optional(),
  /** Homework: the hint level this answer was given at (src/shared/hint-ladder.ts). */
  hint_level: z.number().int().min(1).max(5).optional(),
  /** The check pass (assignment-policy.ts) thinks this answer gives a final answer above its hint level. */
  flagged: z.literal('final_answer_above_level').optional(),
});
export type AssistantTurnMeta = z.infer<typeof AssistantTurnMetaSchema>;

/**
 * System turns: imported history, or (purpose 'title') the record of the call that made a session's
 * title — hidden from transcripts and context, counted in usage like an answer.
 */
export const SystemTurnMetaSchema = z.looseObject({
  purpose: z.enum(['title']).optional(),
  provider_id: z.string().optional(),
  usage: UsageSchema.partial().optional(),
});
export type SystemTurnMeta = z.infer<typeof SystemTurnMetaSchema>;

/** The schema of a turn's meta, by role. */
export const TURN_META_SCHEMAS = { user: UserTurnMetaSchema, assistant: AssistantTurnMetaSchema, system: SystemTurnMetaSchema } as const;

export const SessionSchema = z.object({
  id: IdSchema,
  user_id: IdSchema,
  assignment_id: IdSchema.nullable(),
  mode: ModeSchema,
  started_at: TimestampSchema,
  ended_at: TimestampSchema.nullable(),
  policy_snapshot: StoredPolicySnapshotSchema,
  meta: SessionMetaSchema,
  /**
   * GET /sessions/{id}?include=hub_shared_at only: when the class hub last acknowledged a copy of this session (its
   * shared turns, or a hand-in carrying it). Absent when the teacher has none. Deleting the
   * session here leaves that copy on the hub.
   */
  hub_shared_at: TimestampSchema.optional(),
});
export type Session = z.infer<typeof SessionSchema>;

export const NewSessionSchema = z.strictObject({
  id: IdSchema.optional(),
  user_id: IdSchema,
  assignment_id: IdSchema.nullable().default(null),
  mode: ModeSchema.default('chat'),
  started_at: TimestampSchema.optional(),
  ended_at: TimestampSchema.nullable().default(null),
  policy_snapshot: StoredPolicySnapshotSchema.refine(jsonSized, jsonSizedMessage).default({}),
  meta: SessionMetaSchema.refine(jsonSized, jsonSizedMessage).default({}),
});
export type NewSession = z.input<typeof NewSessionSchema>;

/** What may change on a session after it started. Its owner and start never change. */
export const SessionPatchSchema = z.strictObject({
  assignment_id: IdSchema.nullable().optional(),
  mode: ModeSchema.optional(),
  ended_at: TimestampSchema.nullable().optional(),
  policy_snapshot: StoredPolicySnapshotSchema.refine(jsonSized, jsonSizedMessage).optional(),
  meta: SessionMetaSchema.refine(jsonSized, jsonSizedMessage).optional(),
});
export type SessionPatch = z.input<typeof SessionPatchSchema>;

const turnFields = {
  id: IdSchema,
  session_id: IdSchema,
  content: ContentSchema,
  tool_calls: ToolCallsSchema,
  model: z.string().max(200).nullable(),
  tokens_in: TokenCountSchema,
  tokens_out: TokenCountSchema,
  cost: MicroCentsSchema,
  created_at: TimestampSchema,
  /** The turn this one follows (versions are siblings); null for a first message. Not a seed field. */
  parent_id: IdSchema.nullable(),
};
export const UserTurnSchema = z.object({ ...turnFields, role: z.literal('user'), meta: UserTurnMetaSchema });
export const AssistantTurnSchema = z.object({ ...turnFields, role: z.literal('assistant'), meta: AssistantTurnMetaSchema });
export const SystemTurnSchema = z.object({ ...turnFields, role: z.literal('system'), meta: SystemTurnMetaSchema });
/** A turn: its meta's fields depend on its role. */
export const TurnSchema = z.discriminatedUnion('role', [UserTurnSchema, AssistantTurnSchema, SystemTurnSchema]);
export type UserTurn = z.infer<typeof UserTurnSchema>;
export type AssistantTurn = z.infer<typeof AssistantTurnSchema>;
export type SystemTurn = z.infer<typeof SystemTurnSchema>;
export type Turn = z.infer<typeof TurnSchema>;
export type TurnMeta = Turn['meta'];

const newTurnFields = {
  id: IdSchema.optional(),
  session_id: IdSchema,
  content: ContentSchema,
  tool_calls: ToolCallsSchema.default(null),
  model: z.string().max(200).nullable().default(null),
  tokens_in: TokenCountSchema.default(0),
  tokens_out: TokenCountSchema.default(0),
  cost: MicroCentsSchema.default(0),
  created_at: TimestampSchema.optional(),
  /** Omitted: the turn follows the session's turns in the order written (turns.repo.ts insertNewTurn). */
  parent_id: IdSchema.nullable().optional(),
};
export const NewTurnSchema = z.discriminatedUnion('role', [
  z.strictObject({ ...newTurnFields, role: z.literal('user'), meta: UserTurnMetaSchema.refine(jsonSized, jsonSizedMessage).default({}) }),
  z.strictObject({ ...newTurnFields, role: z.literal('assistant'), meta: AssistantTurnMetaSchema.refine(jsonSized, jsonSizedMessage).default({}) }),
  z.strictObject({ ...newTurnFields, role: z.literal('system'), meta: SystemTurnMetaSchema.refine(jsonSized, jsonSizedMessage).default({}) }),
]);
export type NewTurn = z.input<typeof NewTurnSchema>;

/** What may change on a turn: its text while streaming, its accounting and meta once settled. */
export const TurnPatchSchema = z.strictObject({
  content: ContentSchema.optional(),
  model: z.string().max(200).nullable().optional(),
  tokens_in: TokenCountSchema.optional(),
  tokens_out: TokenCountSchema.optional(),
  cost: MicroCentsSchema.optional(),
  tool_calls: ToolCallsSchema.optional(),
  /** A queued message taking its place (proxy.service.ts): its parent, and the time it took it (a child is newer than its parent). */
  parent_id: IdSchema.nullable().optional(),
  created_at: TimestampSchema.optional(),
  /** The whole new meta (the caller merges). Its fields are typed by the role; the store checks its size. */
  meta: z.union([UserTurnMetaSchema, AssistantTurnMetaSchema]).refine(jsonSized, jsonSizedMessage).optional(),
});
export type TurnPatch = z.input<typeof TurnPatchSchema>;

/** Query-string friendly: numbers may arrive as strings from HTTP. */
export const PageSchema = z.object({
  skip: z.coerce.number().int('must be an integer').nonnegative('must not be negative').default(0),
  limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`).default(DEFAULT_PAGE_LIMIT),
});
export type Page = z.input<typeof PageSchema>;

/** Turn lists (a session's turns, a time range of turns) come a page at a time, oldest first. */
export const DEFAULT_TURN_PAGE_LIMIT = 200;
export const MAX_TURN_PAGE_LIMIT = 1_000;
/** A page of turns ends early rather than serialise to more than this (a turn alone is under 1.2 MB). */
export const TURN_PAGE_BYTES = 4 * 1024 * 1024;
/** No JSON reply over HTTP is larger than this; a larger one is refused with payload_too_large. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Where the next page starts: opaque to the caller, passed back as given. */
export const CursorSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(400, 'must be at most 400 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor this server gave out');

export const TurnPageSchema = z.object({
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_TURN_PAGE_LIMIT, `must be at most ${MAX_TURN_PAGE_LIMIT}`)
    .default(DEFAULT_TURN_PAGE_LIMIT),
  cursor: CursorSchema.optional(),
});
export type TurnPage = z.input<typeof TurnPageSchema>;

/** One page of a cursor-paged list; `next_cursor` is null on the last page. */
export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

/** A half-open time range [from, to): `from` included, `to` excluded, both epoch milliseconds. */
export const TimeRangeSchema = z
  .object({ from: z.coerce.number().pipe(TimestampSchema), to: z.coerce.number().pipe(TimestampSchema) })
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['from'] });
export type TimeRange = z.infer<typeof TimeRangeSchema>;

export const SearchQuerySchema = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');

export interface Paged<T> {
  items: T[];
  total: number;
}

/** Where a search's terms occur in a text: [start, end) offsets (UTF-16 code units), sorted. */
export const HighlightsSchema = z.array(z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]));

/**
 * The owning session's mode, so a hit can be opened without another query, and an excerpt: plain
 * text (no Markdown or LaTeX), with `highlights` marking the query's terms in it.
 */
const searchHitFields = { session_mode: ModeSchema, snippet: z.string(), kind: z.literal('turn'), highlights: HighlightsSchema };
export const TurnSearchHitSchema = z.discriminatedUnion('role', [
  UserTurnSchema.extend(searchHitFields),
  AssistantTurnSchema.extend(searchHitFields),
  SystemTurnSchema.extend(searchHitFields),
]);
export type TurnSearchHit = z.infer<typeof TurnSearchHitSchema>;

/** A search that matched a title: a session's (meta.title) or an assignment's. */
export const TitleSearchHitSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('session'),
    session_id: IdSchema,
    session_mode: ModeSchema,
    assignment_id: IdSchema.nullable(),
    started_at: TimestampSchema,
    title: z.string(),
    highlights: HighlightsSchema,
  }),
  z.object({
    kind: z.literal('assignment'),
    assignment_id: IdSchema,
    title: z.string(),
    highlights: HighlightsSchema,
    /** How many sessions the caller has on it. */
    sessions: z.number().int().nonnegative(),
  }),
]);
export type TitleSearchHit = z.infer<typeof TitleSearchHitSchema>;

// ---------------------------------------------------------------------------------------------
// The LLM proxy contract (seed: "LLM Proxy Router"). Field names exactly as the seed's examples;
// fields are only ever added.

export const ProxyMessageRequestSchema = z.strictObject({
  message: z.string().trim().min(1, 'must not be empty').max(MAX_MESSAGE_CHARS, `must be at most ${MAX_MESSAGE_CHARS} characters`),
  chat_id: IdSchema.optional(),
  assignment_id: IdSchema.optional(),
  /** Omitted: a new session starts in 'chat'; an existing session keeps its own mode. */
  mode: ModeSchema.optional(),
  model: z.string().trim().min(1).max(200).optional(),
  meta: z
    .looseObject({
      session_id: IdSchema.optional(),
    })
    .refine(jsonSized, `must nest at most ${MAX_JSON_DEPTH} levels and serialise to at most ${MAX_JSON_CHARS} characters`)
    .optional(),
  /**
   * Set by a client that may retry: the same id never writes a second user turn. A retry of a
   * message that was answered returns the stored answer; one that failed asks the model again.
   */
  client_request_id: z.string().trim().min(8, 'must be at least 8 characters').max(128).optional(),
  /**
   * Homework: "more" raises the session's hint level by one for this message (never above the
   * assignment's ceiling: hint_ceiling_reached). A retry keeps the level its message was sent at.
   */
  hint_request: z.literal('more').optional(),
  /**
   * Versions: the answer this message follows (an assistant turn of the session) — or a message of
   * the session that got no answer (failed) — or null for a new first message. Editing a message sends its text again with the edited turn's parent_id, so the
   * edit becomes a sibling version. Omitted: the end of the session's active branch.
   */
  parent_id: IdSchema.nullable().optional(),
  /**
   * A new session starts with this study template (GET /templates): its text follows the mode's
   * system prompt. A session keeps the one it started with; a follow-up naming another is a conflict.
   */
  template_id: z.string().regex(TEMPLATE_ID_PATTERN, 'must be a template id (1-40 lowercase letters, digits, - or _)').optional(),
  /** Photos and PDFs uploaded with POST /attachments, sent with this message (README "Attachments"). */
  attachments: z
    .array(MessageAttachmentSchema)
    .max(ATTACHMENT_LIMITS.perMessage, `must hold at most ${ATTACHMENT_LIMITS.perMessage} attachments`)
    .refine((list) => new Set(list.map((a) => a.sha256)).size === list.length, 'must not name the same attachment twice')
    .optional(),
});
export type ProxyMessageRequest = z.input<typeof ProxyMessageRequestSchema>;
/** A request as dispatch hands it to the proxy: parsed by ProxyMessageRequestSchema (trimmed, checked). */
export type ProxyMessage = z.output<typeof ProxyMessageRequestSchema>;

export const ProxyMessageResponseSchema = z.object({
  turn_id: IdSchema,
  session_id: IdSchema,
  content: z.string(),
  model: z.string(),
  meta: z.looseObject({
    session_id: IdSchema,
    mode: ModeSchema,
    user_turn_id: IdSchema,
    assignment_id: IdSchema.nullable(),
    status: z.enum(ASSISTANT_STATUSES),
    usage: UsageSchema,
    reasoning: z.string().optional(),
    /** The answer (or its reasoning) was longer than a turn holds and was cut to fit. */
    truncated: z.boolean().optional(),
    finish_reason: z.string().nullable(),
    /** Homework: the hint level of this answer, and the check pass's flag. */
    hint_level: z.number().int().optional(),
    flagged: z.literal('final_answer_above_level').optional(),
  }),
});
export type ProxyMessageResponse = z.infer<typeof ProxyMessageResponseSchema>;

/** What a streaming call yields: deltas, then exactly one `done` (or the call throws an ApiError). */
export type ProxyStreamEvent =
  | { type: 'start'; session_id: string; user_turn_id: string; turn_id: string; model: string }
  | { type: 'delta'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'done'; response: ProxyMessageResponse };

// ---------------------------------------------------------------------------------------------
// Settings: providers, per-mode policy overrides, price overrides. Never an API key: keys live in
// the OS keychain (or, headless, in an environment variable).

export const ApiKeyRefSchema = z.discriminatedUnion('source', [
  /** The OS keychain: service "studylog", account = the provider id. */
  z.strictObject({ source: z.literal('keychain') }),
  /**
   * An environment variable of the process (headless servers): OPENAI_API_KEY, a *_API_KEY, or a
   * STUDYLOG_* one — never an arbitrary variable, which an admin token could otherwise send to
   * any base_url it sets.
   */
  z.strictObject({
    source: z.literal('env'),
    var: z.string().regex(/^(OPENAI_API_KEY|[A-Z][A-Z0-9_]*_API_KEY|STUDYLOG_[A-Z0-9_]*KEY)$/, 'must be OPENAI_API_KEY, a *_API_KEY or a STUDYLOG_…KEY variable'),
  }),
  /** No key: local servers such as Ollama or LM Studio. */
  z.strictObject({ source: z.literal('none') }),
]);
export type ApiKeyRef = z.infer<typeof ApiKeyRefSchema>;

const forbidPlaintextKey = (value: unknown) => !(value && typeof value === 'object' && ('api_key' in value || 'apiKey' in value));

export const ProviderSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be 1-40 lowercase letters, digits, - or _'),
  name: z.string().trim().min(1).max(100),
  kind: z.enum(PROVIDER_KINDS).default('other'),
  base_url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  models: z.array(z.string().min(1).max(200)).max(500).default([]),
  default_model: z.string().min(1).max(200).optional(),
  api_key_ref: ApiKeyRefSchema,
  /** The longest wait for the first byte, and between stream chunks (an idle provider is cut off). */
  timeout_ms: z.number().int().min(1_000).max(600_000).default(60_000),
  /** The longest a whole answer may take, streamed or not (default 10 minutes); then it is cut off. */
  max_request_ms: z.number().int().min(1_000).max(3_600_000).optional(),
  /** Retries of the SDK itself (connection errors, 408, 409, 429, 5xx); we add none of our own. */
  max_retries: z.number().int().min(0).max(5).default(2),
});
export type Provider = z.infer<typeof ProviderSchema>;
export const ProviderInputSchema = z
  .unknown()
  .refine(forbidPlaintextKey, {
    message: 'API keys are never stored in settings; set the key through the keychain',
    path: ['api_key'],
  })
  .pipe(ProviderSchema);

/** What a student or teacher may change about a mode in settings. Unset fields keep the default. */
export const PolicyOverrideSchema = z.strictObject({
  provider_id: z.string().optional(),
  model: z.string().min(1).max(200).optional(),
  /**
   * The models a student may choose in this mode (besides `model`). Unset: any chat-capable model
   * the provider lists (README "Which model answers").
   */
  models: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  max_output_tokens: z.number().int().min(1).max(200_000).optional(),
  reasoning_effort: ReasoningEffortSchema.nullable().optional(),
  system_prompt: z.string().trim().min(1).max(20_000).optional(),
});
export type PolicyOverride = z.infer<typeof PolicyOverrideSchema>;

/** USD per 1M tokens. */
export const ModelPriceSchema = z.strictObject({
  input: z.number().nonnegative(),
  cached_input: z.number().nonnegative(),
  output: z.number().nonnegative(),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** The embedded HTTP server of the desktop app: off by default, localhost only unless LAN is on. */
export const ServerSettingsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  lan: z.boolean().default(false),
  port: z.number().int().min(1024).max(65535).default(5123),
  cors_origins: z
    .array(z.url({ protocol: /^https?$/ }))
    .max(20)
    .default([]),
});
export type ServerSettings = z.infer<typeof ServerSettingsSchema>;

export const SettingsSchema = z.strictObject({
  providers: z.array(ProviderSchema).max(50).default([]),
  default_provider_id: z.string().nullable().default(null),
  policies: z.partialRecord(ModeSchema, PolicyOverrideSchema).default({}),
  prices: z.record(z.string(), ModelPriceSchema).default({}),
  /** null: follow the operating system's language. */
  language: LanguageSchema.nullable().default(null),
  theme: z.enum(THEMES).default('system'),
  server: ServerSettingsSchema.default({ enabled: false, lan: false, port: 5123, cors_origins: [] }),
});
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * A change to settings: only the fields it names (SettingsSchema.partial() would fill the others
 * with their defaults and so reset them). A test keeps its keys equal to SettingsSchema's.
 */
export const SettingsPatchSchema = z.strictObject({
  providers: z.array(ProviderSchema).max(50).optional(),
  default_provider_id: z.string().nullable().optional(),
  policies: z.partialRecord(ModeSchema, PolicyOverrideSchema).optional(),
  prices: z.record(z.string(), ModelPriceSchema).optional(),
  language: LanguageSchema.nullable().optional(),
  theme: z.enum(THEMES).optional(),
  server: ServerSettingsSchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// Assignments

/** ISO dates a teacher may write: years 1970-9999, real calendar days, optional time and zone. */
export const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A strict ISO-8601 date or date-time: the calendar must have that day (2026-02-30 is refused, not
 * rolled over to March), the year is 1970-9999, hours 00-23, minutes and seconds 00-59. Returns
 * epoch milliseconds, or null. A date alone is midnight UTC unless `dateOnly` is 'end-of-local-day';
 * a time without a zone is local time (as Date.parse reads it).
 */
export function parseIsoDate(text: string, dateOnly: 'utc-midnight' | 'end-of-local-day' = 'utc-midnight'): number | null {
  const m = ISO_DATE_PATTERN.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1970 || month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))) return null;
  const zone = m[7];
  if (zone && zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(-2)) > 59)) return null;
  // A due date without a time is the whole of that day where the server runs, not 08:00 in UTC+8.
  if (m[4] === undefined && dateOnly === 'end-of-local-day') return new Date(year, month - 1, day, 23, 59, 59, 999).getTime();
  const iso = m[4] === undefined ? `${m[1]}-${m[2]}-${m[3]}T00:00:00Z` : text.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/**
 * A due date: epoch milliseconds or an ISO-8601 date/time (what a teacher writes by hand). A date
 * without a time ("2026-12-10") is the end of that day (23:59:59.999) in the server's local time zone.
 */
export const DateInputSchema = z.union([
  TimestampSchema,
  z
    .string()
    .trim()
    .refine(
      (s) => parseIsoDate(s, 'end-of-local-day') !== null,
      'must be epoch milliseconds or a real ISO date (YYYY-MM-DD, years 1970-9999, optionally with THH:MM[:SS] and a zone)',
    )
    .transform((s) => parseIsoDate(s, 'end-of-local-day')!),
]);

/**
 * An assignment's AI policy, as a teacher sets it: every field optional, defaults in
 * AppliedAssignmentPolicySchema (src/shared/hint-ladder.ts). Stored in the assignment's
 * `meta.policy`; the routes carry it as `policy`.
 */
export const AssignmentPolicySchema = z.strictObject({
  /** The modes a session on this assignment may use; unset: every mode. */
  allowed_modes: z.array(ModeSchema).min(1, 'must name at least one mode').max(MODES.length).optional(),
  /** The highest hint level (1 what to review … 5 worked solution); unset: 4. */
  hint_ceiling: z.number().int('must be a whole number').min(1, 'must be 1 to 5').max(5, 'must be 1 to 5').optional(),
  /** Model ids a student may use; unset or empty: any the mode allows. */
  allowed_models: z.array(z.string().trim().min(1).max(200)).max(100).optional(),
  /** Per student, over all their sessions on this assignment: tokens (in + out) and/or cost in micro-cents. */
  allowance: z
    .strictObject({
      tokens: z.number().int('must be a whole number').positive('must be more than 0').optional(),
      cost: MicroCentsSchema.positive('must be more than 0').optional(),
    })
    .optional(),
  /** Before this time no message on the assignment is answered (epoch ms or an ISO date). */
  opens_at: DateInputSchema.nullable().optional(),
  /** After this time hand-ins are refused (handin_closed); between due_at and it they are late. */
  closes_at: DateInputSchema.nullable().optional(),
  /** Text given to the model in the system prompt. */
  context: z.string().trim().max(20_000, 'must be at most 20,000 characters').optional(),
  /** A class hub's assignment: its sessions are shared with the teacher through the hub (src/main/core/sync/outbox.ts). */
  share_sessions: z.boolean().optional(),
});
export type AssignmentPolicy = z.output<typeof AssignmentPolicySchema>;

/**
 * A policy as stored, or as a class hub sends it, read leniently: a key this version does not know
 * — at the top or inside `allowance` (a newer Studylog's, a newer hub's) — is dropped, never the
 * reason the rest of the policy goes unenforced or the assignment is not taken. A known key with a
 * value this version would misread (a ceiling of 9, a mode it does not have) still fails.
 */
export const StoredPolicySchema = z.object({
  ...AssignmentPolicySchema.shape,
  allowance: z.object(AssignmentPolicySchema.shape.allowance.unwrap().shape).optional(),
});

export const AssignmentSchema = z.object({
  id: IdSchema,
  title: z.string(),
  subject: z.string().nullable(),
  description: z.string().nullable(),
  due_at: TimestampSchema.nullable(),
  created_at: TimestampSchema,
  meta: JsonObjectSchema,
  /** Its AI policy as set ({} when none): the fields of meta.policy. */
  policy: AssignmentPolicySchema,
  /** The teacher (or admin) who made it; null for ones made before teachers existed or registered by a message. */
  owner_id: IdSchema.nullable().optional(),
});
export type Assignment = z.infer<typeof AssignmentSchema>;

const assignmentFields = {
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  subject: z.string().trim().max(100, 'must be at most 100 characters').nullable(),
  description: z.string().max(20_000, 'must be at most 20,000 characters').nullable(),
  due_at: DateInputSchema.nullable(),
  meta: JsonObjectSchema,
  /** Replaces the whole policy; null removes it. */
  policy: AssignmentPolicySchema.nullable(),
};

export const NewAssignmentSchema = z.strictObject({
  id: IdSchema.optional(),
  title: assignmentFields.title,
  subject: assignmentFields.subject.default(null),
  description: assignmentFields.description.default(null),
  due_at: assignmentFields.due_at.default(null),
  meta: assignmentFields.meta.default({}),
  policy: assignmentFields.policy.optional(),
});
export type NewAssignment = z.input<typeof NewAssignmentSchema>;

export const AssignmentPatchSchema = z.strictObject({
  title: assignmentFields.title.optional(),
  subject: assignmentFields.subject.optional(),
  description: assignmentFields.description.optional(),
  due_at: assignmentFields.due_at.optional(),
  meta: assignmentFields.meta.optional(),
  policy: assignmentFields.policy.optional(),
});

/** How much of an assignment's allowance a student has used, and what the policy allows now. */
export const AssignmentStatusSchema = z.object({
  assignment_id: IdSchema,
  user_id: IdSchema,
  policy: AppliedAssignmentPolicySchema,
  /** Over the student's sessions on this assignment: tokens in + out, cost in micro-cents. */
  used: z.object({ tokens: z.number().int(), cost: z.number().int() }),
  /** What is left of each allowance set (never below 0); null: no such allowance. */
  left: z.object({ tokens: z.number().int().nullable(), cost: z.number().int().nullable() }),
  /**
   * The class hub's daily token allowance for this student on its class's assignments (a teacher's
   * change, pulled by sync): today's tokens — this laptop's local day — allowed, used and left
   * (never below 0); null: the hub set none, or the assignment is not one of a hub class.
   */
  daily: z.object({ tokens: z.number().int(), used: z.number().int(), left: z.number().int() }).nullable(),
  /** An allowance is used up (the assignment's, or today's from the class hub): messages are refused, kept. */
  exhausted: z.boolean(),
  /** Not opened yet (opens_at in the future): messages are refused. */
  not_open: z.boolean(),
  /** Past its due date: messages are still answered; the panel says late. */
  late: z.boolean(),
});
export type AssignmentStatus = z.infer<typeof AssignmentStatusSchema>;

export const MAX_IMPORT_ENTRIES = 1_000;

/** A teacher's file: `{"assignments": [...]}` or a bare array of assignments. */
export const AssignmentImportSchema = z.strictObject({
  assignments: z.array(z.unknown()).max(MAX_IMPORT_ENTRIES, `must hold at most ${MAX_IMPORT_ENTRIES} entries`),
});

export const AssignmentImportResultSchema = z.object({
  imported: z.number().int(),
  updated: z.number().int(),
  errors: z.array(z.object({ index: z.number().int(), detail: z.string() })),
  items: z.array(AssignmentSchema),
});
export type AssignmentImportResult = z.infer<typeof AssignmentImportResultSchema>;

// ---------------------------------------------------------------------------------------------
// Users and API tokens

export const UserRoleSchema = z.enum(USER_ROLES);
export type UserRole = z.infer<typeof UserRoleSchema>;

export const UserSchema = z.object({ id: IdSchema, name: z.string(), role: UserRoleSchema, created_at: TimestampSchema });
export type User = z.infer<typeof UserSchema>;

export const ApiTokenInfoSchema = z.object({
  id: IdSchema,
  name: z.string(),
  user_id: IdSchema,
  user_name: z.string(),
  role: UserRoleSchema,
  created_at: TimestampSchema,
  last_used_at: TimestampSchema.nullable(),
  revoked_at: TimestampSchema.nullable(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfoSchema>;

/** A person's display name (shared/person-name.ts): the hub's roster takes the same. */
export const PersonNameSchema = z.string().trim().min(1, 'must not be empty').max(PERSON_NAME_MAX_CHARS, `must be at most ${PERSON_NAME_MAX_CHARS} characters`);

/** A token's name — for a new user, also the user's name: a person's display name. */
export const TokenNameSchema = PersonNameSchema;

/** The caller's own name (PATCH /me): as a token's user is named. */
export const UpdateMeSchema = z.strictObject({ name: PersonNameSchema });

export const CreateTokenSchema = z.union([
  /** A new user with this name and role, and a token for them. */
  z.strictObject({ name: TokenNameSchema, role: UserRoleSchema }),
  /** Another token for an existing user (e.g. the owner's own tablet). */
  z.strictObject({ name: TokenNameSchema, user_id: IdSchema }),
]);

export const CreatedTokenSchema = z.object({
  /** Shown once: only a hash is kept. */
  token: z.string(),
  info: ApiTokenInfoSchema,
});

// ---------------------------------------------------------------------------------------------
// Usage

export const USAGE_GROUPS = ['day', 'mode', 'assignment', 'model'] as const;

export const UsageRowSchema = z.object({
  /** The day (YYYY-MM-DD in the caller's offset), mode, assignment id or model. null: none. */
  key: z.string().nullable(),
  turns: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost: z.number().int(),
  /** How many of the turns have locally counted (estimated) tokens. */
  estimated_turns: z.number().int(),
});
export type UsageRow = z.infer<typeof UsageRowSchema>;

export const UsageReportSchema = z.object({
  group: z.enum(USAGE_GROUPS),
  from: TimestampSchema,
  to: TimestampSchema,
  rows: z.array(UsageRowSchema),
  total: UsageRowSchema.omit({ key: true }),
});
export type UsageReport = z.infer<typeof UsageReportSchema>;

// ---------------------------------------------------------------------------------------------
// Study templates (src/shared/templates.ts): the built-in ones and the caller's own copies.

export const TemplateIdSchema = z.string().regex(TEMPLATE_ID_PATTERN, 'must be 1-40 lowercase letters, digits, - or _');

const LocalizedSchema = z.object({ 'zh-CN': z.string(), en: z.string() });

export const TemplateSchema = z.object({
  id: TemplateIdSchema,
  /** The built-in text's version; null for a template the student wrote. */
  version: z.string().nullable(),
  builtin: z.boolean(),
  /** The built-in name and text in both languages (empty for the student's own template). */
  name: LocalizedSchema,
  text: LocalizedSchema,
  /** The caller's own version: used instead of the built-in text when present ('' name: the built-in's). */
  custom: z.object({ name: z.string(), text: z.string(), updated_at: TimestampSchema }).nullable(),
});
export type Template = z.infer<typeof TemplateSchema>;

export const TemplateSaveSchema = z.strictObject({
  id: TemplateIdSchema,
  /** Required for a new template of the student's own; a built-in keeps its name when omitted. */
  name: z.string().trim().min(1, 'must not be empty').max(MAX_TEMPLATE_NAME, `must be at most ${MAX_TEMPLATE_NAME} characters`).optional(),
  text: z.string().trim().min(1, 'must not be empty').max(MAX_TEMPLATE_TEXT, `must be at most ${MAX_TEMPLATE_TEXT} characters`),
});
export type TemplateSave = z.infer<typeof TemplateSaveSchema>;

// ---------------------------------------------------------------------------------------------
// The learner summary: per student and local day (src/main/core/learner-summary.ts).

/** A calendar day, YYYY-MM-DD (a real date, years 1970-9999). */
export const DaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day as YYYY-MM-DD')
  .refine((d) => parseIsoDate(d) !== null, 'must be a real calendar day (years 1970-9999)');

/**
 * The check of a range of days [from, to) — written once for the desktop's and the hub's: `to`
 * after `from` and, given `maxDays`, at most that many days. Calendar days are counted as dates
 * (UTC midnights), so the count is the same in every time zone.
 */
export function checkDayRange(maxDays?: number) {
  return (v: { from: string; to: string }, ctx: z.RefinementCtx) => {
    if (v.from >= v.to) ctx.addIssue({ code: 'custom', message: 'must be after from', path: ['to'] });
    else if (maxDays !== undefined && (parseIsoDate(v.to)! - parseIsoDate(v.from)!) / 86_400_000 > maxDays)
      ctx.addIssue({ code: 'custom', message: `at most ${maxDays} days at a time`, path: ['to'] });
  };
}

export const LearnerSummarySchema = z.looseObject({
  /** Sum of the gaps between the day's consecutive turns, each gap counted up to 5 minutes. */
  time_on_task_ms: z.number().int().nonnegative(),
  /** The student's messages and the answers they got. */
  messages: z.number().int().nonnegative(),
  answers: z.number().int().nonnegative(),
  /** Sessions with a turn that day, in all and by mode. */
  sessions: z.number().int().nonnegative(),
  by_mode: z.partialRecord(ModeSchema, z.number().int().nonnegative()),
  /** Per assignment worked on: its sessions and messages that day, and the highest hint level an answer reached (0: none recorded). */
  assignments: z.array(
    z.object({
      assignment_id: IdSchema,
      sessions: z.number().int().nonnegative(),
      messages: z.number().int().nonnegative(),
      max_hint_level: z.number().int().nonnegative(),
    }),
  ),
  /** The most frequent terms of the student's own messages (Chinese bigrams, English words), stop-words left out. */
  topics: z.array(z.object({ term: z.string(), count: z.number().int().positive() })),
  first_at: TimestampSchema,
  last_at: TimestampSchema,
});
export type LearnerSummary = z.infer<typeof LearnerSummarySchema>;

export const LearnerDaySchema = z.object({
  user_id: IdSchema,
  day: z.string(),
  summary: LearnerSummarySchema,
  computed_at: TimestampSchema,
});
export type LearnerDay = z.infer<typeof LearnerDaySchema>;
