/**
 * The `.studylog` hand-in bundle (format `studylog.handin`, version 1, or 2 with answer files):
 * build and sign it, verify it, summarize it. README "Hand-in and review" documents the format:
 *
 * - The turns of every session handed in, every version included, in (session order, created_at,
 *   id) order, form ONE hash chain (chain.ts): each turn carries `prev_hash` and
 *   `hash = sha256(prev_hash + canonicalJson(turn fields))`; the first prev_hash is 64 zeros and
 *   `chain_head` is the last hash.
 * - `signature` is Ed25519 (by `public_key`) over canonicalJson(the bundle without `signature`
 *   and `file_data`): it covers the chain head and everything else (answer, note, student,
 *   assignment, and in version 2 the answer's files by name, type, size and sha256).
 * - Version 2 carries each answer file's bytes in `file_data` (sha256 → base64), checked against
 *   the signed sha256: the signature stays over a small text, and a changed file is named as such.
 * - Verification says exactly what does not match: a turn changed (its hash no longer fits), a
 *   turn missing (a prev_hash that names no turn of the bundle), turns rearranged (a prev_hash
 *   naming another turn of the bundle), the end cut off (chain_head), the signature, or a key other
 *   than the one on record for the student.
 */
import { createHash } from 'node:crypto';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  BUNDLE_VERSION_NO_FILES,
  BundleSchema,
  MAX_ANSWER_FILES_BYTES,
  type AnswerFile,
  type Bundle,
  type BundleProblem,
  type BundleSession,
  type BundleTurn,
  type HandinSummary,
  type Verification,
} from '../../../shared/api/handin.ts';
import type { Assignment, Language, Session, Turn } from '../../../shared/api/schemas.ts';
import { noteLines } from '../../../shared/ai-note.ts';
import { answeredMessages, isFlagged, messageCounts, transcriptTurns, unansweredCode, unsentLabel, versionNumbers } from '../../../shared/transcript.ts';
import { canonicalJson, chainTurn, GENESIS_HASH, turnHash, type ChainTurn } from './chain.ts';
import { keyFingerprint, signText, verifyText, type SigningKey } from './signing.ts';

/** A turn row as the chain sees it: parent_id is null until turns have versions (another column). */
export function toChainTurn(turn: Turn): ChainTurn {
  const parent = (turn as { parent_id?: unknown }).parent_id;
  return chainTurn({ ...turn, parent_id: typeof parent === 'string' ? parent : null, meta: turn.meta as Record<string, unknown> });
}

export function bundleSession(session: Session, turns: Turn[]): { session: BundleSession['session']; turns: ChainTurn[] } {
  const models = session.policy_snapshot.models ?? (session.policy_snapshot.model ? [session.policy_snapshot.model] : []);
  return {
    session: {
      id: session.id,
      assignment_id: session.assignment_id,
      mode: session.mode,
      started_at: session.started_at,
      ended_at: session.ended_at,
      title: session.meta.title ?? null,
      models: [...new Set([...models, ...turns.flatMap((t) => (t.role === 'assistant' && t.model ? [t.model] : []))])],
    },
    turns: turns.map(toChainTurn),
  };
}

/** Chains the turns of the sessions in order: prev_hash and hash on every turn. */
export function chainSessions(sessions: { session: BundleSession['session']; turns: ChainTurn[] }[]): { sessions: BundleSession[]; head: string } {
  let prev = GENESIS_HASH;
  const chained = sessions.map(({ session, turns }) => ({
    session,
    turns: turns.map((turn): BundleTurn => {
      const hash = turnHash(prev, turn);
      const out = { ...turn, prev_hash: prev, hash };
      prev = hash;
      return out;
    }),
  }));
  return { sessions: chained, head: prev };
}

export interface BundleInput {
  assignment: Pick<Assignment, 'id' | 'title' | 'subject' | 'due_at'>;
  student: { id: string; name: string };
  submission: { id: string; submitted_at: number; late: boolean };
  sessions: { session: BundleSession['session']; turns: ChainTurn[] }[];
  answer: string;
  /** The answer's files, in order, with their bytes (none: a version 1 bundle). */
  files?: (Omit<AnswerFile, 'sha256' | 'bytes'> & { data: Buffer })[];
  note: string;
  language: Language;
}

