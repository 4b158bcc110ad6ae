/**
 * The data contract, in the seed's field names (snake_case), shared by the store, the services,
 * every transport and the renderer. Types are inferred from these schemas, never written twice.
 */
import { z } from 'zod';

export const MODES = ['chat', 'homework', 'deep_think'] as const;
export const ModeSchema = z.enum(MODES);
export type Mode = z.infer<typeof ModeSchema>;

export const ROLES = ['user', 'assistant', 'system'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/**
 * The longest turn we store, in UTF-16 code units: about 30,000 Chinese characters' worth of
 * tokens beyond any model's useful context, yet far below what would slow the FTS index.
 */
export const MAX_CONTENT_CHARS = 100_000;
/** The largest JSON document (meta, policy_snapshot, tool_calls) stored in one column. */
export const MAX_JSON_CHARS = 64_000;
export const MAX_PAGE_LIMIT = 200;
export const DEFAULT_PAGE_LIMIT = 50;

/** Ids are opaque strings; ours are UUIDv7 (time-sortable), but imported ids may be anything short. */
export const IdSchema = z.string().trim().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

/** Every timestamp is an integer count of milliseconds since the Unix epoch (UTC). */
export const TimestampSchema = z.number().int('must be an integer (milliseconds since the Unix epoch)').nonnegative();

const jsonSized = (value: unknown) => JSON.stringify(value).length <= MAX_JSON_CHARS;
export const JsonObjectSchema = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .refine(jsonSized, `must serialise to at most ${MAX_JSON_CHARS} characters`);
export type JsonObject = z.infer<typeof JsonObjectSchema>;

export const ToolCallsSchema = z
  .array(z.unknown(), { error: 'must be a JSON array or null' })
  .refine(jsonSized, `must serialise to at most ${MAX_JSON_CHARS} characters`)
  .nullable();

const TokenCountSchema = z.number().int('must be an integer').nonnegative('must not be negative');
/** Cost in micro-cents: 10⁻⁶ of a US cent (the seed's 微分), always a non-negative integer. */
export const MicroCentsSchema = z.number().int('must be an integer number of micro-cents').nonnegative('must not be negative');

export const ContentSchema = z.string().max(MAX_CONTENT_CHARS, `must be at most ${MAX_CONTENT_CHARS} characters`);

export const SessionSchema = z.object({
  id: IdSchema,
  user_id: IdSchema,
  assignment_id: IdSchema.nullable(),
  mode: ModeSchema,
  started_at: TimestampSchema,
  ended_at: TimestampSchema.nullable(),
  policy_snapshot: JsonObjectSchema,
  meta: JsonObjectSchema,
});
export type Session = z.infer<typeof SessionSchema>;

export const NewSessionSchema = z.strictObject({
  id: IdSchema.optional(),
  user_id: IdSchema,
  assignment_id: IdSchema.nullable().default(null),
  mode: ModeSchema.default('chat'),
  started_at: TimestampSchema.optional(),
  ended_at: TimestampSchema.nullable().default(null),
  policy_snapshot: JsonObjectSchema.default({}),
  meta: JsonObjectSchema.default({}),
});
export type NewSession = z.input<typeof NewSessionSchema>;

/** What may change on a session after it started. Its owner and start never change. */
export const SessionPatchSchema = z.strictObject({
  assignment_id: IdSchema.nullable().optional(),
  mode: ModeSchema.optional(),
  ended_at: TimestampSchema.nullable().optional(),
  policy_snapshot: JsonObjectSchema.optional(),
  meta: JsonObjectSchema.optional(),
});
export type SessionPatch = z.input<typeof SessionPatchSchema>;

export const TurnSchema = z.object({
  id: IdSchema,
  session_id: IdSchema,
  role: RoleSchema,
  content: ContentSchema,
  tool_calls: ToolCallsSchema,
  model: z.string().max(200).nullable(),
  tokens_in: TokenCountSchema,
  tokens_out: TokenCountSchema,
  cost: MicroCentsSchema,
  created_at: TimestampSchema,
  meta: JsonObjectSchema,
});
export type Turn = z.infer<typeof TurnSchema>;

export const NewTurnSchema = z.strictObject({
  id: IdSchema.optional(),
  session_id: IdSchema,
  role: RoleSchema,
  content: ContentSchema,
  tool_calls: ToolCallsSchema.default(null),
  model: z.string().max(200).nullable().default(null),
  tokens_in: TokenCountSchema.default(0),
  tokens_out: TokenCountSchema.default(0),
  cost: MicroCentsSchema.default(0),
  created_at: TimestampSchema.optional(),
  meta: JsonObjectSchema.default({}),
});
export type NewTurn = z.input<typeof NewTurnSchema>;

/** What may change on a turn: its text while streaming, its accounting and meta once settled. */
export const TurnPatchSchema = z.strictObject({
  content: ContentSchema.optional(),
  model: z.string().max(200).nullable().optional(),
  tokens_in: TokenCountSchema.optional(),
  tokens_out: TokenCountSchema.optional(),
  cost: MicroCentsSchema.optional(),
  tool_calls: ToolCallsSchema.optional(),
  meta: JsonObjectSchema.optional(),
});
export type TurnPatch = z.input<typeof TurnPatchSchema>;

/** Query-string friendly: numbers may arrive as strings from HTTP. */
export const PageSchema = z.object({
  skip: z.coerce.number().int('must be an integer').nonnegative('must not be negative').default(0),
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_LIMIT, `must be at most ${MAX_PAGE_LIMIT}`)
    .default(DEFAULT_PAGE_LIMIT),
});
export type Page = z.input<typeof PageSchema>;

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

export const TurnSearchHitSchema = TurnSchema.extend({
  /** The owning session's id and mode, so a hit can be opened without another query. */
  session_mode: ModeSchema,
  snippet: z.string(),
});
export type TurnSearchHit = z.infer<typeof TurnSearchHitSchema>;
