/**
 * What can be wrong with a hand-in file (its chain, its size), and how to say it in Chinese or
 * English: plain data and functions, no validator, so the renderer words a refused import or an
 * oversized hand-in in its own language without loading zod (the bundle's schemas, api/handin.ts,
 * re-export these).
 */

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
  'files_too_large',
] as const;
export type BundleProblemCode = (typeof BUNDLE_PROBLEM_CODES)[number];

/** One problem found in a bundle, and where (1-based positions). */
export interface BundleProblem {
  code: BundleProblemCode;
  session_index?: number | undefined;
  session_id?: string | undefined;
  turn_index?: number | undefined;
  turn_id?: string | undefined;
  /** not_a_bundle: which field; unsupported_version: the version found; file_*: the file's name. */
  field?: string | undefined;
  /** file_missing, file_changed: which of the answer's files (1-based) and its sha256 as signed. */
  file_index?: number | undefined;
  sha256?: string | undefined;
  /** files_too_large: the answer's files together, in bytes as signed. */
  bytes?: number | undefined;
}

export const isBundleProblemCode = (code: string): code is BundleProblemCode => (BUNDLE_PROBLEM_CODES as readonly string[]).includes(code);

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
      return zh ? `对话记录在${where}处对不上：这条消息在签名后被改动过。` : `The hash chain is broken at ${where}: this turn was changed after it was signed.`;
    case 'turn_missing':
      return zh ? `${where}之前少了一条或多条消息（被删除了）。` : `One or more turns are missing (removed) before ${where}.`;
    case 'order_changed':
      return zh ? `${where}的顺序被改动过（消息被重新排列）。` : `The order was changed at ${where} (turns were rearranged).`;
    case 'end_missing':
      return zh ? '最后的一条或多条消息被删除了：对话记录的结尾与签名时不一致。' : 'The last turn(s) were removed: the end of the hash chain does not match what was signed.';
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
    case 'files_too_large':
      return zh
        ? `答案的附件合计 ${megabytes(p.bytes ?? 0)}（${p.bytes ?? '?'} 字节），超过了上限 ${megabytes(MAX_ANSWER_FILES_BYTES)}（${MAX_ANSWER_FILES_BYTES} 字节）；Studylog 交作业时不会生成这样的文件。`
        : `The answer's files are ${megabytes(p.bytes ?? 0)} (${p.bytes ?? '?'} bytes) together, more than the ${megabytes(MAX_ANSWER_FILES_BYTES)} (${MAX_ANSWER_FILES_BYTES} bytes) a hand-in may carry; Studylog never makes such a file.`;
  }
}

/**
 * The largest bundle, in UTF-8 bytes (never characters: a Chinese character is 3 bytes): a file
 * accepted on import or by the class hub, and a hand-in as its download carries it (the text as
 * a JSON string, handin.service.ts submit) — so its download stays within the 8 MiB reply cap
 * (MAX_RESPONSE_BYTES) with room for the rest of the reply.
 */
export const MAX_BUNDLE_BYTES = 7 * 1024 * 1024;
/** An answer's files together, in bytes: checked where a hand-in is made (handin.service.ts) and where it is filed (verifyBundle). */
export const MAX_ANSWER_FILES_BYTES = 4 * 1024 * 1024;
/** A size in MB with one decimal, as the too-large messages say it (1 MB = 1024 × 1024 bytes). */
export const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/** A hand-in larger than MAX_BUNDLE_BYTES, in words (the server's refusal, and the UI's in its own language). */
export function describeBundleSize(bytes: number, language: 'zh-CN' | 'en'): string {
  const size = `${megabytes(bytes)} (${bytes} bytes)`;
  const max = `${megabytes(MAX_BUNDLE_BYTES)} (${MAX_BUNDLE_BYTES} bytes)`;
  return language === 'zh-CN'
    ? `这份作业有 ${megabytes(bytes)}（${bytes} 字节），超过了上限 ${megabytes(MAX_BUNDLE_BYTES)}（${MAX_BUNDLE_BYTES} 字节）。请少交几个会话或更小的文件。`
    : `This hand-in is ${size}, more than the largest a hand-in may be, ${max}. Hand in fewer sessions or smaller files.`;
}
