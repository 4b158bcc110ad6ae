/**
 * Hand-ins: the submission rows, the `.studylog` bundle (format `studylog.handin`, versions 1 and
 * 2), the teacher's summary card and what verification found. README "Hand-in and review"
 * describes the bundle; src/main/core/handin/ builds, signs and verifies it.
 *
 * Version 2 is version 1 plus the answer's files (`answer_files`, signed, each named by its
 * sha256; `file_data`, their bytes in base64, outside the signed text and checked against those
 * hashes). A hand-in without files is still written as version 1, byte for byte as before, so an
 * older Studylog reads it; one with files is version 2, which an older Studylog refuses as newer.
 */
import { z } from 'zod';
import {
  BUNDLE_PROBLEM_CODES,
  describeBundleSize,
  describeProblem,
  MAX_ANSWER_FILES_BYTES,
  MAX_BUNDLE_BYTES,
  megabytes,
  type BundleProblem,
  type BundleProblemCode,
} from '../handin-problems.ts';
import { ATTACHMENT_KINDS, ATTACHMENT_LIMITS, IdSchema, JsonObjectSchema, Sha256Schema, TimestampSchema } from './schemas.ts';

export { BUNDLE_PROBLEM_CODES, describeBundleSize, describeProblem, MAX_ANSWER_FILES_BYTES, MAX_BUNDLE_BYTES, megabytes, type BundleProblem, type BundleProblemCode };

export const BUNDLE_FORMAT = 'studylog.handin';
/** The newest version this Studylog writes and reads (it reads every version from 1). */
export const BUNDLE_VERSION = 2;
/** A bundle without answer files is written as this version (the format before files existed). */
export const BUNDLE_VERSION_NO_FILES = 1;
/** The file extension of a bundle. */
export const BUNDLE_EXTENSION = '.studylog';

export const SUBMISSION_STATUSES = ['draft', 'submitted', 'returned'] as const;
export const SubmissionStatusSchema = z.enum(SUBMISSION_STATUSES);
export type SubmissionStatus = z.infer<typeof SubmissionStatusSchema>;

export const MAX_ANSWER_CHARS = 100_000;
export const MAX_NOTE_CHARS = 20_000;
export const MAX_FEEDBACK_CHARS = 20_000;
/** Whole points; a teacher's scale (out of 100, out of 10 …) is theirs. */
export const MAX_SCORE = 1000;
/**
 * The largest body of an import over HTTP: the file's text as a JSON string (quotes and
 * backslashes in it are escaped, so up to twice its bytes) and room around it.
 */
export const MAX_IMPORT_BODY_BYTES = 2 * MAX_BUNDLE_BYTES + 64 * 1024;

/** An answer's files: at most as many as a message's attachments, and MAX_ANSWER_FILES_BYTES together (they travel base64 in the bundle). */
export const MAX_ANSWER_FILES = ATTACHMENT_LIMITS.perMessage;

/** A file of the answer (an attachment the student uploaded): what the hand-in and the bundle say of it. */
export const AnswerFileSchema = z.object({
  sha256: Sha256Schema,
  name: z.string(),
  kind: z.enum(ATTACHMENT_KINDS),
  mime: z.string(),
  bytes: z.number().int().nonnegative(),
});
export type AnswerFile = z.infer<typeof AnswerFileSchema>;

// ---------------------------------------------------------------------------------------------
// Verification

export const BundleProblemSchema = z.object({
  code: z.enum(BUNDLE_PROBLEM_CODES),
  session_index: z.number().int().optional(),
  session_id: z.string().optional(),
  turn_index: z.number().int().optional(),
  turn_id: z.string().optional(),
  /** not_a_bundle: which field; unsupported_version: the version found; file_*: the file's name. */
  field: z.string().optional(),
  /** file_missing, file_changed: which of the answer's files (1-based) and its sha256 as signed. */
  file_index: z.number().int().optional(),
  sha256: z.string().optional(),
  /** files_too_large: the answer's files together, in bytes as signed. */
  bytes: z.number().int().optional(),
});
// The schema checks exactly the plain type the renderer words without zod (handin-problems.ts).
BundleProblemSchema satisfies z.ZodType<BundleProblem>;

export const VerificationSchema = z.object({
  ok: z.boolean(),
  problems: z.array(BundleProblemSchema),
  /** sha256 of the signing key (SPKI DER), 4-hex groups: what a teacher compares by eye. */
  key_fingerprint: z.string().nullable(),
  sessions: z.number().int(),
  turns: z.number().int(),
  chain_head: z.string().nullable(),
  checked_at: TimestampSchema,
});
export type Verification = z.infer<typeof VerificationSchema>;

