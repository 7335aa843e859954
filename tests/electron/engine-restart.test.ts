/**
 * The whole desktop shell started against a fake `electron` (everything below it is real): a
 * settings change that restarts the engine must leave the new engine wired to the shell like the
 * first one, so a failed self-test still raises the "may not reach the archive" notification.
 */
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { startDesktopApp } from '../../electron/main/desktop-app.js';
import { APP_ORIGIN } from '../../electron/main/origin.js';
import type { ArchiveStatus, SendTestResult } from '../../shared/api.js';
import type { SettingsView } from '../../shared/settings.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { FakeNotification, FakeTray, fakeIpcMain, ipcEvent, Menu, nativeImage } from './fake-electron.js';

const UNREACHABLE_TITLE = 'CallAIder may not reach the archive';
/** Nothing listens on the discard port: a delivery there is refused at once. */
const UNREACHABLE_PUBLIC_URL = 'http://127.0.0.1:9';

/** A port that was free a moment ago, on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Enough of `electron` for the app to get past 'ready' and run its engine in `userData`. */
function fakeElectron(userData: string) {
  let quitted: () => void = () => undefined;
  const quit = new Promise<void>((resolve) => (quitted = resolve));
  const app = Object.assign(new EventEmitter(), {
    requestSingleInstanceLock: () => true,
    quit: vi.fn(() => quitted()),
    setAppUserModelId: vi.fn(),
    setLoginItemSettings: vi.fn(),
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => {
      if (name !== 'userData') throw new Error(`unexpected app.getPath('${name}')`);
      return userData;
    },
  });
  class BrowserWindow extends EventEmitter {
    isDestroyed = () => false;
    isMinimized = () => false;
    restore() {}
    show() {}
    focus() {}
    hide() {}
    loadURL() {
      return Promise.resolve();
    }
  }
  const ipcMain = fakeIpcMain();
  const electron = {
    app,
    BrowserWindow,
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } },
    shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') },
    Tray: FakeTray,
    Menu,
    nativeImage,
    nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false }),
    // A reversible stand-in for the OS keychain.
    safeStorage: {
      isAsyncEncryptionAvailable: async () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptStringAsync: async (plain: string) => Buffer.from(`fake:${plain}`, 'utf8'),
      decryptStringAsync: async (stored: Buffer) => ({ shouldReEncrypt: false, result: stored.toString('utf8').replace(/^fake:/, '') }),
    },
    dialog: { showErrorBox: vi.fn() },
    ipcMain,
    powerMonitor: new EventEmitter(),
    Notification: FakeNotification,
    clipboard: { writeText: vi.fn() },
  };
  return { electron: electron as never, app, ipcMain, dialog: electron.dialog, quit };
}

describe('desktop app: engine restart after a settings change', () => {
  it('a failed self-test raises the "may not reach the archive" notification before and after the restart', { timeout: 25_000 }, async () => {
    const userData = tempDir();
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    // An existing install (not a first run, so no setup window), receiving on loopback.
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ port: firstPort, publicUrl: UNREACHABLE_PUBLIC_URL }));

    FakeNotification.shown = [];
    const { electron, app, ipcMain, dialog, quit } = fakeElectron(userData);
    const desktop = startDesktopApp(electron, silentLogger);
    expect(desktop).not.toBeNull();
    // Quit the way the app does (before-quit stops the engine, then quits), so the archive closes
    // before the temporary folder is removed, even when an assertion below fails.
    onCleanup(async () => {
      const event = { preventDefault: vi.fn() };
      app.emit('before-quit', event);
      if (event.preventDefault.mock.calls.length > 0) await quit;
    });
    await desktop!.ready;
    expect(dialog.showErrorBox).not.toHaveBeenCalled();

    const invoke = async <T>(method: string, args: unknown = {}): Promise<T> => {
      const handler = ipcMain.handlers.get(`archive:${method}`);
      if (!handler) throw new Error(`no handler for archive:${method}`);
      // An answer carries its value as is, or (big reads) as JSON text made on the reader thread.
      const result = (await handler(ipcEvent(`${APP_ORIGIN}/index.html`), args)) as { ok: true; value?: unknown; json?: string } | { ok: false; error: string };
      if (!result.ok) throw new Error(`archive:${method} failed: ${result.error}`);
      return (typeof result.json === 'string' ? JSON.parse(result.json) : result.value) as T;
    };
    const warnings = () => FakeNotification.shown.filter((note) => note.options.title === UNREACHABLE_TITLE);

    // The first engine: the self-test through the unreachable public URL fails and is reported.
    expect((await invoke<ArchiveStatus>('status')).localWebhookUrl).toBe(`http://127.0.0.1:${firstPort}/webhook`);
    const before = await invoke<SendTestResult>('sendTestEvent');
    expect(before).toMatchObject({ ok: false, url: `${UNREACHABLE_PUBLIC_URL}/webhook` });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]!.options.body).toBe(before.message);

    // A new port restarts the engine. Sent as the settings window sends it: the whole draft.
    const { settings } = await invoke<SettingsView>('getSettings');
    const view = await invoke<SettingsView>('updateSettings', { settings: { ...settings, port: secondPort } });
    expect(view.settings).toMatchObject({ port: secondPort, publicUrl: UNREACHABLE_PUBLIC_URL });
    expect((await invoke<ArchiveStatus>('status')).localWebhookUrl).toBe(`http://127.0.0.1:${secondPort}/webhook`);

    // The new engine: its failed self-test must be reported just the same.
    const after = await invoke<SendTestResult>('sendTestEvent');
    expect(after).toMatchObject({ ok: false, url: `${UNREACHABLE_PUBLIC_URL}/webhook` });
    expect(after.sessionId).not.toBe(before.sessionId);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]!.options.body).toBe(after.message);
  });
});
