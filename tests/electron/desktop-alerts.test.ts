/**
 * The desktop app's alerts end to end, against a fake `electron` (everything below it is real):
 * refused deliveries become a notification that opens Setup, and the tray's count and the dock
 * badge follow the owner's follow-up edits.
 */
import { describe, expect, it, vi } from 'vitest';
import { REFUSALS_TITLE } from '../../electron/core/alerts/wording.js';
import { silentLogger } from '../../electron/core/log.js';
import { deliver } from '../../electron/core/send-test.js';
import { SettingsStore } from '../../electron/core/settings-store.js';
import { startDesktopApp } from '../../electron/main/desktop-app.js';
import { safeStorageCodec } from '../../electron/main/secret-codec.js';
import type { ArchiveStatus } from '../../shared/api.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';
import { FakeBrowserWindow, FakeNotification, FakeTray, fakeDesktopElectron, fakeSafeStorage, freePort } from './fake-electron.js';

describe('desktop app: alerts', () => {
  it('a run of refused deliveries notifies and opens Setup; the tray and the badge count the follow-ups', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const userData = tempDir();
    const store = await SettingsStore.open(userData, await safeStorageCodec(fakeSafeStorage() as never, 'linux'));
    await store.update({ settings: { port }, secrets: { webhookSecret: SECRET } });
    FakeTray.instances = [];
    FakeNotification.shown = [];
    const { electron, app, quitApp, invoke } = fakeDesktopElectron(userData);
    const desktop = startDesktopApp(electron, silentLogger, { platform: 'linux', execPath: '/opt/callaider-archive', env: { XDG_CONFIG_HOME: tempDir() } });
    onCleanup(quitApp);
    await desktop!.ready;
    const url = `http://127.0.0.1:${port}/webhook`;

    // CallAIder signs with another secret: three refusals make a run.
    for (let i = 0; i < 3; i += 1) expect((await deliver(url, sessionPair().started, { secret: 'not-the-secret' })).status).toBe(401);
    await vi.waitFor(() => expect(FakeNotification.shown.map((n) => n.options.title)).toContain(REFUSALS_TITLE));
    const refusal = FakeNotification.shown.find((n) => n.options.title === REFUSALS_TITLE)!;
    expect(refusal.options.body).toMatch(/^3 deliveries in the last minute failed the signature check/);
    refusal.emit('click');
    expect(FakeBrowserWindow.instances[0]).toMatchObject({ visible: true, url: 'app://archive/index.html#/setup' });
    expect((await invoke<ArchiveStatus>('status')).warnings.map((w) => w.code)).toContain('refusing');

    // A call arrives; the owner marks it to follow up, then done: the tray and the badge follow.
    const { started, ended } = sessionPair();
    await deliver(url, started, { secret: SECRET });
    await deliver(url, ended, { secret: SECRET });
    const tray = FakeTray.instances.at(-1)!;
    const countShown = async () => {
      const { followUps } = await invoke<ArchiveStatus>('status');
      return followUps.open;
    };
    // Acknowledged means stored; it is indexed (and can be followed up) a moment later.
    await vi.waitFor(() => invoke('getSession', { sessionId: ended.sessionId }), { timeout: 10_000 });
    await invoke('setFollowUp', { sessionId: ended.sessionId, state: 'follow-up' });
    const open = await countShown();
    expect(open).toBeGreaterThanOrEqual(1);
    const words = (n: number) => `${n} call${n === 1 ? '' : 's'} to follow up`;
    await vi.waitFor(() => expect(tray.tooltip).toContain(words(open)));
    expect(tray.menu.some((item) => item.label === `${words(open)}…`)).toBe(true);
    expect(app.setBadgeCount).toHaveBeenLastCalledWith(open);
    await invoke('setFollowUp', { sessionId: ended.sessionId, state: 'done' });
    await vi.waitFor(() => expect(app.setBadgeCount).toHaveBeenLastCalledWith(open - 1));
    if (open - 1 === 0) expect(tray.tooltip).not.toContain('to follow up');
    else expect(tray.tooltip).toContain(words(open - 1));
    (tray.menu.find((item) => String(item.label).includes('follow up'))!.click as () => void)();
    expect(FakeBrowserWindow.instances[0]!.url).toBe('app://archive/index.html#/inbox');
  });
});
