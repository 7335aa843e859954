/**
 * Backup settings: `serve --backups/--backup-schedule/--backup-keep` (parsing in-process through the
 * real command line definition, the banner through the built CLI, a backup written where asked),
 * and when quitting the desktop app takes a backup.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BackupRecord } from '../../shared/api.js';
import { backupNeededAtQuit, RECENT_ENOUGH_MS } from '../../electron/core/backup/backups.js';
import { describeBackups, parseBackupKeep, parseBackupSchedule } from '../../electron/core/backup/options.js';
import { buildProgram } from '../../electron/core/cli/main.js';
import { assertBuilt, freePort, startServe } from '../support/cli.js';
import { tempDir } from '../support/fixtures.js';

describe('backup options', () => {
  it('--backup-schedule takes daily, hours, a time of day or off, and says what is wrong with anything else', () => {
    expect(parseBackupSchedule('daily')).toEqual({ everyHours: 24 });
    expect(parseBackupSchedule('6h')).toEqual({ everyHours: 6 });
    expect(parseBackupSchedule('02:30')).toEqual({ at: '02:30' });
    expect(parseBackupSchedule('OFF')).toBe('off');
    for (const bad of ['0h', '169h', '24:00', '2:30', 'hourly', '']) {
      expect(() => parseBackupSchedule(bad)).toThrow(`--backup-schedule: "${bad}" is not daily, a number of hours from 1h to 168h, a time like 02:30, or off`);
    }
  });

  it('--backup-keep takes daily,weekly,monthly counts', () => {
    expect(parseBackupKeep('7,4,12')).toEqual({ daily: 7, weekly: 4, monthly: 12 });
    expect(parseBackupKeep(' 30, 0 ,0')).toEqual({ daily: 30, weekly: 0, monthly: 0 });
    for (const bad of ['7,4', '7,4,12,1', 'a,b,c', '-1,4,12', '7,4,1001']) {
      expect(() => parseBackupKeep(bad)).toThrow(`--backup-keep: "${bad}" is not three whole numbers for daily,weekly,monthly backups (example: 7,4,12)`);
    }
  });

  it('serve refuses a bad value before starting anything', async () => {
    const program = buildProgram();
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    let errors = '';
    for (const c of [program, serve]) c.exitOverride().configureOutput({ writeErr: (text) => (errors += text), writeOut: () => undefined, outputError: (text, write) => write(text) });
    await expect(program.parseAsync(['node', 'callaider-archive', 'serve', '--backup-schedule', 'hourly'])).rejects.toThrow();
    expect(errors).toContain(`--backup-schedule: "hourly" is not daily`);
  });

  it('the banner says when, where and how many', () => {
    expect(describeBackups('/b')).toBe('daily, verified, into /b; keeping 7 daily, 4 weekly, 12 monthly');
    expect(describeBackups('/b', { at: '02:30' }, { daily: 3, weekly: 0, monthly: 1 })).toBe('each day at 02:30, verified, into /b; keeping 3 daily, 0 weekly, 1 monthly');
    expect(describeBackups('/b', 'off')).toBe('only when asked (--backup-schedule off), verified, into /b; keeping 7 daily, 4 weekly, 12 monthly');
    expect(describeBackups('/b', { everyHours: 6 })).toMatch(/^every 6 hours/);
  });

  it('serve backs up into --backups and says so in its banner (built CLI)', { timeout: 30_000 }, async () => {
    assertBuilt();
    const backups = join(tempDir(), 'synced', 'backups');
    const served = await startServe(['--data-dir', tempDir(), '--port', String(await freePort()), '--secret', 's', '--backups', backups, '--backup-schedule', 'off', '--backup-keep', '3,2,1']);
    expect(served.stdout()).toContain(`Backups         only when asked (--backup-schedule off), verified, into ${backups}; keeping 3 daily, 2 weekly, 1 monthly`);
    const ui = /Archive window {2}(\S+)/.exec(served.stdout())![1]!;
    const { origin, searchParams } = new URL(ui);
    const reply = await fetch(`${origin}/api/backupNow`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${searchParams.get('token')}` }, body: '{}' });
    const record = (await reply.json()) as BackupRecord;
    expect(record.ok).toBe(true);
    expect(existsSync(join(backups, record.file))).toBe(true);
    expect(readdirSync(backups).sort()).toEqual(['backups.json', record.file]);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });
});

describe('the backup at quit', () => {
  const counts = { sessions: 10, events: 20, messages: 200 };
  const good = (at: number, made = counts): BackupRecord => ({ at, file: 'x.sqlite', ok: true, bytes: 1, ms: 1, error: null, counts: made });
  const now = 100 * 86_400_000;

  it('is taken with no backup yet, after a day, or when calls came since the last one', () => {
    expect(backupNeededAtQuit([], { at: now, counts })).toBe(true);
    expect(backupNeededAtQuit([good(now - 86_400_000)], { at: now, counts })).toBe(true);
    expect(backupNeededAtQuit([good(now - 3_600_000, { ...counts, events: 19 })], { at: now, counts })).toBe(true);
    // A failed attempt or one rotation removed does not count as the last good backup.
    expect(backupNeededAtQuit([{ ...good(now - 60_000), ok: false }, { ...good(now - 120_000), removedAt: now }], { at: now, counts })).toBe(true);
  });

  it('is skipped minutes after a backup, and when nothing came since one made today', () => {
    expect(backupNeededAtQuit([good(now - RECENT_ENOUGH_MS + 1000, { ...counts, events: 1 })], { at: now, counts })).toBe(false);
    expect(backupNeededAtQuit([good(now - 3_600_000)], { at: now, counts })).toBe(false);
  });
});
