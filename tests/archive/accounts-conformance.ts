/**
 * Conformance for accounts: people, one-time sign-in links, sign-in sessions and the audit log.
 * Written against the ArchiveStore interface only (the PostgreSQL store runs it unchanged).
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidEditError, NotFoundError } from '../../electron/core/archive/errors.js';
import type { ArchiveStore } from '../../electron/core/archive/store.js';
import type { StoreTarget } from './store-conformance.js';

const NOW = Date.UTC(2026, 10, 27, 9);
const HOUR = 3_600_000;
const IDLE = 12 * HOUR;
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const token = () => randomBytes(16).toString('base64url');

async function linkFor(store: ArchiveStore, name: string, at = NOW): Promise<string> {
  const t = token();
  await store.createSignInLink({ userName: name, tokenHash: hashOf(t), at, expiresAt: at + 72 * HOUR });
  return t;
}

async function redeem(store: ArchiveStore, link: string, now = NOW + HOUR): Promise<{ session: string; user: Awaited<ReturnType<ArchiveStore['redeemSignInLink']>> }> {
  const session = token();
  const user = await store.redeemSignInLink({ tokenHash: hashOf(link), passwordHash: 'scrypt$test', session: { tokenHash: hashOf(session), expiresAt: now + 30 * 24 * HOUR }, now });
  return { session, user };
}

export function describeAccountsConformance(name: string, target: StoreTarget): void {
  const open = async () => (await target.open()).store;

  describe(`ArchiveStore accounts: ${name}`, () => {
    it('adds people with unique names (ignoring case, also beyond ASCII) and lists them', async () => {
      const store = await open();
      const ana = await store.addUser({ name: 'Ana', role: 'owner', at: NOW });
      expect(ana).toMatchObject({ name: 'Ana', role: 'owner', createdAt: NOW, disabledAt: null, hasPassword: false });
      await store.addUser({ name: 'Émile', role: 'staff', at: NOW });
      await expect(store.addUser({ name: 'ANA', role: 'staff', at: NOW })).rejects.toThrow(InvalidEditError);
      await expect(store.addUser({ name: 'émile', role: 'staff', at: NOW })).rejects.toThrow(/already an account/);
      await expect(store.addUser({ name: ' padded', role: 'staff', at: NOW })).rejects.toThrow(InvalidEditError);
      await expect(store.addUser({ name: '', role: 'staff', at: NOW })).rejects.toThrow(InvalidEditError);
      expect((await store.listUsers()).map((u) => [u.name, u.role])).toEqual([
        ['Ana', 'owner'],
        ['Émile', 'staff'],
      ]);
      expect(await store.userCredentials('ana')).toMatchObject({ user: { name: 'Ana' }, passwordHash: null });
      expect(await store.userCredentials('nobody')).toBeNull();
    });

    it('a sign-in link works once, sets the password and starts a session; a newer link voids the older', async () => {
      const store = await open();
      await store.addUser({ name: 'Ana', role: 'owner', at: NOW });
      const first = await linkFor(store, 'Ana');
      const second = await linkFor(store, 'ana');
      expect(await store.signInLinkUser({ tokenHash: hashOf(first), now: NOW })).toBeNull();
      expect(await store.signInLinkUser({ tokenHash: hashOf(second), now: NOW })).toMatchObject({ name: 'Ana' });
      expect((await redeem(store, first)).user).toBeNull();
      const { session, user } = await redeem(store, second);
      expect(user).toMatchObject({ name: 'Ana', hasPassword: true });
      expect((await store.userCredentials('Ana'))?.passwordHash).toBe('scrypt$test');
      expect(await store.signInSession({ tokenHash: hashOf(session), now: NOW + HOUR, idleMs: IDLE })).toMatchObject({ user: { name: 'Ana', role: 'owner' }, createdAt: NOW + HOUR });
      // Used once: the same link does nothing the second time.
      expect((await redeem(store, second)).user).toBeNull();
      await expect(store.createSignInLink({ userName: 'Zed', tokenHash: hashOf(token()), at: NOW, expiresAt: NOW + HOUR })).rejects.toThrow(NotFoundError);
    });

    it('an expired link signs no one in', async () => {
      const store = await open();
      await store.addUser({ name: 'Ana', role: 'owner', at: NOW });
      const link = await linkFor(store, 'Ana');
      expect(await store.signInLinkUser({ tokenHash: hashOf(link), now: NOW + 73 * HOUR })).toBeNull();
      expect((await redeem(store, link, NOW + 73 * HOUR)).user).toBeNull();
      expect((await store.userCredentials('Ana'))?.passwordHash).toBeNull();
    });

    it('sessions end when idle too long, past their absolute end, or at sign-out; touching keeps them alive', async () => {
      const store = await open();
      const ana = await store.addUser({ name: 'Ana', role: 'owner', at: NOW });
      const session = token();
      await store.startSignInSession({ userId: ana.id, tokenHash: hashOf(session), at: NOW, expiresAt: NOW + 30 * HOUR });
      const lookup = (now: number) => store.signInSession({ tokenHash: hashOf(session), now, idleMs: IDLE });
      expect(await lookup(NOW + 11 * HOUR)).not.toBeNull();
      expect(await lookup(NOW + 13 * HOUR)).toBeNull();
      await store.touchSignInSession({ tokenHash: hashOf(session), at: NOW + 11 * HOUR });
      expect((await lookup(NOW + 13 * HOUR))?.lastSeenAt).toBe(NOW + 11 * HOUR);
      await store.touchSignInSession({ tokenHash: hashOf(session), at: NOW + 22 * HOUR });
      expect(await lookup(NOW + 29 * HOUR)).not.toBeNull();
      expect(await lookup(NOW + 30 * HOUR)).toBeNull();
      expect(await store.signInSession({ tokenHash: hashOf('never issued'), now: NOW, idleMs: IDLE })).toBeNull();
      expect(await store.endSignInSession(hashOf(session))).toBe(true);
      expect(await lookup(NOW + HOUR)).toBeNull();
      expect(await store.endSignInSession(hashOf(session))).toBe(false);
    });

    it('disabling ends sessions and links; the last owner can be neither disabled nor removed', async () => {
      const store = await open();
      await store.addUser({ name: 'Ana', role: 'owner', at: NOW });
      const bo = await store.addUser({ name: 'Bo', role: 'staff', at: NOW });
      const session = token();
      await store.startSignInSession({ userId: bo.id, tokenHash: hashOf(session), at: NOW, expiresAt: NOW + 30 * HOUR });
      const link = await linkFor(store, 'Bo');
      await expect(store.disableUser({ name: 'Ana', at: NOW })).rejects.toThrow(/last owner/);
      await expect(store.removeUser('ana')).rejects.toThrow(/last owner/);
      expect(await store.disableUser({ name: 'Bo', at: NOW + HOUR })).toMatchObject({ disabledAt: NOW + HOUR });
      expect(await store.signInSession({ tokenHash: hashOf(session), now: NOW + HOUR, idleMs: IDLE })).toBeNull();
      expect(await store.signInLinkUser({ tokenHash: hashOf(link), now: NOW + HOUR })).toBeNull();
      await expect(linkFor(store, 'Bo')).rejects.toThrow(/disabled/);
      // A second owner makes the first one removable; a disabled owner does not count.
      await store.addUser({ name: 'Cy', role: 'owner', at: NOW });
      await store.disableUser({ name: 'Cy', at: NOW });
      await expect(store.removeUser('Ana')).rejects.toThrow(/last owner/);
      await store.addUser({ name: 'Di', role: 'owner', at: NOW });
      expect(await store.removeUser('Ana')).toMatchObject({ name: 'Ana' });
      expect((await store.listUsers()).map((u) => u.name)).toEqual(['Bo', 'Cy', 'Di']);
      await expect(store.removeUser('Ana')).rejects.toThrow(NotFoundError);
    });

    it('keeps the audit log newest first, a page at a time, and survives a reopen', async () => {
      const handle = await target.open();
      for (let i = 1; i <= 5; i++) {
        await handle.store.recordAudit({ at: NOW + i, actor: 'Ana', action: i % 2 ? 'export' : 'sign-in', target: `s-${i}`, address: '192.168.1.20', detail: i === 1 ? 'json' : null });
      }
      await handle.store.recordAudit({ at: NOW + 6, actor: 'Bo', action: 'sign-in-failed' });
      const store = await handle.reopen();
      const first = await store.auditLog({ limit: 4 });
      expect(first.items.map((e) => e.at)).toEqual([NOW + 6, NOW + 5, NOW + 4, NOW + 3]);
      expect(first.items[0]).toMatchObject({ actor: 'Bo', action: 'sign-in-failed', target: null, address: null, detail: null });
      expect(first.nextBeforeId).not.toBeNull();
      const second = await store.auditLog({ beforeId: first.nextBeforeId!, limit: 4 });
      expect(second.items.map((e) => e.at)).toEqual([NOW + 2, NOW + 1]);
      expect(second.items[1]).toMatchObject({ actor: 'Ana', action: 'export', target: 's-1', address: '192.168.1.20', detail: 'json' });
      expect(second.nextBeforeId).toBeNull();
    });

    it('erasing a session takes its id out of the audit log, keeping that something was done', async () => {
      const store = await open();
      const sessionId = `audit-${token()}`;
      const payload = { event: 'session.started', timestamp: new Date(NOW).toISOString(), assistantId: 'a', sessionId, data: { metadata: { sessionMode: 'voice' } } } as const;
      await store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), receivedAt: NOW, source: 'import' });
      await store.settled();
      await store.recordAudit({ at: NOW, actor: 'Ana', action: 'export', target: sessionId, detail: 'json' });
      await store.recordAudit({ at: NOW, actor: 'Ana', action: 'export', target: 'another-session', detail: 'md' });
      expect(await store.eraseSession(sessionId, { at: NOW, kind: 'session', actor: 'Ana' })).toBe(true);
      const { items } = await store.auditLog({ limit: 10 });
      expect(items.map((e) => e.target)).toEqual(['another-session', '(an erased session)']);
      expect(JSON.stringify(items)).not.toContain(sessionId);
    });

    it('accounts and sessions survive a reopen (several receivers share them through the archive)', async () => {
      const handle = await target.open();
      await handle.store.addUser({ name: 'Ana', role: 'owner', at: NOW });
      const { session } = await redeem(handle.store, await linkFor(handle.store, 'Ana'));
      const store = await handle.reopen();
      expect(await store.signInSession({ tokenHash: hashOf(session), now: NOW + 2 * HOUR, idleMs: IDLE })).toMatchObject({ user: { name: 'Ana' } });
    });
  });
}