type Unsigned<B> = B extends unknown ? Omit<B, 'signature'> : never;

/** The text that is signed: the bundle without its signature and its files' bytes, as canonical JSON. */
export function signedText(bundle: Unsigned<Bundle> | Bundle): string {
  const { signature: _signature, file_data: _data, ...rest } = bundle as Bundle & { file_data?: unknown };
  return canonicalJson(rest);
}

export const sha256Hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export function buildBundle(input: BundleInput, key: SigningKey, now = Date.now()): Bundle {
  const { sessions, head } = chainSessions(input.sessions);
  const files = input.files ?? [];
  // Named by the hash of the bytes that travel, whatever the caller said.
  const answerFiles: AnswerFile[] = files.map((f) => ({ sha256: sha256Hex(f.data), name: f.name, kind: f.kind, mime: f.mime, bytes: f.data.length }));
  const common = {
    format: BUNDLE_FORMAT,
    created_at: now,
    assignment: { id: input.assignment.id, title: input.assignment.title, subject: input.assignment.subject, due_at: input.assignment.due_at },
    student: input.student,
    submission: input.submission,
    sessions,
    transcript_md: transcriptMarkdown(input.assignment.title, input.student.name, sessions, input.answer, answerFiles, input.note, input.language),
    answer: input.answer,
    note: input.note,
    chain_head: head,
    public_key: key.publicKey,
  } as const;
  // Without files, exactly the version 1 format (an older Studylog reads it); with files, version 2.
  const unsigned: Unsigned<Bundle> = files.length
    ? {
        ...common,
        version: BUNDLE_VERSION,
        answer_files: answerFiles,
        file_data: Object.fromEntries(files.map((f, i) => [answerFiles[i]!.sha256, f.data.toString('base64')])),
      }
    : { ...common, version: BUNDLE_VERSION_NO_FILES };
  return { ...unsigned, signature: signText(key.privateKey, signedText(unsigned)) } as Bundle;
}

/** The bytes of one of a bundle's answer files, if it carries them (unchecked: verifyBundle checks them). */
export function bundleFileData(bundle: Bundle, sha256: string): Buffer | null {
  if (bundle.version !== 2 || !Object.hasOwn(bundle.file_data, sha256)) return null;
  return Buffer.from(bundle.file_data[sha256]!, 'base64');
}

/** The bundle as the file holds it: canonical JSON (so its bytes, and their hash, are stable). */
export function bundleText(bundle: Bundle): string {
  return canonicalJson(bundle);
}

export const bundleHash = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface VerifyResult {
  verification: Verification;
  /** The parsed bundle when its shape was right (even if its chain or signature is not). */
  bundle: Bundle | null;
}

/**
 * Checks a bundle's text: its shape, every link of the chain, its end, its signature and, when
 * the student's key is on record, that it is that key. Never throws on bad input.
 */
