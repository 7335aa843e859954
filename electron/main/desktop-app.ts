/**
 * The composition root of the desktop app: one instance, the engine in the main process, the
 * tray, notifications, the archive window, settings with encrypted secrets, and IPC. Everything
 * Electron-specific is passed in (`electron`), so the wiring is testable with a fake.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as ElectronModule from 'electron';
import type { SessionDetail } from '../../shared/api.js';
import type { SettingsUpdate, SettingsView } from '../../shared/settings.js';
import { ArchiveService } from '../core/archive-service.js';
import { Engine } from '../core/engine.js';
import { consoleLogger, type Logger } from '../core/log.js';
import { packageRoot, rendererDir } from '../core/paths.js';
import { SettingsStore } from '../core/settings-store.js';
import { registerAppScheme, serveAppScheme } from './app-protocol.js';
import { registerArchiveIpc } from './ipc.js';
import { Notifier } from './notifier.js';
import { APP_ORIGIN } from './origin.js';
import { safeStorageCodec } from './secret-codec.js';
import { installSecurityGuards } from './security.js';
import { TrayController } from './tray.js';
import type { TrayState } from './tray-state.js';
import { ArchiveWindow } from './window.js';

type Electron = typeof ElectronModule;

export const APP_USER_MODEL_ID = 'com.callaider.archive';

/** Settings that change what the engine listens to; the others apply without a restart. */
const ENGINE_SETTINGS = ['port', 'tunnel', 'ngrokDomain', 'publicUrl', 'requiredHeaderName', 'staleAfterMinutes'] as const;

export function iconPath(state: TrayState, dark: boolean): string {
  return join(packageRoot(), 'build', 'icons', `tray-${state}-${dark ? 'dark' : 'light'}.png`);
}

