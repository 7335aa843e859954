/** `users add|list|link|disable|remove` and `serve --ui-host`, through the real CLI. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Accounts } from '../../electron/core/accounts/accounts.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { onCleanup, tempDir } from '../support/fixtures.js';

beforeAll(assertBuilt);

const users = (dataDir: string, ...args: string[]) => runCli(['users', ...args, '--data-dir', dataDir]);
const linkIn = (stdout: string) => /\/#\/welcome\/([A-Za-z0-9_-]+)/.exec(stdout)?.[1] ?? null;

async function openAccounts(dataDir: string) {
  const store = await SqliteStore.open(join(dataDir, 'archive.sqlite'));
  onCleanup(() => store.close());
  return { store, accounts: new Accounts(() => store) };
}

describe('users commands', () => {
  it('adds people with a one-time link, lists them, and refuses a taken name or a bad role', async () => {
    const dataDir = tempDir();
    const added = users(dataDir, 'add', 'Ana', '--role', 'owner', '--url', 'https://frontdesk.local:4319');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^added Ana \(owner\)/);
    expect(added.stdout).toMatch(/https:\/\/frontdesk\.local:4319\/#\/welcome\/[A-Za-z0-9_-]{40,}/);
    expect(added.stdout).toMatch(/works once, for 72 hours/);
    expect(users(dataDir, 'add', 'Bo', '--role', 'staff').code).toBe(0);

    const taken = users(dataDir, 'add', 'ANA', '--role', 'staff');
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/already an account.*Nothing was changed/);
    expect(users(dataDir, 'add', 'Cy', '--role', 'boss').stderr).toMatch(/--role must be owner or staff/);
    expect(users(dataDir, 'add', 'Cy').stderr).toMatch(/needs --role owner or --role staff/);

    const list = users(dataDir, 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/Ana\s+owner\s+link not used yet/);
    expect(list.stdout).toMatch(/Bo\s+staff\s+link not used yet/);

    const { accounts, store } = await openAccounts(dataDir);
    expect(await accounts.linkUser(linkIn(added.stdout)!)).toEqual({ name: 'Ana', role: 'owner' });
    const log = await store.auditLog({ limit: 10 });
    expect(log.items.map((e) => [e.action, e.target])).toEqual([
      ['user-added', 'Bo'],
      ['user-added', 'Ana'],
    ]);
    expect(log.items[0]!.actor).toMatch(/\(command line\)$/);
  });

  it('`users link` makes a new link and voids the old one', async () => {
    const dataDir = tempDir();
    const first = linkIn(users(dataDir, 'add', 'Ana', '--role', 'owner').stdout)!;
    const renewed = users(dataDir, 'link', 'ana');
    expect(renewed.code).toBe(0);
    expect(renewed.stdout).toMatch(/earlier links no longer work/);
    const second = linkIn(renewed.stdout)!;
    const { accounts } = await openAccounts(dataDir);
    expect(await accounts.linkUser(first)).toBeNull();
    expect(await accounts.linkUser(second)).toEqual({ name: 'Ana', role: 'owner' });
    expect(users(dataDir, 'link', 'Nobody').stderr).toMatch(/no account named "Nobody"/);
  });

  it('disables and removes people, never the last owner', () => {
    const dataDir = tempDir();
    users(dataDir, 'add', 'Ana', '--role', 'owner');
    users(dataDir, 'add', 'Bo', '--role', 'staff');
    const lastOwner = users(dataDir, 'disable', 'Ana');
    expect(lastOwner.code).toBe(1);
    expect(lastOwner.stderr).toMatch(/"Ana" is the last owner.*Add another owner first/);
    expect(users(dataDir, 'remove', 'Ana').stderr).toMatch(/last owner/);
    expect(users(dataDir, 'disable', 'Bo').stdout).toMatch(/disabled Bo/);
    expect(users(dataDir, 'list').stdout).toMatch(/Bo\s+staff\s+disabled/);
    expect(users(dataDir, 'link', 'Bo').stderr).toMatch(/disabled/);
    expect(users(dataDir, 'remove', 'Bo').stdout).toMatch(/removed Bo/);
    users(dataDir, 'add', 'Cy', '--role', 'owner');
    expect(users(dataDir, 'remove', 'Ana').code).toBe(0);
    expect(users(dataDir, 'list').stdout.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['Cy']);
  });

  it('`serve --ui-host` refuses to start without an owner, saying what to add', () => {
    const dataDir = tempDir();
    const refused = runCli(['serve', '--data-dir', dataDir, '--port', '0', '--ui-port', '0', '--ui-host', '0.0.0.0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only with accounts, and this archive has no owner yet/);
    expect(refused.stderr).toMatch(/callaider-archive users add NAME --role owner/);
    const halfTls = runCli(['serve', '--data-dir', dataDir, '--port', '0', '--ui-port', '0', '--tls-cert', 'x.pem']);
    expect(halfTls.stderr).toMatch(/give --tls-cert and --tls-key together/);
  });
});
