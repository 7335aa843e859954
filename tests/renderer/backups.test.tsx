// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackupRecord } from '../../shared/api';
import { setApi } from '../../renderer/src/api/client';
import { BackupsCard } from '../../renderer/src/views/BackupsCard';
import { fakeApi } from './fake-api';

afterEach(cleanup);

const AT = Date.UTC(2026, 10, 26, 3, 0);
const good: BackupRecord = { at: AT, file: 'callaider-archive-20261126-030000.sqlite', ok: true, bytes: 3 * 1024 * 1024, ms: 120, error: null, counts: { sessions: 40, events: 80, messages: 300 } };

describe('BackupsCard', () => {
  it('shows the last good backup, its folder and how to restore; Back up now shows the result and the new last backup', async () => {
    const newer: BackupRecord = { ...good, at: AT + 86_400_000, file: 'callaider-archive-20261127-030000.sqlite', bytes: 4 * 1024 * 1024, counts: { sessions: 41, events: 82, messages: 310 } };
    const failed: BackupRecord = { ...good, at: AT + 3_600_000, file: 'x.sqlite', ok: false, bytes: null, error: 'disk full', counts: null };
    const listBackups = vi.fn().mockResolvedValueOnce({ folder: '/Users/ana/Dropbox/calls', backups: [failed, good] }).mockResolvedValue({ folder: '/Users/ana/Dropbox/calls', backups: [newer, failed, good] });
    const backupNow = vi.fn().mockResolvedValue(newer);
    const onChanged = vi.fn();
    setApi(fakeApi({ listBackups, backupNow }));
    render(<BackupsCard onChanged={onChanged} />);
    // The failed attempt is newer, but the last good one is what is shown.
    await waitFor(() => expect(screen.getByTestId('last-backup').textContent).toContain('3.0 MB'));
    expect(screen.getByText('/Users/ana/Dropbox/calls')).toBeTruthy();
    expect(screen.getByText('callaider-archive restore FILE')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Back up now' }));
    expect((await screen.findByTestId('backup-result')).textContent).toBe('Backed up and verified: callaider-archive-20261127-030000.sqlite (4.0 MB, 41 sessions).');
    await waitFor(() => expect(screen.getByTestId('last-backup').textContent).toContain('4.0 MB'));
    expect(backupNow).toHaveBeenCalledTimes(1);
    expect(onChanged).toHaveBeenCalled();
  });

  it('says calmly when there is none yet, and why a backup failed', async () => {
    const backupNow = vi.fn().mockResolvedValue({ ...good, ok: false, bytes: null, counts: null, error: 'the copy failed verification: integrity: page 7 is never used' });
    setApi(fakeApi({ backupNow }));
    render(<BackupsCard onChanged={() => undefined} />);
    await waitFor(() => expect(screen.getByTestId('last-backup').textContent).toBe('none yet'));
    fireEvent.click(screen.getByRole('button', { name: 'Back up now' }));
    const result = await screen.findByTestId('backup-result');
    expect(result.className).toContain('error');
    expect(result.textContent).toBe('The backup failed and was not kept: the copy failed verification: integrity: page 7 is never used');
  });

  it('desktop: changes the backups folder through the settings, shows a refusal as it is, and goes back to the default', async () => {
    let folder: string | null = null;
    const base = await fakeApi().getSettings({});
    const updateSettings = vi.fn(({ settings }: { settings: { backupsFolder: string | null } }) => {
      if (settings.backupsFolder?.startsWith('/locked')) return Promise.reject(new Error('backups cannot be written to /locked/b: this app may not write there; choose another folder'));
      folder = settings.backupsFolder;
      return Promise.resolve({ ...base, settings: { ...base.settings, backupsFolder: folder } });
    });
    const listBackups = vi.fn(() => Promise.resolve({ folder: folder ?? '/data/backups', backups: [good] }));
    setApi(fakeApi({ listBackups, updateSettings: updateSettings as never }));
    render(<BackupsCard onChanged={() => undefined} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Change folder…' }));
    const input = screen.getByRole('textbox', { name: /Backups folder/ });
    fireEvent.change(input, { target: { value: '/locked/b' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use this folder' }));
    expect((await screen.findByRole('alert')).textContent).toBe('backups cannot be written to /locked/b: this app may not write there; choose another folder');
    fireEvent.change(input, { target: { value: '/Users/ana/Dropbox/calls' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use this folder' }));
    await waitFor(() => expect(screen.getByText('/Users/ana/Dropbox/calls')).toBeTruthy());
    expect(updateSettings).toHaveBeenLastCalledWith({ settings: { backupsFolder: '/Users/ana/Dropbox/calls' } });
    fireEvent.click(screen.getByRole('button', { name: 'Use the default folder' }));
    await waitFor(() => expect(screen.getByText('/data/backups')).toBeTruthy());
    expect(updateSettings).toHaveBeenLastCalledWith({ settings: { backupsFolder: null } });
  });

  it('headless: says which serve options choose the folder', async () => {
    const base = await fakeApi().getSettings({});
    setApi(fakeApi({ getSettings: () => Promise.resolve({ ...base, editable: false }) }));
    render(<BackupsCard onChanged={() => undefined} />);
    expect(await screen.findByText('serve --backups DIR')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Change folder…' })).toBeNull();
  });
});
