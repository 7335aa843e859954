/**
 * The signed-in person, for the views: they hide what this person's role may not do. The engine
 * refuses those calls anyway; hiding them only spares people buttons that would fail.
 */
import { createContext, useContext } from 'react';
import { mayCall, type SignedInUser } from '../../shared/accounts';
import type { ArchiveMethod } from '../../shared/api';

const SignedInContext = createContext<SignedInUser | null>(null);

export const SignedInProvider = SignedInContext.Provider;

export function useSignedIn(): SignedInUser | null {
  return useContext(SignedInContext);
}

/** Without accounts (the desktop app, the single-user token) everything is allowed. */
export function useMayCall(method: ArchiveMethod): boolean {
  const user = useContext(SignedInContext);
  return user === null || mayCall(user.role, method);
}
