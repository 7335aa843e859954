/**
 * The composition root of the desktop app: one instance, the engine in the main process, the
 * tray, notifications, the archive window, settings with encrypted secrets, and IPC. Everything
 * Electron-specific is passed in (`electron`), so the wiring is testable with a fake.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as ElectronModule from 'electron';
import type { ArchiveStatus, SessionDetail } from '../../shared/api.js';
import { settingsSchema, type SettingsUpdate, type SettingsView } from '../../shared/settings.js';
import { ApiError, ArchiveService, type SettingsHost } from '../core/archive-service.js';
import { checkBackupsFolder, defaultBackupsFolder } from '../core/backup/backups.js';
import { Engine } from '../core/engine.js';
import { HubLink, hubTrayLine, type ConnectRequest } from '../core/hub/hub-link.js';
import { hubNotice } from '../core/hub/hub-notices.js';
import { consoleLogger, type Logger } from '../core/log.js';
import { archivePath, packageRoot, rendererDir } from '../core/paths.js';
import { SettingsStore, type SecretCodec } from '../core/settings-store.js';
import { ArchiveKeyLockedError } from './archive-key-store.js';
import { DesktopEncryption } from './desktop-encryption.js';
import { WEBHOOK_PATH } from '../core/webhook-paths.js';
import { appMenuTemplate, helpUrlFrom, isAllowedHelpUrl } from './app-menu.js';
import { registerAppScheme, serveAppScheme } from './app-protocol.js';
import { DesktopService, type HubHost } from './desktop-service.js';
import { registerArchiveIpc } from './ipc.js';
import { setStartAtLogin } from './login-item.js';
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
const ENGINE_SETTINGS = ['port', 'tunnel', 'ngrokDomain', 'publicUrl', 'requiredHeaderName', 'staleAfterMinutes', 'backupsFolder'] as const;

/**
 * The tray picture for a state. macOS: a template image (black and alpha, `…Template.png`), which
 * the menu bar tints for light and dark menus itself; Windows: an .ico with the sizes its tray
 * picks from; elsewhere a PNG for the panel's theme. Electron adds the `@2x` files by itself.
 */
export function iconPath(state: TrayState, dark: boolean, platform: NodeJS.Platform = process.platform): string {
  const icons = join(packageRoot(), 'build', 'icons');
  if (platform === 'darwin') return join(icons, `tray-${state}Template.png`);
  return join(icons, `tray-${state}-${dark ? 'dark' : 'light'}.${platform === 'win32' ? 'ico' : 'png'}`);
}

/** better-sqlite3 built for Electron's ABI (by `npm start`), so `npm test` keeps the Node build. */
export function electronNativeBinding(electronVersion: string): string | undefined {
  const file = join(packageRoot(), 'build', 'native', `electron-${electronVersion}`, 'better_sqlite3.node');
  return existsSync(file) ? file : undefined;
}

/** What the app reads from the process, injectable so tests need not mutate `process`. */
export interface DesktopHost {
  platform: NodeJS.Platform;
  /** The packaged executable, or the development Electron under `npm start`. */
  execPath: string;
  env: NodeJS.ProcessEnv;
  /**
   * Waits between attempts to read secrets the keychain refused (right after login it may still
   * be locked); the last one repeats, so the app keeps trying, at most that often, until it can.
   */
  keychainRetryMs: number[];
}

export const KEYCHAIN_RETRY_MS = [2_000, 5_000, 15_000, 30_000, 60_000];

export const SECRETS_LOCKED_TITLE = 'CallAIder Archive is waiting for the keychain';

export interface DesktopApp {
  /** Resolves once start-up is over: the engine runs, or what stopped it is shown. */
  ready: Promise<void>;
}

