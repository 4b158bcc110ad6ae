/**
 * One session, or all sessions of an assignment, as Markdown or JSON — for the student to keep.
 *
 * Written as a sequence of chunks read from the database a page at a time, so an assignment with
 * thousands of long sessions never sits in memory whole: the HTTP face streams the chunks as they
 * come, the CLI writes them to the file, IPC (the desktop owner, in-process) joins them.
 */
import type { Assignment, Language, Mode, Session, Turn } from '../../shared/api/schemas.ts';
import { ApiError } from '../../shared/errors.ts';
import { canSee, type Caller } from './caller.ts';
import type { Core } from './app.ts';
import type { ExportedFile } from './db/attachments.repo.ts';
import { isTitleCall } from '../../shared/transcript.ts';
import { dayOf } from './learner-summary.ts';

export interface ExportFile {
  filename: string;
  content_type: string;
  content: string;
}

/** An export ready to be written: its name and type are known, its content comes in chunks. */
export interface ExportStream {
  filename: string;
  content_type: string;
  chunks: Iterable<string>;
  /** The files its messages carry, each once, at the path the Markdown links (the CLI's `--attachments` writes them). */
  files(): Iterable<{ path: string; data: Buffer }>;
}

export interface ExportInput {
  session_id?: string | undefined;
  assignment_id?: string | undefined;
  format: 'md' | 'json';
  /** A JSON export with the files themselves (base64), as the route's query gives it ('1'/'true') or a boolean. */
  attachments?: boolean | '0' | '1' | 'true' | 'false' | undefined;
}

/**
 * The most bytes of files one export with attachments may carry (before base64, which adds a
 * third): an export is one JSON text, which the desktop app holds whole (IPC) and a browser saves
 * whole. Larger: payload_too_large, naming the size and the ways out.
 */
export const MAX_EXPORT_ATTACHMENT_BYTES = 64 * 1024 * 1024;

const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp', 'application/pdf': 'pdf' };

/** Where a file is linked from the Markdown, by its hash: `attachments/<sha256>.<ext>` (`studylog export --attachments` writes it there). */
export const attachmentPath = (sha256: string, mime: string) => `attachments/${sha256}.${EXTENSIONS[mime] ?? 'bin'}`;

/**
 * The Markdown's labels, in the settings' language (else Chinese), as the proxy picks the language
 * of its system prompts (SessionPolicy #language). The JSON export has no labels.
 */
const LABELS = {
  'zh-CN': {
    role: { user: '学生', assistant: '助手', system: '系统' } satisfies Record<Turn['role'], string>,
    mode: { chat: '聊天', homework: '作业辅导', deep_think: '深度思考' } satisfies Record<Mode, string>,
    status: { streaming: '回答中', aborted: '已停止', interrupted: '已中断，回答不完整', pending: '未发送', failed: '未获回答' } as Record<string, string>,
    session: (id: string) => `会话 ${id}`,
    fields: { session: '会话', mode: '模式', assignment: '作业', started: '开始', ended: '结束' },
    colon: '：',
    reasoning: '思考过程',
    version: (n: number, of: number) => `（第 ${n} 版，共 ${of} 版）`,
    attachments: '附件',
    pages: (n: number) => `${n} 页`,
  },
  en: {
    role: { user: 'Student', assistant: 'Assistant', system: 'System' } satisfies Record<Turn['role'], string>,
    mode: { chat: 'Chat', homework: 'Homework', deep_think: 'Deep think' } satisfies Record<Mode, string>,
    status: { streaming: 'still answering', aborted: 'stopped', interrupted: 'interrupted, the answer is incomplete', pending: 'not sent', failed: 'not answered' } as Record<
      string,
      string
    >,
    session: (id: string) => `Session ${id}`,
    fields: { session: 'Session', mode: 'Mode', assignment: 'Assignment', started: 'Started', ended: 'Ended' },
    colon: ': ',
    reasoning: 'Reasoning',
    version: (n: number, of: number) => ` (version ${n} of ${of})`,
    attachments: 'Attachments',
    pages: (n: number) => `${n} page${n === 1 ? '' : 's'}`,
  },
} satisfies Record<Language, unknown>;
type Labels = (typeof LABELS)[Language];

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A time as the student reads it: the local date and time where the server runs, with its UTC
 * offset (`2026-11-29 10:16 (UTC+08:00)`). One a Date cannot hold (a row written before the bounds
 * existed) is shown as its raw number rather than failing the whole export.
 */
