/**
 * The names the server gives the tokens it makes itself. Stored as they are (scripts and the
 * CLI's `token list` read them); the app shows them in the UI's language (display-names.ts).
 */
export const SERVER_TOKEN_NAMES = {
  /** Minted when a sign-in link is used; signing out revokes it. */
  signinLink: 'browser sign-in (one-time link)',
  /** Printed once by the first `studylog serve` of a data directory. */
  firstAdmin: 'first admin token (studylog serve)',
} as const;