export function startDesktopApp(electron: Electron, log: Logger = consoleLogger(), hostOverrides: Partial<DesktopHost> = {}): DesktopApp | null {
  const host: DesktopHost = { platform: process.platform, execPath: process.execPath, env: process.env, keychainRetryMs: KEYCHAIN_RETRY_MS, ...hostOverrides };
  const { app } = electron;
  if (!app.requestSingleInstanceLock()) {
    // Another copy runs: it gets the 'second-instance' event and shows its window.
    app.quit();
    return null;
  }
  // Windows shows notifications only for a registered app user model id; under `npm start` the
  // app is the development electron.exe, which is registered under its own path.
  if (host.platform === 'win32') app.setAppUserModelId(app.isPackaged ? APP_USER_MODEL_ID : host.execPath);
  registerAppScheme(electron.protocol);

  let quitting = false;
  let engine: Engine | null = null;
  /** Created with the first engine; later engines are attached to it. */
  let service: ArchiveService | null = null;
  let store: SettingsStore | null = null;
  /** The keychain's codec, from the first successful read of the settings. */
  let codec: SecretCodec | null = null;
  let tray: TrayController | null = null;
  /** Why the archive is not receiving (null while it is). */
  let failure: string | null = 'Starting…';
  let keychainRetry: ReturnType<typeof setTimeout> | null = null;
  let keychainAttempts = 0;
  /** The office hub connection, once the keychain could be asked (it keeps a remembered password). */
  let hubLink: HubLink | null = null;
  const hubActive = (): boolean => hubLink?.active ?? false;
  const dataDir = (): string => app.getPath('userData');

  const window = new ArchiveWindow({
    BrowserWindow: electron.BrowserWindow,
    preloadPath: join(packageRoot(), 'dist', 'electron', 'preload', 'index.cjs'),
    iconPath: join(packageRoot(), 'build', 'icons', 'icon.png'),
    isQuitting: () => quitting,
    // macOS: a dock icon only while the window is open; otherwise the app lives in the menu bar.
    onVisibilityChange: (visible) => {
      if (visible) void app.dock?.show();
      else app.dock?.hide();
    },
  });

  app.on('second-instance', () => window.show());
  // macOS: clicking the dock icon, or opening the app again while it runs.
  app.on('activate', () => window.show());
  app.on('window-all-closed', () => {
    // Stay in the tray: closing the window is not quitting.
  });
  app.on('before-quit', (event) => {
    if (keychainRetry) clearTimeout(keychainRetry);
    if (quitting) return;
    quitting = true;
    hubLink?.close();
    if (!engine) return;
    event.preventDefault();
    // Taken out of reach at once: nothing else (a settings save, a key change) may stop or
    // restart it meanwhile. The backup first, while calls are still acknowledged; then the engine
    // stops. A failed backup never keeps the app from quitting: it is recorded, and warned about at
    // the next start.
    const stopping = engine;
    engine = null;
    void stopping
      .backupBeforeQuit()
      .catch((error: unknown) => log.warn(`backup before quitting: ${error instanceof Error ? error.message : String(error)}`))
      .then(() => stopping.stop())
      .finally(() => app.quit());
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
      const hub = hubLink?.active ? hubLink.view() : null;
      const status = hub
        ? hub.state === 'connected'
          ? await hubLink!.call<ArchiveStatus>('status', {}).catch(() => null)
          : null
        : service && engine
          ? await service.status().catch(() => null)
          : null;
      tray?.update({
        status,
        failure,
        hub: hub ? { line: hubTrayLine(hub, formatSince) ?? '', connected: hub.state === 'connected' } : null,
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

  const settingsView = (): SettingsView => ({
    settings: store!.settings,
    secretsSet: store!.secretsSet(),
    secretProtection: store!.protection,
    dataDir: dataDir(),
    editable: true,
  });

  /** The status while there is no engine: what the settings say, and why nothing is received. */
  const standbyStatus = (): ArchiveStatus => {
    const settings = store?.settings ?? settingsSchema.parse({});
    return {
      version: app.getVersion(),
      host: 'electron',
      dataDir: dataDir(),
      archiveFile: archivePath(dataDir()),
      localWebhookUrl: `http://127.0.0.1:${settings.port}${WEBHOOK_PATH}`,
      publicWebhookUrl: null,
      tunnel: { mode: settings.tunnel, state: 'off', error: null },
      secretConfigured: store?.secretsSet().webhookSecret ?? false,
      requiredHeaderName: settings.requiredHeaderName,
      counts: { sessions: 0, activeSessions: 0, staleSessions: 0, messages: 0, deliveries: 0, quarantined: 0 },
      staleAfterMinutes: settings.staleAfterMinutes,
      recentOutages: [],
      lastSelfTest: null,
      warnings: [
        hubActive()
          ? { code: 'not-running', message: `Office hub: ${hubLink!.view().message ?? 'connecting…'}` }
          : { code: 'not-running', message: `Not receiving: ${failure ?? 'the archive is not running'}` },
      ],
      indexing: 0,
      followUps: { open: 0, snoozed: 0 },
      triage: null,
    };
  };

  const applyStartAtLogin = (enabled: boolean): void => {
    try {
      const problem = setStartAtLogin(enabled, { app, platform: host.platform, execPath: host.execPath, env: host.env });
      if (problem) log.warn(problem);
    } catch (error) {
      log.error(`could not change Start at login: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  // Engine starts and stops one at a time (a keychain retry may meet a settings change).
  let engineWork: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = engineWork.then(work);
    engineWork = next.catch(() => undefined);
    return next;
  };

  const encryption = new DesktopEncryption({
    dataDir,
    backupsFolder: () => engine?.backupsFolder ?? defaultBackupsFolder(dataDir()),
    withEngineStopped: (work) =>
      serially(async () => {
        if (engine) {
          const old = engine;
          engine = null;
          failure = 'changing the archive key';
          await old.stop();
        }
        try {
          return await work();
        } finally {
          await launch();
          changed();
        }
      }),
    backupNow: async () => (engine ? engine.backups.runNow() : null),
  });

  /** Starts the engine if the settings allow: never while a saved secret is unread (fail closed). */
  const launch = async (): Promise<void> => {
    // Showing an office hub's archive: this computer's own stays on disk, untouched, unopened.
    if (quitting || !store || engine || hubActive()) return;
    if (!(await store.retryUnreadable())) {
      secretsLocked(store.unreadableSecrets);
      return;
    }
    let archiveKey;
    try {
      archiveKey = await encryption.keyForStart(codec!);
    } catch (error) {
      if (error instanceof ArchiveKeyLockedError) {
        failure = `waiting for the keychain to unlock: ${error.message}`;
        log.warn(failure);
        retryLater();
        return;
      }
      // Never a new empty archive over one that did not open: say why and wait for the owner.
      failure = `the archive could not be opened: ${error instanceof Error ? error.message : String(error)}`;
      log.error(failure);
      return;
    }
    keychainAttempts = 0;
    try {
      const settings = store;
      const started = await Engine.start({ ...store.toEngineConfig(dataDir()), archiveKey }, {
        log,
        nativeBinding: electronNativeBinding(process.versions.electron ?? ''),
        // Read at each check: a new summary time or the quiet switch applies without a restart.
        alertSettings: () => ({ dailySummaryAt: settings.settings.dailySummaryAt, quietAlerts: settings.settings.quietAlerts }),
      });
      if (quitting) {
        await started.stop();
        return;
      }
      engine = started;
      failure = null;
      if (service) service.attach(started);
      else {
        service = new ArchiveService(started, { host: 'electron', settings: settingsHost });
        service.subscribe((change) => {
          // The tray shows the open follow-ups: they change with calls, the owner's edits and the rules.
          if (change.type === 'status' || change.type === 'session' || change.type === 'follow-up' || change.type === 'triage') refreshTray();
        });
      }
      listenToEngine(started);
    } catch (error) {
      failure = `the archive could not start: ${error instanceof Error ? error.message : String(error)}`;
      log.error(failure);
    }
  };

  /** Loads the settings (through the keychain) if not loaded yet, then starts the engine. */
  const boot = async (): Promise<void> => {
    if (quitting) return;
    if (!store) {
      try {
        codec = await safeStorageCodec(electron.safeStorage, host.platform);
        store = await SettingsStore.open(dataDir(), codec);
      } catch (error) {
        failure = `the settings could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
        log.error(failure);
        retryLater();
        return;
      }
      for (const warning of store.warnings) log.warn(warning);
      // Rewritten at every start: the entry must name where the app is now (an AppImage moves).
      if (store.settings.startAtLogin) applyStartAtLogin(true);
      hubLink = createHubLink(codec);
      if (await hubLink.resume()) {
        failure = null;
        return;
      }
    }
    await launch();
  };

  /** Secrets the keychain would not decrypt: say so, keep them, and try again later. */
  let toldLocked = false;
  const secretsLocked = (names: string[]): void => {
    failure = `waiting for the keychain to unlock: the saved ${names.join(', ')} could not be read yet. Nothing is received until it can be, so no event arrives unchecked; unlock your keyring, or enter the secret again in Setup.`;
    log.warn(failure);
    if (!toldLocked) {
      toldLocked = true;
      const note = new electron.Notification({ title: SECRETS_LOCKED_TITLE, body: 'Saved secrets could not be read yet (is the keyring locked?). Nothing is received until they can be.' });
      note.on('click', () => window.show('#/setup'));
      note.show();
    }
    retryLater();
  };

  /** The next attempt, after a wait that grows up to the last of keychainRetryMs. */
  const retryLater = (): void => {
    const delays = host.keychainRetryMs;
    const delay = delays[Math.min(keychainAttempts, delays.length - 1)] ?? 60_000;
    keychainAttempts += 1;
    if (keychainRetry) clearTimeout(keychainRetry);
    keychainRetry = setTimeout(() => {
      keychainRetry = null;
      void serially(boot).finally(changed);
    }, delay);
    keychainRetry.unref?.();
  };

  /** Open windows and the tray read the state again. */
  const changed = (): void => {
    desktopService.emit({ type: 'status' });
    refreshTray();
  };

  const updateSettings = async (update: SettingsUpdate): Promise<SettingsView> => {
    if (!store) throw new Error('the settings are not loaded yet');
    // A folder backups cannot be written to is refused now, not found out at tomorrow's backup.
    const folder = update.settings?.backupsFolder;
    if (folder) {
      try {
        checkBackupsFolder(folder);
      } catch (error) {
        throw new ApiError('bad-request', error instanceof Error ? error.message : String(error));
      }
    }
    const before = store.settings;
    await store.update(update);
    const after = store.settings;
    if (after.startAtLogin !== before.startAtLogin) applyStartAtLogin(after.startAtLogin);
    const restart = Object.keys(update.secrets ?? {}).length > 0 || ENGINE_SETTINGS.some((key) => before[key] !== after[key]);
    await serially(async () => {
      if (engine && restart) {
        const old = engine;
        engine = null;
        failure = 'restarting with the new settings';
        await old.stop();
      }
      // Also when nothing engine-related changed: a save is how the owner retries a failed start.
      await launch();
    });
    changed();
    return settingsView();
  };
  const settingsHost: SettingsHost = { view: settingsView, update: updateSettings };

  /** Follows the hub: its changes go to the window (and notifications), its state to the tray. */
  const createHubLink = (secrets: SecretCodec): HubLink => {
    const link = new HubLink({ dataDir: dataDir(), codec: secrets, log });
    link.on('change', (change) => {
      desktopService.emit(change);
      if (change.type === 'status' || change.type === 'session' || change.type === 'follow-up' || change.type === 'triage') refreshTray();
      void hubNotice(change, (sessionId) => link.call<SessionDetail | null>('getSession', { sessionId })).then((notice) => {
        if (notice?.kind === 'call') void notifier.onProjected([notice.call]);
        if (notice?.kind === 'alert') notifier.onAlert(notice.alert);
      });
    });
    link.on('state', () => changed());
    return link;
  };

  /** Connecting stops this computer's engine only once the hub accepted the sign-in. */
  const hubHost: HubHost = {
    active: hubActive,
    view: () => hubLink?.view() ?? { mode: 'local', url: null, name: null, remember: false, fingerprint: null, state: null, since: null, message: null, user: null },
    connect: async (request: ConnectRequest) => {
      if (!hubLink) throw new ApiError('failed', 'The settings are not loaded yet; try again in a moment.');
      const link = hubLink;
      const result = await link.connect(request);
      if (result.outcome === 'connected') {
        await serially(async () => {
          if (!engine) return;
          const old = engine;
          engine = null;
          await old.stop();
        });
        failure = null;
        changed();
      }
      return result;
    },
    disconnect: async () => {
      const view = (await hubLink?.disconnect()) ?? hubHost.view();
      failure = 'starting this computer’s archive';
      await serially(launch);
      changed();
      return view;
    },
    answer: (method, args) => {
      if (!hubLink) throw new ApiError('failed', 'Not connected to an office hub.');
      return hubLink.answer(method, args);
    },
  };

  const desktopService = new DesktopService({
    running: () => (engine ? service : null),
    settings: () => (store ? settingsHost : null),
    standbyStatus,
    encryption,
    hub: hubHost,
  });

  /** Everything the shell hears from an engine, attached the same way at start and after a restart. */
  const listenToEngine = (running: Engine): void => {
    running.on('projected', (events) => void notifier.onProjected(events));
    running.on('alert', (alert) => notifier.onAlert(alert));
    running.on('tunnel', refreshTray);
    // The self-test after a resume: only a failure is worth interrupting the owner for.
    running.on('selfTest', (result) => {
      if (!result.ok) new electron.Notification({ title: 'CallAIder may not reach the archive', body: result.message }).show();
    });
  };

  const notifier = new Notifier({
    Notification: electron.Notification,
    preferences: () => store?.settings ?? settingsSchema.parse({}),
    getSession: async (sessionId) => {
      try {
        if (hubLink?.active) return await hubLink.call<SessionDetail | null>('getSession', { sessionId });
        return ((await service?.call('getSession', { sessionId })) as SessionDetail | undefined) ?? null;
      } catch {
        return null;
      }
    },
    openSession: (sessionId) => window.show(`#/sessions/${encodeURIComponent(sessionId)}`),
    openWindow: (route) => window.show(route ?? null),
  });

  const ready = app.whenReady().then(async () => {
    serveAppScheme(electron.protocol, rendererDir());
    installSecurityGuards({ app, session: electron.session.defaultSession, shell: electron.shell, appOrigin: APP_ORIGIN });
    electron.Menu.setApplicationMenu(
      electron.Menu.buildFromTemplate(
        appMenuTemplate({
          platform: host.platform,
          isPackaged: app.isPackaged,
          helpUrl: readHelpUrl(),
          openHelp: (url) => {
            if (isAllowedHelpUrl(url)) void electron.shell.openExternal(url);
          },
        }),
      ),
    );
    // The window starts hidden: no dock icon until it opens (macOS).
    if (!window.current) app.dock?.hide();
    // Before anything that can fail or wait: the window can always ask what went wrong and fix it.
    registerArchiveIpc({
      ipcMain: electron.ipcMain,
      service: desktopService,
      trustedOrigin: APP_ORIGIN,
      windows: () => (window.current ? [window.current] : []),
      log: (message) => log.warn(message),
    });
    tray = new TrayController({
      Tray: electron.Tray,
      Menu: electron.Menu,
      nativeImage: electron.nativeImage,
      darkTheme: () => electron.nativeTheme.shouldUseDarkColors,
      iconPath,
      // Windows has no count badge API (only an overlay icon): there the tooltip and menu carry the count.
      setBadgeCount: host.platform === 'win32' ? undefined : (count) => void app.setBadgeCount(count),
      actions: {
        openArchive: () => window.show(),
        openInbox: () => window.show('#/inbox'),
        openBackups: () => window.show('#/setup/backups-title'),
        copyWebhookUrl: () => {
          const url = engine?.publicWebhookUrl;
          if (url) electron.clipboard.writeText(url);
        },
        sendTestEvent: () => {
          void engine?.sendSelfTest().then((result) => {
            new electron.Notification({ title: result.ok ? 'Test event stored' : 'Test event failed', body: result.message }).show();
          });
        },
        setNotificationsPaused: (paused) => void updateSettings({ settings: { notificationsPaused: paused } }).catch((error: unknown) => log.error(String(error))),
        setStartAtLogin: (enabled) => void updateSettings({ settings: { startAtLogin: enabled } }).catch((error: unknown) => log.error(String(error))),
        openDataFolder: () => void electron.shell.openPath(dataDir()),
        quit: () => app.quit(),
      },
    });
    electron.nativeTheme.on('updated', () => tray?.themeChanged());
    electron.powerMonitor.on('resume', () => void engine?.handleResume());

    failure = 'waiting for the keychain to read the saved settings';
    refreshTray();
    await serially(boot);
    changed();
    if (engine) {
      // First run: show where to paste the webhook URL and the generated secret.
      if (store?.firstRun) window.show('#/setup');
    } else if (store && store.unreadableSecrets.length === 0) {
      // It failed to start (port taken, archive locked): the window says why and offers Settings.
      // (Locked secrets raised a notification instead: that clears itself once the keyring opens.)
      window.show('#/setup');
    }
  });
  return { ready };
}

/** "14:05" today, "27 Nov 14:05" on another day: since when the hub is unreachable. */
function formatSince(at: number): string {
  const when = new Date(at);
  const time = when.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return when.toDateString() === new Date().toDateString() ? time : `${when.toLocaleDateString([], { day: 'numeric', month: 'short' })} ${time}`;
}

/** The README on the web, from package.json (null when it names no https page). */
function readHelpUrl(): string | null {
  try {
    return helpUrlFrom(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { homepage?: unknown; repository?: unknown });
  } catch {
    return null;
  }
}
