/**
 * A teacher's file: a bare array of assignments, or `{"assignments": [...]}`. A file that is not
 * JSON at all and a JSON file of another shape are told apart, so the message can say which.
 */
export function importPayload(text: string): { assignments: unknown[] } | { error: 'not_json' | 'no_list' } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, '')); // Windows editors may save a BOM
  } catch {
    return { error: 'not_json' };
  }
  if (Array.isArray(parsed)) return { assignments: parsed };
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { assignments?: unknown }).assignments)) {
    return { assignments: (parsed as { assignments: unknown[] }).assignments };
  }
  return { error: 'no_list' };
}

/** An id the server made (a UUID) means nothing to a student; one a teacher chose (`hw_001`) does. */
export const isGeneratedId = (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);

/** The short example shown under "file format" on the assignments page. */
export const IMPORT_EXAMPLE = `[
  {
    "id": "hw_001",
    "title": "二次函数练习",
    "subject": "数学",
    "description": "完成第 3–8 题，求 $y = x^2 - 4x + 3$ 的顶点。",
    "due_at": "2026-12-10"
  }
]`;