export function verifyBundle(text: string, options: { knownKey?: string | null; now?: number } = {}): VerifyResult {
  const checked_at = options.now ?? Date.now();
  const fail = (problem: BundleProblem): VerifyResult => ({
    verification: { ok: false, problems: [problem], key_fingerprint: null, sessions: 0, turns: 0, chain_head: null, checked_at },
    bundle: null,
  });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // A file cut short ends inside a value: the parser reaches the end of the text still expecting more.
    const message = error instanceof Error ? error.message : '';
    const trimmed = text.trimStart();
    return fail({ code: trimmed.startsWith('{') && /end of (JSON )?input|Unterminated|Expected/i.test(message) ? 'truncated' : 'invalid_json' });
  }
  if (raw && typeof raw === 'object' && (raw as { format?: unknown }).format === BUNDLE_FORMAT) {
    const version = (raw as { version?: unknown }).version;
    if (typeof version === 'number' && version > BUNDLE_VERSION) return fail({ code: 'unsupported_version', field: String(version) });
  }
  const parsed = BundleSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail({ code: 'not_a_bundle', field: issue.path.map(String).join('.') || '(file)' });
  }
  const bundle = parsed.data;
  const problems: BundleProblem[] = [];
  const allHashes = new Set(bundle.sessions.flatMap((s) => s.turns.map((t) => t.hash)));
  let prev = GENESIS_HASH;
  let turns = 0;
  bundle.sessions.forEach((s, si) => {
    s.turns.forEach((turn, ti) => {
      turns++;
      const where = { session_index: si + 1, session_id: s.session.id, turn_index: ti + 1, turn_id: turn.id };
      const { prev_hash, hash, ...fields } = turn;
      if (prev_hash !== prev) {
        // The turn it follows is elsewhere in the bundle (moved), or nowhere (removed).
        problems.push({ code: allHashes.has(prev_hash) ? 'order_changed' : 'turn_missing', ...where });
      } else if (turn.session_id !== s.session.id) {
        problems.push({ code: 'order_changed', ...where });
      }
      if (turnHash(prev_hash, fields) !== hash) problems.push({ code: 'turn_changed', ...where });
      prev = hash;
    });
  });
  if (prev !== bundle.chain_head) problems.push({ code: 'end_missing' });
  if (bundle.version === 2) {
    bundle.answer_files.forEach((file, i) => {
      const where = { file_index: i + 1, field: file.name, sha256: file.sha256 };
      const data = bundleFileData(bundle, file.sha256);
      if (!data) problems.push({ code: 'file_missing', ...where });
      else if (data.length !== file.bytes || sha256Hex(data) !== file.sha256 || data.toString('base64') !== bundle.file_data[file.sha256])
        problems.push({ code: 'file_changed', ...where });
    });
    // What the student's app never hands in (handin.service.ts refuses it when it is made): the
    // hub's file route then serves only what this bound allows.
    const bytes = bundle.answer_files.reduce((sum, file) => sum + file.bytes, 0);
    if (bytes > MAX_ANSWER_FILES_BYTES) problems.push({ code: 'files_too_large', bytes });
  }
  if (!verifyText(bundle.public_key, signedText(bundle), bundle.signature)) problems.push({ code: 'signature_invalid' });
  if (options.knownKey && options.knownKey !== bundle.public_key) problems.push({ code: 'key_mismatch' });
  return {
    verification: {
      ok: problems.length === 0,
      problems,
      key_fingerprint: keyFingerprint(bundle.public_key),
      sessions: bundle.sessions.length,
      turns,
      chain_head: bundle.chain_head,
      checked_at,
    },
    bundle,
  };
}

// ---------------------------------------------------------------------------------------------
// What the teacher's summary card and the AI-use note are made of.

type AnyTurn = Pick<ChainTurn, 'id' | 'role' | 'parent_id' | 'created_at' | 'tokens_in' | 'tokens_out' | 'cost' | 'meta' | 'model'>;

const hintLevel = (turn: AnyTurn): number | null => {
  const level = turn.meta.hint_level;
  return typeof level === 'number' && Number.isInteger(level) && level >= 1 && level <= 5 ? level : null;
};