const localTime = (ms: number | null) => {
  if (ms === null) return '—';
  const date = new Date(ms);
  if (Number.isNaN(date.getTime())) return String(ms);
  const offset = -date.getTimezoneOffset(); // minutes east of UTC, at that date (summer time)
  const zone = `UTC${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())} (${zone})`;
};
/** Letters (any script), digits, _ and - only, at most 60 characters; `fallback` when nothing is left. */
const safeName = (text: string, fallback = 'export') =>
  Array.from(text.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, ''))
    .slice(0, 60)
    .join('')
    .replace(/-+$/, '') || fallback;

/**
 * A session's file name (without extension): its title made safe for any file system, and the day
 * it started — "studylog-光合作用需要哪些条件-2026-11-29". The id only when it has no usable title.
 */
function sessionFileBase(session: Session): string {
  const title = typeof session.meta.title === 'string' ? safeName(session.meta.title, '') : '';
  return title ? `studylog-${title}-${dayOf(session.started_at)}` : `studylog-session-${session.id}`;
}

/**
 * One session in Markdown: every turn in the order written — every version of an edited message or
 * a regenerated answer included, each marked "(version 2 of 3)". The record of a title call
 * (a system turn, meta.purpose 'title') is usage, not conversation: left out.
 */
function* sessionMarkdown(session: Session, pages: Iterable<Turn[]>, versions: Map<string, { n: number; of: number }>, l: Labels): Generator<string> {
  const title = session.meta.title ?? l.session(session.id);
  const f = l.fields;
  yield [
    `## ${title}`,
    '',
    `- ${f.session}${l.colon}\`${session.id}\``,
    `- ${f.mode}${l.colon}${l.mode[session.mode]}`,
    `- ${f.assignment}${l.colon}${session.assignment_id ?? '—'}`,
    `- ${f.started}${l.colon}${localTime(session.started_at)}`,
    `- ${f.ended}${l.colon}${localTime(session.ended_at)}`,
    '',
  ].join('\n');
  for (const turns of pages) {
    const lines: string[] = [];
    for (const turn of turns) {
      if (isTitleCall(turn)) continue;
      const version = versions.get(turn.id);
      const status =
        typeof turn.meta.status === 'string' && turn.meta.status !== 'answered' && turn.meta.status !== 'complete' ? ` _(${l.status[turn.meta.status] ?? turn.meta.status})_` : '';
      lines.push(
        `### ${l.role[turn.role]}${version ? l.version(version.n, version.of) : ''} — ${localTime(turn.created_at)}${turn.model && turn.role === 'assistant' ? ` · ${turn.model}` : ''}${status}`,
        '',
      );
      if (turn.role === 'assistant' && turn.meta.reasoning) {
        lines.push(`<details><summary>${l.reasoning}</summary>`, '', turn.meta.reasoning, '', '</details>', '');
      }
      lines.push(turn.content, '');
      // Each file linked by its hash: the path `studylog export --attachments` writes it to, and
      // its key in a JSON export with attachments. The bytes stay in the database (and its backups).
      if (turn.role === 'user' && turn.meta.attachments?.length) {
        const files = turn.meta.attachments.map(
          (a) =>
            `[${a.name.replace(/[[\]\\]/g, '\\$&')}](${attachmentPath(a.sha256, a.mime)}) (${a.kind === 'pdf' ? `PDF, ${l.pages(a.pages ?? 0)}` : a.mime}, ${Math.ceil(a.bytes / 1024)} KB)`,
        );
        lines.push(`📎 ${l.attachments}${l.colon}${files.join('; ')}`, '');
      }
    }
    yield '\n' + lines.join('\n');
  }
}

