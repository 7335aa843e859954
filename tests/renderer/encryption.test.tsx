// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EncryptionView } from '../../shared/api';
import { setApi } from '../../renderer/src/api/client';
import { EncryptionCard } from '../../renderer/src/views/EncryptionCard';
import { fakeApi } from './fake-api';
import { status } from '../support/archive-status';

afterEach(cleanup);

const plain: EncryptionView = { encrypted: false, keySource: null, editable: true, unavailable: null, plaintextBackups: 0, problem: null };
const encrypted: EncryptionView = { ...plain, encrypted: true, keySource: 'the OS keychain', plaintextBackups: 2 };

describe('EncryptionCard', () => {
  it('desktop: encrypts, then says what was checked, shows the key to keep, and warns about older plaintext backups', async () => {
    const encryptArchive = vi.fn().mockResolvedValue({ message: 'Encrypted the archive and checked it: 6 sessions, 12 events, 40 messages.', view: encrypted });
    const revealArchiveKey = vi.fn().mockResolvedValue({ key: 'ab'.repeat(32) });
    const onChanged = vi.fn();
    setApi(fakeApi({ encryptionStatus: vi.fn().mockResolvedValue(plain), encryptArchive, revealArchiveKey }));
    render(<EncryptionCard status={status()} onChanged={onChanged} />);
    await waitFor(() => expect(screen.getByTestId('encryption-state').textContent).toBe('Not encrypted'));
    fireEvent.click(screen.getByRole('button', { name: 'Encrypt this archive' }));
    expect((await screen.findByTestId('encryption-result')).textContent).toContain('6 sessions, 12 events');
    expect(screen.getByTestId('encryption-state').textContent).toBe('Encrypted');
    expect(screen.getByTestId('plaintext-backups').textContent).toContain('2 backups in the backups folder were taken before the archive was encrypted and are not encrypted. They are kept');
    expect(onChanged).toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Show key' }));
    expect((await screen.findByTestId('archive-key')).textContent).toContain('ab'.repeat(32));
    expect(screen.getByTestId('archive-key').textContent).toContain('password manager');
  });

  it('a failed key change says so and that nothing changed; a key problem asks for the saved key', async () => {
    const changeArchiveKey = vi.fn().mockRejectedValue(new Error('the re-encrypted copy did not pass its check'));
    setApi(fakeApi({ encryptionStatus: vi.fn().mockResolvedValue({ ...encrypted, plaintextBackups: 0 }), changeArchiveKey }));
    render(<EncryptionCard status={status()} onChanged={() => undefined} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Change key' }));
    // A second, explicit confirmation: older backups keep the old key.
    expect(screen.getByText(/Backups taken until now open only with the current key/)).toBeTruthy();
    fireEvent.click(screen.getAllByRole('button', { name: 'Change key' }).at(-1)!);
    const result = await screen.findByTestId('encryption-result');
    expect(result.className).toContain('error');
    expect(result.textContent).toBe('the re-encrypted copy did not pass its check. The archive was left as it was.');
    cleanup();

    const useArchiveKey = vi.fn().mockResolvedValue(encrypted);
    setApi(fakeApi({ encryptionStatus: vi.fn().mockResolvedValue({ ...encrypted, problem: 'the archive is encrypted, but this computer keeps no key for it' }), useArchiveKey }));
    render(<EncryptionCard status={status()} onChanged={() => undefined} />);
    expect(await screen.findByText('the archive is encrypted, but this computer keeps no key for it')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Saved archive key'), { target: { value: 'cd'.repeat(32) } });
    fireEvent.click(screen.getByRole('button', { name: 'Use this key' }));
    await waitFor(() => expect(useArchiveKey).toHaveBeenCalledWith({ key: 'cd'.repeat(32) }));
    expect((await screen.findByTestId('encryption-result')).textContent).toContain('The key opens the archive');
  });

  it('headless: shows the command to run instead of actions', async () => {
    setApi(fakeApi({ encryptionStatus: vi.fn().mockResolvedValue({ ...plain, editable: false }) }));
    render(<EncryptionCard status={status({ dataDir: '/srv/calls' })} onChanged={() => undefined} />);
    expect(await screen.findByText('callaider-archive encrypt --data-dir /srv/calls')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Encrypt this archive' })).toBeNull();
  });
});
