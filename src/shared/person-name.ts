/**
 * A person's display name — written once for every place that takes one: the class hub's roster
 * (a teacher adds a student, a roster import, a student joining), the desktop's `PATCH /me` and a
 * new user's token (schemas.ts), and the name form of Settings → 账户 and the hand-in dialog
 * (renderer settings/NameForm.tsx). The hub link fills a desktop's name form with the roster's
 * name, so the two sides must take the same names: a roster name longer than the desktop's limit
 * used to be filled in and then refused.
 *
 * Plain constants (no zod): the renderer imports this module.
 */

/** The longest display name, in characters (UTF-16 units, as zod's and `<input maxLength>` count). 200: what hub rows may already hold. */
export const PERSON_NAME_MAX_CHARS = 200;

/** Why `name` cannot be a display name ('empty', 'too_long'), or null: it can. Trimmed first, as the schemas trim. */
export function personNameProblem(name: string): 'empty' | 'too_long' | null {
  const trimmed = name.trim();
  if (!trimmed) return 'empty';
  return trimmed.length > PERSON_NAME_MAX_CHARS ? 'too_long' : null;
}
