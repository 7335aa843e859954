/**
 * The whole desktop shell started against a fake `electron` (everything below it is real): a
 * settings change that restarts the engine must leave the new engine wired to the shell like the
 * first one, so a failed self-test still raises the "may not reach the archive" notification.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../electron/core/log.js';
import { startDesktopApp } from '../../electron/main/desktop-app.js';
import type { ArchiveStatus, SendTestResult } from '../../shared/api.js';
import type { SettingsView } from '../../shared/settings.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { FakeNotification, fakeDesktopElectron, freePort } from './fake-electron.js';

const UNREACHABLE_TITLE = 'CallAIder may not reach the archive';
/** Nothing listens on the discard port: a delivery there is refused at once. */
const UNREACHABLE_PUBLIC_URL = 'http://127.0.0.1:9';

describe('desktop app: engine restart after a settings change', () => {
  it('a failed self-test raises the "may not reach the archive" notification before and after the restart', { timeout: 25_000 }, async () => {
    const userData = tempDir();
    const [firstPort, secondPort] = [await freePort(), await freePort()];
    // An existing install (not a first run, so no setup window), receiving on loopback.
    writeFileSync(join(userData, 'settings.json'), JSON.stringify({ port: firstPort, publicUrl: UNREACHABLE_PUBLIC_URL }));

    FakeNotification.shown = [];
    const { electron, dialog, quitApp, invoke } = fakeDesktopElectron(userData);
    const desktop = startDesktopApp(electron, silentLogger, { platform: 'linux' });
    expect(desktop).not.toBeNull();
    // Quit the way the app does, so the archive closes before the temporary folder is removed,
    // even when an assertion below fails.
    onCleanup(quitApp);
    await desktop!.ready;
    expect(dialog.showErrorBox).not.toHaveBeenCalled();

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
