/**
 * The hub client against `callaider-archive serve` itself (the real CLI, accounts over HTTPS on
 * 127.0.0.1 with a certificate given by file): the fingerprint the client shows is the one the
 * banner prints, and the person added with `users add` signs in and reads the hub's archive.
 */
import { request } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../electron/core/accounts/tls.js';
import { HubClient, inspectHub, parseHubUrl } from '../../electron/core/hub/hub-client.js';
import type { ArchiveStatus } from '../../shared/api.js';
import { assertBuilt, freePort, runCli, startServe } from '../support/cli.js';
import { onCleanup, tempDir } from '../support/fixtures.js';

const PASSWORD = 'correct horse battery';

/** Chooses the password through the one-time link, as the welcome page does. */
function setPassword(base: URL, cert: string, link: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ link, password: PASSWORD });
    const req = request({ host: base.hostname, port: Number(base.port), path: '/auth/set-password', method: 'POST', ca: cert, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hub client against serve', () => {
  it('shows the fingerprint the banner prints, and signs in as a person added with users add', { timeout: 60_000 }, async () => {
    assertBuilt();
    const dataDir = tempDir();
    const tlsDir = tempDir();
    const tls = await selfSignedCertificate(tlsDir, '127.0.0.1');
    writeFileSync(join(tlsDir, 'cert.pem'), tls.cert);
    writeFileSync(join(tlsDir, 'key.pem'), tls.key);
    const added = runCli(['users', 'add', 'Ana', '--role', 'owner', '--data-dir', dataDir]);
    expect(added.code).toBe(0);
    const link = /#\/welcome\/([A-Za-z0-9_-]{40,})/.exec(added.stdout)![1]!;

    const uiPort = await freePort();
    const serve = await startServe(['--data-dir', dataDir, '--port', '0', '--ui-port', String(uiPort), '--secret', 'hub-secret', '--tls-cert', join(tlsDir, 'cert.pem'), '--tls-key', join(tlsDir, 'key.pem')]);
    const window = /Archive window\s+(https:\/\/\S+)/.exec(serve.stdout())?.[1];
    const printed = /Certificate\s+SHA-256 (\S+)/.exec(serve.stdout())?.[1];
    expect(window).toBeDefined();
    expect(printed).toBe(tls.fingerprint);
    const url = parseHubUrl(window!);
    expect(await setPassword(url, tls.cert, link)).toBe(200);

    expect(await inspectHub(url)).toEqual({ fingerprint: printed, trustedBySystem: false });
    const client = new HubClient({ url, name: 'ana', password: PASSWORD, remember: false, fingerprint: printed! });
    onCleanup(() => client.close());
    expect(await client.start()).toEqual({ name: 'Ana', role: 'owner' });
    const status = await client.call<ArchiveStatus>('status', {});
    expect(status.host).toBe('serve');
    expect(status.dataDir).toBe(dataDir);
  });
});
