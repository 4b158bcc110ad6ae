/**
 * The class hub's QR codes and join codes as text: what a class's and a student's QR code hold,
 * and a join code as typed. Free of zod, so the renderer's join form can use it (the first load
 * carries no zod: tests/e2e/bundle.test.ts).
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
