/** Accounts as read: people, a sign-in link's owner, a live sign-in session, the audit log. */
import { userNameKey, type AuditEntry, type AuditPage, type Role } from '../../../../../shared/accounts.js';
import type { SignInSessionRecord, UserCredentials, UserRecord } from '../../account-types.js';
import { statement, type ReadableDB } from '../database.js';

export interface UserRow {
  id: number;
  name: string;
  role: Role;
  password_hash: string | null;
  created_at: number;
  disabled_at: number | null;
}

export function userOf(row: UserRow): UserRecord {
  return { id: row.id, name: row.name, role: row.role, createdAt: row.created_at, disabledAt: row.disabled_at, hasPassword: row.password_hash !== null };
}

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
    `SELECT users.*, s.created_at AS session_created_at, s.last_seen_at, s.expires_at
     FROM sign_in_sessions AS s JOIN users ON users.id = s.user_id
     WHERE s.token_hash = ? AND s.expires_at > @now AND s.last_seen_at > @now - @idleMs AND users.disabled_at IS NULL`,
  ).get(options.tokenHash, { now: options.now, idleMs: options.idleMs }) as (UserRow & { session_created_at: number; last_seen_at: number; expires_at: number }) | undefined;
  return row ? { user: userOf(row), createdAt: row.session_created_at, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at } : null;
}

interface AuditRow { id: number; at: number; actor: string; action: AuditEntry['action']; target: string | null; address: string | null; detail: string | null }

export function auditLog(db: ReadableDB, options: { beforeId?: number | undefined; limit: number }): AuditPage {
  const rows = statement(db, 'SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(options.beforeId ?? Number.MAX_SAFE_INTEGER, options.limit + 1) as AuditRow[];
  const items = rows.slice(0, options.limit).map((row) => ({ ...row }));
  return { items, nextBeforeId: rows.length > options.limit ? items[items.length - 1]!.id : null };
}
