/**
 * A new session is named after its first message, here on the server, in the same write that
 * creates it: every client (the desktop app, a browser, a script over HTTP) then sees the same
 * title, and none has to rename the session after the fact. Renaming later is `PATCH /sessions/{id}`.
 */

/** Longest title derived from a message, in characters (code points), the ellipsis included. */
export const DERIVED_TITLE_MAX = 60;

/** The message on one line, cut to DERIVED_TITLE_MAX with an ellipsis; null when it is blank. */
export function sessionTitleFrom(message: string): string | null {
  const oneLine = message.replace(/\s+/g, ' ').trim();
  if (!oneLine) return null;
  // By code points, so a cut never splits an emoji or a rare CJK character in two.
  const chars = Array.from(oneLine);
  return chars.length > DERIVED_TITLE_MAX ? `${chars.slice(0, DERIVED_TITLE_MAX - 1).join('')}…` : oneLine;
}

/** What a new session's meta gets from its first message: `{ title }`, or nothing for a blank one. */
export function titleMeta(message: string): { title: string } | Record<string, never> {
  const title = sessionTitleFrom(message);
  return title ? { title } : {};
}
