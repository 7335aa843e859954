import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptFingerprint, loadGivenCertificate, selfSignedCertificate } from '../../electron/core/accounts/tls.js';
import { tempDir } from '../support/fixtures.js';

describe('the archive window certificate', () => {
  it('is generated once, names this machine and the listen address, and is kept (same fingerprint) while it covers them', async () => {
    const dataDir = tempDir();
    const first = await selfSignedCertificate(dataDir, '127.0.0.1');
    expect(first.generated).toBe(true);
    const x509 = new X509Certificate(first.cert);
    expect(x509.checkHost(hostname().toLowerCase())).toBeDefined();
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(first.fingerprint).toBe(x509.fingerprint256);
    expect(first.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(keptFingerprint(dataDir)).toBe(first.fingerprint);
    const again = await selfSignedCertificate(dataDir, 'localhost');
    expect(again.generated).toBe(false);
    expect(again.fingerprint).toBe(first.fingerprint);
    // A listen address it does not name: made anew (the banner shows the new fingerprint).
    const moved = await selfSignedCertificate(dataDir, '192.0.2.10');
    expect(moved.generated).toBe(true);
    expect(new X509Certificate(moved.cert).checkIP('192.0.2.10')).toBe('192.0.2.10');
  });

  it("loads the owner's own certificate, and says so when a file is not one", async () => {
    const made = await selfSignedCertificate(tempDir(), '127.0.0.1');
    const dir = tempDir();
    writeFileSync(join(dir, 'c.pem'), made.cert);
    writeFileSync(join(dir, 'k.pem'), made.key);
    expect(loadGivenCertificate(join(dir, 'c.pem'), join(dir, 'k.pem')).fingerprint).toBe(made.fingerprint);
    expect(() => loadGivenCertificate(join(dir, 'k.pem'), join(dir, 'k.pem'))).toThrow(/not a PEM certificate/);
    expect(() => loadGivenCertificate(join(dir, 'missing.pem'), join(dir, 'k.pem'))).toThrow(/cannot read/);
  });
});
