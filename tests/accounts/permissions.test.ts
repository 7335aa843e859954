/**
 * The permission table: every ArchiveApi method has a decided role (a new method without one fails
 * here), staff get exactly the reading and follow-up work, and ArchiveService refuses every other
 * method for staff before running it, over a real engine.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { METHOD_ROLES, mayCall } from '../../shared/accounts.js';
import { ARCHIVE_METHODS } from '../../shared/api.js';
import { onCleanup, SECRET, tempDir } from '../support/fixtures.js';

const STAFF_METHODS = [
  'status', 'facets', 'listSessions', 'getSession', 'getMessages', 'listDeliveries', 'getDelivery', 'inbox', 'getFollowUp',
  'setFollowUp', 'addNote', 'editNote', 'deleteNote', 'listTags', 'saveTag', 'tagSession', 'getCaller', 'listAlerts', 'whoAmI', 'overview',
];

describe('who may call what', () => {
  it('decides a role for every API method, and for nothing else', () => {
    expect(Object.keys(METHOD_ROLES).sort()).toEqual([...ARCHIVE_METHODS].sort());
    for (const method of ARCHIVE_METHODS) expect(['owner', 'staff'], method).toContain(METHOD_ROLES[method]);
  });

  it('lets staff read and work the follow-up list, and nothing more', () => {
    expect(ARCHIVE_METHODS.filter((method) => mayCall('staff', method)).sort()).toEqual([...STAFF_METHODS].sort());
    expect(ARCHIVE_METHODS.every((method) => mayCall('owner', method))).toBe(true);
  });

  it('ArchiveService refuses every owner-only method to staff with forbidden, before looking at the arguments', async () => {
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve' });
    const staff = { user: { name: 'Bo', role: 'staff' as const }, address: '10.0.0.7' };
    for (const method of ARCHIVE_METHODS.filter((m) => METHOD_ROLES[m] === 'owner')) {
      const refused = await service.call(method, { not: 'even valid' }, staff).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused, method).toBeInstanceOf(ApiError);
      expect((refused as ApiError).code, method).toBe('forbidden');
    }
    expect(await service.call('whoAmI', {}, staff)).toEqual({ user: { name: 'Bo', role: 'staff' } });
    // Without a caller (the desktop app, the loopback token) there is no one to refuse.
    expect(await service.call('whoAmI', {})).toEqual({ user: null });
    expect(await service.call('revealSecret', {})).toEqual({ secret: SECRET });
  });
});

describe('warnings worded for who reads them', () => {
  it('tells an owner to set the missing secret, and staff (who have no Setup) to ask an owner', async () => {
    const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: undefined }));
    onCleanup(() => engine.stop());
    const service = new ArchiveService(engine, { host: 'serve' });
    const noSecret = async (caller?: Parameters<ArchiveService['call']>[2]) => {
      const status = (await service.call('status', {}, caller)) as { warnings: { code: string; message: string }[] };
      return status.warnings.find((warning) => warning.code === 'no-secret')?.message;
    };
    expect(await noSecret()).toMatch(/Set a secret here and in CallAIder/);
    expect(await noSecret({ user: { name: 'Ann', role: 'owner' }, address: '10.0.0.6' })).toMatch(/Set a secret here/);
    const forStaff = await noSecret({ user: { name: 'Bo', role: 'staff' }, address: '10.0.0.7' });
    expect(forStaff).toMatch(/Ask an owner of this archive to set one/);
    expect(forStaff).not.toMatch(/Set a secret here/);
  });
});
