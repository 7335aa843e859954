import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { APP_USER_MODEL_ID, startDesktopApp } from '../../electron/main/desktop-app.js';
import { silentLogger } from '../../electron/core/log.js';

/** Just enough of `electron` for start-up: a second launch, and the first one's reaction to it. */
function fakeElectron(gotLock: boolean, isPackaged = false) {
  const app = Object.assign(new EventEmitter(), {
    isPackaged,
    requestSingleInstanceLock: vi.fn(() => gotLock),
    quit: vi.fn(),
    setAppUserModelId: vi.fn(),
    whenReady: () => new Promise<void>(() => undefined), // start-up after 'ready' is tested piece by piece
    getPath: () => '/tmp',
  });
  const windows: Array<{ shown: number; url: string | null }> = [];
  class BrowserWindow extends EventEmitter {
    state = { shown: 0, url: null as string | null };
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this.state);
    }
    isDestroyed = () => false;
    isMinimized = () => false;
    restore() {}
    show() {
      this.state.shown += 1;
    }
    focus() {}
    hide() {}
    loadURL(url: string) {
      this.state.url = url;
      return Promise.resolve();
    }
  }
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
  return { electron: { app, BrowserWindow, protocol } as never, app, windows, protocol };
}

describe('desktop app start-up', () => {
  it('a second launch hands over to the first and quits', () => {
    const { electron, app } = fakeElectron(false);
    expect(startDesktopApp(electron, silentLogger)).toBeNull();
    expect(app.quit).toHaveBeenCalled();
  });

  it('the first instance registers its scheme before ready and shows its window when launched again', () => {
    const { electron, app, windows, protocol } = fakeElectron(true);
    expect(startDesktopApp(electron, silentLogger)).not.toBeNull();
    expect(app.quit).not.toHaveBeenCalled();
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(windows).toHaveLength(0); // the window starts hidden (not even created)
    app.emit('second-instance');
    expect(windows).toHaveLength(1);
    expect(windows[0]).toEqual({ shown: 1, url: 'app://archive/index.html' });
  });

  it('closing the window does not quit: the app stays in the tray', () => {
    const { electron, app } = fakeElectron(true);
    startDesktopApp(electron, silentLogger);
    expect(app.listenerCount('window-all-closed')).toBe(1);
    app.emit('window-all-closed');
    expect(app.quit).not.toHaveBeenCalled();
  });

  it('Windows: the app user model id is the registered one when packaged, and electron.exe under `npm start` (else no notifications)', () => {
    const dev = fakeElectron(true, false);
    startDesktopApp(dev.electron, silentLogger, { platform: 'win32', execPath: 'C:\\src\\node_modules\\electron\\dist\\electron.exe' });
    expect(dev.app.setAppUserModelId).toHaveBeenCalledWith('C:\\src\\node_modules\\electron\\dist\\electron.exe');
    const packaged = fakeElectron(true, true);
    startDesktopApp(packaged.electron, silentLogger, { platform: 'win32', execPath: 'C:\\Program Files\\CallAIder Archive\\CallAIder Archive.exe' });
    expect(packaged.app.setAppUserModelId).toHaveBeenCalledWith(APP_USER_MODEL_ID);
    const linux = fakeElectron(true);
    startDesktopApp(linux.electron, silentLogger, { platform: 'linux' });
    expect(linux.app.setAppUserModelId).not.toHaveBeenCalled();
  });

  it("macOS: 'activate' (a dock click, opening the app again) shows the window", () => {
    const { electron, app, windows } = fakeElectron(true);
    startDesktopApp(electron, silentLogger, { platform: 'darwin' });
    app.emit('activate', {}, false);
    expect(windows).toHaveLength(1);
    expect(windows[0]!.shown).toBe(1);
  });
});
