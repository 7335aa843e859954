/**
 * The desktop app connected to an office hub, against a fake `electron` and a real hub (accounts
 * over HTTPS on 127.0.0.1): trust on first use, its own engine stopped (its archive kept), the
 * window's calls answered by the hub with the signed-in person's role, the tray, notifications
 * from the hub's live stream, the choice kept across restarts, and disconnecting.
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { deliver } from '../../electron/core/send-test.js';
import { SettingsStore } from '../../electron/core/settings-store.js';
import { startDesktopApp } from '../../electron/main/desktop-app.js';
import { safeStorageCodec } from '../../electron/main/secret-codec.js';
import type { ArchiveStatus } from '../../shared/api.js';
import type { ConnectHubResult, HubView } from '../../shared/hub.js';
import { onCleanup, SECRET, sessionPair, tempDir } from '../support/fixtures.js';
import { HUB_PASSWORD, startHub } from '../support/hub.js';
import { FakeNotification, FakeTray, fakeDesktopElectron, fakeSafeStorage, freePort } from './fake-electron.js';

async function startDesktop(userData: string) {
  FakeTray.instances = [];
  const fake = fakeDesktopElectron(userData);
  const desktop = startDesktopApp(fake.electron, silentLogger, { platform: 'linux', execPath: '/opt/callaider-archive', env: { XDG_CONFIG_HOME: tempDir() } });
  onCleanup(fake.quitApp);
  await desktop!.ready;
  return { ...fake, tray: () => FakeTray.instances.at(-1)! };
}

describe('desktop app: connected to an office hub', () => {
  it('shows the hub’s archive as the signed-in person, notifies its calls, and keeps its own archive for when it disconnects', { timeout: 60_000 }, async () => {
    const hub = await startHub();
    await hub.person('Ben', 'staff');
    const port = await freePort();
    const userData = tempDir();
    const store = await SettingsStore.open(userData, await safeStorageCodec(fakeSafeStorage() as never, 'linux'));
    await store.update({ settings: { port }, secrets: { webhookSecret: SECRET } });
    const localWebhook = `http://127.0.0.1:${port}/webhook`;

    const first = await startDesktop(userData);
    // Its own archive first, with one call in it.
    const { started, ended } = sessionPair();
    await deliver(localWebhook, started, { secret: SECRET });
    await deliver(localWebhook, ended, { secret: SECRET });
    await vi.waitFor(() => first.invoke('getSession', { sessionId: ended.sessionId }), { timeout: 10_000 });
    expect((await first.invoke<HubView>('hubConnection')).mode).toBe('local');

    const request = { url: hub.url.href, name: 'Ben', password: HUB_PASSWORD, remember: true };
    const asked = await first.invoke<ConnectHubResult>('connectHub', request);
    expect(asked).toMatchObject({ outcome: 'confirm-fingerprint', fingerprint: hub.tls.fingerprint });
    // Not connected until confirmed: still receiving here.
    expect((await first.invoke<ArchiveStatus>('status')).host).toBe('electron');
    const connected = await first.invoke<ConnectHubResult>('connectHub', { ...request, fingerprint: asked.outcome === 'confirm-fingerprint' ? asked.fingerprint : null });
    expect(connected).toMatchObject({ outcome: 'connected', hub: { mode: 'hub', user: { name: 'Ben', role: 'staff' } } });

    // This computer stopped receiving; the window shows the hub, as staff.
    expect((await deliver(localWebhook, sessionPair().started, { secret: SECRET, timeoutMs: 2_000 })).status).toBeNull();
    expect((await first.invoke<ArchiveStatus>('status')).host).toBe('serve');
    await expect(first.invoke('listAuditLog')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(first.invoke('getSession', { sessionId: ended.sessionId })).rejects.toMatchObject({ code: 'not-found' });
    await vi.waitFor(() => expect(first.tray().tooltip).toContain(`Connected to ${hub.url.host} as Ben`), { timeout: 10_000 });
    expect(first.tray().menu.some((item) => item.label === 'Send test event')).toBe(false);

    // A call reaches the hub: a notification here, worded as for local calls.
    FakeNotification.shown = [];
    const fromHub = await hub.receiveCall();
    await vi.waitFor(() => expect(FakeNotification.shown.length).toBeGreaterThan(0), { timeout: 10_000 });
    const session = await first.invoke<{ sessionId: string; followUpState: string }>('getSession', { sessionId: fromHub });
    expect(FakeNotification.shown[0]!.options.title).toMatch(session.followUpState === 'follow-up' ? /./ : /^(Call|Chat) ended · /);

    // The hub goes down and comes back.
    await hub.stop();
    await vi.waitFor(() => expect(first.tray().tooltip).toMatch(/Hub unreachable since /), { timeout: 10_000 });
    await hub.start();
    await vi.waitFor(() => expect(first.tray().tooltip).toContain('Connected to'), { timeout: 20_000 });

    // Restarted, the app goes back to the hub by itself, without starting its own engine.
    await first.quitApp();
    const second = await startDesktop(userData);
    await vi.waitFor(async () => expect((await second.invoke<ArchiveStatus>('status')).host).toBe('serve'), { timeout: 10_000 });
    expect((await deliver(localWebhook, sessionPair().started, { secret: SECRET, timeoutMs: 2_000 })).status).toBeNull();

    // Disconnected: its own archive again, as it was left.
    expect((await second.invoke<HubView>('disconnectHub')).mode).toBe('local');
    const local = await second.invoke<ArchiveStatus>('status');
    expect(local.host).toBe('electron');
    expect(local.counts.sessions).toBe(1);
    await second.invoke('getSession', { sessionId: ended.sessionId });
    expect((await deliver(localWebhook, sessionPair().started, { secret: SECRET })).status).toBe(200);
  });
});
