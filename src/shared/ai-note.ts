/**
 * The AI-use note's wording — its one home: handin/bundle.ts suggestAiNote writes the note with
 * `noteLines`, and refreshNoteCounts below reads the lines it wrote by the same words.
 *
 * The counted lines — "工具：…", "时间：…，提问 N 次", "最高提示级别：…" (and their English). A note is
 * the student's text and may be edited freely, but these lines are counts: written when the draft
 * was made, they go stale as the student keeps asking ("提问 2 次" beside a 9-message transcript,
 * tryout 8). refreshNoteCounts brings just those lines up to date — while they are still as
 * Studylog wrote them (a student's own words after "时间：" stay) — and leaves every other line as it is.
 *
 * Plain strings and functions (no zod): the renderer imports this module.
 */
import type { Language } from './api/schemas.ts';

/** What the suggested note counts (handin/bundle.ts summarize). */
export interface NoteCounts {
  /** The models, joined ("gpt-4o-mini, deepseek-chat"), or "—". */
  models: string;
  /** The day, or "first – last", or "—". */
  dates: string;
  sessions: number;
  /** The student's messages that got an answer (shared/transcript.ts messageCounts). */
  asked: number;
  /** Those that got none (refused, or failed and never retried). */
  unanswered: number;
  highest_hint_level: number | null;
  worked_solution: boolean;
}

/** Each language's words of the note; every counted line starts with its `prefix`. */
const NOTE_WORDS = {
  'zh-CN': {
    prefix: { tool: '工具：', when: '时间：', highest: '最高提示级别：' },
    tool: (models: string) => `Studylog（${models}）`,
    when: (c: NoteCounts) => `${c.dates}，${c.sessions} 个会话，提问 ${c.asked} 次`,
    unanswered: (n: number | string) => `（另有 ${n} 条消息没有得到回答）`,
    worked: '（得到了完整解答）',
    how: '我是这样使用 AI 的：',
    noAi: '这次作业我没有使用 AI。',
  },
  en: {
    prefix: { tool: 'Tool: ', when: 'When: ', highest: 'Highest hint level: ' },
    tool: (models: string) => `Studylog (${models})`,
    when: (c: NoteCounts) => `${c.dates}, ${c.sessions} session(s), ${c.asked} question(s)`,
    unanswered: (n: number | string) => ` (and ${n} message(s) that got no answer)`,
    worked: ' (a worked solution was given)',
    how: 'How I used it:',
    noAi: 'I did not use AI for this assignment.',
  },
} as const satisfies Record<Language, unknown>;

/** The note a student starts from (null counts: no AI used): the counted lines, then the line they continue. */
export function noteLines(counts: NoteCounts | null, language: Language): string[] {
  const w = NOTE_WORDS[language];
  if (!counts) return [w.noAi];
  return [
    `${w.prefix.tool}${w.tool(counts.models)}`,
    `${w.prefix.when}${w.when(counts)}${counts.unanswered ? w.unanswered(counts.unanswered) : ''}`,
    `${w.prefix.highest}${counts.highest_hint_level ?? '—'}${counts.worked_solution ? w.worked : ''}`,
    w.how,
  ];
}

/** How each counted line starts (the suggestion's own wording, both languages). */
export const NOTE_COUNT_PREFIXES = Object.values(NOTE_WORDS).flatMap((w) => [w.prefix.tool, w.prefix.when, w.prefix.highest]);

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * The remarks at a line's end that come and go with the counts, in either language: the unanswered
 * messages' (any count) and the worked solution's. Not part of a line's shape.
 */
const REMARKS = new RegExp(
  `(${Object.values(NOTE_WORDS)
    .flatMap((w) => [escapeRegExp(w.unanswered('\u0000')).replace('\u0000', '\\d+'), escapeRegExp(w.worked)])
    .join('|')})$`,
);

const prefixOf = (line: string) => NOTE_COUNT_PREFIXES.find((p) => line.startsWith(p)) ?? null;

/**
 * Whether `line` is still as Studylog wrote it: the fresh line's words with any numbers (counts,
 * dates). "时间：周日晚上，大约 40 分钟" or "最高提示级别：3（第 3 级只用了一次）" is the student's.
 */
function sameShape(line: string, fresh: string): boolean {
  line = line.replace(REMARKS, '');
  const shape = escapeRegExp(fresh.replace(REMARKS, '')).replace(/\d+/g, '\\d+');
  return new RegExp(`^${shape}$`).test(line);
}

/**
 * `note` with each counted line replaced by the suggestion's line of the same start, and the lines
 * that changed (as they are now). A note without such a line (the student rewrote it, or wrote it in
 * the other language) is left as it is.
 */
export function refreshNoteCounts(note: string, suggestion: string): { note: string; changed: string[] } {
  const fresh = new Map<string, string>();
  for (const line of suggestion.split('\n')) {
    const prefix = prefixOf(line);
    if (prefix) fresh.set(prefix, line);
  }
  const changed: string[] = [];
  const lines = note.split('\n').map((line) => {
    const prefix = prefixOf(line);
    const now = prefix ? fresh.get(prefix) : undefined;
    if (now === undefined || now === line || !sameShape(line, now)) return line;
    changed.push(now);
    return now;
  });
  return { note: changed.length ? lines.join('\n') : note, changed };
}
