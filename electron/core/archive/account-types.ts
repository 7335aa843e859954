/** The store's records for accounts: people, their one-time sign-in links, sign-in sessions, the audit log. */
import type { AuditAction, Role } from '../../../shared/accounts.js';

export interface UserRecord {
  id: number;
  name: string;
  role: Role;
  createdAt: number;
  /** Set while the account is disabled: it cannot sign in, and its sessions were ended. */
  disabledAt: number | null;
  /** False until the person has set a password through their sign-in link. */
  hasPassword: boolean;
}

/** For checking a sign-in: the stored scrypt hash ("scrypt$N$r$p$salt$hash"), or null before one is set. */
export interface UserCredentials {
  user: UserRecord;
  passwordHash: string | null;
}

export interface AddUserInput {
  name: string;
  role: Role;
  at: number;
}

/** Only the SHA-256 of a link's or a session's token is stored: a copy of the archive signs no one in. */
export interface SignInLinkInput {
  userName: string;
  tokenHash: string;
  at: number;
  expiresAt: number;
}

export interface RedeemLinkInput {
  tokenHash: string;
  passwordHash: string;
  /** The sign-in session the redeeming browser gets. */
  session: { tokenHash: string; expiresAt: number };
  now: number;
}

export interface SignInSessionInput {
  userId: number;
  tokenHash: string;
  at: number;
  /** The absolute end; the idle limit is applied when the session is looked up. */
  expiresAt: number;
}

export interface SignInSessionRecord {
  user: UserRecord;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface AuditInput {
  at: number;
  actor: string;
  action: AuditAction;
  target?: string | null | undefined;
  address?: string | null | undefined;
  detail?: string | null | undefined;
}
