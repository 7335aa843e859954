/**
 * Encryption at rest in the desktop app, against a fake `electron` (its safeStorage is a
 * reversible stand-in for the keychain); the engine, archive files and key procedure are real.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEncryptedFile, parseArchiveKey } from '../../electron/core/archive/archive-key.js';
import { ArchiveKeyError } from '../../electron/core/archive/errors.js';
import { SqliteStore } from '../../electron/core/archive/sqlite/sqlite-store.js';
import { silentLogger } from '../../electron/core/log.js';
import { SettingsStore } from '../../electron/core/settings-store.js';
import { generateArchiveKey } from '../../electron/core/archive/archive-key.js';
import { changeArchiveKey } from '../../electron/core/archive/sqlite/rekey.js';
import { ArchiveKeyStore, desktopArchiveKey } from '../../electron/main/archive-key-store.js';
import { startDesktopApp } from '../../electron/main/desktop-app.js';
import { safeStorageCodec } from '../../electron/main/secret-codec.js';
import type { ArchiveStatus, EncryptionChange, EncryptionView } from '../../shared/api.js';
import { onCleanup, sessionPair, tempDir } from '../support/fixtures.js';
import { fakeDesktopElectron, fakeSafeStorage, freePort } from './fake-electron.js';

const KEY_FILE = 'archive-key.json';

/** A data folder whose settings listen on a free port. */
async function install(userData = tempDir()): Promise<string> {
  const store = await SettingsStore.open(userData, await safeStorageCodec(fakeSafeStorage() as never, 'linux'));
  await store.update({ settings: { port: await freePort() } });
  return userData;
}

async function start(userData: string, safeStorage = fakeSafeStorage()) {
  const desktop = fakeDesktopElectron(userData, { safeStorage });
  const app = startDesktopApp(desktop.electron, silentLogger, { platform: 'linux', execPath: '/opt/callaider-archive', env: { XDG_CONFIG_HOME: tempDir() } });
  let quitted = false;
  const quit = async () => {
    if (quitted) return;
    quitted = true;
    await desktop.quitApp();
  };
  onCleanup(quit);
  await app!.ready;
  return { ...desktop, quit };
}

/** A plaintext archive with `sessions` calls, made before the app ever ran. */
async function plaintextArchive(userData: string, sessions: number): Promise<void> {
  const store = await SqliteStore.open(join(userData, 'archive.sqlite'));
  for (let i = 0; i < sessions; i += 1) {
    const { started, ended } = sessionPair({ seed: 40 + i, messages: 4 });
    ended.data.transcript![0]!.content = 'Please note the Xylophonist account.';
    for (const payload of [started, ended]) await store.ingest({ payload, body: Buffer.from(JSON.stringify(payload)), source: 'webhook', receivedAt: Date.now() });
  }
  await store.close();
}

const sessionsIn = async (invoke: <T>(method: string, args?: unknown) => Promise<T>) => (await invoke<ArchiveStatus>('status')).counts.sessions;

