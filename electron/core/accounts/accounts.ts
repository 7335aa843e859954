/**
 * People on the office network: adding them, their one-time links, signing in and out, and the
 * sign-in sessions behind the window's cookie. Everything is kept in the archive (ArchiveStore),
 * so every receiver of a hub knows the same people; each step that matters goes to the audit log.
 *
 * Session limits: 12 hours idle (a window left overnight needs a sign-in in the morning; a working
 * day with a long lunch does not) and 7 days at most (a window that stays open at the front desk
 * still signs in again weekly, so a copied cookie is worth a week at most).
 */
import type { Role, SignedInUser } from '../../../shared/accounts.js';
import { userNameKey } from '../../../shared/accounts.js';
import type { ArchiveStore, UserRecord } from '../archive/store.js';
import { FailureLimiter, type FailureLimiterOptions } from '../failure-limiter.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import { newToken, tokenHash } from './tokens.js';

const HOUR = 3_600_000;
export const SESSION_IDLE_MS = 12 * HOUR;
export const SESSION_MAX_MS = 7 * 24 * HOUR;
export const LINK_VALID_MS = 72 * HOUR;
/** last_seen moves on at most this often: a write per request would cost a commit per click. */
const TOUCH_EVERY_MS = 5 * 60_000;

export interface AccountLimits {
  perAddress: FailureLimiterOptions;
  perName: FailureLimiterOptions;
}

/** 20 wrong passwords from one address, or 10 for one name, within 15 minutes: refused for 15 minutes. */
export const DEFAULT_ACCOUNT_LIMITS: AccountLimits = {
  perAddress: { maxFailures: 20, windowSeconds: 900, blockSeconds: 900 },
  perName: { maxFailures: 10, windowSeconds: 900, blockSeconds: 900 },
};

/** A refused sign-in; the message is safe to show. retryAfterMs is set when it was rate-limited. */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    /** The password itself is refused (too short): the request was wrong, not the person. */
    readonly badPassword = false,
  ) {
    super(message);
  }
}

export interface SignedIn {
  /** The cookie's value; only its hash is stored. */
  token: string;
  user: SignedInUser;
  expiresAt: number;
}

export interface AccountsOptions {
  limits?: AccountLimits;
  now?: () => number;
}

const WRONG = 'That name and password do not match an account. Check both and try again.';

export class Accounts {
  private readonly byAddress: FailureLimiter;
  private readonly byName: FailureLimiter;
  private readonly now: () => number;

  constructor(
    private readonly store: () => ArchiveStore,
    options: AccountsOptions = {},
  ) {
    const limits = options.limits ?? DEFAULT_ACCOUNT_LIMITS;
    this.byAddress = new FailureLimiter(limits.perAddress);
    this.byName = new FailureLimiter(limits.perName);
    this.now = options.now ?? Date.now;
  }

  /** Whether anyone can sign in at all: then the window uses accounts, also on loopback. */
  async inUse(): Promise<boolean> {
    return (await this.store().listUsers()).some((user) => user.disabledAt === null);
  }

  async hasOwner(): Promise<boolean> {
    return (await this.store().listUsers()).some((user) => user.role === 'owner' && user.disabledAt === null);
  }

  async addUser(name: string, role: Role, by: { actor: string; address: string | null }): Promise<{ user: UserRecord; link: string }> {
    const user = await this.store().addUser({ name, role, at: this.now() });
    await this.audit(by, 'user-added', user.name, role);
    return { user, link: await this.newLink(user.name, by, false) };
  }

  /** A new one-time link for the person; their earlier links stop working. */
  async newLink(name: string, by: { actor: string; address: string | null }, audit = true): Promise<string> {
    const token = newToken();
    const at = this.now();
    const user = await this.store().createSignInLink({ userName: name, tokenHash: tokenHash(token), at, expiresAt: at + LINK_VALID_MS });
    if (audit) await this.audit(by, 'user-link', user.name, null);
    return token;
  }

  async disable(name: string, by: { actor: string; address: string | null }): Promise<UserRecord> {
    const user = await this.store().disableUser({ name, at: this.now() });
    await this.audit(by, 'user-disabled', user.name, null);
    return user;
  }

  async remove(name: string, by: { actor: string; address: string | null }): Promise<UserRecord> {
    const user = await this.store().removeUser(name);
    await this.audit(by, 'user-removed', user.name, null);
    return user;
  }

