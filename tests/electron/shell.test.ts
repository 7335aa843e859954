/**
 * The Electron layer with the `electron` module replaced by a recording fake. What is tested is
 * our code's use of Electron (tray states, notifications, IPC checks, security handlers); the
 * archive behind the IPC handlers is real.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { ArchiveService } from '../../electron/core/archive-service.js';
import { defaultConfig } from '../../electron/core/config.js';
import { Engine } from '../../electron/core/engine.js';
import { deliver } from '../../electron/core/send-test.js';
import { appMenuTemplate, helpUrlFrom, isAllowedHelpUrl } from '../../electron/main/app-menu.js';
import { resolveInside } from '../../electron/main/app-protocol.js';
import { safeStorageCodec, WEAK_KEYRING_WARNING } from '../../electron/main/secret-codec.js';
import { CHANGE_CHANNEL, isTrustedSender, registerArchiveIpc } from '../../electron/main/ipc.js';
import { alertWanted, endedContent, KEEP_MAX, KEEP_MS, Notifier, type NotificationPreferences } from '../../electron/main/notifier.js';
import { callBody, reasonTitle } from '../../electron/core/alerts/wording.js';
import { APP_ORIGIN, originOf } from '../../electron/main/origin.js';
import { guardContents, installSecurityGuards, isAllowedExternal } from '../../electron/main/security.js';
import { TrayController } from '../../electron/main/tray.js';
import { trayStateFrom } from '../../electron/main/tray-state.js';
import { WINDOW_WEB_PREFERENCES } from '../../electron/main/window.js';
import { ARCHIVE_METHODS, type ArchiveChange } from '../../shared/api.js';
import type { Alert } from '../../shared/follow-up.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';
import { FakeNotification, FakeTray, fakeIpcMain, ipcEvent, Menu, nativeImage, status } from './fake-electron.js';

async function realService() {
  const engine = await Engine.start(defaultConfig({ dataDir: tempDir(), port: 0, secret: SECRET }));
  onCleanup(() => engine.stop());
  return { engine, service: new ArchiveService(engine, { host: 'electron' }) };
}

describe('tray', () => {
  const actions = { openArchive: vi.fn(), openInbox: vi.fn(), openBackups: vi.fn(), copyWebhookUrl: vi.fn(), sendTestEvent: vi.fn(), setNotificationsPaused: vi.fn(), setStartAtLogin: vi.fn(), openDataFolder: vi.fn(), quit: vi.fn() };
  const make = (dark = false, setBadgeCount?: (count: number) => void) =>
    new TrayController({ Tray: FakeTray as never, Menu: Menu as never, nativeImage: nativeImage as never, darkTheme: () => dark, iconPath: (state, isDark) => `${state}-${isDark ? 'dark' : 'light'}.png`, setBadgeCount, actions });

  it('shows receiving, tunnel down, no secret and error, with light and dark icons', () => {
    const tray = make();
    const icon = () => (FakeTray.instances.at(-1)!.image as { path: string }).path;
    expect(tray.currentState).toBe('error');
    tray.update({ status: status() });
    expect([tray.currentState, icon()]).toEqual(['receiving', 'receiving-light.png']);
    tray.update({ status: status({ tunnel: { mode: 'ngrok', state: 'error', error: 'offline' } }) });
    expect(tray.currentState).toBe('tunnel-down');
    expect(FakeTray.instances.at(-1)!.tooltip).toContain('offline');
    tray.update({ status: status({ secretConfigured: false }) });
    expect(tray.currentState).toBe('no-secret');
    tray.update({ failure: 'port 4318 is in use' });
    expect([tray.currentState, FakeTray.instances.at(-1)!.tooltip]).toEqual(['error', 'CallAIder Archive: not receiving (port 4318 is in use)']);
    const darkTray = make(true);
    darkTray.update({ status: status() });
    expect(icon()).toBe('receiving-dark.png');
  });

  it('has the menu a tray user expects, wired to its actions', () => {
    const tray = make();
    tray.update({ status: status(), notificationsPaused: true });
    const menu = FakeTray.instances.at(-1)!.menu;
    const labels = menu.filter((item) => item.label).map((item) => item.label);
    expect(labels.slice(1)).toEqual(['Nothing to follow up', 'Open archive', 'Copy webhook URL', 'Send test event', 'Pause notifications', 'Start at login', 'Open data folder', 'Quit CallAIder Archive']);
    const item = (label: string) => menu.find((i) => i.label === label)!;
    expect(item('Pause notifications').checked).toBe(true);
    (item('Pause notifications').click as (i: { checked: boolean }) => void)({ checked: false });
    expect(actions.setNotificationsPaused).toHaveBeenCalledWith(false);
    (item('Open archive').click as () => void)();
    expect(actions.openArchive).toHaveBeenCalled();
    tray.update({ status: status({ publicWebhookUrl: null }) });
    expect(FakeTray.instances.at(-1)!.menu.find((i) => i.label === 'Copy webhook URL')!.enabled).toBe(false);
  });

  it('shows the open follow-ups in the tooltip, as a menu item to the inbox, and as the badge where there is one', () => {
    const badge = vi.fn();
    const tray = make(false, badge);
    const fake = FakeTray.instances.at(-1)!;
    tray.update({ status: status({ counts: { sessions: 12, activeSessions: 0, staleSessions: 0, messages: 0, deliveries: 0, quarantined: 0 }, followUps: { open: 3, snoozed: 2 } }) });
    expect(fake.tooltip).toBe('CallAIder Archive: receiving (12 sessions) · 3 calls to follow up');
    expect(fake.menu[0]!.label).toBe('receiving (12 sessions)');
    const inbox = fake.menu.find((item) => item.label === '3 calls to follow up…')!;
    expect(inbox.enabled).toBe(true);
    (inbox.click as () => void)();
    expect(actions.openInbox).toHaveBeenCalledTimes(1);
    expect(badge.mock.calls).toEqual([[0], [3]]);
    // Set again only when the count changes.
    tray.update({ notificationsPaused: true });
    expect(badge.mock.calls).toHaveLength(2);
    tray.update({ status: status({ followUps: { open: 1, snoozed: 0 }, tunnel: { mode: 'ngrok', state: 'error', error: 'offline' } }) });
    expect(fake.tooltip).toBe('CallAIder Archive: tunnel down, CallAIder cannot reach this computer (offline) · 1 call to follow up');
    expect(fake.menu.some((item) => item.label === '1 call to follow up…')).toBe(true);
    tray.update({ status: status({ followUps: { open: 0, snoozed: 4 } }) });
    expect(fake.tooltip).not.toContain('follow up');
    expect(badge.mock.calls.at(-1)).toEqual([0]);
    expect(fake.menu.find((item) => item.label === 'Nothing to follow up')!.enabled).toBe(true);
    // No badge API (Windows): the tooltip and the menu still carry the count.
    make(false, undefined).update({ status: status({ followUps: { open: 2, snoozed: 0 } }) });
    expect(FakeTray.instances.at(-1)!.tooltip).toContain('2 calls to follow up');
  });

  it('says when there has been no backup for days, and opens Setup → Backups from the menu', () => {
    const tray = make();
    const fake = FakeTray.instances.at(-1)!;
    tray.update({ status: status() });
    expect(fake.menu.some((item) => String(item.label ?? '').includes('backup'))).toBe(false);
    const missing = { code: 'backup-missing' as const, message: 'The last good backup is 3 days old. Check the backups folder…' };
    tray.update({ status: status({ warnings: [missing] }) });
    expect(fake.tooltip).toBe('CallAIder Archive: receiving (0 sessions) · No backup for 3 days');
    const item = fake.menu.find((i) => i.label === 'No backup for 3 days: check Backups…')!;
    (item.click as () => void)();
    expect(actions.openBackups).toHaveBeenCalledTimes(1);
    tray.update({ status: status({ warnings: [{ code: 'backup-missing', message: 'There is no good backup of this archive yet.' }] }) });
    expect(fake.tooltip).toBe('CallAIder Archive: receiving (0 sessions) · No backup yet');
  });

  it('derives its state from status alone', () => {
    expect(trayStateFrom(null)).toBe('error');
    expect(trayStateFrom(status({ tunnel: { mode: 'none', state: 'off', error: null } }))).toBe('receiving');
  });
});

describe('notifications', () => {
  const plainSession = (sessionId: string) => ({ sessionId, mode: 'voice', reason: 'user_ended', durationSeconds: 5, toolErrorCount: 0, firstUserLine: 'hello', caller: null });
  const alert = (kind: Alert['kind'], sessionId?: string): Alert => ({ id: `${kind}-1`, kind, at: 1, title: `${kind} title`, body: `${kind} body`, ...(sessionId ? { sessionId } : {}) });

  function policyNotifier(prefs: NotificationPreferences) {
    FakeNotification.shown = [];
    const opened: string[] = [];
    const windows: Array<string | undefined> = [];
    const notifier = new Notifier({
      Notification: FakeNotification as never,
      preferences: () => prefs,
      getSession: async (sessionId) => plainSession(sessionId) as never,
      openSession: (id) => opened.push(id),
      openWindow: (route) => windows.push(route),
    });
    /** One plain ended call, one the rules flagged, one started call, then an alert of every kind. */
    const everything = async () => {
      await notifier.onProjected([
        { sessionId: 'plain', event: 'session.ended' },
        { sessionId: 'flagged', event: 'session.ended', attention: { followUp: true, notify: false } },
        { sessionId: 'notify', event: 'session.ended', attention: { followUp: false, notify: true } },
        { sessionId: 'plain', event: 'session.started' },
      ]);
      for (const item of [alert('follow-up', 'flagged'), alert('ended', 'plain'), alert('summary'), alert('refusals'), alert('quiet')]) notifier.onAlert(item);
      return FakeNotification.shown.map((note) => note.options.title);
    };
    return { notifier, everything, opened, windows };
  }

  it("'all': every ended call (a flagged one once, by its alert's reason), and the summary, refusal and quiet alerts", async () => {
    const { everything } = policyNotifier({ notifyCalls: 'all', notifyOnStarted: false, notificationsPaused: false });
    expect(await everything()).toEqual(['Call ended · 0:05 · user ended', 'follow-up title', 'ended title', 'summary title', 'refusals title', 'quiet title']);
  });

  it("'follow-up': only the calls the rules flagged; 'none': no calls; the archive's own alerts either way", async () => {
    expect(await policyNotifier({ notifyCalls: 'follow-up', notifyOnStarted: false, notificationsPaused: false }).everything()).toEqual(['follow-up title', 'summary title', 'refusals title', 'quiet title']);
    expect(await policyNotifier({ notifyCalls: 'none', notifyOnStarted: true, notificationsPaused: false }).everything()).toEqual(['A call started', 'summary title', 'refusals title', 'quiet title']);
    expect(await policyNotifier({ notifyCalls: 'all', notifyOnStarted: true, notificationsPaused: true }).everything()).toEqual([]);
    expect(alertWanted({ kind: 'follow-up' }, { notifyCalls: 'none', notifyOnStarted: false, notificationsPaused: false })).toBe(false);
  });

  it('a click opens the session, or the window where the cause is fixed (refusals and quiet: Setup)', async () => {
    const { everything, opened, windows } = policyNotifier({ notifyCalls: 'all', notifyOnStarted: false, notificationsPaused: false });
    await everything();
    for (const note of FakeNotification.shown) note.emit('click');
    expect(opened).toEqual(['plain', 'flagged', 'plain']);
    expect(windows).toEqual([undefined, '#/setup', '#/setup']);
  });

  it('on a real engine: one notification per ended call, worded from the archive; a click opens that session', async () => {
    const { engine, service } = await realService();
    const opened: string[] = [];
    FakeNotification.shown = [];
    const prefs: NotificationPreferences = { notifyCalls: 'all', notifyOnStarted: false, notificationsPaused: false };
    const notifier = new Notifier({
      Notification: FakeNotification as never,
      preferences: () => prefs,
      getSession: async (sessionId) => (await service.call('getSession', { sessionId })) as never,
      openSession: (id) => opened.push(id),
      openWindow: () => undefined,
    });
    engine.on('projected', (events) => void notifier.onProjected(events));
    engine.on('alert', (item) => notifier.onAlert(item));
    const { started, ended } = sessionPair({ messages: 10 });
    await deliver(engine.localWebhookUrl, started, { secret: SECRET });
    await deliver(engine.localWebhookUrl, ended, { secret: SECRET });
    await engine.archive.settled();
    await vi.waitFor(() => expect(FakeNotification.shown).toHaveLength(1));
    const session = (await engine.archive.getSession(ended.sessionId, 60_000))!;
    const followUp = await engine.archive.getFollowUp(ended.sessionId);
    const note = FakeNotification.shown[0]!;
    if (followUp && followUp.reasons.length > 0) expect(note.options.title).toBe(reasonTitle(followUp.reasons, session.mode));
    else expect(note.options.title).toMatch(/^(Call|Chat) ended · \d+:\d\d · /);
    expect(note.options.body).toBe(callBody(session.caller, session.firstUserLine));
    note.emit('click');
    expect(opened).toEqual([ended.sessionId]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(FakeNotification.shown).toHaveLength(1);

    prefs.notificationsPaused = true;
    const other = sessionPair();
    await deliver(engine.localWebhookUrl, other.ended, { secret: SECRET });
    await engine.archive.settled();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(FakeNotification.shown).toHaveLength(1);
  });

  it("lets go of shown notifications on click, close or failure, after an hour, and beyond the newest few, since 'close' may never come", async () => {
    vi.useFakeTimers();
    onCleanup(() => vi.useRealTimers());
    FakeNotification.shown = [];
    const notifier = new Notifier({
      Notification: FakeNotification as never,
      preferences: () => ({ notifyCalls: 'all', notifyOnStarted: false, notificationsPaused: false }),
      getSession: async (sessionId) => plainSession(sessionId) as never,
      openSession: () => undefined,
      openWindow: () => undefined,
    });
    const end = (count: number) => notifier.onProjected(Array.from({ length: count }, (_, i) => ({ sessionId: `s${i}`, event: 'session.ended' })));
    await end(3);
    expect(notifier.keptCount).toBe(3);
    FakeNotification.shown[0]!.emit('click');
    FakeNotification.shown[1]!.emit('close');
    FakeNotification.shown[2]!.emit('failed', {}, 'no notification service');
    expect(notifier.keptCount).toBe(0);
    // No event at all: dropped after KEEP_MS.
    await end(2);
    expect(notifier.keptCount).toBe(2);
    vi.advanceTimersByTime(KEEP_MS);
    expect(notifier.keptCount).toBe(0);
    // A burst: only the newest KEEP_MAX are kept.
    await end(KEEP_MAX + 15);
    expect(notifier.keptCount).toBe(KEEP_MAX);
    expect(FakeNotification.shown).toHaveLength(5 + KEEP_MAX + 15);
  });

  it('truncates long first lines, counts tool errors in the title, and names a known caller with how often they called', () => {
    const session = { sessionId: 's', assistantId: '1', status: 'ended', stale: false, startedAt: null, endedAt: null, sortAt: 0, durationSeconds: 75, reason: 'user_ended', mode: 'voice', firstUserLine: 'x'.repeat(300), messageCount: 3, toolCallCount: 2, toolErrorCount: 2, fileCount: 0, metadata: null, receivedStartedAt: null, receivedEndedAt: null, redactions: 0, caller: null };
    const content = endedContent(session as never);
    expect(content.title).toBe('Call ended · 1:15 · user ended · 2 tool errors');
    expect(content.body).toHaveLength(140);
    const caller = { key: 'tel:+12025550100', label: '+1 202-555-0100', kind: 'phone', calls7d: 3, calls30d: 4 };
    expect(endedContent({ ...session, firstUserLine: 'Can I move my cleaning?', caller } as never).body).toBe('+1 202-555-0100 · 3rd call this week\nCan I move my cleaning?');
  });
});

