/**
 * Backups in the desktop app, started against a fake `electron` (everything below it is real: the
 * settings, the engine, the archive, the backups folder): the backup taken at quit, and the
 * backups folder chosen in the settings.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBackups } from '../../electron/core/backup/backups.js';
import { silentLogger } from '../../electron/core/log.js';
import { startDesktopApp } from '../../electron/main/desktop-app.js';
import type { ArchiveResults, SendTestResult } from '../../shared/api.js';
import type { SettingsView } from '../../shared/settings.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { fakeDesktopElectron, freePort } from './fake-electron.js';

/** An existing install (not a first run) receiving on a free loopback port. */
async function startApp(userData: string) {
  writeFileSync(join(userData, 'settings.json'), JSON.stringify({ port: await freePort() }));
  const app = fakeDesktopElectron(userData);
  const desktop = startDesktopApp(app.electron, silentLogger, { platform: 'linux' });
  let quit = false;
  const quitApp = async () => {
    if (quit) return;
    quit = true;
    await app.quitApp();
  };
  onCleanup(quitApp);
  await desktop!.ready;
  return { ...app, quitApp };
}

describe('desktop app: backups', () => {
  it('quitting takes a verified backup when calls came since the last one, and not again right after', { timeout: 40_000 }, async () => {
    const userData = tempDir();
    const first = await startApp(userData);
    const sent = await first.invoke<SendTestResult>('sendTestEvent');
    expect(sent.ok).toBe(true);
    await first.quitApp();

    const folder = join(userData, 'backups');
    const made = listBackups(folder);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ ok: true, error: null, counts: { sessions: 1 } });
    expect(existsSync(join(folder, made[0]!.file))).toBe(true);

    // Started again and quit at once: nothing new to keep, and a backup minutes old.
    const second = await startApp(userData);
    await second.quitApp();
    expect(listBackups(folder)).toHaveLength(1);
  });

  it('backs up into the folder chosen in the settings, and refuses one it cannot write to', { timeout: 40_000 }, async () => {
    const userData = tempDir();
    const app = await startApp(userData);
    const { settings } = await app.invoke<SettingsView>('getSettings');
    expect(settings.backupsFolder).toBeNull();
    expect((await app.invoke<ArchiveResults['listBackups']>('listBackups')).folder).toBe(join(userData, 'backups'));

    // A file where a folder should be: refused with the reason, and the setting stays as it was.
    const notAFolder = join(tempDir(), 'a-file');
    writeFileSync(notAFolder, 'x');
    await expect(app.invoke('updateSettings', { settings: { backupsFolder: join(notAFolder, 'backups') } })).rejects.toThrow(/backups cannot be written to .*part of the path is not a folder; choose another folder/);
    expect((await app.invoke<SettingsView>('getSettings')).settings.backupsFolder).toBeNull();
    // Not a full path.
    await expect(app.invoke('updateSettings', { settings: { backupsFolder: 'Dropbox/backups' } })).rejects.toThrow(/must be a full path/);

    const synced = join(tempDir(), 'Dropbox', 'Archive backups');
    const view = await app.invoke<SettingsView>('updateSettings', { settings: { backupsFolder: synced } });
    expect(view.settings.backupsFolder).toBe(synced);
    // The engine restarted with it: Back up now writes there.
    const record = await app.invoke<ArchiveResults['backupNow']>('backupNow');
    expect(record.ok).toBe(true);
    expect(existsSync(join(synced, record.file))).toBe(true);
    expect((await app.invoke<ArchiveResults['listBackups']>('listBackups')).folder).toBe(synced);
  });
});
