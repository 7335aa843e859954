/**
 * The desktop app's hub choice against a real hub: trust on first use, a fingerprint that does not
 * match, the choice kept across restarts (with the password only when remembered, encrypted), and
 * disconnecting back to the local archive.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HubLink, hubTrayLine } from '../../electron/core/hub/hub-link.js';
import { plaintextCodec } from '../../electron/core/settings-store.js';
import type { ArchiveStatus } from '../../shared/api.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { HUB_PASSWORD, startHub } from '../support/hub.js';

function link(dataDir: string): HubLink {
  const made = new HubLink({ dataDir, codec: plaintextCodec, client: { retry: { firstMs: 100, maxMs: 400 } }, startRetryMs: [100] });
  onCleanup(() => made.close());
  return made;
}

describe('hub link', () => {
  it('asks to confirm a self-signed hub’s fingerprint, connects with it, and keeps the choice across restarts', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'staff');
    const dataDir = tempDir();
    const first = link(dataDir);
    expect(await first.resume()).toBe(false);
    expect(first.view().mode).toBe('local');
    const request = { url: hub.url.href, name: 'Ana', password: HUB_PASSWORD, remember: true, fingerprint: null };
    const asked = await first.connect(request);
    expect(asked).toMatchObject({ outcome: 'confirm-fingerprint', fingerprint: hub.tls.fingerprint });
    expect(first.active).toBe(false);

    const wrongPin = hub.tls.fingerprint.replace(/^../, hub.tls.fingerprint.startsWith('00') ? '11' : '00');
    await expect(first.connect({ ...request, fingerprint: wrongPin })).rejects.toThrow(/not the one confirmed/);
    const connected = await first.connect({ ...request, fingerprint: hub.tls.fingerprint.toLowerCase() });
    expect(connected.outcome).toBe('connected');
    expect(first.view()).toMatchObject({ mode: 'hub', name: 'Ana', remember: true, fingerprint: hub.tls.fingerprint, user: { name: 'Ana', role: 'staff' } });
    expect((await first.call<ArchiveStatus>('status', {})).host).toBe('serve');
    // The remembered password is kept encrypted by the codec, never as typed.
    const file = readFileSync(join(dataDir, 'hub.json'), 'utf8');
    expect(file).not.toContain(HUB_PASSWORD);
    first.close();

    // The app restarts: it goes back to the hub by itself.
    const again = link(dataDir);
    expect(await again.resume()).toBe(true);
    expect((await again.call<ArchiveStatus>('status', {})).host).toBe('serve');
    const until = Date.now() + 5_000;
    while (again.view().state !== 'connected' && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(hubTrayLine(again.view(), () => '14:05')).toBe(`Connected to ${hub.url.host} as Ana`);

    expect((await again.disconnect()).mode).toBe('local');
    expect(await link(dataDir).resume()).toBe(false);
  });

  it('without "remember", a restart asks to sign in again; while the hub is down it keeps trying', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'owner');
    const dataDir = tempDir();
    const first = link(dataDir);
    await first.connect({ url: hub.url.href, name: 'Ana', password: HUB_PASSWORD, remember: false, fingerprint: hub.tls.fingerprint });
    expect(readFileSync(join(dataDir, 'hub.json'), 'utf8')).not.toContain('password');
    first.close();

    const restarted = link(dataDir);
    expect(await restarted.resume()).toBe(true);
    expect(restarted.view()).toMatchObject({ mode: 'hub', state: 'sign-in-needed', message: expect.stringMatching(/Sign in again/) });
    await expect(restarted.answer('status', {})).rejects.toMatchObject({ code: 'unauthorized' });
    expect(hubTrayLine(restarted.view(), () => '')).toBe(`Sign in again to ${hub.url.host}`);

    // Signing in again while the hub is down: a clear error, and the choice stays.
    await hub.stop();
    await expect(restarted.connect({ url: hub.url.href, name: 'Ana', password: HUB_PASSWORD, remember: true, fingerprint: hub.tls.fingerprint })).rejects.toThrow(/Cannot reach/);
    expect(restarted.view().mode).toBe('hub');
    await hub.start();
    await restarted.connect({ url: hub.url.href, name: 'Ana', password: HUB_PASSWORD, remember: true, fingerprint: hub.tls.fingerprint });
    restarted.close();

    // Remembered, but the hub is down at start-up: unreachable since then, connected once it is back.
    await hub.stop();
    const downAtStart = link(dataDir);
    expect(await downAtStart.resume()).toBe(true);
    expect(downAtStart.view()).toMatchObject({ state: 'unreachable', since: expect.any(Number) });
    expect(hubTrayLine(downAtStart.view(), () => '14:05')).toBe('Hub unreachable since 14:05');
    await hub.start();
    const until = Date.now() + 5_000;
    while (downAtStart.view().state !== 'connected' && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(downAtStart.view().state).toBe('connected');
  });
});
