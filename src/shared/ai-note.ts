/**
 * The AI-use note's counted lines — the ones Studylog writes (handin/bundle.ts suggestAiNote):
 * "工具：…", "时间：…，提问 N 次", "最高提示级别：…" (and their English). A note is the student's
 * text and may be edited freely, but these lines are counts: written when the draft was made, they
 * go stale as the student keeps asking ("提问 2 次" beside a 9-message transcript, tryout 8).
 * refreshNoteCounts brings just those lines up to date — while they are still as Studylog wrote them
 * (a student's own words after "时间：" stay) — and leaves every other line as it is.
 */

/** How each counted line starts (the suggestion's own wording, both languages). */
export const NOTE_COUNT_PREFIXES = ['工具：', '时间：', '最高提示级别：', 'Tool: ', 'When: ', 'Highest hint level: '] as const;

const prefixOf = (line: string) => NOTE_COUNT_PREFIXES.find((p) => line.startsWith(p)) ?? null;

/**
 * Whether `line` is still as Studylog wrote it: the fresh line's words with any numbers (counts,
 * dates). "时间：周日晚上，大约 40 分钟" or "最高提示级别：3（第 3 级只用了一次）" is the student's.
 */
function sameShape(line: string, fresh: string): boolean {
  // The unanswered messages' remark comes and goes with the counts: not part of the shape.
  const UNANSWERED = /（另有 \d+ 条消息没有得到回答）$| \(and \d+ message\(s\) that got no answer\)$/;
  line = line.replace(UNANSWERED, '');
  const shape = fresh
    .replace(UNANSWERED, '')
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\d+/g, '\\d+');
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