// ---------------------------------------------------------------------------------------------
// The bundle

const BundleTurnSchema = z.object({
  id: z.string(),
  session_id: z.string(),
  parent_id: z.string().nullable(),
  role: z.string(),
  content: z.string(),
  model: z.string().nullable(),
  tokens_in: z.number(),
  tokens_out: z.number(),
  cost: z.number(),
  created_at: z.number(),
  meta: z.record(z.string(), z.unknown()),
  /** The previous turn's hash (64 zeros for the first turn of the bundle). */
  prev_hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** sha256(prev_hash + canonicalJson(the turn's fields above)), hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type BundleTurn = z.infer<typeof BundleTurnSchema>;

export const BundleSessionSchema = z.object({
  session: z.object({
    id: z.string(),
    assignment_id: z.string().nullable(),
    mode: z.string(),
    started_at: z.number(),
    ended_at: z.number().nullable(),
    title: z.string().nullable(),
    models: z.array(z.string()),
  }),
  turns: z.array(BundleTurnSchema),
});
export type BundleSession = z.infer<typeof BundleSessionSchema>;

/** Version 1 of the `.studylog` file: one JSON object, every field required. */
export const BundleV1Schema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.literal(BUNDLE_VERSION_NO_FILES),
  created_at: z.number(),
  assignment: z.object({ id: z.string(), title: z.string(), subject: z.string().nullable(), due_at: z.number().nullable() }),
  student: z.object({ id: z.string(), name: z.string() }),
  submission: z.object({ id: z.string(), submitted_at: z.number(), late: z.boolean() }),
  sessions: z.array(BundleSessionSchema),
  /** The transcript as Markdown (every turn, every version), for reading without Studylog. */
  transcript_md: z.string(),
  answer: z.string(),
  note: z.string(),
  chain_head: z.string().regex(/^[0-9a-f]{64}$/),
  /** Ed25519 public key, SPKI DER, base64. */
  public_key: z.string(),
  /** Ed25519 signature (base64) of canonicalJson(the bundle without `signature` — and, in version 2, without `file_data`). */
  signature: z.string(),
});

/** Version 2: version 1 and the answer's files. */
export const BundleV2Schema = BundleV1Schema.extend({
  version: z.literal(2),
  /** The answer's files in order (signed): each one's bytes are named by its sha256. */
  answer_files: z.array(AnswerFileSchema).max(MAX_ANSWER_FILES),
  /** sha256 → the file's bytes in base64. Not signed itself: each entry must hash to a signed sha256. */
  file_data: z.record(z.string(), z.string()),
});

export const BundleSchema = z.discriminatedUnion('version', [BundleV1Schema, BundleV2Schema]);
export type Bundle = z.infer<typeof BundleSchema>;

/** The answer's files a bundle names (none in version 1). */
export const bundleAnswerFiles = (bundle: Bundle): AnswerFile[] => (bundle.version === 2 ? bundle.answer_files : []);

// ---------------------------------------------------------------------------------------------
// Submissions and the summary card

export const SubmissionSchema = z.object({
  id: IdSchema,
  assignment_id: IdSchema,
  assignment_title: z.string().nullable(),
  user_id: IdSchema,
  student_name: z.string().nullable(),
  status: SubmissionStatusSchema,
  session_ids: z.array(z.string()),
  answer: z.string(),
  /** The answer's files: the draft's (its student), or the bundle's as handed in (its teacher). */
  answer_files: z.array(AnswerFileSchema),
  ai_note: z.string(),
  bundle_hash: z.string().nullable(),
  submitted_at: TimestampSchema.nullable(),
  late: z.boolean(),
  score: z.number().int().nullable(),
  feedback: z.string().nullable(),
  returned_at: TimestampSchema.nullable(),
  source: z.enum(['server', 'file']),
  verification: VerificationSchema.nullable(),
  created_at: TimestampSchema,
  updated_at: TimestampSchema,
  meta: JsonObjectSchema,
});
export type Submission = z.infer<typeof SubmissionSchema>;

export const HandinSummarySchema = z.object({
  sessions: z.number().int(),
  /** The conversation's messages and answers, every version (not the title calls). */
  turns: z.number().int(),
  /** The student's messages except those that got no answer (the AI-use note's "提问 N 次"), every version (shared/transcript.ts messageCounts). */
  asked: z.number().int(),
  /** The answers, every version. */
  answers: z.number().int(),
  /** The student's messages that got none: refused (the allowance used up, …) or failed and never retried. */
  unanswered: z.number().int(),
  first_at: TimestampSchema.nullable(),
  last_at: TimestampSchema.nullable(),
  /** The highest hint level an answer reached (assistant turn meta.hint_level, 1..5), and when first. */
  highest_hint_level: z.number().int().nullable(),
  highest_hint_at: TimestampSchema.nullable(),
  /** Level 5 (a worked solution) was reached. */
  worked_solution: z.boolean(),
  /** Answers asked for again: assistant turns beyond the first sharing a parent (0 where turns have no parent_id). */
  regenerations: z.number().int(),
  /** Answers flagged by the policy (turn meta.flagged): the hint-ladder check found what may be the final answer. */
  flagged: z.number().int(),
  /** Every call's, the automatic title calls' included (those are not messages: see `title_calls`). */
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost: z.number().int(),
  /** The automatic title calls (system turns, meta.purpose 'title'): counted in tokens and cost, not in `turns` nor the transcript. */
  title_calls: z.number().int(),
  models: z.array(z.string()),
});
export type HandinSummary = z.infer<typeof HandinSummarySchema>;

export const SubmissionDetailSchema = z.object({
  submission: SubmissionSchema,
  summary: HandinSummarySchema,
  /** What was handed in (from the bundle), or, for the student's own draft, the sessions it names now. */
  sessions: z.array(BundleSessionSchema.extend({ turns: z.array(BundleTurnSchema.partial({ prev_hash: true, hash: true })) })),
  /** For a draft: an AI-use note written from the sessions (tools, models, dates, hint levels) to start from. */
  suggested_ai_note: z.string(),
  /**
   * A hand-in (not a draft) to an assignment from the class hub (meta.hub_class_id), handed in on
   * this laptop: `delivered_at` is when the sync outbox delivered this very bundle to the hub,
   * null until the next sync has. null for every other hand-in (it goes by file or is already here).
   */
  hub_delivery: z.object({ delivered_at: TimestampSchema.nullable() }).nullable(),
});
export type SubmissionDetail = z.infer<typeof SubmissionDetailSchema>;

// Route inputs
const answerField = z.string().max(MAX_ANSWER_CHARS, `must be at most ${MAX_ANSWER_CHARS} characters`);
const noteField = z.string().max(MAX_NOTE_CHARS, `must be at most ${MAX_NOTE_CHARS} characters`);
const sessionIdsField = z.array(IdSchema).max(200, 'must name at most 200 sessions');
/** The answer's files by the hash of the caller's uploads (POST /attachments), in order, with the name shown. */
const answerFilesField = z
  .array(z.strictObject({ sha256: Sha256Schema, name: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters') }))
  .max(MAX_ANSWER_FILES, `must name at most ${MAX_ANSWER_FILES} files`);

export const NewSubmissionInput = z.strictObject({
  id: IdSchema,
  session_ids: sessionIdsField.optional(),
  answer: answerField.optional(),
  answer_files: answerFilesField.optional(),
  ai_note: noteField.optional(),
});
export const SubmissionPatchInput = z.strictObject({
  id: IdSchema,
  session_ids: sessionIdsField.optional(),
  answer: answerField.optional(),
  answer_files: answerFilesField.optional(),
  ai_note: noteField.optional(),
});
export const ReturnSubmissionInput = z.strictObject({
  id: IdSchema,
  score: z.number().int('must be a whole number').min(0, 'must not be negative').max(MAX_SCORE, `must be at most ${MAX_SCORE}`).nullable(),
  feedback: z.string().max(MAX_FEEDBACK_CHARS, `must be at most ${MAX_FEEDBACK_CHARS} characters`).default(''),
});
/** One of a hand-in's answer files, for its student or teacher: its description and, for an image, a small JPEG (a data URL). */
export const SubmissionFileInput = z.strictObject({ id: IdSchema, sha256: Sha256Schema });
export const SubmissionFileSchema = AnswerFileSchema.extend({ thumbnail: z.string().nullable() });
export type SubmissionFile = z.infer<typeof SubmissionFileSchema>;

export const ImportSubmissionInput = z.strictObject({
  /** The `.studylog` file's text. */
  // A cheap first bound (a character is at least one byte); the bytes are checked on import (accept.ts: payload_too_large).
  bundle: z.string().min(1, 'must not be empty').max(MAX_BUNDLE_BYTES, `must be at most ${MAX_BUNDLE_BYTES} bytes`),
});
