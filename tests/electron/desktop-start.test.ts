/**
 * The desktop app when its engine cannot start, or may not yet: a port taken by another program,
 * a keychain still locked right after login. Started against a fake `electron`; everything below
 * it (settings store, engine, IPC handlers) is real.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { SettingsStore } from '../../electron/core/settings-store.js';
import { SECRETS_LOCKED_TITLE, startDesktopApp } from '../../electron/main/desktop-app.js';
import { AUTOSTART_NAME } from '../../electron/main/login-item.js';
import { safeStorageCodec } from '../../electron/main/secret-codec.js';
import type { ArchiveStatus } from '../../shared/api.js';
import type { SettingsView } from '../../shared/settings.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { FakeBrowserWindow, FakeNotification, FakeTray, fakeDesktopElectron, fakeSafeStorage, freePort, Menu } from './fake-electron.js';

/** Another program listening on `port` (127.0.0.1), until the test ends. */
async function occupy(port: number): Promise<Server> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  onCleanup(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return server;
}

/** Whether anything accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An existing install: settings on `port` and a webhook secret saved through the fake keychain. */
async function existingInstall(port: number): Promise<{ userData: string; secretsFile: string }> {
  const userData = tempDir();
  const store = await SettingsStore.open(userData, await safeStorageCodec(fakeSafeStorage() as never, 'linux'));
  await store.update({ settings: { port }, secrets: { ngrokAuthtoken: 'tok_saved' } });
  return { userData, secretsFile: join(userData, 'secrets.json') };
}

/** The fake keychain, refusing to decrypt while `locked.value` is true (a keyring locked at login). */
function lockableSafeStorage(locked: { value: boolean }) {
  const storage = fakeSafeStorage();
  return {
    ...storage,
    decryptStringAsync: async (stored: Buffer) => {
      if (locked.value) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return storage.decryptStringAsync(stored);
    },
  };
}

describe('desktop app: the engine cannot start', () => {
  it('with its port taken, the window still opens on Setup, says why, serves the settings, and a new port starts the engine', { timeout: 25_000 }, async () => {
    const [taken, free] = [await freePort(), await freePort()];
    await occupy(taken);
    const { userData } = await existingInstall(taken);
    const xdg = tempDir();
    FakeTray.instances = [];
    const { electron, app, quitApp, invoke } = fakeDesktopElectron(userData);
    const desktop = startDesktopApp(electron, silentLogger, { platform: 'linux', execPath: '/opt/CallAIder Archive/callaider-archive', env: { XDG_CONFIG_HOME: xdg } });
    onCleanup(quitApp);
    await desktop!.ready;

    // The window opened by itself, on Setup, and the dock icon with it (macOS).
    expect(FakeBrowserWindow.instances).toHaveLength(1);
    expect(FakeBrowserWindow.instances[0]!).toMatchObject({ visible: true, url: 'app://archive/index.html#/setup' });
    expect(app.dock.show).toHaveBeenCalled();
    // It says what failed: in the status the window shows, and in the tray.
    const status = await invoke<ArchiveStatus>('status');
    expect(status.warnings[0]).toMatchObject({ code: 'not-running' });
    expect(status.warnings[0]!.message).toMatch(/could not start.*(EADDRINUSE|in use)/i);
    await vi.waitFor(() => expect(FakeTray.instances.at(-1)!.tooltip).toMatch(/not receiving.*could not start/i));
    // Settings work; the archive's other calls say why they cannot.
    const view = await invoke<SettingsView>('getSettings');
    expect(view.settings.port).toBe(taken);
    expect(view.secretsSet).toMatchObject({ webhookSecret: true, ngrokAuthtoken: true });
    await expect(invoke('listSessions', {})).rejects.toMatchObject({ code: 'failed', message: expect.stringMatching(/not receiving/i) });
    await expect(invoke('listSessions', { limit: -1 })).rejects.toMatchObject({ code: 'bad-request' });

    // Saving a free port (the whole draft, as the window sends it) starts the engine.
    await invoke<SettingsView>('updateSettings', { settings: { ...view.settings, port: free } });
    const running = await invoke<ArchiveStatus>('status');
    expect(running.localWebhookUrl).toBe(`http://127.0.0.1:${free}/webhook`);
    expect(running.warnings.map((w) => w.code)).not.toContain('not-running');
    expect(running.secretConfigured).toBe(true);
    await vi.waitFor(() => expect(FakeTray.instances.at(-1)!.tooltip).toMatch(/receiving \(0 sessions\)/));
    expect((await invoke<{ items: unknown[] }>('listSessions', {})).items).toEqual([]);

    // Start at login on Linux: an XDG autostart entry naming this app (quoted: its path has spaces).
    await invoke<SettingsView>('updateSettings', { settings: { startAtLogin: true } });
    const entry = readFileSync(join(xdg, 'autostart', `${AUTOSTART_NAME}.desktop`), 'utf8');
    expect(entry).toContain('Exec="/opt/CallAIder Archive/callaider-archive" /src/callaider-archive\n');
    expect(app.setLoginItemSettings).not.toHaveBeenCalled();
  });
});

