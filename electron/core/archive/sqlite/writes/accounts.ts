/**
 * Accounts as written, each inside one writer transaction. The last enabled owner can be neither
 * disabled nor removed: an archive nobody can manage would need its files edited by hand.
 */
import { userNameKey, userNameProblem } from '../../../../../shared/accounts.js';
import type { AddUserInput, AuditInput, RedeemLinkInput, SignInLinkInput, SignInSessionInput, UserRecord } from '../../account-types.js';
import { InvalidEditError, NotFoundError } from '../../errors.js';
import { statement, type ReadableDB, type WritableDB } from '../database.js';
import { signInLinkUser, userRowByName } from '../reads/accounts.js';
import { userOf, type UserRow } from '../../rows/accounts.js';

const read = (db: WritableDB) => db as unknown as ReadableDB;

function existing(db: WritableDB, name: string): UserRow {
  const row = userRowByName(read(db), name);
  if (!row) throw new NotFoundError(`There is no account named "${name}".`);
  return row;
}

function byId(db: WritableDB, id: number): UserRecord {
  return userOf(statement(db, 'SELECT * FROM users WHERE id = ?').get(id) as UserRow);
}

export function addUser(db: WritableDB, input: AddUserInput): UserRecord {
  const problem = userNameProblem(input.name);
  if (problem) throw new InvalidEditError(problem);
  if (userRowByName(read(db), input.name)) throw new InvalidEditError(`There is already an account named "${input.name}" (names are compared ignoring case).`);
  const { lastInsertRowid } = statement(db, 'INSERT INTO users (name, name_key, role, created_at) VALUES (?, ?, ?, ?)').run(input.name, userNameKey(input.name), input.role, input.at);
  return byId(db, Number(lastInsertRowid));
}

/** A new one-time link; the person's earlier links stop working. */
export function createSignInLink(db: WritableDB, input: SignInLinkInput): UserRecord {
  const row = existing(db, input.userName);
  if (row.disabled_at !== null) throw new InvalidEditError(`The account "${row.name}" is disabled; it cannot get a sign-in link.`);
  statement(db, 'DELETE FROM sign_in_links WHERE user_id = ?').run(row.id);
  statement(db, 'INSERT INTO sign_in_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)').run(input.tokenHash, row.id, input.at, input.expiresAt);
  return userOf(row);
}

/** Uses a link once: sets the password, voids the person's links, starts a sign-in session. */
export function redeemSignInLink(db: WritableDB, input: RedeemLinkInput): UserRecord | null {
  const user = signInLinkUser(read(db), { tokenHash: input.tokenHash, now: input.now });
  statement(db, 'DELETE FROM sign_in_links WHERE token_hash = ?').run(input.tokenHash);
  if (!user) return null;
  statement(db, 'UPDATE users SET password_hash = ? WHERE id = ?').run(input.passwordHash, user.id);
  statement(db, 'DELETE FROM sign_in_links WHERE user_id = ?').run(user.id);
  // A new password ends the sessions started with the old one.
  statement(db, 'DELETE FROM sign_in_sessions WHERE user_id = ?').run(user.id);
  startSignInSession(db, { userId: user.id, tokenHash: input.session.tokenHash, at: input.now, expiresAt: input.session.expiresAt });
  return byId(db, user.id);
}

/** Also forgets sessions past their absolute end, so the table holds only live ones and recent idle ones. */
export function startSignInSession(db: WritableDB, input: SignInSessionInput): void {
  statement(db, 'DELETE FROM sign_in_sessions WHERE expires_at <= ?').run(input.at);
  statement(db, 'DELETE FROM sign_in_links WHERE expires_at <= ?').run(input.at);
  statement(db, 'INSERT INTO sign_in_sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)').run(
    input.tokenHash,
    input.userId,
    input.at,
    input.at,
    input.expiresAt,
  );
}

export function touchSignInSession(db: WritableDB, input: { tokenHash: string; at: number }): void {
  statement(db, 'UPDATE sign_in_sessions SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?').run(input.at, input.tokenHash);
}

export function endSignInSession(db: WritableDB, tokenHash: string): boolean {
  return statement(db, 'DELETE FROM sign_in_sessions WHERE token_hash = ?').run(tokenHash).changes > 0;
}

function refuseLastOwner(db: WritableDB, row: UserRow, doing: string): void {
  if (row.role !== 'owner' || row.disabled_at !== null) return;
  const owners = (statement(db, "SELECT count(*) AS n FROM users WHERE role = 'owner' AND disabled_at IS NULL").get() as { n: number }).n;
  if (owners <= 1) throw new InvalidEditError(`"${row.name}" is the last owner: ${doing} would leave nobody who can manage the archive. Add another owner first.`);
}

/** Disabled: cannot sign in; sessions and links end now. The account and its name stay (notes keep their author). */
export function disableUser(db: WritableDB, input: { name: string; at: number }): UserRecord {
  const row = existing(db, input.name);
  refuseLastOwner(db, row, 'disabling them');
  if (row.disabled_at === null) statement(db, 'UPDATE users SET disabled_at = ? WHERE id = ?').run(input.at, row.id);
  statement(db, 'DELETE FROM sign_in_sessions WHERE user_id = ?').run(row.id);
  statement(db, 'DELETE FROM sign_in_links WHERE user_id = ?').run(row.id);
  return byId(db, row.id);
}

export function removeUser(db: WritableDB, name: string): UserRecord {
  const row = existing(db, name);
  refuseLastOwner(db, row, 'removing them');
  statement(db, 'DELETE FROM users WHERE id = ?').run(row.id);
  return userOf(row);
}

export function recordAudit(db: WritableDB, input: AuditInput): void {
  statement(db, 'INSERT INTO audit_log (at, actor, action, target, address, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    input.at,
    input.actor,
    input.action,
    input.target ?? null,
    input.address ?? null,
    input.detail ?? null,
  );
}