describe('IPC', () => {
  it('registers one handler per contract method, and the preload exposes exactly those', () => {
    const ipcMain = fakeIpcMain();
    registerArchiveIpc({ ipcMain, service: { call: vi.fn(), subscribe: () => () => undefined } as never, trustedOrigin: APP_ORIGIN, windows: () => [] });
    expect([...ipcMain.handlers.keys()].sort()).toEqual(ARCHIVE_METHODS.map((m) => `archive:${m}`).sort());
    const preload = readFileSync(new URL('../../electron/preload/index.cts', import.meta.url), 'utf8');
    const listed = /const METHODS = \[([^\]]+)\]/.exec(preload)![1]!.match(/'([a-zA-Z]+)'/g)!.map((m) => m.slice(1, -1));
    expect(listed.sort()).toEqual([...ARCHIVE_METHODS].sort());
  });

  it('answers the archive window, validates its arguments, and refuses other senders', async () => {
    const { service } = await realService();
    const ipcMain = fakeIpcMain();
    const sent: ArchiveChange[] = [];
    const dispose = registerArchiveIpc({ ipcMain, service, trustedOrigin: APP_ORIGIN, windows: () => [{ webContents: { send: (_c: string, change: ArchiveChange) => sent.push(change), isDestroyed: () => false } }] });
    onCleanup(dispose);
    const invoke = (channel: string, event: unknown, args: unknown) => ipcMain.handlers.get(channel)!(event, args) as Promise<{ ok: boolean; error?: string; code?: string; value?: unknown }>;
    const fromWindow = ipcEvent(`${APP_ORIGIN}/index.html#/sessions`);
    expect(await invoke('archive:status', fromWindow, {})).toMatchObject({ ok: true, value: { host: 'electron' } });
    expect(await invoke('archive:listSessions', fromWindow, { limit: -1 })).toMatchObject({ ok: false, code: 'bad-request' });
    expect(await invoke('archive:status', ipcEvent('https://evil.example/'), {})).toEqual({ ok: false, error: 'refused: this page may not use the archive', code: 'unauthorized' });
    expect(await invoke('archive:status', ipcEvent(`${APP_ORIGIN}/index.html`, true), {})).toMatchObject({ ok: false, code: 'unauthorized' });
    expect(await invoke('archive:status', ipcEvent('file:///etc/passwd'), {})).toMatchObject({ ok: false, code: 'unauthorized' });
    await service.call('loadDemoData', { sessions: 2 });
    expect(sent.map((c) => c.type)).toContain('sessions-changed');
    expect(CHANGE_CHANNEL).toBe('archive:changed');
  });

  it('compares origins of the custom scheme by scheme and host', () => {
    expect(originOf('app://archive/index.html')).toBe('app://archive');
    expect(originOf('app://archive.evil/index.html')).toBe('app://archive.evil');
    expect(isTrustedSender({ senderFrame: null } as never, APP_ORIGIN)).toBe(false);
  });
});

