/**
 * Accounts as written (sqlite/writes/accounts.ts in PostgreSQL), each inside one writer
 * transaction. Several hubs write here at once, so what SQLite's single writer gives for free is
 * made explicit: the unique name key decides between two hubs adding one name, a link is used by
 * the one DELETE that removes it, and the enabled owners are locked while the last-owner rule is
 * checked (two hubs disabling the two last owners cannot both pass).
 */
import { userNameKey, userNameProblem } from '../../../../../shared/accounts.js';
import type { AddUserInput, AuditInput, RedeemLinkInput, SignInLinkInput, SignInSessionInput, UserRecord } from '../../account-types.js';
import { InvalidEditError, NotFoundError } from '../../errors.js';
import { all, one, run, type Db } from '../db.js';
import { userRowByName } from '../reads/accounts.js';
import { userOf, type UserRow } from '../../rows/accounts.js';

/** With `lock`, the row stays locked until COMMIT (a link is not handed out while another hub disables the account). */
async function existing(db: Db, name: string, lock = false): Promise<UserRow> {
  const row = await userRowByName(db, name, lock);
  if (!row) throw new NotFoundError(`There is no account named "${name}".`);
  return row;
}

async function byId(db: Db, id: number): Promise<UserRecord> {
  return userOf((await one<UserRow>(db, 'SELECT * FROM users WHERE id = ?', [id]))!);
}

export async function addUser(db: Db, input: AddUserInput): Promise<UserRecord> {
  const problem = userNameProblem(input.name);
  if (problem) throw new InvalidEditError(problem);
  const row = await one<UserRow>(db, 'INSERT INTO users (name, name_key, role, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING RETURNING *', [
    input.name,
    userNameKey(input.name),
    input.role,
    input.at,
  ]);
  if (!row) throw new InvalidEditError(`There is already an account named "${input.name}" (names are compared ignoring case).`);
  return userOf(row);
}

/** A new one-time link; the person's earlier links stop working. */
export async function createSignInLink(db: Db, input: SignInLinkInput): Promise<UserRecord> {
  const row = await existing(db, input.userName, true);
  if (row.disabled_at !== null) throw new InvalidEditError(`The account "${row.name}" is disabled; it cannot get a sign-in link.`);
  await run(db, 'DELETE FROM sign_in_links WHERE user_id = ?', [row.id]);
  await run(db, 'INSERT INTO sign_in_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)', [input.tokenHash, row.id, input.at, input.expiresAt]);
  return userOf(row);
}

/**
 * Uses a link once: sets the password, voids the person's links, starts a sign-in session. The
 * DELETE … RETURNING is the use: of two hubs redeeming one link, only one gets its row.
 */
export async function redeemSignInLink(db: Db, input: RedeemLinkInput): Promise<UserRecord | null> {
  const link = await one<{ user_id: number; expires_at: number }>(db, 'DELETE FROM sign_in_links WHERE token_hash = ? RETURNING user_id, expires_at', [input.tokenHash]);
  if (!link || link.expires_at <= input.now) return null;
  const user = await one<UserRow>(db, 'SELECT * FROM users WHERE id = ? AND disabled_at IS NULL FOR UPDATE', [link.user_id]);
  if (!user) return null;
  await run(db, 'UPDATE users SET password_hash = ? WHERE id = ?', [input.passwordHash, user.id]);
  await run(db, 'DELETE FROM sign_in_links WHERE user_id = ?', [user.id]);
  // A new password ends the sessions started with the old one.
  await run(db, 'DELETE FROM sign_in_sessions WHERE user_id = ?', [user.id]);
  await startSignInSession(db, { userId: user.id, tokenHash: input.session.tokenHash, at: input.now, expiresAt: input.session.expiresAt });
  return byId(db, user.id);
}

/** Also forgets sessions past their absolute end, so the table holds only live ones and recent idle ones. */
export async function startSignInSession(db: Db, input: SignInSessionInput): Promise<void> {
  await run(db, 'DELETE FROM sign_in_sessions WHERE expires_at <= ?', [input.at]);
  await run(db, 'DELETE FROM sign_in_links WHERE expires_at <= ?', [input.at]);
  await run(db, 'INSERT INTO sign_in_sessions (token_hash, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)', [
    input.tokenHash,
    input.userId,
    input.at,
    input.at,
    input.expiresAt,
  ]);
}

export async function touchSignInSession(db: Db, input: { tokenHash: string; at: number }): Promise<void> {
  await run(db, 'UPDATE sign_in_sessions SET last_seen_at = greatest(last_seen_at, ?) WHERE token_hash = ?', [input.at, input.tokenHash]);
}

export async function endSignInSession(db: Db, tokenHash: string): Promise<boolean> {
  return (await run(db, 'DELETE FROM sign_in_sessions WHERE token_hash = ?', [tokenHash])) > 0;
}

/**
 * Locks every enabled owner (in id order, so two hubs cannot deadlock on them): a second hub's
 * check waits for this transaction and then counts what it left.
 */
async function refuseLastOwner(db: Db, row: UserRow, doing: string): Promise<void> {
  if (row.role !== 'owner') return;
  const owners = await all<{ id: number }>(db, "SELECT id FROM users WHERE role = 'owner' AND disabled_at IS NULL ORDER BY id FOR UPDATE");
  if (owners.some((owner) => owner.id === row.id) && owners.length <= 1) throw new InvalidEditError(`"${row.name}" is the last owner: ${doing} would leave nobody who can manage the archive. Add another owner first.`);
}

/** Disabled: cannot sign in; sessions and links end now. The account and its name stay (notes keep their author). */
export async function disableUser(db: Db, input: { name: string; at: number }): Promise<UserRecord> {
  const row = await existing(db, input.name);
  await refuseLastOwner(db, row, 'disabling them');
  if (row.disabled_at === null) await run(db, 'UPDATE users SET disabled_at = ? WHERE id = ?', [input.at, row.id]);
  await run(db, 'DELETE FROM sign_in_sessions WHERE user_id = ?', [row.id]);
  await run(db, 'DELETE FROM sign_in_links WHERE user_id = ?', [row.id]);
  return byId(db, row.id);
}

export async function removeUser(db: Db, name: string): Promise<UserRecord> {
  const row = await existing(db, name);
  await refuseLastOwner(db, row, 'removing them');
  await run(db, 'DELETE FROM users WHERE id = ?', [row.id]);
  return userOf(row);
}

export async function recordAudit(db: Db, input: AuditInput): Promise<void> {
  await run(db, 'INSERT INTO audit_log (at, actor, action, target, address, detail) VALUES (?, ?, ?, ?, ?, ?)', [
    input.at,
    input.actor,
    input.action,
    input.target ?? null,
    input.address ?? null,
    input.detail ?? null,
  ]);
}
