/**
 * The desktop app's hub client against a real hub (accounts over HTTPS on 127.0.0.1, a self-signed
 * certificate): trust on first use by fingerprint, a changed certificate refused before anything
 * is sent, sign-in and roles enforced by the hub, the live stream, reconnecting after the hub
 * restarts, and an expired session signed in again only with a remembered password.
 */
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../electron/core/accounts/tls.js';
import { HubClient, inspectHub, parseHubUrl, type HubClientOptions, type HubState } from '../../electron/core/hub/hub-client.js';
import type { ArchiveChange, ArchiveStatus, SessionPage } from '../../shared/api.js';
import type { AuditEntry } from '../../shared/accounts.js';
import { onCleanup, tempDir } from '../support/fixtures.js';
import { HUB_PASSWORD, startHub, type TestHub } from '../support/hub.js';

function client(hub: TestHub, options: Partial<HubClientOptions> = {}): HubClient {
  const made = new HubClient({ url: hub.url, name: 'Ana', password: HUB_PASSWORD, remember: false, fingerprint: hub.tls.fingerprint, retry: { firstMs: 100, maxMs: 400 }, ...options });
  onCleanup(() => made.close());
  return made;
}

function until<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 8_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const value = check();
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

const HOUR = 3_600_000;

describe('hub client', () => {
  it('takes only https addresses, and says why', () => {
    expect(parseHubUrl(' https://frontdesk.local:4319/#/welcome ').href).toBe('https://frontdesk.local:4319/');
    expect(() => parseHubUrl('http://frontdesk.local:4319')).toThrow(/HTTPS only/);
    expect(() => parseHubUrl('frontdesk')).toThrow(/not an address/);
    expect(() => parseHubUrl('https://ana:pw@frontdesk.local:4319')).toThrow(/own fields/);
  });

  it('shows a self-signed hub’s fingerprint as serve prints it, signs in, and works as that person’s role', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'owner');
    await hub.person('Ben', 'staff');
    const seen = await inspectHub(hub.url);
    expect(seen).toEqual({ fingerprint: hub.tls.fingerprint, trustedBySystem: false });
    expect(seen.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    const staff = client(hub, { name: 'ben' });
    expect(await staff.start()).toEqual({ name: 'Ben', role: 'staff' });
    expect(staff.state).toMatchObject({ kind: 'connecting' });
    await until('connected', () => staff.state.kind === 'connected');
    const status = await staff.call<ArchiveStatus>('status', {});
    expect(status.host).toBe('serve');
    await hub.receiveCall();
    const page = await staff.call<SessionPage>('listSessions', {});
    expect(page.items).toHaveLength(1);
    // The hub decides: staff may not read the audit log, and the refusal is the hub's own.
    await expect(staff.answer('listAuditLog', {})).rejects.toMatchObject({ code: 'forbidden' });
    await expect(staff.answer('listSessions', { limit: -5 })).rejects.toMatchObject({ code: 'bad-request' });

    const owner = client(hub);
    await owner.start();
    const audit = (await owner.call<{ items: AuditEntry[] }>('listAuditLog', {})).items;
    // Newest first: the two sign-ins through the client, after those of choosing the passwords.
    expect(audit.filter((entry) => entry.action === 'sign-in').map((entry) => entry.actor)).toEqual(['Ana', 'Ben', 'Ben', 'Ana']);
  });

  it('refuses a hub whose certificate is not the confirmed one, before sending the password', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'owner');
    const other = await selfSignedCertificate(tempDir(), '127.0.0.1');
    const wary = client(hub, { fingerprint: other.fingerprint });
    const refused = await wary.start().catch((error: Error) => error);
    expect((refused as Error).message).toContain('presented a different certificate');
    expect((refused as Error).message).toContain(other.fingerprint);
    expect((refused as Error).message).toContain(hub.tls.fingerprint);
    // Not even a failed sign-in reached the hub.
    const owner = client(hub);
    await owner.start();
    const audit = (await owner.call<{ items: AuditEntry[] }>('listAuditLog', {})).items;
    // Choosing the password signed in once; the client's sign-in is the other. No failed attempt.
    expect(audit.map((entry) => entry.action)).toEqual(['sign-in', 'sign-in', 'password-set', 'user-added']);
  });

  it('passes on the hub’s reason for a refused sign-in', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'owner');
    const wrong = client(hub, { password: 'not the password at all' });
    await expect(wrong.start()).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/refused the sign-in: .*do not match/) });
    expect(wrong.state.kind).toBe('closed');
  });

  it('hears calls on the live stream, and reconnects after the hub restarts, saying since when it was unreachable', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'owner');
    const hubClient = client(hub);
    const changes: ArchiveChange[] = [];
    const states: HubState[] = [];
    hubClient.on('change', (change) => changes.push(change));
    hubClient.on('state', (state) => states.push(state));
    await hubClient.start();
    await until('connected', () => hubClient.state.kind === 'connected');
    const sessionId = await hub.receiveCall();
    await until('the ended call', () => changes.find((c) => c.type === 'session' && c.sessionId === sessionId && c.event === 'session.ended'));

    await hub.stop();
    const down = await until('unreachable', () => (hubClient.state.kind === 'unreachable' ? hubClient.state : null));
    expect(down.message).toMatch(/unreachable/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Still the moment it first failed, through the retries.
    expect(hubClient.state).toMatchObject({ kind: 'unreachable', since: down.since });
    changes.length = 0;
    await hub.start();
    await until('connected again', () => hubClient.state.kind === 'connected');
    // What happened meanwhile is unknown: windows read everything again.
    expect(changes).toEqual(expect.arrayContaining([{ type: 'sessions-changed' }, { type: 'status' }]));
    expect((await hubClient.call<SessionPage>('listSessions', {})).items).toHaveLength(1);
    expect(states.filter((s) => s.kind === 'unreachable').length).toBeGreaterThanOrEqual(2);
  });

  it('signs in again by itself when the session expired, only with a remembered password', async () => {
    const hub = await startHub();
    await hub.person('Ana', 'owner');
    const remembering = client(hub, { remember: true });
    const forgetting = client(hub, { remember: false });
    await remembering.start();
    await forgetting.start();
    await until('both connected', () => remembering.state.kind === 'connected' && forgetting.state.kind === 'connected');
    hub.advance(13 * HOUR);

    expect((await remembering.call<ArchiveStatus>('status', {})).host).toBe('serve');
    await expect(forgetting.answer('status', {})).rejects.toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/Sign in again/) });
    expect(forgetting.state).toMatchObject({ kind: 'sign-in-needed' });
    // The stream of the remembering client survives the hub ending the old session.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(remembering.state.kind).toBe('connected');
  });
});