describe('security', () => {
  it('denies other permissions, navigation, new windows and webviews; opens only allowlisted https links outside', () => {
    const app = new (class extends EventEmitter {})();
    const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
    const shell = { openExternal: vi.fn(async () => undefined) };
    installSecurityGuards({ app: app as never, session: session as never, shell: shell as never, appOrigin: APP_ORIGIN });
    const request = (permission: string, requestingUrl: string, isMainFrame = true) => {
      const answer = vi.fn();
      const handler = session.setPermissionRequestHandler.mock.calls[0]![0] as (a: unknown, b: string, c: (ok: boolean) => void, d: unknown) => void;
      handler(null, permission, answer, { requestingUrl, isMainFrame });
      return answer.mock.calls[0]![0] as boolean;
    };
    const check = (permission: string, requestingOrigin: string, isMainFrame = true) =>
      (session.setPermissionCheckHandler.mock.calls[0]![0] as (a: unknown, b: string, c: string, d: unknown) => boolean)(null, permission, requestingOrigin, { isMainFrame });
    expect(request('media', `${APP_ORIGIN}/index.html`)).toBe(false);
    expect(check('media', APP_ORIGIN)).toBe(false);
    expect(check('notifications', APP_ORIGIN)).toBe(false);

    const contents = new (class extends EventEmitter {
      openHandler: ((details: { url: string }) => { action: string }) | null = null;
      setWindowOpenHandler(handler: (details: { url: string }) => { action: string }) {
        this.openHandler = handler;
      }
    })();
    app.emit('web-contents-created', {}, contents);
    const navigate = (url: string) => {
      const event = { preventDefault: vi.fn() };
      contents.emit('will-navigate', event, url);
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('https://evil.example/')).toBe(true);
    expect(navigate(`${APP_ORIGIN}/index.html#/setup`)).toBe(false);
    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview);
    expect(webview.preventDefault).toHaveBeenCalled();
    expect(contents.openHandler!({ url: 'https://console.cloud.google.com/storage/browser/_details/b/o' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledWith('https://console.cloud.google.com/storage/browser/_details/b/o');
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    expect(isAllowedExternal('http://console.cloud.google.com/')).toBe(false);
    expect(guardContents).toBeTypeOf('function');
  });

  it("grants 'clipboard-sanitized-write' (the Copy buttons) to the app's own page only, on request and on check", () => {
    const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() };
    installSecurityGuards({ app: new EventEmitter() as never, session: session as never, shell: { openExternal: vi.fn() } as never, appOrigin: APP_ORIGIN });
    const request = (permission: string, requestingUrl: string, isMainFrame = true) => {
      const answer = vi.fn();
      (session.setPermissionRequestHandler.mock.calls[0]![0] as (a: unknown, b: string, c: (ok: boolean) => void, d: unknown) => void)(null, permission, answer, { requestingUrl, isMainFrame });
      return answer.mock.calls[0]![0] as boolean;
    };
    const check = (permission: string, requestingOrigin: string, isMainFrame = true) =>
      (session.setPermissionCheckHandler.mock.calls[0]![0] as (a: unknown, b: string, c: string, d: unknown) => boolean)(null, permission, requestingOrigin, { isMainFrame });
    expect(request('clipboard-sanitized-write', `${APP_ORIGIN}/index.html#/setup`)).toBe(true);
    expect(check('clipboard-sanitized-write', APP_ORIGIN)).toBe(true);
    expect(check('clipboard-sanitized-write', `${APP_ORIGIN}/`)).toBe(true);
    // Not for another origin, a look-alike host, a subframe, or the clipboard's read side.
    expect(request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(check('clipboard-sanitized-write', 'app://archive.evil')).toBe(false);
    expect(check('clipboard-sanitized-write', 'http://127.0.0.1:4318')).toBe(false);
    expect(request('clipboard-sanitized-write', `${APP_ORIGIN}/index.html`, false)).toBe(false);
    expect(check('clipboard-sanitized-write', APP_ORIGIN, false)).toBe(false);
    expect(request('clipboard-read', `${APP_ORIGIN}/index.html`)).toBe(false);
    expect(check('clipboard-read', APP_ORIGIN)).toBe(false);
    expect(check('deprecated-sync-clipboard-read', APP_ORIGIN)).toBe(false);
  });

  it('locks the window down and serves only files inside the renderer folder', () => {
    expect(WINDOW_WEB_PREFERENCES).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(resolveInside('/app/renderer', '/index.html')).toBe('/app/renderer/index.html');
    expect(resolveInside('/app/renderer', '/')).toBe('/app/renderer/index.html');
    expect(resolveInside('/app/renderer', '/../../etc/passwd')).toBeNull();
    expect(resolveInside('/app/renderer', '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
  });
});

describe('secrets codec (safeStorage, asynchronous API)', () => {
  /** safeStorage whose async encryptor tags its output `tag` (Chromium: "v10" is Linux's hard-coded key). */
  const storage = (tag: string, syncBackend = 'gnome_libsecret') => ({
    isAsyncEncryptionAvailable: async () => true,
    getSelectedStorageBackend: vi.fn(() => syncBackend),
    encryptStringAsync: async (plain: string) => Buffer.concat([Buffer.from(tag, 'latin1'), Buffer.from(plain, 'utf8')]),
    decryptStringAsync: async (stored: Buffer) => ({ shouldReEncrypt: tag === 'v10', result: stored.subarray(3).toString('utf8') }),
  });

  it("warns about a weak keyring from what the async API encrypts with, not the synchronous backend's name", async () => {
    // The sync backend names a keyring, but the async API fell back to the hard-coded key.
    expect((await safeStorageCodec(storage('v10', 'gnome_libsecret') as never, 'linux')).warning).toBe(WEAK_KEYRING_WARNING);
    // The sync backend says basic_text, but the async API found a keyring.
    const strong = storage('v11', 'basic_text');
    expect((await safeStorageCodec(strong as never, 'linux')).warning).toBeNull();
    expect(strong.getSelectedStorageBackend).not.toHaveBeenCalled();
    // "v10" is the OS-protected key on macOS and Windows: no warning there.
    expect((await safeStorageCodec(storage('v10') as never, 'darwin')).warning).toBeNull();
    expect((await safeStorageCodec(storage('v10') as never, 'win32')).warning).toBeNull();
  });

  it('passes shouldReEncrypt on, and refuses to run without encryption', async () => {
    const codec = await safeStorageCodec(storage('v10') as never, 'linux');
    expect(await codec.decrypt(await codec.encrypt('s3cret'))).toEqual({ plain: 's3cret', reEncrypt: true });
    await expect(safeStorageCodec({ ...storage('v11'), isAsyncEncryptionAvailable: async () => false } as never, 'linux')).rejects.toThrow(/unavailable/);
  });
});

describe('application menu', () => {
  const labelsAndRoles = (items: Array<{ label?: string; role?: string; submenu?: unknown }>) => items.map((item) => item.role ?? item.label);
  const submenu = (items: ReturnType<typeof appMenuTemplate>, label: string) =>
    (items.find((item) => item.label === label || item.role === label)!.submenu as Array<{ role?: string; type?: string; label?: string; enabled?: boolean; click?: () => void }>);

  it('Edit and View with roles, Help to the project page; reload and developer tools only under `npm start`', () => {
    const openHelp = vi.fn();
    const packaged = appMenuTemplate({ platform: 'linux', isPackaged: true, helpUrl: 'https://github.com/example/callaider-archive#readme', openHelp });
    expect(labelsAndRoles(packaged)).toEqual(['Edit', 'View', 'help']);
    expect(submenu(packaged, 'Edit').filter((item) => item.role).map((item) => item.role)).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']);
    expect(submenu(packaged, 'View').map((item) => item.role)).toEqual(['resetZoom', 'zoomIn', 'zoomOut']);
    const help = submenu(packaged, 'help')[0]!;
    expect(help.enabled).toBe(true);
    help.click!();
    expect(openHelp).toHaveBeenCalledWith('https://github.com/example/callaider-archive#readme');
    const dev = appMenuTemplate({ platform: 'linux', isPackaged: false, helpUrl: null, openHelp });
    expect(submenu(dev, 'View').map((item) => item.role).filter(Boolean)).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'reload', 'forceReload', 'toggleDevTools']);
    expect(submenu(dev, 'help')[0]!.enabled).toBe(false);
  });

  it('on macOS the app menu comes first (and a Window menu)', () => {
    expect(labelsAndRoles(appMenuTemplate({ platform: 'darwin', isPackaged: true, helpUrl: null, openHelp: vi.fn() }))).toEqual(['appMenu', 'Edit', 'View', 'windowMenu', 'help']);
  });

  it('opens only plain https pages, taken from package.json', () => {
    expect(isAllowedHelpUrl('https://github.com/example/callaider-archive#readme')).toBe(true);
    expect(isAllowedHelpUrl('http://example.com/')).toBe(false);
    expect(isAllowedHelpUrl('file:///etc/passwd')).toBe(false);
    expect(isAllowedHelpUrl('https://user:pass@example.com/')).toBe(false);
    expect(isAllowedHelpUrl('javascript:alert(1)')).toBe(false);
    expect(helpUrlFrom({ homepage: 'https://example.com/archive' })).toBe('https://example.com/archive');
    expect(helpUrlFrom({ repository: { url: 'git+https://github.com/example/callaider-archive.git' } })).toBe('https://github.com/example/callaider-archive');
    expect(helpUrlFrom({ homepage: 'file:///x', repository: 'ssh://git@github.com/x' })).toBeNull();
    expect(helpUrlFrom({})).toBeNull();
  });
});
