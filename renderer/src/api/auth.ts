/**
 * Signing in and out of the archive window on the office network (`serve` with accounts). These
 * are not ArchiveApi methods: they come before there is anyone to call the API as. In the desktop
 * app (IPC), and with any other transport, there are no accounts.
 */
import type { SignedInUser } from '../../../shared/accounts';
import type { ApiErrorBody } from '../../../shared/api';
import { ApiCallError, getApi, isHttpApi } from './client';

export interface AuthState {
  /** token: the single-user window (desktop, or `serve` without accounts). */
  mode: 'accounts' | 'token';
  user: SignedInUser | null;
}

/** Fired by the HTTP client when a call comes back 401: the session ended (idle, signed out elsewhere, disabled). */
export const SIGNED_OUT_EVENT = 'archive:unauthorized';

async function post<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch {
    throw new ApiCallError('The archive is not answering. Is `callaider-archive serve` still running?', 'network', null);
  }
  const answer = (await response.json().catch(() => null)) as (Partial<ApiErrorBody> & T) | null;
  if (!response.ok) throw new ApiCallError(answer?.error ?? `HTTP ${response.status}`, answer?.code ?? 'failed', response.status);
  return answer as T;
}

export async function authState(): Promise<AuthState> {
  if (!isHttpApi(getApi())) return { mode: 'token', user: null };
  const response = await fetch('/auth/state', { credentials: 'same-origin' });
  if (!response.ok) return { mode: 'token', user: null };
  return (await response.json()) as AuthState;
}

export async function signIn(name: string, password: string): Promise<SignedInUser> {
  return (await post<{ user: SignedInUser }>('/auth/sign-in', { name, password })).user;
}

export async function signOut(): Promise<void> {
  await post('/auth/sign-out', {});
}

/** Whom a one-time link is for; rejects when it is not valid any more. */
export async function linkUser(link: string): Promise<SignedInUser> {
  return (await post<{ user: SignedInUser }>('/auth/link', { link })).user;
}

export async function setPassword(link: string, password: string): Promise<SignedInUser> {
  return (await post<{ user: SignedInUser }>('/auth/set-password', { link, password })).user;
}
