/**
 * The class hub's words the renderer uses as values: what a class's and a student's QR code hold,
 * a join code as typed, a locked code's wait, the roster import's header issue. Free of zod, so
 * the join form and the dashboard can import it (the first load carries no zod:
 * tests/e2e/bundle.test.ts).
 */

/**
 * What a class's QR code holds: `studylog-class:<code>` (the code alone also works); a student's
 * own QR code adds their roster entry: `studylog-class:<code>?no=<student number>&key=<join code>`.
 */
export const CLASS_QR_PREFIX = 'studylog-class:';

/** A join code as typed: case, spaces and dashes dropped (it is shown as ABCD-EFGH). */
export function normalizeJoinCode(input: string): string {
  return input.replace(/[\s-]+/g, '').toUpperCase();
}

/** The class code, and a student's number and join code if the text is a student's QR code. */
export function parseClassQr(input: string): { code: string; student_no?: string; join_code?: string } {
  const trimmed = input.trim();
  const body = trimmed.toLowerCase().startsWith(CLASS_QR_PREFIX) ? trimmed.slice(CLASS_QR_PREFIX.length) : trimmed;
  const at = body.indexOf('?');
  const code = (at < 0 ? body : body.slice(0, at)).replace(/\s+/g, '').toUpperCase();
  if (at < 0) return { code };
  const query = new URLSearchParams(body.slice(at + 1));
  const no = query.get('no')?.trim();
  const key = query.get('key');
  return { code, ...(no ? { student_no: no } : {}), ...(key ? { join_code: normalizeJoinCode(key) } : {}) };
}

/** What a student's own QR code holds. */
export function studentQrText(classCode: string, studentNo: string, joinCode: string): string {
  return `${CLASS_QR_PREFIX}${classCode}?${new URLSearchParams({ no: studentNo, key: joinCode }).toString()}`;
}

/**
 * A join code locked after too many wrong tries: the hub's refusal (join_code_locked) carries the
 * wait as an issue at this path, `params: { minutes, locked_until }` (whole minutes left, at least
 * 1; epoch ms), which the desktop's join form says in the student's language. Its English detail
 * says it too (lockedWaitText), for people and scripts.
 */
export const JOIN_CODE_LOCKED_ISSUE = 'join_code.locked';
export const lockedWaitText = (minutes: number): string => `try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;

/**
 * The minutes a locked join code waits, from the refusal's structured field; from the English
 * detail only for a hub from before that field; null for any other error.
 */
export function lockedWaitMinutes(
  error: { code: string; detail?: string | undefined; issues?: { path: string; params?: Record<string, string | number> | undefined }[] | undefined } | null | undefined,
): number | null {
  if (error?.code !== 'join_code_locked') return null;
  const minutes = error.issues?.find((i) => i.path === JOIN_CODE_LOCKED_ISSUE)?.params?.minutes;
  if (typeof minutes === 'number' && Number.isFinite(minutes)) return minutes;
  const match = /try again in (\d+) minutes?/.exec(error.detail ?? '');
  return match ? Number(match[1]) : null;
}

/** The issue path of a roster whose header names no student number or name column (params.found: its cells, quoted). */
export const ROSTER_HEADER_ISSUE = 'roster.header';

/**
 * The fields an assignment's AI policy may have (AssignmentPolicySchema in api/schemas.ts, a strict
 * object: the hub refuses any other) and those of its allowance, as plain data for the dashboard;
 * tests/unit/hub-text.test.ts checks they are the schema's.
 */
export const POLICY_FIELDS = ['allowed_modes', 'hint_ceiling', 'allowed_models', 'allowance', 'opens_at', 'closes_at', 'context', 'share_sessions'] as const;
export const ALLOWANCE_FIELDS = ['tokens', 'cost'] as const;

/**
 * A stored policy without the fields the schema does not know (a script's typo, a field of a newer
 * or older Studylog), and their names (`allowance.x` for one inside the allowance): the dashboard
 * drops them when it edits the assignment, saying so, since the hub would refuse the whole policy.
 */
export function withoutUnknownPolicyFields(policy: Record<string, unknown>): { policy: Record<string, unknown>; dropped: string[] } {
  const known = new Set<string>(POLICY_FIELDS);
  const dropped = Object.keys(policy).filter((k) => !known.has(k));
  const kept = Object.fromEntries(Object.entries(policy).filter(([k]) => known.has(k)));
  const allowance = kept.allowance;
  if (allowance && typeof allowance === 'object' && !Array.isArray(allowance)) {
    const inner = new Set<string>(ALLOWANCE_FIELDS);
    const entries = Object.entries(allowance as Record<string, unknown>);
    dropped.push(...entries.filter(([k]) => !inner.has(k)).map(([k]) => `allowance.${k}`));
    kept.allowance = Object.fromEntries(entries.filter(([k]) => inner.has(k)));
  }
  return { policy: kept, dropped };
}

/** The most a daily token allowance may be (a billion: far beyond any day's use). */
export const DAILY_TOKENS_MAX = 1_000_000_000;
/**
 * A daily token allowance as a teacher types it (the dashboard, `studylog hub allowance set`), or
 * null when it is not one: digits only — full-width ones (an IME's １２００) and thousands
 * separators (5,000, 5，000, spaces) accepted — from 0 to DAILY_TOKENS_MAX.
 */
export function parseDailyTokens(text: string): number | null {
  const digits = text.normalize('NFKC').replace(/[,\s_]/g, '');
  if (!/^\d{1,10}$/.test(digits)) return null;
  const n = Number(digits);
  return n <= DAILY_TOKENS_MAX ? n : null;
}