export function summarize(sessions: { session: { models: string[] }; turns: AnyTurn[] }[]): HandinSummary {
  // Tokens and cost count every call, the title calls' too; the messages are the conversation's.
  const calls = sessions.flatMap((s) => s.turns);
  const turns = transcriptTurns(calls);
  let highest: number | null = null;
  let highestAt: number | null = null;
  const parents = new Map<string, number>();
  let flagged = 0;
  for (const turn of turns) {
    const level = turn.role === 'assistant' ? hintLevel(turn) : null;
    if (level !== null && (highest === null || level > highest)) {
      highest = level;
      highestAt = turn.created_at;
    }
    if (turn.role === 'assistant' && turn.parent_id) parents.set(turn.parent_id, (parents.get(turn.parent_id) ?? 0) + 1);
    if (isFlagged(turn)) flagged++;
  }
  const times = turns.map((t) => t.created_at);
  return {
    sessions: sessions.length,
    turns: turns.length,
    ...messageCounts(turns),
    first_at: times.length ? Math.min(...times) : null,
    last_at: times.length ? Math.max(...times) : null,
    highest_hint_level: highest,
    highest_hint_at: highestAt,
    worked_solution: highest === 5,
    regenerations: [...parents.values()].reduce((sum, n) => sum + (n - 1), 0),
    flagged,
    tokens_in: calls.reduce((sum, t) => sum + t.tokens_in, 0),
    tokens_out: calls.reduce((sum, t) => sum + t.tokens_out, 0),
    cost: calls.reduce((sum, t) => sum + t.cost, 0),
    title_calls: calls.length - turns.length,
    models: [...new Set(sessions.flatMap((s) => s.session.models))],
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
const day = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};
const time = (ms: number) => {
  const d = new Date(ms);
  return `${day(ms)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

/** The AI-use note a student starts from: the tool, models, dates and hint levels, to edit (its words: shared/ai-note.ts). */
export function suggestAiNote(sessions: { session: { models: string[] }; turns: AnyTurn[] }[], language: Language): string {
  const s = summarize(sessions);
  if (s.turns === 0) return noteLines(null, language).join('\n');
  const dates = s.first_at !== null && s.last_at !== null ? (day(s.first_at) === day(s.last_at) ? day(s.first_at) : `${day(s.first_at)} – ${day(s.last_at)}`) : '—';
  // The questions, counted as the transcript's heading counts them (summary.asked): a message
  // refused before the model saw it (the allowance used up, the hint ceiling reached) or failed and
  // never retried has no answer under it, and is said apart (summary.unanswered).
  return noteLines(
    {
      models: s.models.length ? s.models.join(', ') : '—',
      dates,
      sessions: s.sessions,
      asked: s.asked,
      unanswered: s.unanswered,
      highest_hint_level: s.highest_hint_level,
      worked_solution: s.worked_solution,
    },
    language,
  ).join('\n');
}

function transcriptMarkdown(title: string, student: string, sessions: BundleSession[], answer: string, files: AnswerFile[], note: string, language: Language): string {
  const zh = language === 'zh-CN';
  const role = (r: string) =>
    (zh
      ? ({ user: '学生', assistant: '助手', system: '系统' } as Record<string, string>)[r]
      : ({ user: 'Student', assistant: 'Assistant', system: 'System' } as Record<string, string>)[r]) ?? r;
  const out = [`# ${title}`, '', `${zh ? '学生' : 'Student'}: ${student}`, ''];
  sessions.forEach((s, i) => {
    out.push(`## ${s.session.title ?? (zh ? `会话 ${i + 1}` : `Session ${i + 1}`)}`, '');
    const versions = versionNumbers(s.turns);
    const answered = answeredMessages(s.turns);
    // Title calls are usage, not conversation (shared/transcript.ts).
    for (const t of transcriptTurns(s.turns)) {
      const level = t.role === 'assistant' ? hintLevel(t) : null;
      const v = versions.get(t.id);
      const version = v ? (zh ? `（第 ${v.n} 版，共 ${v.of} 版）` : ` (version ${v.n} of ${v.of})`) : '';
      const flag = isFlagged(t) ? (zh ? ' · ⚠ 可能直接给出了答案' : ' · ⚠ may give the final answer') : '';
      // A message that got no answer is marked, not shown as an ordinary question (tryout 8).
      const code = unansweredCode(t, answered);
      const unsent = code === null ? '' : ` · ${unsentLabel(code, language)}`;
      out.push(
        `### ${role(t.role)}${version} — ${time(t.created_at)}${t.model && t.role === 'assistant' ? ` · ${t.model}` : ''}${level ? ` · ${zh ? '提示级别' : 'hint level'} ${level}` : ''}${flag}${unsent}`,
        '',
        t.content,
        '',
      );
    }
  });
  out.push(`## ${zh ? '答案' : 'Answer'}`, '', answer || '—', '');
  if (files.length) {
    out.push(`${zh ? '附件' : 'Files'}:`, '', ...files.map((f) => `- ${f.name} (${f.mime}, ${f.bytes} bytes, sha256 ${f.sha256})`), '');
  }
  out.push(`## ${zh ? 'AI 使用说明' : 'AI-use note'}`, '', note || '—', '');
  return out.join('\n');
}