/** JSON.stringify(value, null, 2) placed at an indentation level (JSON text has no raw newlines in strings). */
const pretty = (value: unknown, level: number) => JSON.stringify(value, null, 2).replace(/\n/g, '\n' + '  '.repeat(level));

/** Base64 is written in pieces of this many bytes (a multiple of 3, so the pieces join into one base64 text). */
const BASE64_PIECE = 3 * 256 * 1024;

/**
 * `"attachments": {sha256: {name, kind, mime, bytes, data}}` — each file once, its bytes base64 —
 * read a file at a time, and written a piece at a time. A file gone meanwhile (its session deleted
 * while the export ran) is left out.
 */
function* attachmentsJson(files: readonly ExportedFile[], dataOf: (sha256: string) => Buffer | null): Generator<string> {
  yield ',\n  "attachments": {';
  let first = true;
  for (const file of files) {
    const data = dataOf(file.sha256);
    if (!data) continue;
    const { sha256, name, kind, mime, bytes } = file;
    yield `${first ? '' : ','}\n    ${JSON.stringify(sha256)}: {\n      "name": ${JSON.stringify(name)},\n      "kind": ${JSON.stringify(kind)},\n      "mime": ${JSON.stringify(mime)},\n      "bytes": ${bytes},\n      "data": "`;
    first = false;
    for (let at = 0; at < data.length; at += BASE64_PIECE) yield data.subarray(at, at + BASE64_PIECE).toString('base64');
    yield '"\n    }';
  }
  yield first ? '}' : '\n  }';
}

/**
 * The same text as JSON.stringify({exported_at, assignment, sessions: [{session, turns}], attachments?}, null, 2),
 * written a page of turns at a time.
 */
function* exportJson(
  assignment: Assignment | null,
  sessions: Iterable<Session>,
  pagesOf: (id: string) => Iterable<Turn[]>,
  files: { list: readonly ExportedFile[]; dataOf: (sha256: string) => Buffer | null } | null,
): Generator<string> {
  yield `{\n  "exported_at": ${Date.now()},\n  "assignment": ${pretty(assignment, 1)},\n  "sessions": [`;
  let firstSession = true;
  for (const session of sessions) {
    yield `${firstSession ? '' : ','}\n    {\n      "session": ${pretty(session, 3)},\n      "turns": [`;
    firstSession = false;
    let firstTurn = true;
    for (const turns of pagesOf(session.id)) {
      yield turns.map((turn, i) => `${firstTurn && i === 0 ? '' : ','}\n        ${pretty(turn, 4)}`).join('');
      firstTurn = false;
    }
    yield firstTurn ? ']\n    }' : '\n      ]\n    }';
  }
  yield firstSession ? ']' : '\n  ]';
  if (files) yield* attachmentsJson(files.list, files.dataOf);
  yield '\n}';
}

/**
 * Opens an export: checks now what can be refused (no such session or assignment, not the caller's),
 * then reads the rows only as the chunks are taken.
 */
