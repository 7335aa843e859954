/**
 * `users add|list|link|disable|remove`: the people who may sign in to the archive window on the
 * office network. Works while an engine runs (the accounts live in the archive); each change is
 * in the audit log as done from the command line by this OS user.
 */
import { userInfo } from 'node:os';
import { ROLES, type Role } from '../../../shared/accounts.js';
import { Accounts, LINK_VALID_MS } from '../accounts/accounts.js';
import { keptFingerprint } from '../accounts/tls.js';
import type { ArchiveStore } from '../archive/store.js';
import { InvalidEditError, NotFoundError } from '../archive/errors.js';
import { ConfigError } from '../config.js';
import { rememberedWindow } from './window-access.js';

export type UsersAction = 'add' | 'list' | 'link' | 'disable' | 'remove';

export interface UsersOptions {
  role?: string | undefined;
  /** The window's address for the link (default: where `serve` last served it with accounts). */
  url?: string | undefined;
}

function commandLineActor(): string {
  try {
    return `${userInfo().username.trim() || 'owner'} (command line)`;
  } catch {
    return 'owner (command line)';
  }
}

function parseRole(value: string | undefined): Role {
  if (value === undefined) throw new ConfigError('`users add` needs --role owner or --role staff (owners manage everything; staff read calls and work the follow-up list)');
  if (!(ROLES as readonly string[]).includes(value)) throw new ConfigError(`--role must be owner or staff (got "${value}")`);
  return value as Role;
}

function windowBase(dataDir: string, url: string | undefined): { base: string; fingerprint: string | null; guessed: boolean } {
  if (url) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`--url must be the archive window's address, like https://frontdesk.local:4319 (got "${url}")`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ConfigError('--url must start with https:// (or http:// on this machine)');
    return { base: parsed.origin, fingerprint: keptFingerprint(dataDir), guessed: false };
  }
  const remembered = rememberedWindow(dataDir);
  if (remembered) return { base: remembered.url, fingerprint: remembered.fingerprint, guessed: false };
  return { base: 'http://127.0.0.1:4319', fingerprint: keptFingerprint(dataDir), guessed: true };
}

function linkLines(dataDir: string, url: string | undefined, name: string, token: string): string[] {
  const { base, fingerprint, guessed } = windowBase(dataDir, url);
  // In the fragment: never sent to the server in a request line, never in a log or a Referer.
  const lines = [`  ${base}/#/welcome/${token}`, '', `Give this link to ${name} (it works once, for ${LINK_VALID_MS / 3_600_000} hours); they choose their password on that page.`];
  if (guessed) lines.push('The address is a guess (serve has not run with accounts here yet): pass --url https://HOST:PORT for the one people use.');
  if (fingerprint) lines.push(`The window's certificate: SHA-256 ${fingerprint} (check that the browser shows the same before trusting it).`);
  return lines;
}

/** `open` opens the archive the people belong to: the data folder's SQLite file, or the hub's database (--database). */
export async function usersCommand(open: () => Promise<ArchiveStore>, dataDir: string, action: UsersAction, name: string | undefined, options: UsersOptions): Promise<void> {
  if (action !== 'list' && !name) throw new ConfigError(`\`users ${action}\` needs a NAME`);
  if (action === 'list' && name) throw new ConfigError('`users list` takes no NAME');
  const role = action === 'add' ? parseRole(options.role) : null;
  if (action !== 'add' && options.role !== undefined) throw new ConfigError('--role is for `users add` only');
  const store = await open();
  const by = { actor: commandLineActor(), address: null };
  try {
    const accounts = new Accounts(() => store);
    const out = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
    switch (action) {
      case 'add': {
        const { user, link } = await accounts.addUser(name!, role!, by);
        out([`added ${user.name} (${user.role}). Their one-time sign-in link:`, '', ...linkLines(dataDir, options.url, user.name, link)]);
        break;
      }
      case 'link': {
        const token = await accounts.newLink(name!, by);
        const user = (await store.userCredentials(name!))!.user;
        out([`a new sign-in link for ${user.name} (earlier links no longer work):`, '', ...linkLines(dataDir, options.url, user.name, token)]);
        break;
      }
      case 'disable': {
        const user = await accounts.disable(name!, by);
        out([`disabled ${user.name}: they are signed out and cannot sign in (\`users link ${user.name}\` does not work for a disabled account; remove it and add it again to let them back)`]);
        break;
      }
      case 'remove': {
        const user = await accounts.remove(name!, by);
        out([`removed ${user.name}; their notes keep their name, and the audit log keeps what they did`]);
        break;
      }
      case 'list': {
        const users = await store.listUsers();
        if (users.length === 0) {
          out(['no accounts yet: the archive window uses the single access token on this machine. Add an owner with `users add NAME --role owner`.']);
          break;
        }
        const width = Math.max(4, ...users.map((u) => u.name.length));
        out([
          `${'name'.padEnd(width)}  role   state              added`,
          ...users.map((u) => `${u.name.padEnd(width)}  ${u.role.padEnd(5)}  ${(u.disabledAt !== null ? 'disabled' : u.hasPassword ? 'active' : 'link not used yet').padEnd(17)}  ${new Date(u.createdAt).toISOString().slice(0, 10)}`),
        ]);
        break;
      }
    }
  } catch (error) {
    if (error instanceof InvalidEditError || error instanceof NotFoundError) throw new ConfigError(`${error.message} Nothing was changed.`);
    throw error;
  } finally {
    await store.close();
  }
}
