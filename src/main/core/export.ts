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
}

export interface ExportInput {
  session_id?: string | undefined;
  assignment_id?: string | undefined;
  format: 'md' | 'json';
}

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
const safeName = (text: string) =>
  text
    .replace(/[^\p{L}\p{N}_-]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60) || 'export';

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
      if (turn.role === 'system' && turn.meta.purpose === 'title') continue;
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
      // The files themselves stay in the database (and so in its backups): named here, with their SHA-256.
      if (turn.role === 'user' && turn.meta.attachments?.length) {
        const files = turn.meta.attachments.map(
          (a) => `${a.name} (${a.kind === 'pdf' ? `PDF, ${l.pages(a.pages ?? 0)}` : a.mime}, ${Math.ceil(a.bytes / 1024)} KB, sha256 ${a.sha256.slice(0, 12)}…)`,
        );
        lines.push(`📎 ${l.attachments}${l.colon}${files.join('; ')}`, '');
      }
    }
    yield '\n' + lines.join('\n');
  }
}

/** JSON.stringify(value, null, 2) placed at an indentation level (JSON text has no raw newlines in strings). */
const pretty = (value: unknown, level: number) => JSON.stringify(value, null, 2).replace(/\n/g, '\n' + '  '.repeat(level));

/**
 * The same text as JSON.stringify({exported_at, assignment, sessions: [{session, turns}]}, null, 2),
 * written a page of turns at a time.
 */
function* exportJson(assignment: Assignment | null, sessions: Iterable<Session>, pagesOf: (id: string) => Iterable<Turn[]>): Generator<string> {
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
  yield firstSession ? ']\n}' : '\n  ]\n}';
}

/**
 * Opens an export: checks now what can be refused (no such session or assignment, not the caller's),
 * then reads the rows only as the chunks are taken.
 */
export function openExport(core: Core, caller: Caller, input: ExportInput): ExportStream {
  let sessionIds: string[];
  let assignment: Assignment | null = null;
  if (input.session_id) {
    const session = core.sessions.getSessionById(input.session_id);
    if (!session || !canSee(caller, session.user_id)) throw new ApiError('not_found', `There is no session '${input.session_id}'.`);
    sessionIds = [session.id];
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
  const base = assignment ? `studylog-${safeName(assignment.title)}` : `studylog-session-${sessionIds[0]}`;
  if (input.format === 'json') return { filename: `${base}.json`, content_type: 'application/json', chunks: exportJson(assignment, sessions(), pagesOf) };
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
  return { filename: `${base}.md`, content_type: 'text/markdown; charset=utf-8', chunks: markdown() };
}

/** The whole export as one string (IPC, where the desktop owner's own process holds it). */
export function exportSessions(core: Core, caller: Caller, input: ExportInput): ExportFile {
  const { filename, content_type, chunks } = openExport(core, caller, input);
  let content = '';
  for (const chunk of chunks) content += chunk;
  return { filename, content_type, content };
}
