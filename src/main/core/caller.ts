import type { UserRole } from '../../shared/api/schemas.ts';

/** Who is calling: the desktop owner over IPC, or the user behind an HTTP bearer token. */
export interface Caller {
  user_id: string;
  role: UserRole;
  name?: string;
  token_id?: string;
  /**
   * The installation's owner at this machine: IPC calls always; over HTTP only with a token that
   * was issued on this machine to the owner (UsersRepo.issueLocalOwnerToken) AND a request from
   * a loopback address. Only such a caller may change where keys are sent (a provider's origin
   * or key reference) and the server's exposure (LAN, CORS, port, on/off); admins included,
   * everyone else gets `forbidden`. Absent means false.
   */
  local_owner?: boolean;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (::ffff:127.0.0.1): this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

/** The seed's rule for sessions and turns: the owner, or an admin. */
export function canSee(caller: Caller, ownerId: string): boolean {
  return caller.user_id === ownerId || caller.role === 'admin';
}
