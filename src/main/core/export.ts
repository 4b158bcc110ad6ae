/** One session, or all sessions of an assignment, as Markdown or JSON — for the student to keep. */
import type { Assignment, Session, Turn } from '../../shared/api/schemas.ts';
import { ApiError } from '../../shared/errors.ts';
import { canSee, type Caller } from './caller.ts';
import type { Core } from './app.ts';

export interface ExportFile {
  filename: string;
  content_type: string;
  content: string;
}

const ROLE_LABEL: Record<Turn['role'], string> = { user: 'Student · 学生', assistant: 'Assistant · 助手', system: 'System · 系统' };

const iso = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const safeName = (text: string) => text.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'export';

function sessionMarkdown(session: Session, turns: Turn[]): string {
  const title = typeof session.meta.title === 'string' ? session.meta.title : `Session ${session.id}`;
  const lines = [
    `## ${title}`,
    '',
    `- session: \`${session.id}\``,
    `- mode: ${session.mode}`,
    `- assignment: ${session.assignment_id ?? '—'}`,
    `- started: ${iso(session.started_at)}  ended: ${iso(session.ended_at)}`,
    '',
  ];
  for (const turn of turns) {
    const status = typeof turn.meta.status === 'string' && turn.meta.status !== 'answered' && turn.meta.status !== 'complete' ? ` _(${turn.meta.status})_` : '';
    lines.push(`### ${ROLE_LABEL[turn.role]} — ${iso(turn.created_at)}${turn.model && turn.role === 'assistant' ? ` · ${turn.model}` : ''}${status}`, '');
    if (typeof turn.meta.reasoning === 'string' && turn.meta.reasoning) {
      lines.push('<details><summary>Reasoning · 思考过程</summary>', '', turn.meta.reasoning, '', '</details>', '');
    }
    lines.push(turn.content, '');
  }
  return lines.join('\n');
}

export function exportSessions(core: Core, caller: Caller, input: { session_id?: string | undefined; assignment_id?: string | undefined; format: 'md' | 'json' }): ExportFile {
  let sessions: Session[];
  let assignment: Assignment | null = null;
  if (input.session_id) {
    const session = core.sessions.getSessionById(input.session_id);
    if (!session || !canSee(caller, session.user_id)) throw new ApiError('not_found', `There is no session '${input.session_id}'.`);
    sessions = [session];
  } else {
    assignment = core.assignments.get(input.assignment_id!);
    sessions = [];
    for (let skip = 0; ; skip += 200) {
      const page = core.sessions.getSessionsByUserId(caller.user_id, { skip, limit: 200 }, { assignment_id: input.assignment_id! });
      sessions.push(...page.items);
      if (skip + 200 >= page.total) break;
    }
    sessions.reverse(); // oldest first, as they happened
    if (!assignment && sessions.length === 0) throw new ApiError('not_found', `There is no assignment '${input.assignment_id}'.`);
  }
  const withTurns = sessions.map((session) => ({ session, turns: core.turns.getTurnsBySessionId(session.id) }));
  const base = assignment ? `studylog-${safeName(assignment.title)}` : `studylog-session-${sessions[0]!.id}`;
  if (input.format === 'json') {
    return { filename: `${base}.json`, content_type: 'application/json', content: JSON.stringify({ exported_at: Date.now(), assignment, sessions: withTurns }, null, 2) };
  }
  const header = assignment
    ? [`# ${assignment.title}`, '', ...(assignment.subject ? [`${assignment.subject}`, ''] : []), ...(assignment.description ? [assignment.description, ''] : [])]
    : [];
  return { filename: `${base}.md`, content_type: 'text/markdown; charset=utf-8', content: [...header, ...withTurns.map((s) => sessionMarkdown(s.session, s.turns))].join('\n') };
}