  /** Whom a link is for (the "set your password" page greets them), or null when it is not valid. */
  async linkUser(link: string): Promise<SignedInUser | null> {
    const user = await this.store().signInLinkUser({ tokenHash: tokenHash(link), now: this.now() });
    return user ? { name: user.name, role: user.role } : null;
  }

  /** Sets the password through a one-time link and signs the person in. */
  async setPassword(link: string, password: string, address: string): Promise<SignedIn> {
    await this.refuseIfLimited(address, null);
    const problem = passwordProblem(password);
    if (problem) throw new SignInError(problem, null, true);
    const passwordHash = await hashPassword(password);
    const token = newToken();
    const now = this.now();
    const expiresAt = now + SESSION_MAX_MS;
    const user = await this.store().redeemSignInLink({ tokenHash: tokenHash(link), passwordHash, session: { tokenHash: tokenHash(token), expiresAt }, now });
    if (!user) {
      await this.byAddress.recordFailure(address);
      throw new SignInError('This link is not valid any more (it was used, it expired after 72 hours, or a newer one was made). Ask an owner for a new one.');
    }
    await this.audit({ actor: user.name, address }, 'password-set', user.name, null);
    await this.audit({ actor: user.name, address }, 'sign-in', user.name, 'with a sign-in link');
    return { token, user: { name: user.name, role: user.role }, expiresAt };
  }

  async signIn(name: string, password: string, address: string): Promise<SignedIn> {
    await this.refuseIfLimited(address, name);
    const credentials = await this.store().userCredentials(name);
    // Checked against a decoy when the name is unknown: the answer takes as long either way.
    const matches = await verifyPassword(password, credentials?.passwordHash ?? null);
    const user = credentials?.user;
    if (!matches || !user || user.disabledAt !== null) {
      await Promise.all([this.byAddress.recordFailure(address), this.byName.recordFailure(userNameKey(name))]);
      const why = !user ? 'no such account' : user.disabledAt !== null ? 'account disabled' : 'wrong password';
      await this.audit({ actor: name.slice(0, 64), address }, 'sign-in-failed', name.slice(0, 64), why);
      throw new SignInError(user && user.disabledAt !== null && matches ? 'This account is disabled. Ask an owner.' : WRONG);
    }
    const token = newToken();
    const now = this.now();
    const expiresAt = now + SESSION_MAX_MS;
    await this.store().startSignInSession({ userId: user.id, tokenHash: tokenHash(token), at: now, expiresAt });
    await this.audit({ actor: user.name, address }, 'sign-in', user.name, null);
    return { token, user: { name: user.name, role: user.role }, expiresAt };
  }

  /**
   * The person a cookie's token signs in, or null (unknown, idle too long, past its end, account
   * disabled). A request is use and moves the idle limit on; a check for a live stream (touch:
   * false) is not, or a window left open would never be idle.
   */
  async session(token: string, options: { touch?: boolean } = {}): Promise<SignedInUser | null> {
    const hash = tokenHash(token);
    const now = this.now();
    const session = await this.store().signInSession({ tokenHash: hash, now, idleMs: SESSION_IDLE_MS });
    if (!session) return null;
    if (options.touch !== false && now - session.lastSeenAt >= TOUCH_EVERY_MS) await this.store().touchSignInSession({ tokenHash: hash, at: now });
    return { name: session.user.name, role: session.user.role };
  }

  async signOut(token: string, address: string): Promise<void> {
    const hash = tokenHash(token);
    const session = await this.store().signInSession({ tokenHash: hash, now: this.now(), idleMs: SESSION_IDLE_MS });
    if (await this.store().endSignInSession(hash)) {
      const name = session?.user.name ?? 'someone';
      await this.audit({ actor: name, address }, 'sign-out', name, null);
    }
  }

  private async refuseIfLimited(address: string, name: string | null): Promise<void> {
    const wait = Math.max(await this.byAddress.retryAfterMs(address), name === null ? 0 : await this.byName.retryAfterMs(userNameKey(name)));
    if (wait > 0) {
      throw new SignInError(`Too many failed attempts. Try again in ${Math.ceil(wait / 60_000)} minute${wait > 60_000 ? 's' : ''}.`, wait);
    }
  }

  private audit(by: { actor: string; address: string | null }, action: 'sign-in' | 'sign-in-failed' | 'sign-out' | 'password-set' | 'user-added' | 'user-link' | 'user-disabled' | 'user-removed', target: string, detail: string | null): Promise<void> {
    return this.store().recordAudit({ at: this.now(), actor: by.actor, action, target, address: by.address, detail });
  }
}
