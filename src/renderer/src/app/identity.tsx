/**
 * Who is signed in and how this renderer reaches the server: fixed for as long as the signed-in
 * shell lives (signing in again remounts it).
 */
import { createContext, useContext, type ReactNode } from 'react';
import type { User } from '../../../shared/api/schemas.ts';
import type { TransportKind } from './api.ts';

export interface Identity {
  me: User;
  isAdmin: boolean;
  transport: TransportKind;
  /** Signs out (HTTP only; the desktop owner has no sign-in). */
  signOut: (() => void) | null;
}

const IdentityContext = createContext<Identity | null>(null);

export function IdentityProvider({ me, transport, signOut, children }: Omit<Identity, 'isAdmin'> & { children: ReactNode }) {
  return <IdentityContext.Provider value={{ me, isAdmin: me.role === 'admin', transport, signOut }}>{children}</IdentityContext.Provider>;
}

export function useIdentity(): Identity {
  const value = useContext(IdentityContext);
  if (!value) throw new Error('useIdentity outside IdentityProvider');
  return value;
}
