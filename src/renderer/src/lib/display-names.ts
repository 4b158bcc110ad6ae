/**
 * Names the server writes itself, shown in the UI's language. The stored names stay as they are
 * (scripts and the CLI's `token list` read them); only their display is translated.
 */

import { SERVER_TOKEN_NAMES } from '../../../shared/token-names.ts';

/** Each server-made token name's display key: a name added there without one here is a type error. */
const DISPLAY_KEYS = {
  [SERVER_TOKEN_NAMES.signinLink]: 'tokens.known.browserSignin',
  [SERVER_TOKEN_NAMES.firstAdmin]: 'tokens.known.firstAdmin',
} as const satisfies Record<(typeof SERVER_TOKEN_NAMES)[keyof typeof SERVER_TOKEN_NAMES], string>;

type DisplayKey = (typeof DISPLAY_KEYS)[keyof typeof DISPLAY_KEYS] | 'users.owner';
type Translate = (key: DisplayKey) => string;

/** A token's name: a server-made one in the UI's language, a person's as they typed it. */
export function tokenDisplayName(name: string, t: Translate): string {
  const key = (DISPLAY_KEYS as Record<string, DisplayKey>)[name];
  return key ? t(key) : name;
}

/**
 * A user's name: the installation's owner (the admin the server creates as 'owner' on first start,
 * UsersRepo.ensureOwner) is "this computer's owner" in the UI's language; anyone else as named.
 */
export function userDisplayName(user: { name: string; role: string }, t: Translate): string {
  return hasDefaultName(user) ? t('users.owner') : user.name;
}

/**
 * What the sidebar says under a user's name. An admin here is, on a student's own laptop, the
 * installation's owner (the admin by role): "this computer's owner", never "admin" — and nothing
 * while the name line already says it (hasDefaultName). Students and teachers by their role.
 */
export function userRoleLabel(user: { name: string; role: string }, t: (key: 'users.owner' | `roles.${'student' | 'teacher' | 'admin'}`) => string): string | null {
  if (user.role === 'admin') return hasDefaultName(user) ? null : t('users.owner');
  return t(`roles.${user.role as 'student' | 'teacher'}`);
}

/**
 * The owner has not given their name yet (still the 'owner' ensureOwner made): Settings → Account
 * asks for it, and so does the first hand-in (a hand-in carries its student's name).
 */
export function hasDefaultName(user: { name: string; role: string }): boolean {
  return user.name === 'owner' && user.role === 'admin';
}
