/**
 * A stand-in for the `electron` module: records what the app asks of Electron so tests can check
 * it. Only the Electron API is faked; everything below it (engine, archive, IPC handlers) is real.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import { vi } from 'vitest';
import { APP_ORIGIN } from '../../electron/main/origin.js';
export { status } from '../support/archive-status.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- matches Electron's own handler type
type Handler = (event: any, ...args: any[]) => unknown;

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: unknown;
  tooltip = '';
  menu: Array<Record<string, unknown>> = [];
  constructor(image: unknown) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }
  setImage(image: unknown) {
    this.image = image;
  }
  setToolTip(text: string) {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: Array<Record<string, unknown>> }) {
    this.menu = menu.template;
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  static isSupported() {
    return true;
  }
  constructor(readonly options: { title?: string; body?: string }) {
    super();
  }
  show() {
    FakeNotification.shown.push(this);
  }
}

export function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle(channel: string, handler: Handler) {
      handlers.set(channel, handler);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };
}

/** An IPC event from a frame at `url` (top frame unless `child`). */
export function ipcEvent(url: string, child = false) {
  return { senderFrame: { url, parent: child ? {} : null } };
}

export const Menu = {
  buildFromTemplate: (template: Array<Record<string, unknown>>) => ({ template }),
  /** The last application menu set (Menu.setApplicationMenu). */
  application: null as { template: Array<Record<string, unknown>> } | null,
  setApplicationMenu(menu: { template: Array<Record<string, unknown>> } | null) {
    Menu.application = menu;
  },
};
export const nativeImage = { createFromPath: (path: string) => ({ path }) };

/** A port that was free a moment ago, on loopback. */
export async function freePort(): Promise<number> {
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

/** A reversible stand-in for the OS keychain, through safeStorage's asynchronous API. */
export function fakeSafeStorage() {
  return {
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptStringAsync: async (plain: string) => Buffer.from(`fake:${plain}`, 'utf8'),
    decryptStringAsync: async (stored: Buffer) => ({ shouldReEncrypt: false, result: stored.toString('utf8').replace(/^fake:/, '') }),
  };
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  visible = false;
  url: string | null = null;
  constructor(readonly options: Record<string, unknown>) {
    super();
    FakeBrowserWindow.instances.push(this);
  }
  isDestroyed = () => false;
  isMinimized = () => false;
  restore() {}
  show() {
    this.visible = true;
  }
  focus() {}
  hide() {
    this.visible = false;
  }
  loadURL(url: string) {
    this.url = url;
    return Promise.resolve();
  }
}

/**
 * Enough of `electron` for the whole desktop app to get past 'ready' and run its engine in
 * `userData` (everything below Electron is real).
 */
export function fakeDesktopElectron(userData: string, options: { safeStorage?: ReturnType<typeof fakeSafeStorage>; isPackaged?: boolean } = {}) {
  let quitted: () => void = () => undefined;
  const quit = new Promise<void>((resolve) => (quitted = resolve));
  const app = Object.assign(new EventEmitter(), {
    isPackaged: options.isPackaged ?? false,
    requestSingleInstanceLock: () => true,
    quit: vi.fn(() => quitted()),
    setAppUserModelId: vi.fn(),
    setLoginItemSettings: vi.fn(),
    setBadgeCount: vi.fn(() => true),
    getAppPath: () => '/src/callaider-archive',
    getVersion: () => '0.0.0-test',
    dock: { hide: vi.fn(), show: vi.fn(async () => undefined) },
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => {
      if (name !== 'userData') throw new Error(`unexpected app.getPath('${name}')`);
      return userData;
    },
  });
  FakeBrowserWindow.instances = [];
  const ipcMain = fakeIpcMain();
  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } },
    shell: { openExternal: vi.fn(async () => undefined), openPath: vi.fn(async () => '') },
    Tray: FakeTray,
    Menu,
    nativeImage,
    nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false }),
    safeStorage: options.safeStorage ?? fakeSafeStorage(),
    dialog: { showErrorBox: vi.fn() },
    ipcMain,
    powerMonitor: new EventEmitter(),
    Notification: FakeNotification,
    clipboard: { writeText: vi.fn() },
  };
  /** Calls an archive method as the archive window does; rejects with the error it answers. */
  const invoke = async <T>(method: string, args: unknown = {}): Promise<T> => {
    const handler = ipcMain.handlers.get(`archive:${method}`);
    if (!handler) throw new Error(`no handler for archive:${method}`);
    // An answer carries its value as is, or (big reads) as JSON text made on the reader thread.
    const result = (await handler(ipcEvent(`${APP_ORIGIN}/index.html`), args)) as { ok: true; value?: unknown; json?: string } | { ok: false; error: string; code: string };
    if (!result.ok) throw Object.assign(new Error(`archive:${method} failed: ${result.error}`), { code: result.code });
    return (typeof result.json === 'string' ? JSON.parse(result.json) : result.value) as T;
  };
  /** Quits the way the app does (before-quit stops the engine, then quits). */
  const quitApp = async () => {
    const event = { preventDefault: vi.fn() };
    app.emit('before-quit', event);
    if (event.preventDefault.mock.calls.length > 0) await quit;
  };
  return { electron: electron as never, app, ipcMain, dialog: electron.dialog, shell: electron.shell, quit, quitApp, invoke };
}