describe('desktop app: a keychain still locked at start (fail closed)', () => {
  it('does not receive until the secrets can be read, says so, keeps secrets.json as it was, and starts once the keyring unlocks', { timeout: 25_000 }, async () => {
    const port = await freePort();
    const { userData, secretsFile } = await existingInstall(port);
    const before = readFileSync(secretsFile, 'utf8');
    const locked = { value: true };
    FakeNotification.shown = [];
    const { electron, app, quitApp, invoke } = fakeDesktopElectron(userData, { safeStorage: lockableSafeStorage(locked) });
    const desktop = startDesktopApp(electron, silentLogger, { platform: 'linux', keychainRetryMs: [20, 40] });
    onCleanup(quitApp);
    await desktop!.ready;

    // Not started, not even unsigned; the owner is told (notification, status), the window stays closed.
    expect(await listening(port)).toBe(false);
    const status = await invoke<ArchiveStatus>('status');
    expect(status.warnings[0]).toMatchObject({ code: 'not-running', message: expect.stringMatching(/keychain.*webhookSecret/) });
    expect(FakeNotification.shown.filter((note) => note.options.title === SECRETS_LOCKED_TITLE)).toHaveLength(1);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(app.dock.hide).toHaveBeenCalled();

    // Another setting saved meanwhile: the secrets it could not read are left exactly as they were.
    const view = await invoke<SettingsView>('updateSettings', { settings: { notificationsPaused: true } });
    expect(view.settings.notificationsPaused).toBe(true);
    expect(view.secretsSet).toMatchObject({ webhookSecret: true, ngrokAuthtoken: true });
    expect(readFileSync(secretsFile, 'utf8')).toBe(before);
    await new Promise((resolve) => setTimeout(resolve, 150)); // a few retries, still locked
    expect(await listening(port)).toBe(false);
    expect(FakeNotification.shown.filter((note) => note.options.title === SECRETS_LOCKED_TITLE)).toHaveLength(1);

    // The keyring unlocks: the next retry reads the secrets and starts the engine with them.
    locked.value = false;
    await vi.waitFor(async () => expect(await listening(port)).toBe(true), { timeout: 5_000 });
    const running = await invoke<ArchiveStatus>('status');
    expect(running.secretConfigured).toBe(true);
    expect(running.warnings.map((w) => w.code)).not.toContain('not-running');
    const unsigned = await fetch(`http://127.0.0.1:${port}/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unsigned.status).toBe(401);
    expect(readFileSync(secretsFile, 'utf8')).toBe(before);

    // The activate event (macOS dock click, second open) shows the window; closing it hides the dock icon again.
    app.emit('activate', {}, false);
    const window = FakeBrowserWindow.instances[0]!;
    expect(window.visible).toBe(true);
    expect(app.dock.show).toHaveBeenCalled();
    const close = { preventDefault: vi.fn() };
    window.emit('close', close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(window.visible).toBe(false);
    expect(app.dock.hide).toHaveBeenCalledTimes(2);
  });

  it('never starts while the keychain keeps refusing, and a save changes no secret', { timeout: 25_000 }, async () => {
    const [port, otherPort] = [await freePort(), await freePort()];
    const { userData, secretsFile } = await existingInstall(port);
    const before = readFileSync(secretsFile, 'utf8');
    const { electron, quitApp, invoke } = fakeDesktopElectron(userData, { safeStorage: lockableSafeStorage({ value: true }) });
    const desktop = startDesktopApp(electron, silentLogger, { platform: 'linux', keychainRetryMs: [10] });
    onCleanup(quitApp);
    await desktop!.ready;
    await invoke<SettingsView>('updateSettings', { settings: { port: otherPort } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await listening(port)).toBe(false);
    expect(await listening(otherPort)).toBe(false);
    expect((await invoke<ArchiveStatus>('status')).warnings[0]).toMatchObject({ code: 'not-running' });
    expect(JSON.parse(readFileSync(join(userData, 'settings.json'), 'utf8'))).toMatchObject({ port: otherPort });
    expect(readFileSync(secretsFile, 'utf8')).toBe(before);
  });

  it('encrypts a secret again when safeStorage says shouldReEncrypt', { timeout: 25_000 }, async () => {
    const port = await freePort();
    const { userData, secretsFile } = await existingInstall(port);
    const storage = fakeSafeStorage();
    const rotated = {
      ...storage,
      encryptStringAsync: async (plain: string) => Buffer.from(`new:${plain}`, 'utf8'),
      decryptStringAsync: async (stored: Buffer) => {
        const text = stored.toString('utf8');
        return text.startsWith('new:') ? { shouldReEncrypt: false, result: text.slice(4) } : { ...(await storage.decryptStringAsync(stored)), shouldReEncrypt: true };
      },
    };
    const { electron, quitApp } = fakeDesktopElectron(userData, { safeStorage: rotated });
    const desktop = startDesktopApp(electron, silentLogger, { platform: 'linux' });
    onCleanup(quitApp);
    await desktop!.ready;
    const saved = JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>;
    expect(Buffer.from(saved.ngrokAuthtoken!, 'base64').toString('utf8')).toBe('new:tok_saved');
    expect(Buffer.from(saved.webhookSecret!, 'base64').toString('utf8')).toMatch(/^new:[A-Za-z0-9_-]{43}$/);
    expect(Menu.application).not.toBeNull();
  });
});
