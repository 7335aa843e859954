/** Accounts as read (sqlite/reads/accounts.ts in PostgreSQL): people, a sign-in link's owner, a live sign-in session, the audit log. */
import { userNameKey, type AuditEntry, type AuditPage } from '../../../../../shared/accounts.js';
import type { SignInSessionRecord, UserCredentials, UserRecord } from '../../account-types.js';
import { all, one, type Db } from '../db.js';
import { AUDIT_COLUMNS, auditPageOf, SIGN_IN_SESSION_COLUMNS, signInSessionOf, userOf, type SignInSessionRow, type UserRow } from '../../rows/accounts.js';

/** With `lock`, the row stays locked until the transaction ends (a write checks, then changes it). */
export function userRowByName(db: Db, name: string, lock = false): Promise<UserRow | undefined> {
  return one<UserRow>(db, `SELECT * FROM users WHERE name_key = ?${lock ? ' FOR UPDATE' : ''}`, [userNameKey(name)]);
}

export async function listUsers(db: Db): Promise<UserRecord[]> {
  return (await all<UserRow>(db, 'SELECT * FROM users ORDER BY name_key')).map(userOf);
}

export async function userCredentials(db: Db, name: string): Promise<UserCredentials | null> {
  const row = await userRowByName(db, name);
  return row ? { user: userOf(row), passwordHash: row.password_hash } : null;
}

/** The person a link signs in, while it is unused, unexpired and their account enabled. */
export async function signInLinkUser(db: Db, options: { tokenHash: string; now: number }): Promise<UserRecord | null> {
  const row = await one<UserRow>(
    db,
    `SELECT users.* FROM sign_in_links JOIN users ON users.id = sign_in_links.user_id
     WHERE sign_in_links.token_hash = ? AND sign_in_links.expires_at > ? AND users.disabled_at IS NULL`,
    [options.tokenHash, options.now],
  );
  return row ? userOf(row) : null;
}

/** A sign-in session still within both limits (idle and absolute), for an enabled account. */
export async function signInSession(db: Db, options: { tokenHash: string; now: number; idleMs: number }): Promise<SignInSessionRecord | null> {
  const row = await one<SignInSessionRow>(
    db,
    `SELECT ${SIGN_IN_SESSION_COLUMNS}
     FROM sign_in_sessions AS s JOIN users ON users.id = s.user_id
     WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ? AND users.disabled_at IS NULL`,
    [options.tokenHash, options.now, options.now - options.idleMs],
  );
  return row ? signInSessionOf(row) : null;
}

export async function auditLog(db: Db, options: { beforeId?: number | undefined; limit: number }): Promise<AuditPage> {
  const rows = await all<AuditEntry>(db, `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`, [
    options.beforeId ?? Number.MAX_SAFE_INTEGER,
    options.limit + 1,
  ]);
  return auditPageOf(rows, options.limit);
}