describe('desktop app: encryption at rest', () => {
  it('a new archive is encrypted with a random key the keychain keeps; the window shows it and the key opens the file', { timeout: 30_000 }, async () => {
    const userData = await install();
    const { invoke, quit } = await start(userData);
    expect(await invoke<ArchiveStatus>('status')).toMatchObject({ warnings: expect.not.arrayContaining([expect.objectContaining({ code: 'not-running' })]) });
    await invoke('sendTestEvent');
    const view = await invoke<EncryptionView>('encryptionStatus');
    expect(view).toMatchObject({ encrypted: true, keySource: 'the OS keychain', editable: true, unavailable: null, problem: null });
    const { key } = await invoke<{ key: string }>('revealArchiveKey');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    // Kept encrypted by the keychain, not as it is.
    expect(readFileSync(join(userData, KEY_FILE), 'utf8')).not.toContain(key);
    await quit();

    const file = join(userData, 'archive.sqlite');
    expect(isEncryptedFile(file)).toBe(true);
    await expect(SqliteStore.open(file, { readonly: true })).rejects.toThrow(ArchiveKeyError);
    const store = await SqliteStore.open(file, { readonly: true, key: parseArchiveKey(key, 'saved copy') });
    onCleanup(() => store.close());
    expect((await store.counts({ staleBefore: 0 })).sessions).toBe(1);
  });

  it('without a usable keychain a new archive stays plaintext and the card says why', { timeout: 30_000 }, async () => {
    const userData = await install();
    // Chromium's hard-coded Linux key ("v10"): no keyring answered.
    const weak = { ...fakeSafeStorage(), encryptStringAsync: async (plain: string) => Buffer.from(`v10${plain}`, 'utf8'), decryptStringAsync: async (stored: Buffer) => ({ shouldReEncrypt: false, result: stored.toString('utf8').slice(3) }) };
    const { invoke } = await start(userData, weak);
    const view = await invoke<EncryptionView>('encryptionStatus');
    expect(view).toMatchObject({ encrypted: false, keySource: null });
    expect(view.unavailable).toMatch(/no desktop keyring/);
    await expect(invoke('encryptArchive')).rejects.toThrow(/cannot be encrypted here: no desktop keyring/);
  });

  it('an existing plaintext archive stays so until encrypted from the window; then the key changes; every session is kept', { timeout: 40_000 }, async () => {
    const userData = await install();
    await plaintextArchive(userData, 6);
    const file = join(userData, 'archive.sqlite');
    const { invoke } = await start(userData);
    expect(await invoke<EncryptionView>('encryptionStatus')).toMatchObject({ encrypted: false, unavailable: null });
    await invoke('backupNow');
    expect((await invoke<EncryptionView>('encryptionStatus')).plaintextBackups).toBe(1);

    const encrypted = await invoke<EncryptionChange>('encryptArchive');
    expect(encrypted.message).toMatch(/^Encrypted the archive and checked it: 6 sessions, 12 events/);
    expect(encrypted.message).toContain('A fresh encrypted backup was taken');
    expect(encrypted.view).toMatchObject({ encrypted: true, keySource: 'the OS keychain' });
    expect(isEncryptedFile(file)).toBe(true);
    expect(readFileSync(file).includes('Xylophonist')).toBe(false);
    expect(await sessionsIn(invoke)).toBe(6);
    expect((await invoke<{ items: unknown[] }>('listSessions', { query: 'Xylophonist' })).items).toHaveLength(6);
    const first = (await invoke<{ key: string }>('revealArchiveKey')).key;

    const changed = await invoke<EncryptionChange>('changeArchiveKey');
    expect(changed.message).toMatch(/^Re-encrypted the archive with a new key and checked it: 6 sessions/);
    const second = (await invoke<{ key: string }>('revealArchiveKey')).key;
    expect(second).not.toBe(first);
    expect(await sessionsIn(invoke)).toBe(6);
    expect(() => SqliteStore.checkFile(file, { key: parseArchiveKey(first, 'old') })).toThrow(/does not open/);
    expect(SqliteStore.checkFile(file, { key: parseArchiveKey(second, 'new') }).ok).toBe(true);
  });

  it('a missing key is a clear message, never a new archive; the saved key brings it back', { timeout: 40_000 }, async () => {
    const userData = await install();
    const first = await start(userData);
    await first.invoke('sendTestEvent');
    const { key } = await first.invoke<{ key: string }>('revealArchiveKey');
    await first.quit();
    const file = join(userData, 'archive.sqlite');
    const before = readFileSync(file);
    rmSync(join(userData, KEY_FILE));

    const { invoke } = await start(userData);
    const status = await invoke<ArchiveStatus>('status');
    expect(status.warnings[0]!.message).toContain(`the archive at ${file} is encrypted, but this computer keeps no key for it`);
    expect((await invoke<EncryptionView>('encryptionStatus')).problem).toMatch(/keeps no key/);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(join(userData, KEY_FILE))).toBe(false);

    await expect(invoke('useArchiveKey', { key: 'ab'.repeat(32) })).rejects.toThrow('this key does not open the archive; nothing was changed');
    expect(await invoke<EncryptionView>('useArchiveKey', { key })).toMatchObject({ encrypted: true, problem: null });
    expect(await sessionsIn(invoke)).toBe(1);
  });

  it('a key change that crashed before or after the swap opens with the right key at the next start, and settles on it', async () => {
    const userData = tempDir();
    const codec = await safeStorageCodec(fakeSafeStorage() as never, 'linux');
    const file = join(userData, 'archive.sqlite');
    const keys = await ArchiveKeyStore.open(userData, codec);
    const old = await desktopArchiveKey(userData, keys, codec);
    await (await SqliteStore.open(file, { key: old })).close();
    const next = generateArchiveKey('the OS keychain');

    // Crash after the new key was kept, before the swap: the archive is still under the old key.
    await keys.keepPending(next);
    expect((await desktopArchiveKey(userData, await ArchiveKeyStore.open(userData, codec), codec))?.value).toBe(old!.value);

    // Crash after the swap, before the store settled: the pending key opens it, and becomes current.
    await changeArchiveKey(file, { from: old, to: next });
    const reopened = await ArchiveKeyStore.open(userData, codec);
    expect(reopened.current?.value).toBe(old!.value);
    expect((await desktopArchiveKey(userData, reopened, codec))?.value).toBe(next.value);
    const settled = await ArchiveKeyStore.open(userData, codec);
    expect([settled.current?.value, settled.pending]).toEqual([next.value, null]);
  });
});
