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
import { ATTACHMENT_KINDS, ATTACHMENT_LIMITS, IdSchema, JsonObjectSchema, Sha256Schema, TimestampSchema } from './schemas.ts';

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
/** The largest bundle accepted on import (a file's text). */
export const MAX_BUNDLE_CHARS = 7 * 1024 * 1024;
/**
 * The largest body of an import over HTTP: the file's text as a JSON string (quotes and
 * backslashes in it are escaped, so up to twice its length) and room around it.
 */
export const MAX_IMPORT_BODY_BYTES = 2 * MAX_BUNDLE_CHARS + 64 * 1024;
/** An answer's files: at most as many as a message's attachments, and this many bytes together (they travel base64 in the bundle). */
export const MAX_ANSWER_FILES = ATTACHMENT_LIMITS.perMessage;
export const MAX_ANSWER_FILES_BYTES = 4 * 1024 * 1024;

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

/**
 * What can be wrong with a bundle. Positions are 1-based: "turn 3 of session 2" is the third turn
 * of the bundle's second session.
 */
export const BUNDLE_PROBLEM_CODES = [
  'truncated',
  'invalid_json',
  'not_a_bundle',
  'unsupported_version',
  'turn_changed',
  'turn_missing',
  'order_changed',
  'end_missing',
  'signature_invalid',
  'key_mismatch',
  'file_missing',
  'file_changed',
] as const;
export type BundleProblemCode = (typeof BUNDLE_PROBLEM_CODES)[number];

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
});
export type BundleProblem = z.infer<typeof BundleProblemSchema>;

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

type Lang = 'zh-CN' | 'en';

/** One problem in words, in Chinese or English (the CLI, and import's refusal). */
export function describeProblem(p: BundleProblem, language: Lang): string {
  const zh = language === 'zh-CN';
  const where = zh
    ? `第 ${p.session_index ?? '?'} 个会话（${p.session_id ?? '?'}）的第 ${p.turn_index ?? '?'} 条消息`
    : `turn ${p.turn_index ?? '?'} of session ${p.session_index ?? '?'} (${p.session_id ?? '?'})`;
  switch (p.code) {
    case 'truncated':
      return zh ? '文件不完整（在中途被截断），无法读取。请让学生重新导出。' : 'The file is incomplete (cut off part-way) and cannot be read. Ask the student to export it again.';
    case 'invalid_json':
      return zh ? '这不是一个可读的交作业文件（不是有效的 JSON）。' : 'This is not a readable hand-in file (not valid JSON).';
    case 'not_a_bundle':
      return zh ? `这不是 Studylog 交作业文件：字段 ${p.field ?? '?'} 缺失或不正确。` : `This is not a Studylog hand-in file: field ${p.field ?? '?'} is missing or wrong.`;
    case 'unsupported_version':
      return zh
        ? `这个交作业文件的格式版本（${p.field ?? '?'}）比本 Studylog 新，请更新 Studylog。`
        : `This hand-in file's format version (${p.field ?? '?'}) is newer than this Studylog knows; update Studylog.`;
    case 'turn_changed':
      return zh ? `哈希链在${where}处断开：这条消息在签名后被改动过。` : `The hash chain is broken at ${where}: this turn was changed after it was signed.`;
    case 'turn_missing':
      return zh ? `${where}之前少了一条或多条消息（被删除了）。` : `One or more turns are missing (removed) before ${where}.`;
    case 'order_changed':
      return zh ? `${where}的顺序被改动过（消息被重新排列）。` : `The order was changed at ${where} (turns were rearranged).`;
    case 'end_missing':
      return zh ? '最后的一条或多条消息被删除了：哈希链的末端与签名时不一致。' : 'The last turn(s) were removed: the end of the hash chain does not match what was signed.';
    case 'signature_invalid':
      return zh
        ? '签名不匹配：文件内容在签名后被改动过，或签名不属于文件中的密钥。'
        : 'The signature does not match: the content was changed after signing, or the signature is not by the key in the file.';
    case 'key_mismatch':
      return zh
        ? '这个文件由另一个密钥签名，与这名学生之前交作业时记录的密钥不同。'
        : 'This file is signed by another key than the one on record for this student (from their earlier hand-ins).';
    case 'file_missing':
      return zh
        ? `答案的第 ${p.file_index ?? '?'} 个附件（${p.field ?? '?'}）缺少文件内容。`
        : `The bytes of the answer's file ${p.file_index ?? '?'} (${p.field ?? '?'}) are missing from the bundle.`;
    case 'file_changed':
      return zh
        ? `答案的第 ${p.file_index ?? '?'} 个附件（${p.field ?? '?'}）在签名后被改动过：内容与签名时的 SHA-256 不一致。`
        : `The answer's file ${p.file_index ?? '?'} (${p.field ?? '?'}) was changed after signing: its bytes do not match the signed SHA-256.`;
  }
}

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
  turns: z.number().int(),
  first_at: TimestampSchema.nullable(),
  last_at: TimestampSchema.nullable(),
  /** The highest hint level an answer reached (assistant turn meta.hint_level, 1..5), and when first. */
  highest_hint_level: z.number().int().nullable(),
  highest_hint_at: TimestampSchema.nullable(),
  /** Level 5 (a worked solution) was reached. */
  worked_solution: z.boolean(),
  /** Answers asked for again: assistant turns beyond the first sharing a parent (0 where turns have no parent_id). */
  regenerations: z.number().int(),
  /** Answers flagged by the policy (turn meta.flagged). */
  flagged: z.number().int(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost: z.number().int(),
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
  bundle: z.string().min(1, 'must not be empty').max(MAX_BUNDLE_CHARS, `must be at most ${MAX_BUNDLE_CHARS} characters`),
});