export function openExport(core: Core, caller: Caller, input: ExportInput): ExportStream {
  let sessionIds: string[];
  let assignment: Assignment | null = null;
  let single: Session | null = null;
  if (input.session_id) {
    single = core.sessions.getSessionById(input.session_id);
    if (!single || !canSee(caller, single.user_id)) throw new ApiError('not_found', `There is no session '${input.session_id}'.`);
    sessionIds = [single.id];
  } else {
    assignment = core.assignments.get(input.assignment_id!);
    // Only the ids are held (a few dozen bytes each); each session is read when its turn comes.
    sessionIds = [];
    for (let skip = 0; ; skip += 200) {
      const page = core.sessions.getSessionsByUserId(caller.user_id, { skip, limit: 200 }, { assignment_id: input.assignment_id! });
      for (const s of page.items) sessionIds.push(s.id);
      if (skip + 200 >= page.total || page.items.length === 0) break;
    }
    sessionIds.reverse(); // oldest first, as they happened
    if (!assignment && sessionIds.length === 0) throw new ApiError('not_found', `There is no assignment '${input.assignment_id}'.`);
  }
  // A session deleted while the export runs is left out.
  function* sessions(): Generator<Session> {
    for (const id of sessionIds) {
      const session = core.sessions.getSessionById(id);
      if (session) yield session;
    }
  }
  const pagesOf = (id: string) => core.turns.iterateTurnsBySessionId(id);
  const base = assignment ? `studylog-${safeName(assignment.title)}` : sessionFileBase(single!);
  const files = withAttachments(input) ? exportedFiles(core, input, sessionIds) : null;
  function* linked(): Generator<{ path: string; data: Buffer }> {
    for (const f of core.attachments.repo.ofSessions(sessionIds)) {
      const data = core.attachments.repo.data(f.sha256);
      if (data) yield { path: attachmentPath(f.sha256, f.mime), data };
    }
  }
  if (input.format === 'json') return { filename: `${base}.json`, content_type: 'application/json', chunks: exportJson(assignment, sessions(), pagesOf, files), files: linked };
  const labels = LABELS[core.settings.get().language ?? 'zh-CN'];
  function* markdown(): Generator<string> {
    if (assignment) {
      yield (
        [`# ${assignment.title}`, '', ...(assignment.subject ? [`${assignment.subject}`, ''] : []), ...(assignment.description ? [assignment.description, ''] : [])].join('\n') +
        '\n'
      );
    }
    let first = true;
    for (const session of sessions()) {
      if (!first) yield '\n';
      first = false;
      yield* sessionMarkdown(session, pagesOf(session.id), core.turns.versionNumbers(session.id), labels);
    }
  }
  return { filename: `${base}.md`, content_type: 'text/markdown; charset=utf-8', chunks: markdown(), files: linked };
}

const withAttachments = (input: ExportInput) => input.attachments === true || input.attachments === '1' || input.attachments === 'true';

/**
 * The files of an export with attachments, checked before the first byte: a JSON export only (the
 * Markdown links them by hash), and within MAX_EXPORT_ATTACHMENT_BYTES.
 */
function exportedFiles(core: Core, input: ExportInput, sessionIds: readonly string[]) {
  if (input.format !== 'json')
    throw new ApiError('validation_error', 'Invalid request: attachments: only a JSON export carries the files (the Markdown links each by its hash).', [
      { path: 'attachments', message: 'only with format=json' },
    ]);
  const list = core.attachments.repo.ofSessions(sessionIds);
  const total = list.reduce((sum, f) => sum + f.bytes, 0);
  if (total > MAX_EXPORT_ATTACHMENT_BYTES) {
    const mb = (n: number) => `${Math.ceil(n / (1024 * 1024))} MB`;
    throw new ApiError(
      'payload_too_large',
      `This export's ${list.length} attachments hold ${mb(total)}, more than the ${mb(MAX_EXPORT_ATTACHMENT_BYTES)} one export may carry: export fewer sessions at a time, or without attachments (the files stay in the database and its backups; the export names each by its hash).`,
    );
  }
  return { list, dataOf: (sha256: string) => core.attachments.repo.data(sha256) };
}

/** The whole export as one string (IPC, where the desktop owner's own process holds it). */
export function exportSessions(core: Core, caller: Caller, input: ExportInput): ExportFile {
  const { filename, content_type, chunks } = openExport(core, caller, input);
  let content = '';
  for (const chunk of chunks) content += chunk;
  return { filename, content_type, content };
}
