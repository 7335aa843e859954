/** Accounts as both stores keep them: people, their live sign-in sessions, the audit log. */
import type { AuditEntry, AuditPage, Role } from '../../../../shared/accounts.js';
import type { SignInSessionRecord, UserRecord } from '../account-types.js';

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled_at: number | null;
}

/** A person as everyone but the password check sees them: whether they have a password, not its hash. */
export function userOf(row: UserRow): UserRecord {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, disabledAt: row.disabled_at, hasPassword: row.password_hash !== null };
}

/** A sign-in session joined to its person (users.* beside the session's times). */
export interface SignInSessionRow extends UserRow {
  session_created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export const SIGN_IN_SESSION_COLUMNS = 'users.*, s.created_at AS session_created_at, s.last_seen_at, s.expires_at';

export function signInSessionOf(row: SignInSessionRow): SignInSessionRecord {
  return { user: userOf(row), createdAt: row.session_created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at };
}

export const AUDIT_COLUMNS = 'id, at, actor, action, target, address, detail';

/** A page of the audit log from up to limit + 1 rows, newest first (the extra row says there is more). */
export function auditPageOf(rows: readonly AuditEntry[], limit: number): AuditPage {
  const items = rows.slice(0, limit).map((row) => ({ ...row }));
  return { items, nextBeforeId: rows.length > limit ? items[items.length - 1]!.id : null };
}
