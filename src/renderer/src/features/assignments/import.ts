/** A teacher's file: a bare array of assignments, or `{"assignments": [...]}`. */
export function importPayload(text: string): { assignments: unknown[] } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, '')); // Windows editors may save a BOM
  } catch {
    return null;
  }
  if (Array.isArray(parsed)) return { assignments: parsed };
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { assignments?: unknown }).assignments)) {
    return { assignments: (parsed as { assignments: unknown[] }).assignments };
  }
  return null;
}
