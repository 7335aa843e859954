/** Accounts as read: people, a sign-in link's owner, a live sign-in session, the audit log. */
import { userNameKey, type AuditEntry, type AuditPage } from '../../../../../shared/accounts.js';
import type { SignInSessionRecord, UserCredentials, UserRecord } from '../../account-types.js';
import { statement, type ReadableDB } from '../database.js';
import { AUDIT_COLUMNS, auditPageOf, SIGN_IN_SESSION_COLUMNS, signInSessionOf, userOf, type SignInSessionRow, type UserRow } from '../../rows/accounts.js';

export function userRowByName(db: ReadableDB, name: string): UserRow | undefined {
  return statement(db, 'SELECT * FROM users WHERE name_key = ?').get(userNameKey(name)) as UserRow | undefined;
}

export function listUsers(db: ReadableDB): UserRecord[] {
  return (statement(db, 'SELECT * FROM users ORDER BY name_key').all() as UserRow[]).map(userOf);
}

export function userCredentials(db: ReadableDB, name: string): UserCredentials | null {
  const row = userRowByName(db, name);
  return row ? { user: userOf(row), passwordHash: row.password_hash } : null;
}

/** The person a link signs in, while it is unused, unexpired and their account enabled. */
export function signInLinkUser(db: ReadableDB, options: { tokenHash: string; now: number }): UserRecord | null {
  const row = statement(
    db,
    `SELECT users.* FROM sign_in_links JOIN users ON users.id = sign_in_links.user_id
     WHERE sign_in_links.token_hash = ? AND sign_in_links.expires_at > ? AND users.disabled_at IS NULL`,
  ).get(options.tokenHash, options.now) as UserRow | undefined;
  return row ? userOf(row) : null;
}

/** A sign-in session still within both limits (idle and absolute), for an enabled account. */
export function signInSession(db: ReadableDB, options: { tokenHash: string; now: number; idleMs: number }): SignInSessionRecord | null {
  const row = statement(
    db,
    `SELECT ${SIGN_IN_SESSION_COLUMNS}
     FROM sign_in_sessions AS s JOIN users ON users.id = s.user_id
     WHERE s.token_hash = ? AND s.expires_at > @now AND s.last_seen_at > @now - @idleMs AND users.disabled_at IS NULL`,
  ).get(options.tokenHash, { now: options.now, idleMs: options.idleMs }) as SignInSessionRow | undefined;
  return row ? signInSessionOf(row) : null;
}

export function auditLog(db: ReadableDB, options: { beforeId?: number | undefined; limit: number }): AuditPage {
  const rows = statement(db, `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`).all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit + 1) as AuditEntry[];
  return auditPageOf(rows, options.limit);
}