/** better-sqlite3 built for Electron's ABI (by `npm start`), so `npm test` keeps the Node build. */
export function electronNativeBinding(electronVersion: string): string | undefined {
  const file = join(packageRoot(), 'build', 'native', `electron-${electronVersion}`, 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}

export interface DesktopApp {
  /** Resolves once the engine runs (or has failed with a visible message). */
  ready: Promise<void>;
}

export function startDesktopApp(electron: Electron, log: Logger = consoleLogger()): DesktopApp | null {
  const { app } = electron;
  if (!app.requestSingleInstanceLock()) {
    // Another copy runs: it gets the 'second-instance' event and shows its window.
    app.quit();
    return null;
  }
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  registerAppScheme(electron.protocol);

  let quitting = false;
  let engine: Engine | null = null;
  let service: ArchiveService | null = null;
  let store: SettingsStore | null = null;
  let tray: TrayController | null = null;
  let failure: string | null = null;
  const window = new ArchiveWindow({
    BrowserWindow: electron.BrowserWindow,
    preloadPath: join(packageRoot(), 'dist', 'electron', 'preload', 'index.cjs'),
    iconPath: join(packageRoot(), 'build', 'icons', 'icon.png'),
    isQuitting: () => quitting,
  });

  app.on('second-instance', () => window.show());
  app.on('window-all-closed', () => {
    // Stay in the tray: closing the window is not quitting.
  });
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    if (!engine) return;
    event.preventDefault();
    const stopping = engine;
    engine = null;
    void stopping.stop().finally(() => app.quit());
  });

  // The status is read from the archive's reader thread; refreshes that overlap share one read.
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  const refreshTray = (): void => {
    if (!tray) return;
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = (async () => {
      const status = service && engine ? await service.status().catch(() => null) : null;
      tray?.update({
        status,
        failure,
        notificationsPaused: store?.settings.notificationsPaused ?? false,
        startAtLogin: store?.settings.startAtLogin ?? false,
      });
    })().finally(() => {
      refreshing = null;
      if (refreshAgain) {
        refreshAgain = false;
        refreshTray();
      }
    });
  };

  const startEngine = async (): Promise<Engine> => {
    if (!store) throw new Error('settings are not loaded');
    const config = store.toEngineConfig(app.getPath('userData'));
    return Engine.start(config, { log, nativeBinding: electronNativeBinding(process.versions.electron ?? '') });
  };

  const settingsView = (): SettingsView => ({
    settings: store!.settings,
    secretsSet: store!.secretsSet(),
    secretProtection: store!.protection,
    dataDir: app.getPath('userData'),
    editable: true,
  });

  const updateSettings = async (update: SettingsUpdate): Promise<SettingsView> => {
    const before = store!.settings;
    await store!.update(update);
    const after = store!.settings;
    const restart = Object.keys(update.secrets ?? {}).length > 0 || ENGINE_SETTINGS.some((key) => before[key] !== after[key]);
    if (after.startAtLogin !== before.startAtLogin) app.setLoginItemSettings({ openAtLogin: after.startAtLogin });
    if (restart && engine) {
      const old = engine;
      engine = null;
      await old.stop();
      try {
        engine = await startEngine();
        failure = null;
        service?.attach(engine);
        listenToEngine(engine);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
        log.error(`could not restart the engine with the new settings: ${failure}`);
      }
    }
    refreshTray();
    return settingsView();
  };

  /** Everything the shell hears from an engine, attached the same way at start and after a restart. */
  const listenToEngine = (running: Engine): void => {
    running.on('projected', (events) => void notifier.onProjected(events));
    running.on('tunnel', refreshTray);
    // The self-test after a resume: only a failure is worth interrupting the owner for.
    running.on('selfTest', (result) => {
      if (!result.ok) new electron.Notification({ title: 'CallAIder may not reach the archive', body: result.message }).show();
    });
  };

  const notifier = new Notifier({
    Notification: electron.Notification,
    preferences: () => store?.settings ?? { notifyOnEnded: true, notifyOnStarted: false, notificationsPaused: false },
    getSession: async (sessionId) => {
      try {
        return ((await service?.call('getSession', { sessionId })) as SessionDetail | undefined) ?? null;
      } catch {
        return null;
      }
    },
    openSession: (sessionId) => window.show(`#/sessions/${encodeURIComponent(sessionId)}`),
  });

  const ready = app.whenReady().then(async () => {
    serveAppScheme(electron.protocol, rendererDir());
    installSecurityGuards({ app, session: electron.session.defaultSession, shell: electron.shell, appOrigin: APP_ORIGIN });
    tray = new TrayController({
      Tray: electron.Tray,
      Menu: electron.Menu,
      nativeImage: electron.nativeImage,
      darkTheme: () => electron.nativeTheme.shouldUseDarkColors,
      iconPath,
      actions: {
        openArchive: () => window.show(),
        copyWebhookUrl: () => {
          const url = engine?.publicWebhookUrl;
          if (url) electron.clipboard.writeText(url);
        },
        sendTestEvent: () => {
          void engine?.sendSelfTest().then((result) => {
            new electron.Notification({ title: result.ok ? 'Test event stored' : 'Test event failed', body: result.message }).show();
          });
        },
        setNotificationsPaused: (paused) => void updateSettings({ settings: { notificationsPaused: paused } }),
        setStartAtLogin: (enabled) => void updateSettings({ settings: { startAtLogin: enabled } }),
        openDataFolder: () => void electron.shell.openPath(app.getPath('userData')),
        quit: () => app.quit(),
      },
    });
    electron.nativeTheme.on('updated', () => tray?.themeChanged());

    try {
      store = await SettingsStore.open(app.getPath('userData'), await safeStorageCodec(electron.safeStorage));
      for (const warning of store.warnings) log.warn(warning);
      engine = await startEngine();
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      log.error(`the archive could not start: ${failure}`);
      electron.dialog.showErrorBox('CallAIder Archive could not start', failure);
      refreshTray();
      return;
    }
    service = new ArchiveService(engine, { host: 'electron', settings: { view: settingsView, update: updateSettings } });
    registerArchiveIpc({
      ipcMain: electron.ipcMain,
      service,
      trustedOrigin: APP_ORIGIN,
      windows: () => (window.current ? [window.current] : []),
      log: (message) => log.warn(message),
    });
    listenToEngine(engine);
    service.subscribe((change) => {
      if (change.type === 'status' || change.type === 'session') refreshTray();
    });
    electron.powerMonitor.on('resume', () => void engine?.handleResume());
    refreshTray();
    // First run: show where to paste the webhook URL and the generated secret.
    if (store.firstRun) window.show('#/setup');
  });
  return { ready };
}
