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
 * The wait of a join code locked after too many wrong tries, as the hub's (English) detail says it,
 * and read back from that detail by the desktop's join form, which says it in the student's language.
 */
export const lockedWaitText = (minutes: number): string => `try again in ${minutes} minute${minutes === 1 ? '' : 's'}`;
export function lockedWaitMinutes(detail: string | undefined): number | null {
  const match = /try again in (\d+) minutes?/.exec(detail ?? '');
  return match ? Number(match[1]) : null;
}

/** The issue path of a roster whose header names no student number or name column (params.found: its cells, quoted). */
export const ROSTER_HEADER_ISSUE = 'roster.header';
