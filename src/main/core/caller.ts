import type { UserRole } from '../../shared/api/schemas.ts';

/** Who is calling: the desktop owner over IPC, or the user behind an HTTP bearer token. */
export interface Caller {
  user_id: string;
  role: UserRole;
  name?: string;
  token_id?: string;
}

/** The seed's rule for sessions and turns: the owner, or an admin. */
export function canSee(caller: Caller, ownerId: string): boolean {
  return caller.user_id === ownerId || caller.role === 'admin';
}
