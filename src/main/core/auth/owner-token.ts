/**
 * Issues a long-lived API token for the installation's owner, on this machine: the first admin
 * token `studylog serve` prints, and the token a one-time sign-in code is exchanged for.
 * The one place that decides how an owner token is made (kept apart so the repository's
 * owner-token function can take over in one edit).
 */
import type { Core } from '../app.ts';

export function issueOwnerToken(core: Core, name: string): string {
  return core.users.createToken({ name, user_id: core.owner.id }).token;
}
