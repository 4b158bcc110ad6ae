/**
 * Names the server writes itself, shown in the UI's language. The stored names stay as they are
 * (scripts and the CLI's `token list` read them); only their display is translated.
 */

/** Token names the server gives the tokens it makes (src/main/cli.ts, the sign-in exchange). */
const SERVER_TOKEN_NAMES = {
  'browser sign-in (one-time link)': 'tokens.known.browserSignin',
  'first admin token (studylog serve)': 'tokens.known.firstAdmin',
} as const;

type DisplayKey = (typeof SERVER_TOKEN_NAMES)[keyof typeof SERVER_TOKEN_NAMES] | 'users.owner';
type Translate = (key: DisplayKey) => string;

/** A token's name: a server-made one in the UI's language, a person's as they typed it. */
export function tokenDisplayName(name: string, t: Translate): string {
  const key = (SERVER_TOKEN_NAMES as Record<string, DisplayKey>)[name];
  return key ? t(key) : name;
}

/**
 * A user's name: the installation's owner (the admin the server creates as 'owner' on first start,
 * UsersRepo.ensureOwner) is "this computer's owner" in the UI's language; anyone else as named.
 */
export function userDisplayName(user: { name: string; role: string }, t: Translate): string {
  return user.name === 'owner' && user.role === 'admin' ? t('users.owner') : user.name;
}
